//! The SDK against the emulator over real HTTP: every endpoint, the error
//! paths, pagination over hundreds of sessions, and concurrent refresh.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use authn_emulator::{EmulatorHandle, FixtureSession, FixtureUser, Fixtures};
use authn_session::{
    ApiErrorKind, AuthN, Config, Error, ExposeSecret, ItemOrder, ListOptions, RefreshOptions,
    SessionListFilter, SessionListOrderBy,
};
use authn_session_tests::{emulator_with, listed};
use futures::TryStreamExt;
use serde_json::json;

fn session(n: usize, user: &str, created: &str, expire: &str) -> FixtureSession {
    FixtureSession {
        id: format!("pmt_{user}{n:04}"),
        user_token: format!("ptu_{user}{n:04}"),
        refresh_token: format!("ptr_{user}{n:04}"),
        created_at: created.into(),
        expire: expire.into(),
        user_token_expire: None,
        scopes: if n.is_multiple_of(2) {
            vec!["even".into()]
        } else {
            Vec::new()
        },
        ..FixtureSession::default()
    }
}

fn user(name: &str, sessions: usize) -> FixtureUser {
    FixtureUser {
        id: format!("pui_{name}"),
        email: format!("{name}@example.com"),
        profile: BTreeMap::from([("first_name".into(), name.into())]),
        sessions: (0..sessions)
            .map(|n| {
                session(
                    n,
                    name,
                    &format!("2026-11-{:02}T08:00:00Z", 1 + n % 20),
                    "2099-01-01T00:00:00Z",
                )
            })
            .collect(),
        ..FixtureUser::default()
    }
}

async fn start(users: Vec<FixtureUser>) -> (EmulatorHandle, AuthN) {
    emulator_with("pts_emulatortests", Fixtures { users }).await
}

fn kind(err: &Error) -> ApiErrorKind {
    err.api()
        .unwrap_or_else(|| panic!("not an API error: {err:?}"))
        .kind
        .clone()
}

#[tokio::test]
async fn service_endpoints_list_invalidate_and_log_out() {
    let (_emulator, authn) = start(vec![user("alice", 3), user("bob", 2)]).await;
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(page.result.sessions.len(), 5);
    assert_eq!(
        page.result.last.as_deref(),
        Some(""),
        "last is always present, empty at the end"
    );
    assert!(page.request_id.starts_with("prq_"));

    authn.session().invalidate("pmt_alice0001").await.unwrap();
    let err = authn
        .session()
        .invalidate("pmt_alice0001")
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::NotFound);
    let err = authn
        .client()
        .session()
        .list("ptu_alice0001", ListOptions::new())
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        ApiErrorKind::NotFound,
        "an ended session's token stops working"
    );

    authn.session().logout("pui_alice").await.unwrap();
    let left: Vec<String> = authn
        .session()
        .list_all(ListOptions::new())
        .map_ok(|s| s.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left, ["pmt_bob0000", "pmt_bob0001"]);
    let err = authn.session().logout("pui_nobody").await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::NotFound);
}

#[tokio::test]
async fn client_endpoints_reach_only_the_tokens_own_user() {
    let (_emulator, authn) = start(vec![user("alice", 2), user("bob", 2)]).await;
    let client = authn.client().session();
    let mine = client
        .list("ptu_alice0000", ListOptions::new())
        .await
        .unwrap();
    let ids: Vec<&str> = mine.result.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["pmt_alice0000", "pmt_alice0001"]);

    let err = client
        .invalidate("ptu_alice0000", "pmt_bob0000")
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        ApiErrorKind::NotFound,
        "alice cannot end bob's session"
    );
    let err = client
        .invalidate("ptu_bob0000", "pmt_alice0000")
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        ApiErrorKind::NotFound,
        "bob cannot end alice's session"
    );
    let bobs = client
        .list("ptu_bob0000", ListOptions::new())
        .await
        .unwrap();
    let ids: Vec<&str> = bobs.result.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["pmt_bob0000", "pmt_bob0001"]);

    let err = client
        .refresh(
            "ptr_bob0000",
            RefreshOptions::new().user_token("ptu_alice0000"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        ApiErrorKind::ValidationError,
        "a user token of another session is refused"
    );

    client
        .invalidate("ptu_alice0000", "pmt_alice0001")
        .await
        .unwrap();
    client.logout("ptu_alice0000").await.unwrap();
    let err = client
        .list("ptu_alice0000", ListOptions::new())
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::NotFound);
    let all = authn.session().list(ListOptions::new()).await.unwrap();
    let left: Vec<&str> = all.result.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        left,
        ["pmt_bob0000", "pmt_bob0001"],
        "alice's logout ended alice's sessions only"
    );
    client
        .invalidate("ptu_bob0000", "pmt_bob0001")
        .await
        .unwrap();
    let left: Vec<String> = listed(&authn)
        .await
        .iter()
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(left, ["pmt_bob0000"], "bob ends his own");
}

