//! The emulator as a testing product: reset, state export and import, the
//! clock, user-token lifetimes and the journal, through the library handle and
//! through the HTTP admin API, driven with the SDK as a user's tests would.

use std::time::Duration;

use authn_emulator::{Emulator, EmulatorHandle};
use authn_session::{chrono, ApiErrorKind, AuthN, ListOptions, RefreshOptions, SecretToken};
use authn_session_tests::{emulator_client, emulator_config, listed};
use serde_json::{json, Value};

async fn start(builder: authn_emulator::EmulatorBuilder) -> (EmulatorHandle, AuthN) {
    let emulator = builder.spawn().await.unwrap();
    let authn = emulator_client(&emulator, emulator_config(&emulator).request_retries(0));
    (emulator, authn)
}

fn not_found(err: &authn_session::Error) -> bool {
    err.api().is_some_and(|e| e.kind == ApiErrorKind::NotFound)
}

/// An admin request; returns the status and the JSON body (Null when empty).
async fn admin(
    emulator: &EmulatorHandle,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let http = authn_session::http_client_builder().build().unwrap();
    let url = format!("{}/_emulator/{path}", emulator.base_url());
    let mut request = http
        .request(method.parse().unwrap(), url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, value)
}

#[tokio::test]
async fn export_reset_import_gives_back_a_working_store() {
    let (emulator, authn) = start(Emulator::builder().seed_users(3, 2)).await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    let saved = emulator.dump();

    emulator.reset();
    assert!(listed(&authn).await.is_empty());
    let err = authn
        .client()
        .session()
        .list(session.user_token.as_str(), ListOptions::new())
        .await
        .unwrap_err();
    assert!(not_found(&err), "{err:?}");

    emulator.load(&saved).unwrap();
    assert_eq!(
        emulator.dump(),
        saved,
        "import gives back exactly what was exported"
    );
    assert_eq!(listed(&authn).await.len(), 6);
    // The imported tokens work: refresh with the exported refresh token.
    let fresh = authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap();
    assert_eq!(fresh.result.refresh_token.id.to_string().len(), 36);
}

#[tokio::test]
async fn advancing_the_clock_expires_a_session() {
    let (emulator, authn) = start(Emulator::builder().seed_users(1, 2)).await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    // Seeded sessions expire in two days.
    emulator
        .clock()
        .advance(Duration::from_secs(2 * 24 * 3600 + 60));
    assert!(listed(&authn).await.is_empty());
    let err = authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap_err();
    assert!(
        not_found(&err),
        "an expired session cannot be refreshed: {err:?}"
    );
}

#[tokio::test]
async fn a_user_token_can_expire_before_its_session_and_refresh_renews_it() {
    let life = Duration::from_secs(15 * 60);
    let (emulator, authn) = start(Emulator::builder().seed_users(1, 1).user_token_life(life)).await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    let client = authn.client().session();
    let page = client
        .list(session.user_token.as_str(), ListOptions::new())
        .await
        .unwrap();
    let token_life = page.result.sessions[0].active_token.as_ref().unwrap().life;
    assert!((0..=900).contains(&token_life), "{token_life}");

    emulator.clock().advance(Duration::from_secs(16 * 60));
    let err = client
        .list(session.user_token.as_str(), ListOptions::new())
        .await
        .unwrap_err();
    assert!(not_found(&err), "an expired user token is refused: {err:?}");
    // The session lives on: its refresh token issues a new user token, with a new expiry.
    let before = emulator.clock().now();
    let fresh = client
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap();
    let active = fresh.result.active_token.unwrap();
    let life = chrono::Duration::seconds(900);
    assert!(active.expire > before + life - chrono::Duration::seconds(1));
    assert!(active.expire <= emulator.clock().now() + life);
    assert!(active.life > 0 && active.life <= 900);
    let user_token: SecretToken = active.token;
    assert_eq!(
        client
            .list(&user_token, ListOptions::new())
            .await
            .unwrap()
            .result
            .sessions
            .len(),
        1
    );
}

