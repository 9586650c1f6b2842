//! HTTP 202: the SDK polls `GET /request/{id}` until the result is ready, or
//! gives up with a typed error that carries the request id to poll later.
//! (Polling through to a result is in `emulator_faults.rs`, against the
//! emulator's `accept_polls` rule.)

use std::time::Duration;

use authn_emulator::{Emulator, FaultRule};
use authn_session::{types::SessionListResult, Error, ListOptions};
use authn_session_tests::{emulator_client, emulator_config, MockServer, Reply};
use serde_json::json;

const LIST: &str = "/v2/session/list";

#[tokio::test]
async fn accepted_that_never_completes_times_out_with_the_request_id_and_can_be_resumed() {
    let server = MockServer::start().await;
    server.reply(LIST, Reply::accepted()).await;
    server.always("/request/prq_0001", Reply::accepted()).await;
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
    server
        .reply(
            "/request/prq_0001",
            Reply::success(json!({"sessions": [], "last": ""})),
        )
        .await;
    let page = authn
        .poll_result::<SessionListResult>("prq_0001")
        .await
        .unwrap();
    assert!(page.result.sessions.is_empty());
}

#[tokio::test]
async fn a_poll_that_fails_for_a_moment_is_polled_again_and_a_refused_one_ends_the_call() {
    let server = MockServer::start().await;
    server.reply(LIST, Reply::accepted()).await;
    server
        .reply(
            "/request/prq_0001",
            Reply::error(503, "InternalError", "busy"),
        )
        .await;
    server
        .always(
            "/request/prq_0001",
            Reply::success(json!({"sessions": [], "last": ""})),
        )
        .await;
    let page = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    assert!(page.result.sessions.is_empty());
    assert_eq!(server.hits("/request/prq_0001"), 2);

    // A poll the service refuses ends the call with that refusal, not a wait
    // until the polling time is up.
    let server = MockServer::start().await;
    server.reply(LIST, Reply::accepted()).await;
    server
        .always(
            "/request/prq_0001",
            Reply::error(404, "NotFound", "no such request"),
        )
        .await;
    let authn = server.authn_with(server.config().poll_result_timeout(Duration::from_secs(1)));
    let err = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert_eq!(err.api().map(|api| api.http_status), Some(404), "{err:?}");
    assert_eq!(server.hits("/request/prq_0001"), 1);
}

#[tokio::test]
async fn queued_retry_disabled_returns_accepted_at_once_and_the_result_can_be_fetched() {
    // The emulator queues the list (fault rule `accept_polls`).
    let emulator = Emulator::builder().seed_users(2, 2).spawn().await.unwrap();
    emulator
        .faults()
        .add(FaultRule::new("session_list").accept_polls(0))
        .unwrap();
    let authn = emulator_client(
        &emulator,
        emulator_config(&emulator).queued_retry_enabled(false),
    );
    let err = authn.session().list(ListOptions::new()).await.unwrap_err();
    let Error::Accepted { request_id, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(emulator.journal().entries().len(), 1, "no poll was made");
    assert_eq!(err.http_status(), Some(202));
    let page = authn
        .poll_result::<SessionListResult>(request_id)
        .await
        .unwrap();
    assert_eq!(page.result.sessions.len(), 4);
    let polls = emulator.journal().count(&format!("/request/{request_id}"));
    assert_eq!(polls, 1);
}
