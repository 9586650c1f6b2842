//! `TokenKeeper` against the emulator: one refresh for any number of
//! concurrent callers (counted in the emulator's journal), expiry-driven
//! refresh, the terminal "log in again" state (only for a refresh token the
//! service refused), a failure shared by every waiter, and refresh results
//! without a user token or an expiry.

use std::{sync::Arc, time::Duration};

use authn_emulator::{Emulator, EmulatorHandle, FaultRule, Quirk};
use authn_session::{AuthN, ExposeSecret, KeeperError, ListOptions, RefreshOptions, TokenKeeper};
use authn_session_tests::{emulator_client, emulator_config, envelope, MockServer, Reply};
use futures::future::join_all;
use tokio::sync::Barrier;

const REFRESH: &str = "client_session_refresh";

async fn start(life: Option<Duration>) -> (EmulatorHandle, AuthN, TokenKeeper) {
    let mut builder = Emulator::builder().seed_users(1, 1);
    if let Some(life) = life {
        builder = builder.user_token_life(life);
    }
    let emulator = builder.spawn().await.unwrap();
    let authn = emulator_client(&emulator, emulator_config(&emulator));
    let session = &emulator.fixtures().users[0].sessions[0];
    let keeper = TokenKeeper::new(
        authn.clone(),
        session.user_token.as_str(),
        session.refresh_token.as_str(),
    );
    (emulator, authn, keeper)
}

/// Runs `calls` tasks that all start together.
async fn at_once<T, F, Fut>(calls: usize, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(calls));
    let tasks = (0..calls).map(|_| {
        let barrier = barrier.clone();
        let work = call();
        tokio::spawn(async move {
            barrier.wait().await;
            work.await
        })
    });
    join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect()
}

