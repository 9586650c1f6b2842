//! What Pangea's own published AuthN spec says, held true end to end against
//! the emulator: JWT user tokens, identities with spaces, `__contains` meaning
//! "each", the username, enabled and profile filters, `user_initiated`, and
//! the token fields of results.

use std::collections::BTreeMap;

use authn_emulator::{EmulatorHandle, FixtureSession, FixtureUser, Fixtures};
use authn_session::{
    AuthN, ExposeSecret, InvalidateOptions, ListOptions, RefreshOptions, SessionListFilter,
};
use authn_session_tests::emulator_with;
use futures::TryStreamExt;
use serde_json::json;

/// A JWT of the size real ones with custom claims reach (about 2.5 KB).
fn jwt() -> String {
    let segment = |n: usize| {
        (0..n)
            .map(|i| {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[i * 7 % 64]
                    as char
            })
            .collect::<String>()
    };
    format!("eyJhbGciOiJSUzI1NiJ9.{}.{}", segment(2000), segment(342))
}

fn session(id: &str, created_at: &str) -> FixtureSession {
    FixtureSession {
        id: id.into(),
        user_token: format!("ptu_{id}"),
        refresh_token: format!("ptr_{id}"),
        created_at: created_at.into(),
        expire: "2099-01-01T00:00:00Z".into(),
        ..FixtureSession::default()
    }
}

fn fixtures() -> Fixtures {
    let alice = FixtureUser {
        id: "pui_alice".into(),
        email: "alice@acme.de".into(),
        username: Some("alice.liddell".into()),
        profile: BTreeMap::from([
            ("department".into(), "security operations".into()),
            ("phone".into(), "+49 30 1234".into()),
        ]),
        sessions: vec![
            FixtureSession {
                user_token: jwt(),
                audience: Some(vec!["web".into()]),
                client_id: Some("psa_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a".into()),
                claims:
                    json!({"tier": 3, "beta": true, "org": {"id": "org_1", "roles": ["admin"]}})
                        .as_object()
                        .unwrap()
                        .clone(),
                ..session("pmt_alicejwt", "2026-11-01T08:00:00Z")
            },
            session("pmt_alicephone", "2026-11-02T08:00:00Z"),
        ],
        ..FixtureUser::default()
    };
    let bot = FixtureUser {
        id: "svc:ops/o'brien bot".into(),
        email: "bot@acme.com".into(),
        enabled: false,
        profile: BTreeMap::from([("department".into(), "ops".into())]),
        sessions: vec![session("pmt_bot", "2026-11-03T08:00:00Z")],
        ..FixtureUser::default()
    };
    let carol = FixtureUser {
        id: "pui_carol".into(),
        email: "carol@example.de".into(),
        sessions: vec![session("pmt_carol", "2026-11-04T08:00:00Z")],
        ..FixtureUser::default()
    };
    Fixtures {
        users: vec![alice, bot, carol],
    }
}

async fn start() -> (EmulatorHandle, AuthN) {
    emulator_with("pts_fidelity", fixtures()).await
}

async fn ids(authn: &AuthN, filter: SessionListFilter) -> Vec<String> {
    let mut ids: Vec<String> = authn
        .session()
        .list_all(ListOptions::new().filter(filter))
        .map_ok(|s| s.id.to_string())
        .try_collect()
        .await
        .unwrap();
    ids.sort();
    ids
}

#[tokio::test]
async fn contains_means_each_substring_for_list_and_invalidate_all() {
    let (emulator, authn) = start().await;
    // "@acme" alone matches alice and the bot; with ".de" only alice.
    let both = SessionListFilter::new().email_contains(["@acme", ".de"]);
    assert_eq!(
        ids(&authn, both.clone()).await,
        ["pmt_alicejwt", "pmt_alicephone"]
    );
    let report = authn
        .session()
        .invalidate_all(ListOptions::new().filter(both))
        .await
        .unwrap();
    assert_eq!((report.matched(), report.ended()), (2, 2));
    let live: Vec<String> = emulator
        .dump()
        .users
        .iter()
        .flat_map(|u| u.sessions.iter().map(|s| s.id.clone()))
        .collect();
    assert_eq!(live, ["pmt_bot", "pmt_carol"]);
}

