//! Retry counts, the retried-ids header, and the idempotency rule: refresh is
//! retried only when the request certainly was not processed. Faults the
//! emulator's rules can produce are injected there and counted in its
//! journal; the scripted server covers pages without an envelope, hangs
//! and refused connections.

use std::time::Duration;

use authn_emulator::{Emulator, EmulatorHandle, FaultRule};
use authn_session::{ApiErrorKind, Error, ListOptions, RefreshOptions};
use authn_session_tests::{emulator_client, emulator_config, MockServer, Reply};
use serde_json::json;

const LIST: &str = "/v2/session/list";
const REFRESH: &str = "/v2/client/session/refresh";

/// An emulator with one user holding one session.
async fn emulator() -> EmulatorHandle {
    Emulator::builder().seed_users(1, 1).spawn().await.unwrap()
}

fn page() -> Reply {
    Reply::success(json!({"sessions": [], "last": ""}))
}

#[tokio::test]
async fn server_errors_are_retried_with_the_earlier_request_ids() {
    let server = MockServer::start().await;
    server
        .reply(LIST, Reply::error(500, "InternalError", "boom"))
        .await
        .reply(LIST, Reply::raw(502, "bad gateway"))
        .await
        .reply(LIST, Reply::error(503, "ServiceNotAvailable", "busy"))
        .await
        .reply(LIST, Reply::raw(504, "gateway timeout"))
        .await
        .reply(LIST, page())
        .await;
    let page = server
        .authn_with(server.config().request_retries(4))
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    assert_eq!(page.request_id, "prq_0005");
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    let retried: Vec<_> = requests
        .iter()
        .map(|r| r.header("x-pangea-retried-request-ids"))
        .collect();
    assert_eq!(
        retried,
        [
            None,
            Some("prq_0001"),
            Some("prq_0001,prq_0002"),
            Some("prq_0001,prq_0002,prq_0003"),
            Some("prq_0001,prq_0002,prq_0003,prq_0004")
        ]
    );
    // Every attempt sends the same body.
    assert!(requests.iter().all(|r| r.body == requests[0].body));
}

#[tokio::test]
async fn retries_stop_after_request_retries() {
    let emulator = emulator().await;
    emulator
        .faults()
        .add(FaultRule::new(LIST).status(500).times(10))
        .unwrap();
    let err = emulator_client(&emulator, emulator_config(&emulator).request_retries(2))
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert_eq!(emulator.journal().count(LIST), 3);
    let api = err.api().unwrap();
    assert_eq!(
        (api.kind.clone(), api.attempts),
        (ApiErrorKind::InternalError, 3)
    );
    let last = emulator.journal().entries().pop().unwrap();
    assert_eq!(err.request_id(), last.request_id.as_deref());
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for (http, status) in [
        (400, "ValidationError"),
        (401, "Unauthorized"),
        (404, "NotFound"),
    ] {
        let emulator = emulator().await;
        emulator
            .faults()
            .add(
                FaultRule::new(LIST)
                    .status(http)
                    .envelope_status(status)
                    .times(10),
            )
            .unwrap();
        let err = emulator_client(&emulator, emulator_config(&emulator))
            .session()
            .list(ListOptions::new())
            .await
            .unwrap_err();
        assert_eq!(emulator.journal().count(LIST), 1, "{status}");
        assert_eq!(err.http_status(), Some(http), "{status}");
        assert!(!err.is_retryable(), "{status}");
    }
}

fn refreshed() -> Reply {
    Reply::success(
        json!({"refresh_token": {"token": "ptr_new", "id": "pmt_n", "type": "user", "life": 1,
        "expire": "2026-11-25T08:00:00Z", "identity": "pui", "email": "e", "profile": {}, "created_at": "2026-11-23T08:00:00Z"}}),
    )
}

#[tokio::test]
async fn too_many_requests_honours_retry_after_and_is_retried_even_for_refresh() {
    let slow_down = || Reply::error(429, "TooManyRequests", "slow down").header("retry-after", "1");
    // A one-second Retry-After does not fit a 300 ms retry budget: no retry.
    // (The backoff alone, 1 ms here, would have retried at once.)
    let server = MockServer::start().await;
    server
        .reply(REFRESH, slow_down())
        .await
        .reply(REFRESH, refreshed())
        .await;
    let err = server
        .authn_with(
            server
                .config()
                .max_retry_backoff(Duration::from_secs(2))
                .retry_timeout(Duration::from_millis(300)),
        )
        .client()
        .session()
        .refresh("ptr_old", RefreshOptions::new())
        .await
        .unwrap_err();
    assert_eq!(server.hits(REFRESH), 1);
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(1)));
    // With room to wait, the refresh is retried after the server's delay,
    // which may equal the cap on waits.
    let server = MockServer::start().await;
    server
        .reply(REFRESH, slow_down())
        .await
        .reply(REFRESH, refreshed())
        .await;
    server
        .authn_with(
            server
                .config()
                .max_retry_backoff(Duration::from_secs(1))
                .retry_timeout(Duration::from_secs(10)),
        )
        .client()
        .session()
        .refresh("ptr_old", RefreshOptions::new())
        .await
        .unwrap();
    assert_eq!(server.hits(REFRESH), 2);
}