#[test]
fn the_keeper_is_clone_send_sync_and_static() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<TokenKeeper>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_refreshes_send_one_request_and_share_its_tokens() {
    let (emulator, authn, keeper) = start(None).await;
    // The refresh takes a while, so all fifty callers arrive while it is in flight.
    emulator
        .faults()
        .add(FaultRule::new(REFRESH).delay_ms(300))
        .unwrap();
    let mut rotations = keeper.subscribe();
    let results = at_once(50, || {
        let keeper = keeper.clone();
        async move { keeper.refresh().await }
    })
    .await;
    assert_eq!(emulator.journal().count(REFRESH), 1);
    let first = results[0].as_ref().unwrap().clone();
    for result in &results {
        assert_eq!(result.as_ref().unwrap(), &first);
    }
    // The rotated tokens are the session's now, and were published for storing.
    let state = emulator.dump();
    let stored = &state.users[0].sessions[0];
    assert_eq!(first.refresh_token.expose_secret(), stored.refresh_token);
    assert_eq!(
        first.user_token.as_ref().unwrap().expose_secret(),
        stored.user_token
    );
    assert!(rotations.has_changed().unwrap());
    assert_eq!(*rotations.borrow_and_update(), first);
    // And they work.
    authn
        .client()
        .session()
        .list(keeper.user_token().await.unwrap(), ListOptions::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn user_token_refreshes_once_it_is_within_the_margin_of_expiry() {
    let (emulator, _, keeper) = start(Some(Duration::from_secs(600))).await;
    // The first refresh tells the keeper when the user token expires.
    let first = keeper.refresh().await.unwrap();
    assert!(first.expires_at.is_some());
    let keeper = keeper.with_margin(Duration::from_secs(300));
    let token = keeper.user_token().await.unwrap();
    assert_eq!(
        Some(token),
        first.user_token,
        "10 minutes left, 5 minutes margin: no refresh"
    );
    assert_eq!(emulator.journal().count(REFRESH), 1);

    let keeper = keeper.with_margin(Duration::from_secs(660));
    emulator
        .faults()
        .add(FaultRule::new(REFRESH).delay_ms(300))
        .unwrap();
    let results = at_once(20, || {
        let keeper = keeper.clone();
        async move { keeper.user_token().await }
    })
    .await;
    let fresh = results[0].as_ref().unwrap();
    assert_ne!(
        Some(fresh),
        first.user_token.as_ref(),
        "within the margin: refreshed first"
    );
    assert!(results.iter().all(|r| r.as_ref().unwrap() == fresh));
    assert_eq!(
        emulator.journal().count(REFRESH),
        2,
        "one refresh for the twenty concurrent callers"
    );
}

#[tokio::test]
async fn a_dead_refresh_token_is_terminal_and_sends_nothing_more() {
    let (emulator, authn, keeper) = start(None).await;
    assert!(format!("{keeper:?}").contains("dead: false"), "{keeper:?}");
    // Somebody else spends the refresh token.
    let session = &emulator.fixtures().users[0].sessions[0];
    authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap();
    let err = keeper.refresh().await.unwrap_err();
    let KeeperError::LoginRequired { request_id, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(request_id.is_some());
    assert_eq!(emulator.journal().count(REFRESH), 2);
    for _ in 0..5 {
        assert!(matches!(
            keeper.refresh().await,
            Err(KeeperError::LoginRequired { .. })
        ));
        assert!(matches!(
            keeper.clone().with_margin(Duration::MAX).user_token().await,
            Err(KeeperError::LoginRequired { .. })
        ));
    }
    assert_eq!(
        emulator.journal().count(REFRESH),
        2,
        "nothing more was sent"
    );
    assert!(err.to_string().contains("log in again"));
    // What a user's `{keeper:?}` in a log line shows: the state, never the tokens.
    let shown = format!("{keeper:?}");
    assert!(
        shown.starts_with("TokenKeeper {") && shown.contains("dead: true"),
        "{shown}"
    );
    assert!(!shown.contains(session.refresh_token.as_str()), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_reaches_every_waiter_and_is_not_terminal() {
    let (emulator, _, keeper) = start(None).await;
    emulator
        .faults()
        .add(FaultRule::new(REFRESH).status(500).delay_ms(300))
        .unwrap();
    let results = at_once(50, || {
        let keeper = keeper.clone();
        async move { keeper.refresh().await }
    })
    .await;
    assert_eq!(
        emulator.journal().count(REFRESH),
        1,
        "a 500 is not retried for refresh"
    );
    let request_ids: std::collections::HashSet<_> = results
        .iter()
        .map(|r| match r {
            Err(KeeperError::Refresh(e)) => e.request_id().map(str::to_string),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(request_ids.len(), 1, "every waiter got the same error");
    // The injected 500 was answered before processing: the keeper goes on.
    keeper.refresh().await.unwrap();
    assert_eq!(emulator.journal().count(REFRESH), 2);
}

#[tokio::test]
async fn a_refresh_whose_answer_was_lost_is_not_retried_and_then_found_spent() {
    let (emulator, _, keeper) = start(None).await;
    emulator
        .faults()
        .add(FaultRule::new(REFRESH).drop_after_commit())
        .unwrap();
    let err = keeper.refresh().await.unwrap_err();
    let KeeperError::Refresh(cause) = &err else {
        panic!("{err:?}");
    };
    assert!(cause.may_have_been_processed());
    assert_eq!(
        emulator.journal().count(REFRESH),
        1,
        "never retried blindly"
    );
    // The server did rotate: the keeper's refresh token is spent, so log in again.
    assert!(matches!(
        keeper.refresh().await,
        Err(KeeperError::LoginRequired { .. })
    ));
}

/// A keeper of the emulator's one session, with `quirk` on.
async fn start_with(quirk: Quirk) -> (EmulatorHandle, AuthN, TokenKeeper) {
    let (emulator, authn, keeper) = start(None).await;
    emulator.quirks().add(quirk);
    (emulator, authn, keeper)
}

#[tokio::test]
async fn a_refresh_without_an_active_token_keeps_the_user_token_it_had() {
    let (emulator, authn, keeper) = start_with(Quirk::RefreshWithoutActiveToken).await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    let tokens = keeper.refresh().await.unwrap();
    assert_eq!(
        tokens.user_token.as_ref().map(ExposeSecret::expose_secret),
        Some(session.user_token.as_str()),
        "no sentinel: the user token it had"
    );
    assert_ne!(tokens.refresh_token.expose_secret(), session.refresh_token);
    // It still works, and `user_token()` needs no other refresh.
    let token = keeper.user_token().await.unwrap();
    authn
        .client()
        .session()
        .list(token, ListOptions::new())
        .await
        .unwrap();
    assert_eq!(emulator.journal().count(REFRESH), 1);
}

#[tokio::test]
async fn a_keeper_without_a_user_token_refreshes_for_one_and_says_when_none_came() {
    let (emulator, authn, _) = start_with(Quirk::RefreshWithoutActiveToken).await;
    let session = emulator.fixtures().users[0].sessions[0].clone();
    let first = authn
        .client()
        .session()
        .refresh(session.refresh_token.as_str(), RefreshOptions::new())
        .await
        .unwrap();
    assert!(first.result.active_token.is_none());
    let keeper = TokenKeeper::from_refresh_result(authn.clone(), &first.result);
    assert_eq!(keeper.tokens().user_token, None, "no sentinel token");

    // With none to give, it asks; the answer has none either: a typed error
    // naming that refresh, which is not "log in again".
    let err = keeper.user_token().await.unwrap_err();
    let KeeperError::NoUserToken { request_id, .. } = &err else {
        panic!("{err:?}");
    };
    let journal = emulator.journal().entries();
    assert_eq!(
        journal.last().unwrap().request_id.as_ref(),
        Some(request_id)
    );
    assert_eq!(emulator.journal().count(REFRESH), 2);

    // Not terminal: once the service sends one, the keeper has it.
    emulator.quirks().clear();
    let token = keeper.user_token().await.unwrap();
    assert_eq!(emulator.journal().count(REFRESH), 3);
    authn
        .client()
        .session()
        .list(token, ListOptions::new())
        .await
        .unwrap();
}

/// A keeper of a scripted server's refresh, whose first answer is `reply`.
async fn refused_with(reply: Reply) -> (MockServer, TokenKeeper, KeeperError) {
    let server = MockServer::start().await;
    server.reply("/v2/client/session/refresh", reply).await;
    let keeper = TokenKeeper::new(
        server.authn_with(server.config().request_retries(0)),
        "ptu_user",
        "ptr_refresh",
    );
    let err = keeper.refresh().await.unwrap_err();
    (server, keeper, err)
}

fn validation_error(source: &str) -> Reply {
    Reply::json(
        400,
        envelope(
            "ValidationError",
            "1 field(s) failed validation",
            serde_json::json!({"errors": [{"code": "InvalidValue", "detail": "no", "source": source}]}),
        ),
    )
}

#[tokio::test]
async fn only_a_refusal_of_the_refresh_token_itself_means_log_in_again() {
    for (reply, login) in [
        (validation_error("/refresh_token"), true),
        (Reply::error(404, "NotFound", "spent"), true),
        (validation_error("/user_token"), false),
        (validation_error("/config_id"), false),
        (
            Reply::error(400, "ValidationError", "no field errors"),
            false,
        ),
        (Reply::error(403, "Unauthorized", "service token"), false),
    ] {
        let (server, keeper, err) = refused_with(reply).await;
        assert_eq!(
            matches!(err, KeeperError::LoginRequired { .. }),
            login,
            "{err:?}"
        );
        if !login {
            assert!(matches!(err, KeeperError::Refresh(_)), "{err:?}");
            // Only a refusal naming the user token drops it.
            let kept = keeper
                .tokens()
                .user_token
                .map(|t| t.expose_secret().to_string());
            let names_user_token = format!("{err:?}").contains("/user_token");
            assert_eq!(kept.is_none(), names_user_token, "{err:?}");
            // Not terminal: the next call is sent.
            let _ = keeper.refresh().await;
            assert_eq!(server.hits("/v2/client/session/refresh"), 2, "{err:?}");
        }
    }
}

#[tokio::test]
async fn a_user_token_the_service_refuses_is_not_sent_again() {
    let (server, keeper, err) = refused_with(validation_error("/user_token")).await;
    assert!(matches!(err, KeeperError::Refresh(_)), "{err:?}");
    assert_eq!(keeper.tokens().user_token, None);
    let _ = keeper.refresh().await;
    let sent: Vec<_> = server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(
        sent,
        [
            serde_json::json!({"refresh_token": "ptr_refresh", "user_token": "ptu_user"}),
            serde_json::json!({"refresh_token": "ptr_refresh"}),
        ]
    );
}

#[tokio::test]
async fn an_expiry_the_response_lacked_is_unknown_not_expired() {
    let server = MockServer::start().await;
    let login = |token: &str| {
        serde_json::json!({"token": token, "id": "pmt_n", "type": "user", "life": 60,
            "identity": "pui", "email": "e", "profile": {}, "created_at": "2026-11-23T08:00:00Z"})
    };
    server
        .reply(
            "/v2/client/session/refresh",
            Reply::success(serde_json::json!({
                "refresh_token": login("ptr_new"), "active_token": login("ptu_new")})),
        )
        .await;
    let keeper = TokenKeeper::new(server.authn(), "ptu_user", "ptr_refresh");
    let tokens = keeper.refresh().await.unwrap();
    assert_eq!(tokens.expires_at, None, "not 1970: unknown");
    // So `user_token()` gives it, with no second refresh.
    assert_eq!(
        keeper.user_token().await.unwrap().expose_secret(),
        "ptu_new"
    );
    assert_eq!(server.hits("/v2/client/session/refresh"), 1);
}

#[tokio::test]
async fn a_refresh_token_that_cannot_be_sent_means_log_in_again_and_a_user_token_does_not() {
    let server = MockServer::start().await;
    let dead = TokenKeeper::new(server.authn(), "ptu_user", "");
    let err = dead.refresh().await.unwrap_err();
    assert!(
        matches!(
            err,
            KeeperError::LoginRequired {
                request_id: None,
                ..
            }
        ),
        "{err:?}"
    );
    // A user token the SDK cannot send is not the refresh token's fault.
    let odd = TokenKeeper::new(server.authn(), "ptu user\n", "ptr_refresh");
    let err = odd.refresh().await.unwrap_err();
    let KeeperError::Refresh(cause) = &err else {
        panic!("{err:?}");
    };
    assert!(
        matches!(
            &**cause,
            authn_session::Error::InvalidInput {
                field: "user_token",
                ..
            }
        ),
        "{cause:?}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}
