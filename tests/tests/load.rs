//! The emulator under load, through the SDK: 50 concurrent clients, each owning
//! one user, make mixed requests (list, client list, refresh, invalidate,
//! logout). No 5xx or transport error; afterwards every live session is listed
//! exactly once, no token of an ended session works and no refresh token works
//! twice. `LOAD_REQUESTS_PER_CLIENT=2000 cargo test --release --test load` is the
//! full run (100,000 requests); CI runs 40 per client.

use std::collections::{BTreeSet, HashMap};

use authn_emulator::Emulator;
use authn_session::{
    ApiErrorKind, AuthN, Config, Error, ExposeSecret, ListOptions, RefreshOptions,
    SessionListFilter,
};
use futures::TryStreamExt;

const CLIENTS: usize = 50;
const SESSIONS_PER_USER: usize = 4;

#[derive(Debug, Default)]
struct Owned {
    /// Live sessions: id → (user token, refresh token).
    live: HashMap<String, (String, String)>,
    /// Tokens that must no longer work: user tokens of ended sessions, spent refresh tokens.
    dead_user_tokens: Vec<String>,
    dead_refresh_tokens: Vec<String>,
    requests: usize,
}

fn expect_not_found<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Api(api)) if api.kind == ApiErrorKind::NotFound => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn client(authn: AuthN, user_id: String, mut owned: Owned, steps: usize, seed: u64) -> Owned {
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..steps {
        owned.requests += 1;
        let pick = owned
            .live
            .keys()
            .nth(rng.usize(..owned.live.len().max(1)))
            .cloned();
        // Keep one session per user alive, so every kind of request goes on to the end.
        let roll = if owned.live.len() <= 1 {
            rng.u8(..90)
        } else {
            rng.u8(..100)
        };
        match (roll, pick) {
            (0..=29, _) | (_, None) => {
                let filter = SessionListFilter::new().identity(&user_id);
                let page = authn
                    .session()
                    .list(ListOptions::new().filter(filter).size(50))
                    .await
                    .expect("list");
                let listed: BTreeSet<_> = page
                    .result
                    .sessions
                    .iter()
                    .map(|s| s.id.to_string())
                    .collect();
                assert_eq!(
                    listed,
                    owned.live.keys().cloned().collect(),
                    "service list of {user_id}"
                );
            }
            (30..=54, Some(id)) => {
                let (user_token, _) = &owned.live[&id];
                let page = authn
                    .client()
                    .session()
                    .list(user_token, ListOptions::new())
                    .await
                    .expect("client list");
                assert_eq!(page.result.sessions.len(), owned.live.len());
            }
            (55..=89, Some(id)) => {
                let (user_token, refresh_token) = owned.live[&id].clone();
                let fresh = authn
                    .client()
                    .session()
                    .refresh(
                        &refresh_token,
                        RefreshOptions::new().user_token(&user_token),
                    )
                    .await
                    .expect("refresh");
                let new_refresh = fresh.result.refresh_token.token.expose_secret().to_string();
                let new_user = fresh
                    .result
                    .active_token
                    .expect("active token")
                    .token
                    .expose_secret()
                    .to_string();
                owned.dead_refresh_tokens.push(refresh_token);
                owned.dead_user_tokens.push(user_token);
                owned.live.insert(id, (new_user, new_refresh));
            }
            (90..=95, Some(id)) => {
                authn.session().invalidate(&id).await.expect("invalidate");
                let (user_token, refresh_token) = owned.live.remove(&id).expect("owned");
                owned.dead_user_tokens.push(user_token);
                owned.dead_refresh_tokens.push(refresh_token);
            }
            (_, Some(id)) => {
                let (user_token, refresh_token) = owned.live.remove(&id).expect("owned");
                authn
                    .client()
                    .session()
                    .logout(&user_token)
                    .await
                    .expect("logout");
                owned.dead_user_tokens.push(user_token);
                owned.dead_refresh_tokens.push(refresh_token);
            }
        }
    }
    owned
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_of_mixed_requests_keep_every_invariant() {
    let steps: usize = std::env::var("LOAD_REQUESTS_PER_CLIENT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let emulator = Emulator::builder()
        .seed_users(CLIENTS, SESSIONS_PER_USER)
        .spawn()
        .await
        .unwrap();
    let config = Config::builder()
        .base_url_template(emulator.base_url())
        .request_retries(0)
        .build()
        .unwrap();
    let authn = AuthN::new(emulator.service_token(), config).unwrap();

    let tasks: Vec<_> = emulator
        .fixtures()
        .users
        .iter()
        .enumerate()
        .map(|(n, user)| {
            let owned = Owned {
                live: user
                    .sessions
                    .iter()
                    .map(|s| {
                        (
                            s.id.clone(),
                            (s.user_token.clone(), s.refresh_token.clone()),
                        )
                    })
                    .collect(),
                ..Owned::default()
            };
            tokio::spawn(client(
                authn.clone(),
                user.id.clone(),
                owned,
                steps,
                n as u64,
            ))
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.push(task.await.expect("client task"));
    }
    assert_eq!(
        all.iter().map(|o| o.requests).sum::<usize>(),
        CLIENTS * steps
    );

    // Every live session is listed exactly once, and nothing else is.
    let listed: Vec<String> = authn
        .session()
        .list_all(ListOptions::new().size(37))
        .map_ok(|s| s.id.to_string())
        .try_collect()
        .await
        .unwrap();
    let unique: BTreeSet<_> = listed.iter().cloned().collect();
    assert_eq!(unique.len(), listed.len(), "a session was listed twice");
    let expected: BTreeSet<_> = all.iter().flat_map(|o| o.live.keys().cloned()).collect();
    assert_eq!(unique, expected);

    // No token of an ended session works; no refresh token works twice.
    for owned in &all {
        for token in &owned.dead_user_tokens {
            expect_not_found(
                authn
                    .client()
                    .session()
                    .list(token, ListOptions::new())
                    .await,
            );
        }
        for token in &owned.dead_refresh_tokens {
            expect_not_found(
                authn
                    .client()
                    .session()
                    .refresh(token, RefreshOptions::new())
                    .await,
            );
        }
    }
}
