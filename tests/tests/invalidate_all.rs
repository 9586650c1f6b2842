//! `invalidate_all` against the emulator: a dry run ends nothing, a run ends
//! exactly the matching sessions once each, injected 503s and 429s do not stop
//! it, and a server whose pages shift as sessions end skips none.

use std::sync::{Arc, Mutex};

use authn_emulator::{Emulator, EmulatorHandle, FaultRule, Fixtures};
use authn_session::{AuthN, Config, ListOptions, Progress, SessionListFilter};
use authn_session_tests::{emulator_client, emulator_config, live_ids, MockServer, Reply};
use serde_json::json;

/// 2,000 sessions (200 users × 10); 600 of them (60 users) carry the scope `tenant-a`.
async fn start() -> (EmulatorHandle, AuthN, Vec<String>) {
    let mut fixtures = Fixtures::random(200, 10);
    let mut matching = Vec::new();
    for user in fixtures.users.iter_mut().take(60) {
        for session in &mut user.sessions {
            session.scopes = vec!["tenant-a".into()];
            matching.push(session.id.clone());
        }
    }
    matching.sort();
    let emulator = Emulator::builder()
        .fixtures(fixtures)
        .spawn()
        .await
        .unwrap();
    let authn = emulator_client(&emulator, emulator_config(&emulator).request_retries(10));
    (emulator, authn, matching)
}

/// Ends `id` with another client, on another thread: `on_progress` callbacks
/// are synchronous.
fn end_elsewhere(base_url: String, token: String, id: String) {
    std::thread::spawn(move || {
        let config = Config::builder()
            .base_url_template(base_url)
            .build()
            .unwrap();
        let other = AuthN::new(token, config).unwrap();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(other.session().invalidate(&id))
            .unwrap();
    })
    .join()
    .unwrap();
}

