//! The SDK in a real browser: this suite is compiled to wasm32 and run in
//! headless Chromium by wasm-bindgen-test, against the emulator binary that
//! `.ci/browser` starts with `--cors-origin '*'`. The page and the emulator
//! are two origins, so every call crosses CORS as a web app's would.
//!
//! The emulator's address and service token are compiled in:
//! `AUTHN_EMULATOR_URL` and `AUTHN_EMULATOR_SERVICE_TOKEN` (`.ci/browser`
//! sets both). Natively this file is empty.

#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use authn_session::{
    reqwest, ApiErrorKind, AuthN, Config, Error, ExposeSecret, ListOptions, RefreshOptions,
    TokenKeeper,
};
use serde_json::{json, Value};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const EMULATOR: &str = env!(
    "AUTHN_EMULATOR_URL",
    "set AUTHN_EMULATOR_URL to the emulator's URL (.ci/browser does)"
);
const SERVICE_TOKEN: &str = env!(
    "AUTHN_EMULATOR_SERVICE_TOKEN",
    "set AUTHN_EMULATOR_SERVICE_TOKEN to the emulator's service token (.ci/browser does)"
);

/// A user with sessions `{prefix}_1` and `{prefix}_2`: tokens `ptu_{prefix}_n`
/// and `ptr_{prefix}_n`. Each test has its own user, so tests may share the
/// emulator in any order.
fn user(prefix: &str) -> Value {
    let session = |n: u32| {
        json!({
            "id": format!("pmt_{prefix}_{n}"),
            "user_token": format!("ptu_{prefix}_{n}"),
            "refresh_token": format!("ptr_{prefix}_{n}"),
            "created_at": "2026-11-23T08:00:00Z",
            "expire": "2036-11-23T08:00:00Z",
            "scopes": []
        })
    };
    json!({
        "id": format!("pui_{prefix}"),
        "email": format!("{prefix}@example.com"),
        "sessions": [session(1), session(2)]
    })
}

/// `method path` on the admin API, with the service token.
async fn admin(method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new()
        .request(method, format!("{EMULATOR}{path}"))
        .bearer_auth(SERVICE_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the admin API answers");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

/// Adds `user` to the emulator's state, keeping the users already there.
async fn add_user(user: Value) {
    let mut state = admin(reqwest::Method::GET, "/_emulator/state", None).await;
    state["users"].as_array_mut().unwrap().push(user);
    admin(reqwest::Method::PUT, "/_emulator/state", Some(state)).await;
}

/// The journal's entries for `operation`, in order.
async fn journaled(operation: &str) -> Vec<Value> {
    let journal = admin(reqwest::Method::GET, "/_emulator/journal", None).await;
    let entries = journal.as_array().expect("the journal is an array").iter();
    entries
        .filter(|e| e["operation"] == operation)
        .cloned()
        .collect()
}

fn authn() -> AuthN {
    let config = Config::builder()
        .base_url_template(EMULATOR)
        .retry_backoff(Duration::from_millis(20))
        .poll_interval(Duration::from_millis(20))
        .build()
        .unwrap();
    AuthN::new(SERVICE_TOKEN, config).unwrap()
}

fn ids(sessions: &[authn_session::SessionItem]) -> Vec<String> {
    let mut ids: Vec<String> = sessions.iter().map(|s| s.id.to_string()).collect();
    ids.sort();
    ids
}

#[wasm_bindgen_test]
async fn a_user_lists_refreshes_ends_another_device_and_logs_out() {
    add_user(user("tab")).await;
    let sessions = authn().client().session();

    // "Your other devices".
    let page = sessions
        .list("ptu_tab_1", ListOptions::new())
        .await
        .unwrap();
    assert_eq!(ids(&page.result.sessions), ["pmt_tab_1", "pmt_tab_2"]);

    // Refresh, and pass the rotated token straight back in.
    let refreshed = sessions
        .refresh("ptr_tab_1", RefreshOptions::new().user_token("ptu_tab_1"))
        .await
        .unwrap();
    let token = refreshed.result.active_token.unwrap().token;
    assert_ne!(token.expose_secret(), "ptu_tab_1");
    assert_ne!(
        refreshed.result.refresh_token.token.expose_secret(),
        "ptr_tab_1"
    );

    // End the other device's session.
    sessions.invalidate(&token, "pmt_tab_2").await.unwrap();
    let page = sessions.list(&token, ListOptions::new()).await.unwrap();
    assert_eq!(ids(&page.result.sessions), ["pmt_tab_1"]);

    // Log out: the token is dead.
    sessions.logout(&token).await.unwrap();
    match sessions.list(&token, ListOptions::new()).await {
        Err(Error::Api(api)) => assert_eq!(api.kind, ApiErrorKind::NotFound),
        other => panic!("a dead token must be NotFound, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_503_is_retried_once_as_the_journal_counts() {
    add_user(user("retry")).await;
    admin(reqwest::Method::DELETE, "/_emulator/journal", None).await;
    admin(
        reqwest::Method::POST,
        "/_emulator/faults",
        Some(json!({"path": "/v2/client/session/list", "status": 503, "times": 1})),
    )
    .await;

    let page = authn()
        .client()
        .session()
        .list("ptu_retry_1", ListOptions::new())
        .await
        .unwrap();
    assert_eq!(ids(&page.result.sessions), ["pmt_retry_1", "pmt_retry_2"]);

    let lists = journaled("client_session_list").await;
    assert_eq!(lists.len(), 2, "{lists:?}");
    assert_eq!(lists[0]["status"], 503);
    assert_eq!(lists[1]["status"], 200);
    // The retry names the attempt before it, as Pangea asks.
    assert_eq!(lists[1]["retried_request_ids"], lists[0]["request_id"]);
}

#[wasm_bindgen_test]
async fn a_queued_list_is_polled_to_its_result() {
    add_user(user("queued")).await;
    admin(
        reqwest::Method::POST,
        "/_emulator/faults",
        Some(json!({"path": "/v2/client/session/list", "accept_polls": 2})),
    )
    .await;
    let page = authn()
        .client()
        .session()
        .list("ptu_queued_1", ListOptions::new())
        .await
        .unwrap();
    assert_eq!(ids(&page.result.sessions), ["pmt_queued_1", "pmt_queued_2"]);
}

#[wasm_bindgen_test]
async fn the_token_keeper_refreshes_once_for_every_caller() {
    add_user(user("keeper")).await;
    let keeper = TokenKeeper::new(authn(), "ptu_keeper_1", "ptr_keeper_1");
    admin(reqwest::Method::DELETE, "/_emulator/journal", None).await;
    let mut rotations = keeper.subscribe();
    let (a, b) = futures::future::join(keeper.refresh(), keeper.refresh()).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    let user_token = a.user_token.clone().expect("a refresh gives a user token");
    assert_eq!(
        Some(user_token.expose_secret()),
        b.user_token.as_ref().map(|t| t.expose_secret())
    );
    assert!(rotations.has_changed().unwrap());
    assert_eq!(
        rotations.borrow_and_update().refresh_token.expose_secret(),
        a.refresh_token.expose_secret()
    );
    // The rotated token works.
    let page = authn()
        .client()
        .session()
        .list(user_token, ListOptions::new())
        .await
        .unwrap();
    assert_eq!(page.result.sessions.len(), 2);
    let refreshes = journaled("client_session_refresh").await;
    let answered = refreshes.iter().filter(|e| e["status"] == 200).count();
    assert_eq!(answered, 1, "{refreshes:?}");
}