#[tokio::test]
async fn the_first_retry_waits_the_backoff_and_the_second_twice_it() {
    // A retry budget of 1.4 s with a 1 s backoff (each wait 75 to 100 % of
    // it): the first retry starts within the budget, the second (2 s) would
    // not, so exactly one retry reaches the server.
    let server = MockServer::start().await;
    server
        .always(LIST, Reply::error(503, "InternalError", "down"))
        .await;
    let err = server
        .authn_with(
            server
                .config()
                .retry_backoff(Duration::from_secs(1))
                .max_retry_backoff(Duration::from_secs(10))
                .retry_timeout(Duration::from_millis(1400)),
        )
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert_eq!(server.hits(LIST), 2);
    assert_eq!(err.api().unwrap().http_status, 503);
}

#[tokio::test]
async fn a_retry_that_would_wait_past_the_operation_timeout_is_not_started() {
    let server = MockServer::start().await;
    server
        .always(
            LIST,
            Reply::error(429, "TooManyRequests", "slow down").header("retry-after", "2"),
        )
        .await;
    let err = server
        .authn_with(
            server
                .config()
                .max_retry_backoff(Duration::from_secs(10))
                .operation_timeout(Duration::from_millis(500)),
        )
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    // The caller learns why (throttled, and for how long), not just "timeout".
    assert_eq!(err.api().unwrap().kind, ApiErrorKind::TooManyRequests);
    assert_eq!(server.hits(LIST), 1);
}

#[tokio::test]
async fn a_hanging_retried_call_ends_at_the_operation_timeout() {
    let server = MockServer::start().await;
    server
        .always(
            LIST,
            Reply::success(json!({"sessions": []})).delay(Duration::from_secs(30)),
        )
        .await;
    let err = server
        .authn_with(
            server
                .config()
                .request_timeout(Duration::from_millis(100))
                .request_retries(1000)
                .retry_timeout(Duration::from_secs(3600))
                .operation_timeout(Duration::from_millis(700)),
        )
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OperationTimeout { .. }), "{err:?}");
    assert!(err.may_have_been_processed());
    let hits = server.hits(LIST);
    assert!(
        (1..=8).contains(&hits),
        "{hits} attempts in 700 ms of 100 ms attempts"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_backoff_cap_ends_the_retries() {
    let server = MockServer::start().await;
    server
        .always(
            LIST,
            Reply::error(429, "TooManyRequests", "slow down").header("retry-after", "3600"),
        )
        .await;
    let err = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert_eq!(server.hits(LIST), 1);
    let api = err.api().unwrap();
    assert_eq!(api.retry_after, Some(Duration::from_secs(3600)));
    assert!(err.is_retryable());

    // A wait within every timeout, but past the cap of 1 s: not waited for either.
    let server = MockServer::start().await;
    server
        .always(
            LIST,
            Reply::error(429, "TooManyRequests", "slow down").header("retry-after", "2"),
        )
        .await;
    let config = server
        .config()
        .max_retry_backoff(Duration::from_secs(1))
        .retry_timeout(Duration::from_secs(60));
    let err = server
        .authn_with(config)
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert_eq!(server.hits(LIST), 1);
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(2)));
}

#[tokio::test]
async fn refresh_is_not_retried_when_it_may_have_been_processed() {
    for status in [500, 503, 504] {
        let emulator = emulator().await;
        emulator
            .faults()
            .add(FaultRule::new(REFRESH).status(status).times(10))
            .unwrap();
        let refresh_token = &emulator.fixtures().users[0].sessions[0].refresh_token;
        let err = emulator_client(&emulator, emulator_config(&emulator))
            .client()
            .session()
            .refresh(refresh_token, RefreshOptions::new())
            .await
            .unwrap_err();
        assert_eq!(err.http_status(), Some(status));
        assert_eq!(emulator.journal().count(REFRESH), 1, "{err}");
    }
}

