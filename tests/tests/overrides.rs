//! `AuthN::with_overrides`: each override holds for the calls of its handle
//! only, counted at the server; the shared client is unchanged; bad overrides
//! are refused before any request.

use std::time::Duration;

use authn_emulator::{Emulator, EmulatorHandle, FaultRule};
use authn_session::{AuthN, Error, ListOptions, Overrides};
use authn_session_tests::{emulator_client, emulator_config, MockServer, Reply};
use serde_json::json;

async fn start() -> (EmulatorHandle, AuthN) {
    let emulator = Emulator::builder().seed_users(2, 2).spawn().await.unwrap();
    let authn = emulator_client(&emulator, emulator_config(&emulator));
    (emulator, authn)
}

#[tokio::test]
async fn no_retries_for_one_handle_and_the_usual_retries_for_the_client() {
    let (emulator, authn) = start().await;
    let once = authn
        .with_overrides(Overrides::new().request_retries(0))
        .unwrap();
    emulator
        .faults()
        .add(FaultRule::new("session_list").status(503).times(1))
        .unwrap();
    let error = once.session().list(ListOptions::new()).await.unwrap_err();
    assert_eq!(error.http_status(), Some(503));
    assert_eq!(emulator.journal().count("session_list"), 1);

    emulator
        .faults()
        .add(FaultRule::new("session_list").status(503).times(1))
        .unwrap();
    authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(emulator.journal().count("session_list"), 3, "503, then 200");

    // Written as users write it: a handle per call, spawned.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let once = authn
                .with_overrides(Overrides::new().request_retries(0))
                .unwrap();
            tokio::spawn(async move { once.session().list(ListOptions::new()).await })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap().unwrap();
    }
    assert_eq!(emulator.journal().count("session_list"), 7);
}

#[tokio::test]
async fn a_shorter_deadline_for_one_handle_only() {
    let (emulator, authn) = start().await;
    let quick = authn
        .with_overrides(Overrides::new().operation_timeout(Duration::from_millis(200)))
        .unwrap();
    emulator
        .faults()
        .add(FaultRule::new("session_list").delay_ms(1_500).times(2))
        .unwrap();
    let error = quick.session().list(ListOptions::new()).await.unwrap_err();
    assert!(
        matches!(error, Error::OperationTimeout { timeout, .. } if timeout == Duration::from_millis(200)),
        "{error:?}"
    );
    // The client's own deadline (180 s) waits the delay out.
    authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(emulator.journal().count("session_list"), 2);
}

#[tokio::test]
async fn extra_headers_go_with_every_attempt_of_the_handle_only() {
    let server = MockServer::start().await;
    server
        .reply("/v2/session/invalidate", Reply::json(503, json!({})))
        .await;
    server
        .always("/v2/session/invalidate", Reply::success(json!({})))
        .await;
    let authn = server.authn();
    let tagged = authn
        .with_overrides(
            Overrides::new()
                .header("x-incident", "INC-4211")
                .header("x-trace-tag", "a")
                .header("x-trace-tag", "b"),
        )
        .unwrap();
    tagged
        .session()
        .invalidate("pmt_xpkhwpnz2cmegsws737xbsqnmnuwtvm5")
        .await
        .unwrap();
    authn
        .session()
        .invalidate("pmt_xpkhwpnz2cmegsws737xbsqnmnuwtvm5")
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        3,
        "a 503 retried, then the client's own call"
    );
    for tagged in &requests[..2] {
        assert_eq!(tagged.header("x-incident"), Some("INC-4211"));
        let tags: Vec<_> = tagged.headers.get_all("x-trace-tag").iter().collect();
        assert_eq!(tags, ["a", "b"]);
        assert!(tagged
            .header("authorization")
            .unwrap()
            .starts_with("Bearer pts_"));
    }
    assert_eq!(requests[2].header("x-incident"), None);
}

#[tokio::test]
async fn bad_overrides_are_refused_before_any_request() {
    let server = MockServer::start().await;
    let authn = server.authn();
    for (overrides, reason) in [
        (
            Overrides::new().operation_timeout(Duration::ZERO),
            "must be greater than zero",
        ),
        (
            Overrides::new().header("Authorization", "Bearer pts_other"),
            "authorization is set by the SDK and cannot be overridden",
        ),
        (
            Overrides::new().header("bad name", "x"),
            "\"bad name\" is not a valid header name",
        ),
        (
            Overrides::new().header("x-note", "line\nbreak"),
            "the value of x-note is not a valid header value",
        ),
    ] {
        match authn.with_overrides(overrides) {
            Err(Error::InvalidInput { reason: got, .. }) => assert_eq!(got, reason),
            other => panic!("{reason}: {other:?}"),
        }
    }
    assert!(server.requests().is_empty());
}
