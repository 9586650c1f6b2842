//! A local, stateful emulator of the Pangea AuthN session API: the seven
//! session endpoints over real HTTP, with users, sessions, token rotation and
//! Pangea's envelope and errors. The embedded default of this SDK's quickstart
//! and tests, and a test double for your own code (in any language).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let emulator = authn_emulator::Emulator::builder().seed_users(2, 3).spawn().await.unwrap();
//! println!("AuthN at {} with token {}", emulator.base_url(), emulator.service_token());
//! assert_eq!(emulator.fixtures().users.len(), 2);
//! # }
//! ```
//!
//! For tests, the handle also resets the store, exports and imports it, moves
//! the emulator's [`Clock`] (session and user-token expiry follow it), and
//! keeps a [`Journal`] of every request. The same is reachable over HTTP under
//! `/_emulator/` (the project README lists the paths).
//!
//! Throttling (429 with `Retry-After`), HTTP 202 queueing and dropped
//! connections happen when [fault rules](FaultRule) say so. What it does not
//! model: the intelligence fields, `config_id` (accepted, ignored), and
//! sessions created by logins (they come from fixtures).

#![deny(missing_docs)]

mod admin;
mod body;
mod clock;
mod faults;
mod fixtures;
mod http;
mod journal;
mod serve;
mod store;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

pub use clock::Clock;
pub use faults::{FaultRule, Faults};
pub use fixtures::{random_id, FixtureSession, FixtureUser, Fixtures};
pub use journal::{Journal, JournalEntry};
pub use store::{DEFAULT_PAGE_SIZE, MAX_SERVED_PAGE_SIZE};

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The fixtures are inconsistent (duplicate ids, bad times).
    #[error("invalid fixtures: {0}")]
    Fixtures(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Entry point: [`Emulator::builder`].
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder: random service token, no users, an ephemeral loopback port.
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().service_token("pts_test");
    /// ```
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Settings of an emulator to start.
#[derive(Debug, Clone)]
#[must_use]
pub struct EmulatorBuilder {
    service_token: Option<String>,
    fixtures: Fixtures,
    addr: SocketAddr,
    user_token_life: Option<std::time::Duration>,
    start_time: Option<chrono::DateTime<chrono::Utc>>,
    keep_fixtures: bool,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            service_token: None,
            fixtures: Fixtures::default(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            user_token_life: None,
            start_time: None,
            keep_fixtures: true,
        }
    }
}

impl EmulatorBuilder {
    /// The service token clients must present (default: a random `pts_…`).
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().service_token("pts_for_my_tests");
    /// ```
    pub fn service_token(mut self, token: impl Into<String>) -> Self {
        self.service_token = Some(token.into());
        self
    }

    /// Adds these users and sessions.
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().fixtures(authn_emulator::Fixtures::random(2, 2));
    /// ```
    pub fn fixtures(mut self, fixtures: Fixtures) -> Self {
        if self.fixtures.users.is_empty() {
            self.fixtures = fixtures;
        } else {
            self.fixtures.users.extend(fixtures.users);
        }
        self
    }

    /// Adds `users` random users with `sessions_per_user` sessions each.
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().seed_users(100, 5);
    /// ```
    pub fn seed_users(mut self, users: usize, sessions_per_user: usize) -> Self {
        self.fixtures
            .users
            .extend(Fixtures::random(users, sessions_per_user).users);
        self
    }

    /// Where to listen (default `127.0.0.1:0`, an ephemeral port).
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().addr("127.0.0.1:4010".parse().unwrap());
    /// ```
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// How long a user token lives once issued (by a refresh, or when the
    /// fixtures are loaded), at most as long as its session. Default: as long
    /// as its session. An expired user token is refused with 404 `NotFound`.
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().user_token_life(std::time::Duration::from_secs(900));
    /// ```
    pub fn user_token_life(mut self, life: std::time::Duration) -> Self {
        self.user_token_life = Some(life);
        self
    }

    /// Starts the emulator's clock at `now` instead of the system time; it
    /// ticks from there.
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().clock("2030-01-01T00:00:00Z".parse().unwrap());
    /// ```
    pub fn clock(mut self, now: chrono::DateTime<chrono::Utc>) -> Self {
        self.start_time = Some(now);
        self
    }

    /// Whether the handle keeps a copy of the fixtures it started with, for
    /// [`EmulatorHandle::fixtures`] (default: yes). Without it that is empty
    /// and [`EmulatorHandle::dump`] is the way to read the state; at a million
    /// sessions the copy is about 400 MB, which the `authn-emulator` binary
    /// does not spend.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder()
    ///     .seed_users(3, 2)
    ///     .keep_fixtures(false)
    ///     .spawn()
    ///     .await
    ///     .unwrap();
    /// assert!(emulator.fixtures().users.is_empty());
    /// assert_eq!(emulator.dump().users.len(), 3);
    /// # }
    /// ```
    pub fn keep_fixtures(mut self, keep: bool) -> Self {
        self.keep_fixtures = keep;
        self
    }

