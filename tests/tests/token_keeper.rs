//! `TokenKeeper` against the emulator: one refresh for any number of
//! concurrent callers (counted in the emulator's journal), expiry-driven
//! refresh, the terminal "log in again" state, and a failure shared by every
//! waiter.

use std::{sync::Arc, time::Duration};

use authn_emulator::{Emulator, EmulatorHandle, FaultRule};
use authn_session::{AuthN, ExposeSecret, KeeperError, ListOptions, RefreshOptions, TokenKeeper};
use authn_session_tests::{emulator_client, emulator_config};
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
