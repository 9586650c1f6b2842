//! The observer hook (`ConfigBuilder::observer`): every attempt is seen, with
//! its session or user, status, request id and outcome, matching the
//! emulator's journal one for one; the attempt a deadline cuts is seen; a 202
//! is seen with its polls; and nothing the hook receives holds a token.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use authn_emulator::{Emulator, EmulatorHandle, FaultRule};
use authn_session::{AttemptRecord, AuthN, ConfigBuilder, Error, ListOptions, Target};
use authn_session_tests::{emulator_client, emulator_config, live_ids, MockServer, Reply};
use serde_json::json;

/// What a test keeps of one record.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    operation: &'static str,
    method: &'static str,
    url: String,
    attempt: u32,
    poll: Option<u32>,
    target: Option<Target>,
    http_status: Option<u16>,
    request_id: Option<String>,
    error_type: Option<String>,
    already_gone: bool,
    last: bool,
}

/// Everything the hook received: the records, and each printed whole.
#[derive(Clone, Default)]
struct Hook {
    seen: Arc<Mutex<Vec<Seen>>>,
    printed: Arc<Mutex<String>>,
}

impl Hook {
    fn on(&self, config: ConfigBuilder) -> ConfigBuilder {
        let hook = self.clone();
        config.observer(move |record: &AttemptRecord| hook.keep(record))
    }

    fn keep(&self, r: &AttemptRecord) {
        self.seen.lock().unwrap().push(Seen {
            operation: r.operation,
            method: r.method,
            url: r.url.to_string(),
            attempt: r.attempt,
            poll: r.poll,
            target: r.target.cloned(),
            http_status: r.http_status,
            request_id: r.request_id.map(str::to_string),
            error_type: r.error_type().map(|t| t.into_owned()),
            already_gone: r.error.is_some_and(Error::is_already_gone),
            last: r.last,
        });
        let mut printed = self.printed.lock().unwrap();
        printed.push_str(&format!("{r:?} | {r:#?}\n"));
        if let Some(error) = r.error {
            printed.push_str(&format!("{error} | {error:?}\n"));
        }
    }

    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut self.seen.lock().unwrap())
    }
}

async fn start(hook: &Hook) -> (EmulatorHandle, AuthN) {
    let emulator = Emulator::builder().seed_users(2, 3).spawn().await.unwrap();
    let authn = emulator_client(&emulator, hook.on(emulator_config(&emulator)));
    (emulator, authn)
}

/// The request ids the emulator answered `operation` with, in order.
fn journaled(emulator: &EmulatorHandle, path_or_operation: &str) -> Vec<Option<String>> {
    emulator
        .journal()
        .entries()
        .into_iter()
        .filter(|e| {
            e.operation.as_deref() == Some(path_or_operation)
                || e.path.starts_with(path_or_operation)
        })
        .map(|e| e.request_id)
        .collect()
}

#[tokio::test]
async fn every_attempt_of_an_invalidate_is_seen_with_its_session_as_the_journal_has_it() {
    let hook = Hook::default();
    let (emulator, authn) = start(&hook).await;
    let session = live_ids(&emulator).remove(0);
    emulator
        .faults()
        .add(FaultRule::new("session_invalidate").status(503).times(2))
        .unwrap();
    authn.session().invalidate(&session).await.unwrap();

    let seen = hook.take();
    let ids = journaled(&emulator, "session_invalidate");
    assert_eq!(seen.len(), 3, "{seen:#?}");
    assert_eq!(ids.len(), 3);
    let url = format!(
        "{}v2/session/invalidate",
        emulator_config(&emulator).build().unwrap().base_url()
    );
    for (n, (record, id)) in seen.iter().zip(&ids).enumerate() {
        let ended = n == 2;
        assert_eq!(
            *record,
            Seen {
                operation: "session_invalidate",
                method: "POST",
                url: url.clone(),
                attempt: n as u32 + 1,
                poll: None,
                target: Some(Target::Session(session.parse().unwrap())),
                http_status: Some(if ended { 200 } else { 503 }),
                request_id: id.clone(),
                error_type: (!ended).then(|| "503".to_string()),
                already_gone: false,
                last: ended,
            }
        );
    }
}