fn tenant_a() -> ListOptions {
    ListOptions::new()
        .filter(SessionListFilter::new().scopes(["tenant-a"]))
        .size(100)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_counts_and_ends_nothing() {
    let (emulator, authn, matching) = start().await;
    let preview = authn
        .session()
        .invalidate_all(tenant_a())
        .dry_run()
        .await
        .unwrap();
    assert_eq!((preview.matched(), preview.ended()), (600, 0));
    assert!(preview.is_dry_run() && preview.failed().is_empty());
    let mut ids: Vec<String> = preview
        .matched_ids()
        .iter()
        .map(|i| i.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, matching);
    assert_eq!(live_ids(&emulator).len(), 2000);
    assert_eq!(emulator.journal().count("session_invalidate"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_ends_exactly_the_matching_sessions_once_each() {
    let (emulator, authn, matching) = start().await;
    let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let record = seen.clone();
    let report = authn
        .session()
        .invalidate_all(tenant_a())
        .concurrency(16)
        .on_progress(move |p| record.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!((report.matched(), report.ended()), (600, 600));
    assert!(report.failed().is_empty());
    let journal = emulator.journal().entries();
    let mut invalidated: Vec<_> = journal
        .iter()
        .filter(|e| e.operation.as_deref() == Some("session_invalidate"))
        .collect();
    assert_eq!(invalidated.len(), 600, "each session invalidated once");
    invalidated.retain(|e| e.status == 200);
    assert_eq!(invalidated.len(), 600);
    let left = live_ids(&emulator);
    assert_eq!(left.len(), 1400);
    assert!(matching.iter().all(|id| left.binary_search(id).is_err()));
    // Progress: the walk's total first, then one report per settled session.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 601);
    assert_eq!((seen[0].matched, seen[0].done), (600, 0));
    assert_eq!(
        (seen[600].done, seen[600].ended, seen[600].failed),
        (600, 600, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_503s_and_429s_do_not_stop_the_run() {
    let (emulator, authn, matching) = start().await;
    emulator
        .faults()
        .add(FaultRule::new("session_list").status(503).times(2))
        .unwrap();
    emulator
        .faults()
        .add(FaultRule::new("session_invalidate").status(503).times(20))
        .unwrap();
    emulator
        .faults()
        .add(
            FaultRule::new("session_invalidate")
                .status(429)
                .retry_after_secs(1)
                .times(5),
        )
        .unwrap();
    let report = authn
        .session()
        .invalidate_all(tenant_a())
        .concurrency(8)
        .await
        .unwrap();
    assert_eq!((report.matched(), report.ended()), (600, 600));
    assert!(report.failed().is_empty(), "{:?}", report.failed());
    let left = live_ids(&emulator);
    assert!(matching.iter().all(|id| left.binary_search(id).is_err()));
    assert_eq!(left.len(), 1400);
    let journal = emulator.journal().entries();
    let attempts = |status| {
        journal
            .iter()
            .filter(|e| e.operation.as_deref() == Some("session_invalidate") && e.status == status)
            .count()
    };
    assert_eq!((attempts(503), attempts(429), attempts(200)), (20, 5, 600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_is_already_gone_counts_as_ended() {
    let (emulator, authn, matching) = start().await;
    authn.session().invalidate(&matching[0]).await.unwrap();
    // The walk found it before it was ended elsewhere: here, ended after the walk.
    let gone = matching[1].clone();
    let (base_url, token) = (emulator.base_url(), emulator.service_token().to_string());
    let report = authn
        .session()
        .invalidate_all(tenant_a())
        .concurrency(1)
        .on_progress(move |p| {
            if p.done == 0 {
                let (base_url, token, gone) = (base_url.clone(), token.clone(), gone.clone());
                end_elsewhere(base_url, token, gone);
            }
        })
        .await
        .unwrap();
    assert_eq!(
        (report.matched(), report.ended(), report.already_gone()),
        (599, 599, 1)
    );
    assert!(report.failed().is_empty());
    assert_eq!(live_ids(&emulator).len(), 1400);
}

#[tokio::test]
async fn failures_are_reported_per_session_and_do_not_abort_the_run() {
    let (emulator, authn, _) = start().await;
    // A validation error is not retried: that session fails, the others end.
    emulator
        .faults()
        .add(FaultRule::new("session_invalidate").status(400).times(3))
        .unwrap();
    let report = authn
        .session()
        .invalidate_all(tenant_a())
        .concurrency(1)
        .await
        .unwrap();
    assert_eq!((report.matched(), report.ended()), (600, 597));
    assert_eq!(report.failed().len(), 3);
    for failure in report.failed() {
        assert!(failure
            .request_id()
            .is_some_and(|id| id.starts_with("prq_")));
        assert_eq!(failure.error.http_status(), Some(400));
    }
    assert_eq!(live_ids(&emulator).len(), 1403);
}

#[tokio::test]
async fn a_users_own_sessions_with_the_client_token() {
    let (emulator, authn, _) = start().await;
    let user = emulator.fixtures().users[150].clone();
    let others: Vec<String> = user.sessions[1..].iter().map(|s| s.id.clone()).collect();
    let options = ListOptions::new().filter(SessionListFilter::new().id_in(others));
    let report = authn
        .client()
        .session()
        .invalidate_all(user.sessions[0].user_token.as_str(), options)
        .await
        .unwrap();
    assert_eq!((report.matched(), report.ended()), (9, 9));
    assert_eq!(live_ids(&emulator).len(), 1991);
    assert_eq!(emulator.journal().count("client_session_invalidate"), 9);
}

#[tokio::test]
async fn a_users_404_for_a_session_still_listed_is_a_failure_not_an_end() {
    let (emulator, authn, _) = start().await;
    let user = emulator.fixtures().users[150].clone();
    let others: Vec<String> = user.sessions[1..].iter().map(|s| s.id.clone()).collect();
    // A 404 that ended nothing (a replica that has not seen the session yet, say).
    emulator
        .faults()
        .add(
            FaultRule::new("client_session_invalidate")
                .status(404)
                .envelope_status("NotFound")
                .times(2),
        )
        .unwrap();
    let run = authn
        .client()
        .session()
        .invalidate_all(
            user.sessions[0].user_token.as_str(),
            ListOptions::new().filter(SessionListFilter::new().id_in(others)),
        )
        .concurrency(1);
    let shown = format!("{run:?}");
    assert!(
        shown.contains("concurrency: 1") && shown.contains("dry_run: false"),
        "{shown}"
    );
    let report = run.await.unwrap();
    assert!(!report.is_dry_run());
    assert_eq!(
        (report.matched(), report.ended(), report.already_gone()),
        (9, 7, 0)
    );
    assert_eq!(report.failed().len(), 2);
    for failure in report.failed() {
        assert_eq!(failure.error.http_status(), Some(404));
    }
    assert_eq!(live_ids(&emulator).len(), 1993);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_session_ended_elsewhere_during_the_run_counts_as_already_gone() {
    let (emulator, authn, _) = start().await;
    let user = emulator.fixtures().users[150].clone();
    let others: Vec<String> = user.sessions[1..].iter().map(|s| s.id.clone()).collect();
    // Ended by an administrator after the walk found it: this run gets a 404,
    // and the session is no longer listed.
    let gone = others[8].clone();
    let (base_url, token) = (emulator.base_url(), emulator.service_token().to_string());
    let report = authn
        .client()
        .session()
        .invalidate_all(
            user.sessions[0].user_token.as_str(),
            ListOptions::new().filter(SessionListFilter::new().id_in(others)),
        )
        .concurrency(1)
        .on_progress(move |p| {
            if p.done == 0 {
                let (base_url, token, gone) = (base_url.clone(), token.clone(), gone.clone());
                end_elsewhere(base_url, token, gone);
            }
        })
        .await
        .unwrap();
    assert_eq!(
        (report.matched(), report.ended(), report.already_gone()),
        (9, 9, 1)
    );
    assert!(report.failed().is_empty());
    assert_eq!(live_ids(&emulator).len(), 1991);
}

#[tokio::test]
async fn a_user_token_that_ends_its_own_session_never_miscounts() {
    let (emulator, authn, _) = start().await;
    let user = emulator.fixtures().users[150].clone();
    let report = authn
        .client()
        .session()
        .invalidate_all(user.sessions[0].user_token.as_str(), ListOptions::new())
        .concurrency(1)
        .await
        .unwrap();
    assert_eq!(report.matched(), 10);
    // Whatever came after the token's own session could not be ended with it:
    // reported failed, never counted as ended.
    assert_eq!(report.ended() + report.failed().len(), 10);
    assert_eq!(live_ids(&emulator).len(), 2000 - report.ended());
    assert!(report.ended() >= 1);
}

/// A server whose cursor is an offset: ending a session shifts every later
/// one a place back. A loop that ends each page before fetching the next
/// skips half; `invalidate_all` walks first, and skips none.
#[tokio::test]
async fn pages_that_shift_under_the_run_skip_nothing() {
    let server = MockServer::start().await;
    let ids: Vec<String> = (0..50).map(|n| format!("pmt_{n:02}")).collect();
    let item = |id: &str| {
        json!({"id": id, "type": "session", "life": 1, "expire": "2026-11-25T08:00:00Z", "email": "e", "identity": "pui_e",
               "profile": {}, "created_at": "2026-11-23T08:00:00Z"})
    };
    // Offset pages of 10 over the 50 sessions, as they are before anything ends.
    for page in 0..5 {
        let sessions: Vec<_> = ids[page * 10..page * 10 + 10]
            .iter()
            .map(|i| item(i))
            .collect();
        let last = if page < 4 {
            ((page + 1) * 10).to_string()
        } else {
            String::new()
        };
        server
            .reply(
                "/v2/session/list",
                Reply::success(json!({"sessions": sessions, "last": last})),
            )
            .await;
    }
    server
        .always("/v2/session/invalidate", Reply::success(json!({})))
        .await;
    let report = server
        .authn()
        .session()
        .invalidate_all(ListOptions::new().size(10))
        .await
        .unwrap();
    assert_eq!((report.matched(), report.ended()), (50, 50));
    let mut ended: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/v2/session/invalidate")
        .map(|r| r.json()["session_id"].as_str().unwrap().to_string())
        .collect();
    ended.sort();
    assert_eq!(ended, ids, "every session once, none skipped");
    // Every page was fetched before the first invalidation.
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    let first_invalidate = paths
        .iter()
        .position(|p| *p == "/v2/session/invalidate")
        .unwrap();
    assert_eq!(first_invalidate, 5);
}