#[tokio::test]
async fn the_journal_records_every_request_in_order_without_tokens() {
    let (emulator, authn) = start(Emulator::builder().seed_users(1, 2)).await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    let err = authn
        .session()
        .invalidate("pmt_nosuchsession")
        .await
        .unwrap_err();
    authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap();

    let journal = emulator.journal();
    let entries = journal.entries();
    let seen: Vec<(&str, Option<&str>, u16)> = entries
        .iter()
        .map(|e| (e.path.as_str(), e.operation.as_deref(), e.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("/v2/session/list", Some("session_list"), 200),
            ("/v2/session/invalidate", Some("session_invalidate"), 404),
            (
                "/v2/client/session/refresh",
                Some("client_session_refresh"),
                200
            ),
        ]
    );
    assert_eq!(
        entries[0].request_id.as_deref(),
        Some(page.request_id.as_str())
    );
    assert_eq!(entries[1].request_id.as_deref(), err.request_id());
    assert_eq!(journal.count("client_session_refresh"), 1);
    assert_eq!(journal.count("/v2/session/list"), 1);
    let printed = serde_json::to_string(&entries).unwrap();
    assert!(!printed.contains(&session.refresh_token) && !printed.contains(&session.user_token));
    journal.clear();
    assert!(journal.entries().is_empty());
}

#[tokio::test]
async fn the_admin_api_over_http() {
    let (emulator, authn) = start(Emulator::builder().seed_users(2, 2)).await;
    let token = emulator.service_token().to_string();
    for path in ["state", "clock", "journal"] {
        assert_eq!(
            admin(&emulator, "GET", path, "pts_wrong", None).await.0,
            401
        );
    }

    // State: export and import round trip exactly.
    let (status, state) = admin(&emulator, "GET", "state", &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(state["users"].as_array().unwrap().len(), 2);
    assert_eq!(admin(&emulator, "POST", "reset", &token, None).await.0, 204);
    assert_eq!(
        admin(&emulator, "GET", "state", &token, None).await.1,
        json!({"users": []})
    );
    assert_eq!(
        admin(&emulator, "PUT", "state", &token, Some(state.clone()))
            .await
            .0,
        204
    );
    assert_eq!(
        admin(&emulator, "GET", "state", &token, None).await.1,
        state
    );

    // A malformed document is refused with field errors, and the state stays.
    let mut bad = state.clone();
    bad["users"][0]["sessions"][0]["expire"] = json!("soon");
    let (status, body) = admin(&emulator, "PUT", "state", &token, Some(bad)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["status"], "ValidationError");
    let (status, body) = admin(
        &emulator,
        "PUT",
        "state",
        &token,
        Some(json!({"people": []})),
    )
    .await;
    assert_eq!(
        (status, body["result"]["errors"][0]["source"].as_str()),
        (400, Some("/people"))
    );
    assert_eq!(
        admin(&emulator, "GET", "state", &token, None).await.1,
        state
    );

    // Clock: read, set, advance; bad changes refused.
    let (_, clock) = admin(
        &emulator,
        "POST",
        "clock",
        &token,
        Some(json!({"now": "2031-01-01T00:00:00Z"})),
    )
    .await;
    assert!(
        clock["now"]
            .as_str()
            .unwrap()
            .starts_with("2031-01-01T00:00:0"),
        "{clock}"
    );
    let (_, clock) = admin(
        &emulator,
        "POST",
        "clock",
        &token,
        Some(json!({"advance_secs": 86400})),
    )
    .await;
    assert!(
        clock["now"]
            .as_str()
            .unwrap()
            .starts_with("2031-01-02T00:00:0"),
        "{clock}"
    );
    for bad in [
        json!({"advance_secs": -5}),
        json!({"advance": 5}),
        json!({}),
        json!({"now": "later"}),
    ] {
        let (status, body) = admin(&emulator, "POST", "clock", &token, Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["status"], "ValidationError");
    }
    let (_, clock) = admin(&emulator, "GET", "clock", &token, None).await;
    assert!(
        clock["now"]
            .as_str()
            .unwrap()
            .starts_with("2031-01-02T00:00:0"),
        "{clock}"
    );

    // Journal: the API's requests, not the admin ones.
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    assert!(
        page.result.sessions.is_empty(),
        "in 2031 the seeded sessions have expired"
    );
    let (_, journal) = admin(&emulator, "GET", "journal", &token, None).await;
    let journal = journal.as_array().unwrap();
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(journal[0]["operation"], "session_list");
    assert_eq!(
        admin(&emulator, "DELETE", "journal", &token, None).await.0,
        204
    );
    assert_eq!(
        admin(&emulator, "GET", "journal", &token, None).await.1,
        json!([])
    );
}
