//! The emulator's fault rules, driven with the SDK: the retry rules by
//! idempotency, HTTP 202 polling and a lost answer, counted in the journal.

use std::time::Duration;

use authn_emulator::{Emulator, EmulatorHandle, FaultRule};
use authn_session::{ApiErrorKind, AuthN, Error, ListOptions, RefreshOptions};
use authn_session_tests::{emulator_client, emulator_config};
use serde_json::{json, Value};

async fn start() -> (EmulatorHandle, AuthN) {
    let emulator = Emulator::builder().seed_users(2, 2).spawn().await.unwrap();
    let authn = emulator_client(&emulator, emulator_config(&emulator));
    (emulator, authn)
}

fn statuses(emulator: &EmulatorHandle) -> Vec<(String, u16)> {
    emulator
        .journal()
        .entries()
        .into_iter()
        .map(|e| (e.path, e.status))
        .collect()
}

#[tokio::test]
async fn two_503s_are_retried_through_and_journaled_with_the_retried_ids() {
    let (emulator, authn) = start().await;
    emulator
        .faults()
        .add(FaultRule::new("session_list").status(503).times(2))
        .unwrap();
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(page.result.sessions.len(), 4);
    let entries = emulator.journal().entries();
    let seen: Vec<u16> = entries.iter().map(|e| e.status).collect();
    assert_eq!(seen, [503, 503, 200]);
    let ids: Vec<&str> = entries
        .iter()
        .map(|e| e.request_id.as_deref().unwrap())
        .collect();
    assert_eq!(entries[0].retried_request_ids, None);
    assert_eq!(entries[1].retried_request_ids.as_deref(), Some(ids[0]));
    assert_eq!(
        entries[2].retried_request_ids,
        Some(format!("{},{}", ids[0], ids[1]))
    );
    assert_eq!(page.request_id, ids[2]);
    assert!(emulator.faults().list().is_empty(), "the rule is used up");
}

#[tokio::test]
async fn a_503_from_pangea_is_not_retried_for_refresh_but_a_429_is() {
    let (emulator, authn) = start().await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    emulator
        .faults()
        .add(FaultRule::new("client_session_refresh").status(503))
        .unwrap();
    let err = authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap_err();
    assert_eq!(
        err.api().unwrap().kind,
        ApiErrorKind::ServiceTemporarilyUnavailable
    );
    assert!(err.may_have_been_processed());
    assert_eq!(emulator.journal().count("client_session_refresh"), 1);

    emulator
        .faults()
        .add(
            FaultRule::new("/v2/client/session/refresh")
                .status(429)
                .retry_after_secs(1),
        )
        .unwrap();
    authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap();
    assert_eq!(
        statuses(&emulator)[1..],
        [
            ("/v2/client/session/refresh".to_string(), 429),
            ("/v2/client/session/refresh".to_string(), 200)
        ]
    );
}

#[tokio::test]
async fn an_answer_lost_after_commit_is_not_retried_for_refresh() {
    let (emulator, authn) = start().await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    emulator
        .faults()
        .add(FaultRule::new("client_session_refresh").drop_after_commit())
        .unwrap();
    let err = authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                may_have_been_processed: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        statuses(&emulator),
        [("/v2/client/session/refresh".to_string(), 0)]
    );
    // The refresh did happen: the token sent is spent, as a retry would have found.
    let again = authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap_err();
    assert_eq!(again.api().unwrap().kind, ApiErrorKind::NotFound);
}

#[tokio::test]
async fn an_invalidate_whose_answer_was_lost_is_retried_and_finds_it_done() {
    let (emulator, authn) = start().await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    emulator
        .faults()
        .add(FaultRule::new("session_invalidate").drop_after_commit())
        .unwrap();
    let err = authn.session().invalidate(&session.id).await.unwrap_err();
    // Repeating it was harmless: the first attempt ended the session.
    let api = err.api().unwrap();
    assert_eq!(
        (api.kind.clone(), api.attempts),
        (ApiErrorKind::NotFound, 2)
    );
    assert_eq!(
        statuses(&emulator),
        [
            ("/v2/session/invalidate".to_string(), 0),
            ("/v2/session/invalidate".to_string(), 404)
        ]
    );
    assert_eq!(emulator.dump().users[0].sessions.len(), 1);
}

#[tokio::test]
async fn a_queued_request_is_polled_to_its_result() {
    let (emulator, authn) = start().await;
    emulator
        .faults()
        .add(FaultRule::new("session_list").accept_polls(2))
        .unwrap();
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(page.result.sessions.len(), 4);
    let seen = statuses(&emulator);
    let poll = seen[1].0.clone();
    assert!(poll.starts_with("/request/prq_"), "{seen:?}");
    assert_eq!(
        seen,
        [
            ("/v2/session/list".to_string(), 202),
            (poll.clone(), 202),
            (poll.clone(), 202),
            (poll, 200)
        ]
    );
}

#[tokio::test]
async fn a_delay_past_the_attempt_timeout_is_a_timeout_then_a_retry() {
    let (emulator, _) = start().await;
    let authn = emulator_client(
        &emulator,
        emulator_config(&emulator).request_timeout(Duration::from_millis(200)),
    );
    emulator
        .faults()
        .add(FaultRule::new("session_list").delay_ms(2_000))
        .unwrap();
    authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(emulator.journal().count("session_list"), 2);
}

#[tokio::test]
async fn fault_rules_over_http() {
    let (emulator, _) = start().await;
    let http = authn_session::http_client_builder().build().unwrap();
    let url = format!("{}/_emulator/faults", emulator.base_url());
    let token = emulator.service_token().to_string();
    let post = |body: Value| http.post(&url).bearer_auth(&token).json(&body).send();
    for (bad, source) in [
        (
            json!({"path": "session_list", "status": 503, "oops": 1}),
            "/oops",
        ),
        (json!({"path": "/nowhere", "status": 503}), "/path"),
        (json!({"path": "session_list", "status": 200}), "/status"),
        (
            json!([{"path": "session_list"}, {"path": "session_list", "times": 0}]),
            "/1/times",
        ),
    ] {
        let response = post(bad.clone()).await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["result"]["errors"][0]["source"], source,
            "{bad}: {body}"
        );
    }
    assert!(emulator.faults().list().is_empty(), "nothing half-added");
    let response = post(json!([
        {"path": "session_list", "status": 503, "times": 2},
        {"path": "client_session_refresh", "drop_after_commit": true}
    ]))
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let listed: Value = response.json().await.unwrap();
    assert_eq!(listed[0]["times"], 2);
    assert_eq!(listed[1]["drop_after_commit"], true);
    let response = http.delete(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert!(emulator.faults().list().is_empty());
    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
}