    /// Binds and starts serving on the current Tokio runtime.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub async fn spawn(self) -> Result<EmulatorHandle, EmulatorError> {
        let clock = Clock::default();
        if let Some(now) = self.start_time {
            clock.set(now);
        }
        let user_token_life =
            match self.user_token_life {
                Some(life) => Some(chrono::Duration::from_std(life).map_err(|_| {
                    EmulatorError::Fixtures("the user token life is too long".into())
                })?),
                None => None,
            };
        let (fixtures, kept) = if self.keep_fixtures {
            (self.fixtures.clone(), self.fixtures)
        } else {
            (self.fixtures, Fixtures::default())
        };
        let store = store::Store::from_fixtures(fixtures, clock.clone(), user_token_life)
            .map_err(EmulatorError::Fixtures)?;
        let service_token = self.service_token.unwrap_or_else(|| random_id("pts_"));
        let state = Arc::new(http::AppState {
            store: Mutex::new(store),
            service_token: service_token.clone(),
            clock,
            journal: Journal::default(),
            faults: Faults::default(),
            user_token_life,
        });
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: self.addr,
                source,
            })?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = http::router(state.clone());
        let task = tokio::spawn(serve::serve(listener, app, async {
            let _ = stopped.await;
        }));
        Ok(EmulatorHandle {
            addr,
            service_token,
            fixtures: kept,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server.
pub struct EmulatorHandle {
    addr: SocketAddr,
    service_token: String,
    fixtures: Fixtures,
    state: Arc<http::AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .field("service_token", &"[REDACTED]")
            .finish()
    }
}

impl EmulatorHandle {
    /// `http://127.0.0.1:<port>`: give it to `Config::base_url_template`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// println!("{}", emulator.base_url());
    /// # }
    /// ```
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// assert!(emulator.addr().ip().is_loopback());
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The service token it accepts.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// assert!(emulator.service_token().starts_with("pts_"));
    /// # }
    /// ```
    pub fn service_token(&self) -> &str {
        &self.service_token
    }

    /// The users and sessions it started with (tokens as seeded); empty when
    /// built with [`EmulatorBuilder::keep_fixtures`]`(false)`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// assert_eq!(emulator.fixtures().users[0].sessions.len(), 1);
    /// # }
    /// ```
    pub fn fixtures(&self) -> &Fixtures {
        &self.fixtures
    }

    /// The users and live sessions now, with their current tokens.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// assert_eq!(emulator.dump(), *emulator.fixtures());
    /// # }
    /// ```
    pub fn dump(&self) -> Fixtures {
        self.state.store().dump()
    }

    /// Replaces every user and session with `fixtures` (what `dump` returns
    /// loads back exactly), as `PUT /_emulator/state` does. Invalid fixtures
    /// leave the current state as it was.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(2, 2).spawn().await.unwrap();
    /// let saved = emulator.dump();
    /// emulator.reset();
    /// emulator.load(&saved).unwrap();
    /// assert_eq!(emulator.dump(), saved);
    /// # }
    /// ```
    pub fn load(&self, fixtures: &Fixtures) -> Result<(), EmulatorError> {
        let store = store::Store::from_fixtures(
            fixtures.clone(),
            self.state.clock.clone(),
            self.state.user_token_life,
        )
        .map_err(EmulatorError::Fixtures)?;
        *self.state.store() = store;
        Ok(())
    }

    /// Empties the store (no users, no sessions), as `POST /_emulator/reset` does.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(2, 2).spawn().await.unwrap();
    /// emulator.reset();
    /// assert!(emulator.dump().users.is_empty());
    /// # }
    /// ```
    pub fn reset(&self) {
        *self.state.store() =
            store::Store::new(self.state.clock.clone(), self.state.user_token_life);
    }

    /// The emulator's clock: move it to expire sessions and tokens.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// emulator.clock().advance(std::time::Duration::from_secs(3 * 24 * 3600));
    /// assert!(emulator.dump().users[0].sessions.is_empty(), "seeded sessions last two days");
    /// # }
    /// ```
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// The fault rules: make the next matching requests fail, wait, queue or
    /// lose their answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use authn_emulator::{Emulator, FaultRule};
    /// let emulator = Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// emulator.faults().add(FaultRule::new("client_session_refresh").status(503).times(2)).unwrap();
    /// # }
    /// ```
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// The journal of every request the API handled.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// assert!(emulator.journal().entries().is_empty());
    /// # }
    /// ```
    pub fn journal(&self) -> &Journal {
        &self.state.journal
    }

    /// Stops accepting connections and waits for in-flight requests.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// emulator.shutdown().await;
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_handler_that_panicked_holding_the_store_does_not_stop_the_others() {
        let emulator = Emulator::builder().seed_users(2, 2).spawn().await.unwrap();
        let state = emulator.state.clone();
        // A handler bug: a panic while the store is locked poisons the mutex.
        let panicked = std::thread::spawn(move || {
            let _store = state.store.lock().unwrap();
            panic!("a handler bug");
        })
        .join();
        assert!(panicked.is_err() && emulator.state.store.is_poisoned());
        let _ = rustls::crypto::ring::default_provider().install_default();
        let response = reqwest::Client::new()
            .post(format!("{}/v2/session/list", emulator.base_url()))
            .bearer_auth(emulator.service_token())
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "later requests are still served");
        assert_eq!(emulator.dump().users.len(), 2);
    }
}