#[tokio::test]
async fn refresh_rotates_tokens_and_spends_the_old_refresh_token() {
    let (emulator, authn) = start(vec![user("alice", 1)]).await;
    let client = authn.client().session();
    let first = client
        .refresh(
            "ptr_alice0000",
            RefreshOptions::new().user_token("ptu_alice0000"),
        )
        .await
        .unwrap();
    let new_refresh = first.result.refresh_token.token.expose_secret().to_string();
    let new_user = first
        .result
        .active_token
        .as_ref()
        .unwrap()
        .token
        .expose_secret()
        .to_string();
    assert!(new_refresh.starts_with("ptr_") && new_user.starts_with("ptu_"));
    assert_ne!(new_refresh, "ptr_alice0000");

    let err = client
        .refresh("ptr_alice0000", RefreshOptions::new())
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        ApiErrorKind::NotFound,
        "a spent refresh token is refused"
    );
    let err = client
        .list("ptu_alice0000", ListOptions::new())
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        ApiErrorKind::NotFound,
        "the old user token stops working"
    );
    assert_eq!(
        client
            .list(&new_user, ListOptions::new())
            .await
            .unwrap()
            .result
            .sessions
            .len(),
        1
    );
    let second = client
        .refresh(&new_refresh, RefreshOptions::new())
        .await
        .unwrap();

    let dumped = emulator.dump();
    assert_eq!(
        dumped.users[0].sessions[0].refresh_token,
        second.result.refresh_token.token.expose_secret(),
        "dump shows the current tokens"
    );
}

#[tokio::test]
async fn twenty_concurrent_refreshes_of_one_token_succeed_exactly_once() {
    let (_emulator, authn) = start(vec![user("alice", 1)]).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let authn = authn.clone();
            tokio::spawn(async move {
                authn
                    .client()
                    .session()
                    .refresh("ptr_alice0000", RefreshOptions::new())
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(err) => assert_eq!(kind(&err), ApiErrorKind::NotFound),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn pagination_over_hundreds_of_sessions_is_exact_in_every_order() {
    let (_emulator, authn) = start(vec![
        user("alice", 150),
        user("bob", 150),
        user("carol", 37),
    ])
    .await;
    for (order, order_by) in [
        (ItemOrder::Asc, SessionListOrderBy::Id),
        (ItemOrder::Desc, SessionListOrderBy::CreatedAt),
        (ItemOrder::Asc, SessionListOrderBy::Email),
        (ItemOrder::Desc, SessionListOrderBy::Expire),
    ] {
        let options = ListOptions::new().order(order).order_by(order_by).size(7);
        let pages: Vec<_> = authn
            .session()
            .list_pages(options)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 337usize.div_ceil(7));
        let ids: Vec<String> = pages
            .iter()
            .flat_map(|p| p.result.sessions.iter().map(|s| s.id.to_string()))
            .collect();
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(
            (ids.len(), unique.len()),
            (337, 337),
            "{order:?} {order_by:?}"
        );
    }
    let sorted: Vec<String> = authn
        .session()
        .list_all(
            ListOptions::new()
                .order(ItemOrder::Desc)
                .order_by(SessionListOrderBy::Id)
                .size(50),
        )
        .map_ok(|s| s.id.to_string())
        .try_collect()
        .await
        .unwrap();
    let mut expected = sorted.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(sorted, expected);
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let (_emulator, authn) = start(vec![user("alice", 10), user("bob", 5)]).await;
    let count = |filter: SessionListFilter| {
        let authn = authn.clone();
        async move {
            authn
                .session()
                .list_all(ListOptions::new().filter(filter))
                .try_collect::<Vec<_>>()
                .await
                .unwrap()
                .len()
        }
    };
    let t = |s: &str| {
        s.parse::<authn_session::chrono::DateTime<authn_session::chrono::Utc>>()
            .unwrap()
    };
    assert_eq!(
        count(SessionListFilter::new().email("bob@example.com")).await,
        5
    );
    // `__contains` is "each": Pangea's spec, not "any".
    assert_eq!(
        count(SessionListFilter::new().email_contains(["alice", "nobody"])).await,
        0
    );
    assert_eq!(
        count(SessionListFilter::new().email_contains(["alice", "@example.com"])).await,
        10
    );
    assert_eq!(
        count(SessionListFilter::new().id_contains(["pmt_", "bob"])).await,
        5
    );
    assert_eq!(
        count(SessionListFilter::new().identity_in(["pui_alice", "pui_bob"])).await,
        15
    );
    assert_eq!(
        count(SessionListFilter::new().id_contains(["bob000"])).await,
        5
    );
    assert_eq!(count(SessionListFilter::new().scopes(["even"])).await, 8);
    assert_eq!(
        count(SessionListFilter::new().created_at_gte(t("2026-11-05T08:00:00Z"))).await,
        7
    );
    assert_eq!(
        count(
            SessionListFilter::new()
                .created_at_gt(t("2026-11-02T00:00:00Z"))
                .created_at_lt(t("2026-11-04T00:00:00Z"))
        )
        .await,
        4
    );
    assert_eq!(
        count(SessionListFilter::new().expire_lt(t("2026-01-01T00:00:00Z"))).await,
        0
    );
    // Each bound at a listed session's own time: alice's and bob's second
    // sessions were created at exactly 2026-11-02T08:00:00Z.
    let second = t("2026-11-02T08:00:00Z");
    assert_eq!(count(SessionListFilter::new().created_at(second)).await, 2);
    assert_eq!(
        count(SessionListFilter::new().created_at_gt(second)).await,
        11
    );
    assert_eq!(
        count(SessionListFilter::new().created_at_gte(second)).await,
        13
    );
    assert_eq!(
        count(SessionListFilter::new().created_at_lt(second)).await,
        2
    );
    assert_eq!(
        count(SessionListFilter::new().created_at_lte(second)).await,
        4
    );
}

#[tokio::test]
async fn expired_sessions_are_neither_listed_nor_usable() {
    let mut alice = user("alice", 1);
    alice.sessions.push(session(
        9,
        "alice",
        "2020-01-01T00:00:00Z",
        "2020-01-02T00:00:00Z",
    ));
    let (_emulator, authn) = start(vec![alice]).await;
    assert_eq!(listed(&authn).await.len(), 1);
    let client = authn.client().session();
    let err = client
        .list("ptu_alice0009", ListOptions::new())
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::NotFound);
    let err = client
        .refresh("ptr_alice0009", RefreshOptions::new())
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::NotFound);
    let err = authn
        .session()
        .invalidate("pmt_alice0009")
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::NotFound);
}

