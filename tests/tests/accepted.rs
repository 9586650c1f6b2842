//! HTTP 202: the SDK polls `GET /request/{id}` until the result is ready, or
//! gives up with a typed error that carries the request id to poll later.

use std::time::Duration;

use authn_session::{types::SessionListResult, Error, ListOptions};
use authn_session_tests::{MockServer, Reply};
use serde_json::json;

const LIST: &str = "/v2/session/list";

#[tokio::test]
async fn accepted_then_polled_to_the_result() {
    let server = MockServer::start().await;
    server.reply(LIST, Reply::accepted());
    server.reply("/request/prq_0001", Reply::accepted()).reply(
        "/request/prq_0001",
        Reply::success(json!({"sessions": [], "last": ""})),
    );
    let page = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    assert_eq!(page.status, "Success");
    let requests = server.requests();
    let seen: Vec<_> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        seen,
        [
            "POST /v2/session/list",
            "GET /request/prq_0001",
            "GET /request/prq_0001"
        ]
    );
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer pts_servicetokenforthetests")
    );
}

#[tokio::test]
async fn accepted_that_never_completes_times_out_with_the_request_id_and_can_be_resumed() {
    let server = MockServer::start().await;
    server.reply(LIST, Reply::accepted());
    server.always("/request/prq_0001", Reply::accepted());
    let authn = server.authn_with(
        server
            .config()
            .poll_result_timeout(Duration::from_millis(100)),
    );
    let err = authn.session().list(ListOptions::new()).await.unwrap_err();
    let Error::AcceptedTimeout { request_id, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(request_id, "prq_0001");
    assert_eq!(err.request_id(), Some("prq_0001"));
    assert!(err.is_retryable());
    assert!(server.hits("/request/prq_0001") >= 1);

    // Later, the caller continues from the request id.
    server.reply(
        "/request/prq_0001",
        Reply::success(json!({"sessions": [], "last": ""})),
    );
    let page = authn
        .poll_result::<SessionListResult>("prq_0001")
        .await
        .unwrap();
    assert!(page.result.sessions.is_empty());
}

#[tokio::test]
async fn queued_retry_disabled_returns_accepted_at_once() {
    let server = MockServer::start().await;
    server.reply(LIST, Reply::accepted());
    let authn = server.authn_with(server.config().queued_retry_enabled(false));
    let err = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Accepted { request_id, .. } if request_id == "prq_0001"),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}