#[tokio::test]
async fn a_logout_names_its_user_a_list_names_nobody_and_a_gone_session_is_seen_as_gone() {
    let hook = Hook::default();
    let (emulator, authn) = start(&hook).await;
    let user = emulator.dump().users[0].id.clone();
    authn.session().logout(&user).await.unwrap();
    authn.session().list(ListOptions::new()).await.unwrap();
    let gone = "pmt_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";
    let error = authn.session().invalidate(gone).await.unwrap_err();
    assert!(error.is_already_gone(), "{error:?}");

    let seen = hook.take();
    let kept: Vec<_> = seen
        .iter()
        .map(|s| {
            (
                s.operation,
                s.target.clone(),
                s.http_status,
                s.already_gone,
                s.last,
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            (
                "session_logout",
                Some(Target::User(user.parse().unwrap())),
                Some(200),
                false,
                true
            ),
            ("session_list", None, Some(200), false, true),
            (
                "session_invalidate",
                Some(Target::Session(gone.parse().unwrap())),
                Some(404),
                true,
                true
            ),
        ]
    );
    assert_eq!(seen[2].error_type.as_deref(), Some("404"));
    assert_eq!(
        seen[2].request_id,
        journaled(&emulator, "session_invalidate")[0]
    );
}

#[tokio::test]
async fn a_queued_invalidate_is_seen_with_each_poll() {
    let hook = Hook::default();
    let (emulator, authn) = start(&hook).await;
    let session = live_ids(&emulator).remove(0);
    emulator
        .faults()
        .add(FaultRule::new("session_invalidate").accept_polls(2))
        .unwrap();
    authn.session().invalidate(&session).await.unwrap();

    let seen = hook.take();
    let polls = journaled(&emulator, "/request/");
    assert_eq!(seen.len(), 1 + polls.len(), "{seen:#?}");
    let (queued, polled) = seen.split_first().unwrap();
    assert_eq!(
        (queued.attempt, queued.poll, queued.http_status, queued.last),
        (1, None, Some(202), false)
    );
    assert_eq!(queued.error_type, None, "a 202 that is polled is no error");
    assert_eq!(
        queued.request_id,
        journaled(&emulator, "session_invalidate")[0]
    );
    let shape: Vec<_> = polled
        .iter()
        .map(|s| (s.attempt, s.poll, s.http_status, s.last, s.target.is_some()))
        .collect();
    let mut expected: Vec<_> = (1..polls.len() as u32)
        .map(|n| (1, Some(n), Some(202), false, true))
        .collect();
    expected.push((1, Some(polls.len() as u32), Some(200), true, true));
    assert_eq!(shape, expected);
    assert!(polled[0].url.contains("/request/"), "{}", polled[0].url);
}

#[tokio::test]
async fn the_attempt_a_deadline_cuts_is_the_last_record() {
    let hook = Hook::default();
    let emulator = Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    let config = emulator_config(&emulator).operation_timeout(Duration::from_millis(200));
    let authn = emulator_client(&emulator, hook.on(config));
    emulator
        .faults()
        .add(FaultRule::new("session_invalidate").delay_ms(1_500))
        .unwrap();
    let session = live_ids(&emulator).remove(0);
    let error = authn.session().invalidate(&session).await.unwrap_err();
    assert!(matches!(error, Error::OperationTimeout { .. }), "{error:?}");
    let seen = hook.take();
    let kept: Vec<_> = seen
        .iter()
        .map(|s| (s.attempt, s.http_status, s.error_type.as_deref(), s.last))
        .collect();
    assert_eq!(kept, [(1, None, Some("timeout"), true)]);
}

#[tokio::test]
async fn the_hook_is_called_from_spawned_calls_and_nothing_is_sent_for_a_refused_input() {
    let hook = Hook::default();
    let (emulator, authn) = start(&hook).await;
    let refused = authn.session().invalidate("not a session id").await;
    assert!(matches!(refused, Err(Error::InvalidInput { .. })));
    assert!(hook.take().is_empty());
    // As users write it: each session ended on its own task.
    let sessions = live_ids(&emulator);
    let calls: Vec<_> = sessions
        .iter()
        .map(|id| tokio::spawn(authn.session().invalidate(id)))
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let mut targets: Vec<_> = hook
        .take()
        .into_iter()
        .map(|s| match s.target {
            Some(Target::Session(id)) => id.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    targets.sort();
    assert_eq!(targets, sessions);
    assert_eq!(
        emulator.journal().count("session_invalidate"),
        sessions.len()
    );
}

const SERVICE: &str = "pts_SENTINELservice0000000000000";
const USER: &str = "ptu_SENTINELuser00000000000000000";
const REFRESH: &str = "ptr_SENTINELrefresh00000000000000";

#[tokio::test]
async fn the_hook_never_receives_a_token_sent_or_echoed() {
    let server = MockServer::start().await;
    // Each answer echoes the tokens its request carried, everywhere a server can.
    let both = format!("{SERVICE} {USER} {REFRESH}");
    let user = format!("{SERVICE} {USER}");
    let session = "pmt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    server
        .reply(
            "/v2/client/session/refresh",
            Reply::error(400, "ValidationError", &format!("bad {both}"))
                .header("x-request-id", REFRESH),
        )
        .await
        .always(
            "/v2/client/session/list",
            Reply::raw(500, format!("<html>{user}</html>"))
                .header("x-request-id", &format!("prq_{USER}")),
        )
        .await
        .always(
            "/v2/client/session/invalidate",
            Reply::json(
                404,
                json!({"request_id": USER, "status": user, "summary": user, "result": null}),
            ),
        )
        .await
        .always(
            "/v2/session/invalidate",
            Reply::json(
                503,
                json!({"request_id": SERVICE, "status": "InternalError", "summary": SERVICE}),
            )
            .header("x-request-id", SERVICE),
        )
        .await;
    let hook = Hook::default();
    let config = hook.on(server
        .config()
        .request_retries(1)
        .retry_backoff(Duration::from_millis(1)));
    let authn = AuthN::new(SERVICE, config.build().unwrap()).unwrap();
    let client = authn.client().session();
    let refresh = authn_session::RefreshOptions::new().user_token(USER);
    client.refresh(REFRESH, refresh).await.unwrap_err();
    client.list(USER, ListOptions::new()).await.unwrap_err();
    client.invalidate(USER, session).await.unwrap_err();
    authn.session().invalidate(session).await.unwrap_err();

    let seen = hook.take();
    let attempts: Vec<_> = seen.iter().map(|s| (s.operation, s.attempt)).collect();
    // A 400 and a 404 are not retried; a 500 and a 503 are, once.
    assert_eq!(
        attempts,
        [
            ("client_session_refresh", 1),
            ("client_session_list", 1),
            ("client_session_list", 2),
            ("client_session_invalidate", 1),
            ("session_invalidate", 1),
            ("session_invalidate", 2),
        ]
    );
    let printed = hook.printed.lock().unwrap().clone();
    for (sentinel, what) in [(SERVICE, "service"), (USER, "user"), (REFRESH, "refresh")] {
        assert!(
            !printed.contains(sentinel),
            "the hook received the {what} token:\n{printed}"
        );
    }
    assert!(
        !printed.contains("SENTINEL"),
        "the hook received a token:\n{printed}"
    );
    assert!(
        printed.contains("[REDACTED]"),
        "the echoes reached the hook, redacted:\n{printed}"
    );
}

#[tokio::test]
async fn a_poll_is_seen_at_its_own_url_and_a_call_that_stays_queued_ends_with_its_last_poll() {
    let server = MockServer::start().await;
    let list = "/v2/session/list";
    server.always(list, Reply::accepted()).await;
    server.always("/request/prq_0001", Reply::accepted()).await;
    let hook = Hook::default();
    let config = server
        .config()
        .poll_interval(Duration::from_millis(5))
        .poll_result_timeout(Duration::from_millis(100));
    let authn = AuthN::new(SERVICE, hook.on(config).build().unwrap()).unwrap();
    let error = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert!(matches!(error, Error::AcceptedTimeout { .. }), "{error:?}");
    let seen = hook.take();
    let polls = server.hits("/request/prq_0001");
    assert_eq!(seen.len(), 1 + polls);
    let last = seen.last().unwrap();
    assert_eq!(
        (
            last.poll,
            last.http_status,
            last.error_type.as_deref(),
            last.last
        ),
        (Some(polls as u32), Some(202), Some("_OTHER"), true)
    );
    assert!(last.url.ends_with("/request/prq_0001"), "{}", last.url);
    assert!(seen[..polls].iter().all(|s| !s.last));

    // A poll the deadline cuts is seen at the poll's URL.
    let server = MockServer::start().await;
    server.always(list, Reply::accepted()).await;
    let slow = Reply::accepted().delay(Duration::from_secs(3));
    server.always("/request/prq_0001", slow).await;
    let config = server
        .config()
        .poll_interval(Duration::from_millis(5))
        .operation_timeout(Duration::from_millis(300));
    let authn = AuthN::new(SERVICE, hook.on(config).build().unwrap()).unwrap();
    let error = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert!(matches!(error, Error::OperationTimeout { .. }), "{error:?}");
    let seen = hook.take();
    let kept: Vec<_> = seen
        .iter()
        .map(|s| {
            (
                s.poll,
                s.http_status,
                s.error_type.as_deref(),
                s.last,
                s.url.ends_with("/request/prq_0001"),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            (None, Some(202), None, false, false),
            (Some(1), None, Some("timeout"), true, true)
        ]
    );
}

#[tokio::test]
async fn a_202_not_polled_is_the_last_record_with_its_request_id() {
    let hook = Hook::default();
    let emulator = Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    let config = emulator_config(&emulator).queued_retry_enabled(false);
    let authn = emulator_client(&emulator, hook.on(config));
    emulator
        .faults()
        .add(FaultRule::new("session_invalidate").accept_polls(1))
        .unwrap();
    let session = live_ids(&emulator).remove(0);
    let error = authn.session().invalidate(&session).await.unwrap_err();
    let Error::Accepted { request_id, .. } = &error else {
        panic!("{error:?}")
    };
    let seen = hook.take();
    let kept: Vec<_> = seen
        .iter()
        .map(|s| {
            (
                s.attempt,
                s.http_status,
                s.request_id.as_deref(),
                s.error_type.as_deref(),
                s.last,
            )
        })
        .collect();
    assert_eq!(
        kept,
        [(
            1,
            Some(202),
            Some(request_id.as_str()),
            Some("_OTHER"),
            true
        )]
    );
    assert_eq!(emulator.journal().count("session_invalidate"), 1);
}

#[tokio::test]
async fn a_call_cut_while_it_waits_to_poll_has_no_last_record() {
    let server = MockServer::start().await;
    server.always("/v2/session/list", Reply::accepted()).await;
    let hook = Hook::default();
    let config = server
        .config()
        .poll_interval(Duration::from_secs(5))
        .operation_timeout(Duration::from_millis(200));
    let authn = AuthN::new(SERVICE, hook.on(config).build().unwrap()).unwrap();
    let error = authn.session().list(ListOptions::new()).await.unwrap_err();
    assert!(matches!(error, Error::OperationTimeout { .. }), "{error:?}");
    // The 202 ended before the cut; no poll had started.
    let seen = hook.take();
    let kept: Vec<_> = seen
        .iter()
        .map(|s| (s.poll, s.http_status, s.last))
        .collect();
    assert_eq!(kept, [(None, Some(202), false)]);
    assert_eq!(server.hits("/request/prq_0001"), 0);
}

#[tokio::test]
async fn a_poll_of_an_earlier_calls_request_is_attempt_0() {
    let server = MockServer::start().await;
    let done = Reply::success(json!({"sessions": [], "last": ""}));
    server.reply("/request/prq_0009", done).await;
    let hook = Hook::default();
    let config = server.config().poll_interval(Duration::from_millis(5));
    let authn = AuthN::new(SERVICE, hook.on(config).build().unwrap()).unwrap();
    let page = authn
        .poll_result::<authn_session::SessionListResult>("prq_0009")
        .await
        .unwrap();
    let seen = hook.take();
    let kept: Vec<_> = seen
        .iter()
        .map(|s| {
            (
                s.operation,
                s.method,
                s.attempt,
                s.poll,
                s.http_status,
                s.request_id.as_deref(),
                s.last,
            )
        })
        .collect();
    assert_eq!(
        kept,
        [(
            "poll_result",
            "GET",
            0,
            Some(1),
            Some(200),
            Some(page.request_id.as_str()),
            true
        )]
    );
    assert!(
        seen[0].url.ends_with("/request/prq_0009"),
        "{}",
        seen[0].url
    );
}