#[tokio::test]
async fn a_wrong_service_token_is_unauthorized() {
    let (emulator, _) = start(vec![user("alice", 1)]).await;
    let config = Config::builder()
        .base_url_template(emulator.base_url())
        .build()
        .unwrap();
    let authn = AuthN::new("pts_wrong", config).unwrap();
    let err = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert_eq!(kind(&err), ApiErrorKind::Unauthorized);
    assert_eq!(err.api().unwrap().http_status, 401);
}

#[tokio::test]
async fn invalid_bodies_get_field_errors_with_the_official_codes() {
    let (emulator, _) = start(vec![user("alice", 1)]).await;
    let http = authn_session::http_client_builder().build().unwrap();
    const LIST: &str = "/v2/session/list";
    let cases = [
        (LIST, json!({"size": 0}), "/size", "NotWithinRange"),
        (LIST, json!({"size": "5"}), "/size", "InvalidInteger"),
        (LIST, json!({"size": 2.5}), "/size", "InvalidInteger"),
        (
            LIST,
            json!({"order": "sideways"}),
            "/order",
            "NotEnumMember",
        ),
        (
            LIST,
            json!({"filter": {"created_at__gt": "yesterday"}}),
            "/filter/created_at__gt",
            "BadFormatDateTime",
        ),
        (LIST, json!({"filter": null}), "/filter", "InvalidNull"),
        (LIST, json!({"filter": []}), "/filter", "InvalidObject"),
        (
            LIST,
            json!({"surprise": 1}),
            "/surprise",
            "UnexpectedProperty",
        ),
        (
            LIST,
            json!({"filter": {"email__contains": "x"}}),
            "/filter/email__contains",
            "InvalidArray",
        ),
        (
            LIST,
            json!({"filter": {"enabled": "yes"}}),
            "/filter/enabled",
            "InvalidBool",
        ),
        (
            LIST,
            json!({"filter": {"nickname": "al"}}),
            "/filter/nickname",
            "UnexpectedProperty",
        ),
        (
            LIST,
            json!({"filter": {"profile_first_name": "Alice"}}),
            "/filter/profile_first_name",
            "UnexpectedProperty",
        ),
        (
            LIST,
            json!({"filter": {"profile_phone__exists": "yes"}}),
            "/filter/profile_phone__exists",
            "InvalidBool",
        ),
        (
            LIST,
            json!({"filter": {"profile_title__contains": "lead"}}),
            "/filter/profile_title__contains",
            "InvalidArray",
        ),
        (
            "/v2/session/invalidate",
            json!({}),
            "/session_id",
            "FieldRequired",
        ),
        (
            "/v2/session/invalidate",
            json!({"session_id": ""}),
            "/session_id",
            "BelowMinLength",
        ),
        (
            "/v2/session/invalidate",
            json!({"session_id": "pmt_x", "user_initiated": "yes"}),
            "/user_initiated",
            "InvalidBool",
        ),
        (
            "/v2/session/logout",
            json!({"user_id": 42}),
            "/user_id",
            "InvalidString",
        ),
        (
            "/v2/session/logout",
            json!({"user_id": "alice\nsmith"}),
            "/user_id",
            "DoesNotMatchPattern",
        ),
        (
            "/v2/client/session/refresh",
            json!({"refresh_token": ""}),
            "/refresh_token",
            "BelowMinLength",
        ),
        (
            "/v2/client/session/logout",
            json!({"token": ["x"]}),
            "/token",
            "InvalidString",
        ),
        (
            "/v2/client/session/list",
            json!({"token": "ptu_x", "filter": {"id__in": ["a", 2]}}),
            "/filter/id__in/1",
            "InvalidString",
        ),
        // A well-formed value the emulator's own control endpoint refuses.
        (
            "/_emulator/clock",
            json!({"advance_secs": -5}),
            "/advance_secs",
            "InvalidValue",
        ),
    ];
    let mut seen = BTreeSet::from(["InvalidObject"]);
    for (path, body, source, code) in cases {
        seen.insert(code);
        let response = http
            .post(format!("{}{path}", emulator.base_url()))
            .bearer_auth(emulator.service_token())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path} {body}");
        let envelope: serde_json::Value = response.json().await.unwrap();
        assert_eq!(envelope["status"], "ValidationError");
        let error = &envelope["result"]["errors"][0];
        assert_eq!(
            (error["source"].as_str(), error["code"].as_str()),
            (Some(source), Some(code)),
            "{path} {body}: {error}"
        );
    }
    let response = http
        .post(format!("{}{LIST}", emulator.base_url()))
        .bearer_auth(emulator.service_token())
        .body("not json")
        .send()
        .await
        .unwrap();
    let envelope: serde_json::Value = response.json().await.unwrap();
    assert_eq!(envelope["result"]["errors"][0]["code"], "InvalidObject");
    // In JSON Schema 2020-12, Pangea's spec language, 5.0 is an integer.
    let response = http
        .post(format!("{}{LIST}", emulator.base_url()))
        .bearer_auth(emulator.service_token())
        .json(&json!({"size": 5.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Every code the emulator can send has a case above, and no case sends another.
    assert_eq!(
        seen,
        authn_emulator::FIELD_ERROR_CODES.iter().copied().collect(),
    );
}

#[tokio::test]
async fn cursors_work_for_ids_with_any_characters() {
    let mut alice = user("alice", 0);
    alice.sessions = ["pmt_a|1", "pmt_a|2", "pmt_b.3", "pmt_c|d|4", "pmt_e%5"]
        .iter()
        .enumerate()
        .map(|(n, id)| FixtureSession {
            id: id.to_string(),
            ..session(n, "alice", "2026-11-01T08:00:00Z", "2099-01-01T00:00:00Z")
        })
        .collect();
    let (_emulator, authn) = start(vec![alice]).await;
    for order_by in [SessionListOrderBy::Id, SessionListOrderBy::CreatedAt] {
        for order in [ItemOrder::Asc, ItemOrder::Desc] {
            let ids: Vec<String> = authn
                .session()
                .list_all(ListOptions::new().size(2).order(order).order_by(order_by))
                .map_ok(|s| s.id.to_string())
                .try_collect()
                .await
                .unwrap();
            let mut expected = vec!["pmt_a|1", "pmt_a|2", "pmt_b.3", "pmt_c|d|4", "pmt_e%5"];
            if order == ItemOrder::Desc {
                expected.reverse();
            }
            assert_eq!(ids, expected, "{order_by} {order}");
        }
    }
}