#[tokio::test]
async fn refresh_is_retried_through_a_gateway_that_never_reached_pangea() {
    let server = MockServer::start().await;
    server.reply(REFRESH, Reply::raw(502, "<html>bad gateway</html>")).await.reply(
        REFRESH,
        Reply::success(json!({"refresh_token": {"token": "ptr_new", "id": "pmt_n", "type": "user", "life": 1,
            "expire": "2026-11-25T08:00:00Z", "identity": "pui", "email": "e", "profile": {}, "created_at": "2026-11-23T08:00:00Z"}})),
    ).await;
    server
        .authn()
        .client()
        .session()
        .refresh("ptr_old", RefreshOptions::new())
        .await
        .unwrap();
    assert_eq!(server.hits(REFRESH), 2);
}

#[tokio::test]
async fn timeouts_are_retried_for_idempotent_calls_only() {
    let server = MockServer::start().await;
    let slow = Reply::success(json!({})).delay(Duration::from_secs(2));
    server
        .always("/v2/session/logout", slow.clone())
        .await
        .always(REFRESH, slow)
        .await;
    let config = server
        .config()
        .request_timeout(Duration::from_millis(100))
        .request_retries(2);
    let authn = server.authn_with(config);
    let err = authn.session().logout("pui_someone").await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(server.hits("/v2/session/logout"), 3);
    let err = authn
        .client()
        .session()
        .refresh("ptr_old", RefreshOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(server.hits(REFRESH), 1);
}

#[tokio::test]
async fn connection_refused_is_retried_for_every_call_then_reported_as_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let config = authn_session::Config::builder()
        .base_url_template(format!("http://{addr}"))
        .retry_backoff(Duration::from_millis(1))
        .request_retries(2)
        .build()
        .unwrap();
    let authn = authn_session::AuthN::new("pts_x", config).unwrap();
    let err = authn
        .client()
        .session()
        .refresh("ptr_old", RefreshOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                may_have_been_processed: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_longer_retry_after_seen_later_extends_the_hold() {
    let server = MockServer::start().await;
    let slow_down = |secs: &str, after_ms: u64| {
        Reply::error(429, "TooManyRequests", "slow down")
            .header("retry-after", secs)
            .delay(Duration::from_millis(after_ms))
    };
    // Two calls in flight at once: the first is told at 0.5 s to wait 1 s,
    // the second at 0.8 s to wait 3 s.
    server
        .reply(LIST, slow_down("1", 500))
        .await
        .reply(LIST, slow_down("3", 800))
        .await;
    server.always(LIST, page()).await;
    let authn = server.authn_with(
        server
            .config()
            .max_retry_backoff(Duration::from_secs(10))
            .operation_timeout(Duration::from_millis(1500)),
    );
    let first = tokio::spawn({
        let authn = authn.clone();
        async move { authn.session().list(ListOptions::new()).await }
    });
    while server.hits(LIST) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert_eq!(
        second.api().unwrap().retry_after,
        Some(Duration::from_secs(3))
    );
    // A third call, made now, waits out the longer hold (until 3.8 s), past
    // its own 1.5 s; the first call's retry waits too.
    let third = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert!(matches!(third, Error::OperationTimeout { .. }), "{third:?}");
    assert!(first.await.unwrap().is_err());
    assert_eq!(server.hits(LIST), 2, "nothing was sent during the hold");
}

#[tokio::test]
async fn a_429_holds_back_every_call_of_the_client() {
    let emulator = emulator().await;
    emulator
        .faults()
        .add(FaultRule::new(LIST).status(429).retry_after_secs(2))
        .unwrap();
    let authn = emulator_client(
        &emulator,
        emulator_config(&emulator)
            .max_retry_backoff(Duration::from_secs(10))
            .operation_timeout(Duration::from_millis(500)),
    );
    // The throttled call cannot wait 2 s within its 500 ms: it ends at once...
    let err = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert_eq!(err.api().unwrap().kind, ApiErrorKind::TooManyRequests);
    // ...and another call of the same client holds back for the server's
    // Retry-After instead of sending: it never reaches the server in its 500 ms.
    let session = &emulator.fixtures().users[0].sessions[0].id;
    let err = authn.session().invalidate(session).await.unwrap_err();
    assert!(matches!(err, Error::OperationTimeout { .. }), "{err:?}");
    assert_eq!(emulator.journal().count("/v2/session/invalidate"), 0);
    assert_eq!(emulator.journal().count(LIST), 1);
    assert_eq!(emulator.dump().users[0].sessions.len(), 1, "nothing ended");
}
