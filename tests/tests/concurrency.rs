//! The code users write to run many calls at once compiles and works, for
//! every endpoint: `buffer_unordered` over borrowed ids, `join_all`, and
//! `tokio::spawn`. Each call is made through a temporary handle
//! (`authn.session().invalidate(id)`), the shape that failed with E0515 when
//! handles borrowed the client. Checked against the emulator's state after.

use std::future::Future;

use authn_emulator::{Emulator, EmulatorHandle, Fixtures};
use authn_session::{AuthN, Error, ListOptions, RefreshOptions, SecretToken};
use authn_session_tests::{emulator_client, emulator_config, live_ids};
use futures::{future::join_all, stream, StreamExt};

/// Users per endpoint and pattern; each user has two sessions.
const USERS: usize = 6;

/// Which of the three patterns runs the calls.
#[derive(Clone, Copy, Debug)]
enum Pattern {
    BufferUnordered,
    JoinAll,
    Spawn,
}

impl Pattern {
    async fn run<T, F>(self, calls: impl IntoIterator<Item = F>) -> Vec<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let results: Vec<Result<T, Error>> = match self {
            Pattern::BufferUnordered => stream::iter(calls).buffer_unordered(8).collect().await,
            Pattern::JoinAll => join_all(calls).await,
            Pattern::Spawn => {
                let handles: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
                let mut results = Vec::new();
                for handle in handles {
                    results.push(handle.await.expect("task"));
                }
                results
            }
        };
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{self:?}: {e}")))
            .collect()
    }
}

/// Seven groups of users, one per endpoint, so the calls do not interfere.
struct Groups {
    emulator: EmulatorHandle,
    authn: AuthN,
    fixtures: Vec<Fixtures>,
}

async fn start() -> Groups {
    let fixtures: Vec<Fixtures> = (0..7).map(|_| Fixtures::random(USERS, 2)).collect();
    let mut builder = Emulator::builder();
    for group in &fixtures {
        builder = builder.fixtures(group.clone());
    }
    let emulator = builder.spawn().await.unwrap();
    let authn = emulator_client(&emulator, emulator_config(&emulator));
    Groups {
        emulator,
        authn,
        fixtures,
    }
}

async fn every_endpoint(pattern: Pattern) {
    let Groups {
        emulator,
        authn,
        fixtures,
    } = start().await;
    let sessions = |g: usize| fixtures[g].users.iter().flat_map(|u| u.sessions.iter());
    let before = live_ids(&emulator).len();

    // Service token: list, invalidate (borrowed ids), logout (borrowed user ids).
    let pages = pattern
        .run((0..4).map(|_| authn.session().list(ListOptions::new().size(5))))
        .await;
    assert!(pages.iter().all(|p| p.result.sessions.len() == 5));
    let ids: Vec<String> = sessions(0).map(|s| s.id.clone()).collect();
    pattern
        .run(ids.iter().map(|id| authn.session().invalidate(id)))
        .await;
    let users: Vec<String> = fixtures[1].users.iter().map(|u| u.id.clone()).collect();
    pattern
        .run(users.iter().map(|id| authn.session().logout(id)))
        .await;

    // User tokens: list, invalidate, logout, refresh, each with borrowed tokens.
    let tokens: Vec<String> = sessions(2).map(|s| s.user_token.clone()).collect();
    let pages = pattern
        .run(
            tokens
                .iter()
                .map(|t| authn.client().session().list(t, ListOptions::new())),
        )
        .await;
    assert!(pages.iter().all(|p| p.result.sessions.len() == 2));
    let pairs: Vec<(String, String)> = sessions(3)
        .map(|s| (s.user_token.clone(), s.id.clone()))
        .collect();
    pattern
        .run(
            pairs
                .iter()
                .map(|(token, id)| authn.client().session().invalidate(token, id)),
        )
        .await;
    let tokens: Vec<String> = sessions(4).map(|s| s.user_token.clone()).collect();
    pattern
        .run(tokens.iter().map(|t| authn.client().session().logout(t)))
        .await;
    let refresh: Vec<String> = sessions(5).map(|s| s.refresh_token.clone()).collect();
    let rotated = pattern
        .run(
            refresh
                .iter()
                .map(|t| authn.client().session().refresh(t, RefreshOptions::new())),
        )
        .await;
    // The rotated tokens go straight back in, with no expose_secret().
    let again: Vec<(SecretToken, SecretToken)> = rotated
        .into_iter()
        .map(|r| {
            let user = r.result.active_token.expect("active token").token;
            (r.result.refresh_token.token, user)
        })
        .collect();
    pattern
        .run(again.iter().map(|(refresh, user)| {
            authn
                .client()
                .session()
                .refresh(refresh, RefreshOptions::new().user_token(user))
        }))
        .await;

    // Ended: group 0 (invalidated), 1 (logged out), 3 (invalidated), 4 (logged out).
    let ended = 4 * USERS * 2;
    let live = live_ids(&emulator);
    assert_eq!(live.len(), before - ended, "{pattern:?}");
    for g in [0, 1, 3, 4] {
        assert!(sessions(g).all(|s| live.binary_search(&s.id).is_err()));
    }
    for g in [2, 5, 6] {
        assert!(sessions(g).all(|s| live.binary_search(&s.id).is_ok()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffer_unordered_over_every_endpoint() {
    every_endpoint(Pattern::BufferUnordered).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_all_over_every_endpoint() {
    every_endpoint(Pattern::JoinAll).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_spawn_over_every_endpoint() {
    every_endpoint(Pattern::Spawn).await;
}

#[tokio::test]
async fn streams_and_ids_move_into_tasks() {
    let Groups {
        emulator, authn, ..
    } = start().await;
    // A stream of every session is 'static: it goes into a task as it is.
    let all = tokio::spawn(
        authn
            .session()
            .list_all(ListOptions::new())
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 7 * USERS * 2);
    // Listed ids print as themselves and go straight back in.
    let first = all[0].as_ref().unwrap();
    assert_eq!(first.id.to_string(), *first.id);
    authn.session().invalidate(&first.id).await.unwrap();
    assert!(!live_ids(&emulator).contains(&first.id.to_string()));
}
