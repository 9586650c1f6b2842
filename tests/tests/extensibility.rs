//! What users plug in: their own `reqwest::Client`, the raw generated client as
//! an escape hatch, and the `test-util` constructors for their own tests.

use authn_emulator::Emulator;
use authn_session::{
    http_client_builder, raw, reqwest, types::SessionListRequest, ApiError, ApiErrorKind, AuthN,
    Config, Error, ListOptions, PangeaResponse, SessionListResult,
};
use authn_session_tests::{MockServer, Reply};
use serde_json::json;

#[tokio::test]
async fn a_callers_own_client_works_without_default_headers() {
    let emulator = Emulator::builder().seed_users(2, 2).spawn().await.unwrap();
    let config = Config::builder()
        .base_url_template(emulator.base_url())
        .build()
        .unwrap();
    // No Authorization or User-Agent set here: the SDK sends them on every request.
    let http = http_client_builder().build().unwrap();
    let authn = AuthN::with_http_client(emulator.service_token(), config, http).unwrap();
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(page.result.sessions.len(), 4);
}

#[tokio::test]
async fn a_callers_client_that_follows_redirects_is_refused() {
    let server = MockServer::start().await;
    server
        .reply(
            "/v2/session/list",
            Reply::raw(307, "").header("location", "/moved"),
        )
        .await
        .reply("/moved", Reply::success(json!({"sessions": []})))
        .await;
    let config = server.config().request_retries(0).build().unwrap();
    // reqwest's default policy follows up to 10 redirects.
    let http = http_client_builder()
        .redirect(reqwest::redirect::Policy::default())
        .build()
        .unwrap();
    let authn = AuthN::with_http_client("pts_x", config, http).unwrap();
    let err = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("redirect")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_raw_generated_client_reaches_the_emulator() {
    let emulator = Emulator::builder().seed_users(3, 1).spawn().await.unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    let mut auth =
        reqwest::header::HeaderValue::from_str(&format!("Bearer {}", emulator.service_token()))
            .unwrap();
    auth.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, auth);
    let http = http_client_builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = raw::Client::new_with_client(&emulator.base_url(), http);
    let page = client
        .session_list()
        .body(SessionListRequest::builder().size(std::num::NonZeroU64::new(2)))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.status, "Success");
    assert_eq!(page.result.sessions.len(), 2);
    assert!(page.result.last.is_some_and(|l| !l.is_empty()));
}

/// What a user's own code under test might do with an error.
fn advice(result: Result<PangeaResponse<SessionListResult>, Error>) -> String {
    match result {
        Ok(page) => format!(
            "{} sessions ({})",
            page.result.sessions.len(),
            page.request_id
        ),
        Err(Error::Api(e)) if e.kind == ApiErrorKind::Unauthorized => "check the token".into(),
        Err(e) if e.is_retryable() => "try again later".into(),
        Err(e) => format!("failed: HTTP {:?}", e.http_status()),
    }
}

#[test]
fn test_util_builds_responses_and_errors_for_users_tests() {
    let unauthorized = ApiError::for_test(401, "Unauthorized", "bad token");
    assert_eq!(advice(Err(unauthorized.into())), "check the token");
    let throttled = ApiError::for_test(429, "TooManyRequests", "slow down");
    assert_eq!(advice(Err(throttled.into())), "try again later");
    let unknown = ApiError::for_test(418, "Teapot", "no");
    assert!(matches!(unknown.kind, ApiErrorKind::Unknown(_)));
    assert_eq!(advice(Err(unknown.into())), "failed: HTTP Some(418)");
    let mut page = PangeaResponse::for_test(SessionListResult {
        sessions: Vec::new(),
        last: None,
        count: None,
    });
    page.request_id = "prq_mine".into();
    assert_eq!(advice(Ok(page)), "0 sessions (prq_mine)");
}