#[tokio::test]
async fn username_enabled_type_and_profile_filters() {
    let (_emulator, authn) = start().await;
    let alice = ["pmt_alicejwt", "pmt_alicephone"];
    assert_eq!(
        ids(&authn, SessionListFilter::new().username("alice.liddell")).await,
        alice
    );
    // A user without a username is matched by their email.
    assert_eq!(
        ids(
            &authn,
            SessionListFilter::new().username("carol@example.de")
        )
        .await,
        ["pmt_carol"]
    );
    assert_eq!(
        ids(
            &authn,
            SessionListFilter::new().username_contains(["alice", "liddell"])
        )
        .await,
        alice
    );
    assert_eq!(
        ids(&authn, SessionListFilter::new().enabled(false)).await,
        ["pmt_bot"]
    );
    assert_eq!(
        ids(&authn, SessionListFilter::new().enabled(true))
            .await
            .len(),
        3
    );
    assert_eq!(
        ids(&authn, SessionListFilter::new().type_("session"))
            .await
            .len(),
        4
    );
    assert_eq!(
        ids(&authn, SessionListFilter::new().type_("user"))
            .await
            .len(),
        0
    );
    assert_eq!(
        ids(
            &authn,
            SessionListFilter::new().profile("department", "ops")
        )
        .await,
        ["pmt_bot"]
    );
    assert_eq!(
        ids(
            &authn,
            SessionListFilter::new().profile_contains("department", ["oper", "security"])
        )
        .await,
        alice
    );
    assert_eq!(
        ids(
            &authn,
            SessionListFilter::new().profile_exists("phone", true)
        )
        .await,
        alice
    );
    assert_eq!(
        ids(
            &authn,
            SessionListFilter::new().profile_exists("department", false)
        )
        .await,
        ["pmt_carol"]
    );
}

#[tokio::test]
async fn a_jwt_user_token_lists_refreshes_and_logs_out() {
    let (emulator, authn) = start().await;
    let token = jwt();
    assert!(token.len() > 2000);
    let client = authn.client().session();
    let page = client
        .list(token.as_str(), ListOptions::new())
        .await
        .unwrap();
    assert_eq!(page.result.sessions.len(), 2);
    let fresh = client
        .refresh("ptr_pmt_alicejwt", RefreshOptions::new().user_token(&token))
        .await
        .unwrap();
    // The rotated token goes straight back in; the JWT is spent.
    let active = fresh.result.active_token.unwrap();
    client
        .invalidate(&active.token, "pmt_alicephone")
        .await
        .unwrap();
    client.logout(active.token).await.unwrap();
    assert!(client.list(token, ListOptions::new()).await.is_err());
    assert_eq!(emulator.dump().users[0].sessions.len(), 0);
}

#[tokio::test]
async fn an_identity_with_spaces_logs_out() {
    let (emulator, authn) = start().await;
    authn.session().logout("svc:ops/o'brien bot").await.unwrap();
    assert!(emulator.dump().users[1].sessions.is_empty());
    assert_eq!(emulator.dump().users[0].sessions.len(), 2);
}

#[tokio::test]
async fn user_initiated_invalidate_ends_the_session() {
    let (emulator, authn) = start().await;
    authn
        .session()
        .invalidate_with("pmt_carol", InvalidateOptions::new().user_initiated(true))
        .await
        .unwrap();
    assert!(emulator.dump().users[2].sessions.is_empty());
}

#[tokio::test]
async fn results_carry_the_official_token_fields() {
    let (_emulator, authn) = start().await;
    let filter = SessionListFilter::new().id("pmt_alicejwt");
    let page = authn
        .session()
        .list(ListOptions::new().filter(filter))
        .await
        .unwrap();
    let item = &page.result.sessions[0];
    assert_eq!(
        (item.type_.as_str(), item.identity.as_str()),
        ("session", "pui_alice")
    );
    assert!(item.life >= 1);
    let token = item.active_token.as_ref().unwrap();
    assert_eq!((token.type_.as_str(), token.enabled), ("user", Some(true)));
    assert_eq!(token.audience.as_deref(), Some(&["web".to_string()][..]));
    assert_eq!(
        token.client_id.as_deref().map(String::as_str),
        Some("psa_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a")
    );
    assert_eq!(token.claims["org"]["roles"], json!(["admin"]));
    let fresh = authn
        .client()
        .session()
        .refresh("ptr_pmt_alicejwt", RefreshOptions::new())
        .await
        .unwrap();
    let refresh = &fresh.result.refresh_token;
    assert_eq!(refresh.claims["tier"], 3);
    assert!(refresh.token.expose_secret().starts_with("ptr_"));
}

#[tokio::test]
async fn the_client_list_has_no_count() {
    let (emulator, _authn) = start().await;
    let http = authn_session::http_client_builder().build().unwrap();
    let body: serde_json::Value = http
        .post(format!("{}/v2/client/session/list", emulator.base_url()))
        .bearer_auth(emulator.service_token())
        .json(&json!({"token": "ptu_pmt_carol"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let result = body["result"].as_object().unwrap();
    assert!(result.contains_key("sessions") && !result.contains_key("count"));
}
