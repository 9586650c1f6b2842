//! [`EmulatorBuilder`]: the settings of an emulator to start, and `spawn`.

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use crate::{
    clock::Clock,
    faults::Faults,
    fixtures::random_id,
    handle::EmulatorHandle,
    journal::Journal,
    quirks::{Quirk, Quirks},
    serve::{self, Limits},
    state::AppState,
    store::Store,
    EmulatorError, Fixtures,
};

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
    state_file: Option<PathBuf>,
    limits: Limits,
    journal_limit: usize,
    cors_origins: Vec<String>,
    quirks: Vec<Quirk>,
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
            state_file: None,
            limits: Limits::default(),
            journal_limit: Journal::DEFAULT_LIMIT,
            cors_origins: Vec::new(),
            quirks: Vec::new(),
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

    /// Keeps the state in `path` across restarts (`--state-file`): when the
    /// file exists, the emulator starts from it instead of the fixtures; when
    /// it does not, from the fixtures. [`EmulatorHandle::save_state`] (and
    /// `POST /_emulator/state/save`) writes it, atomically. A file that does
    /// not parse stops the start with [`EmulatorError::StateFile`], naming
    /// the file and the field, and is left as it is.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder()
    ///     .seed_users(3, 2)
    ///     .state_file("emulator-state.json")
    ///     .spawn()
    ///     .await
    ///     .unwrap();
    /// emulator.save_state().unwrap();
    /// # }
    /// ```
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// At most `n` connections open at once (default 1,024). A connection
    /// over the cap makes one idle kept-alive connection close (a client's
    /// pool keeps those open) and waits for its slot; the emulator says so
    /// once each time the cap is reached.
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().max_connections(256);
    /// ```
    pub fn max_connections(mut self, n: usize) -> Self {
        self.limits.max_connections = n.max(1);
        self
    }

    /// How long a client may take to send a request's headers, idle time on
    /// a kept-alive connection included (default 30 s); then its connection
    /// is closed.
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().header_read_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn header_read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// The largest request body the API takes (default 1 MiB); a larger one
    /// is answered 413 in the API's error envelope. The admin API takes any
    /// size (a state document holds every session).
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().max_body_bytes(64 * 1024);
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_body_bytes = bytes;
        self
    }

    /// How many requests the journal keeps (default
    /// [`Journal::DEFAULT_LIMIT`], 100,000); older ones are forgotten first,
    /// so a long-running emulator's memory stays bounded.
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().journal_limit(1_000);
    /// ```
    pub fn journal_limit(mut self, limit: usize) -> Self {
        self.journal_limit = limit;
        self
    }

    /// Lets pages from `origin` call the emulator from a browser (CORS):
    /// `http://localhost:5173`, say, or `*` for any origin. Repeat it for more
    /// origins. Preflights are answered; `Authorization`, `Content-Type` and
    /// the retried-ids header are allowed, and `Retry-After` and
    /// `X-Request-Id` are readable by the page. A bad origin fails
    /// [`spawn`](Self::spawn) with [`EmulatorError::CorsOrigin`].
    ///
    /// ```
    /// let builder = authn_emulator::Emulator::builder().cors_origin("http://localhost:5173");
    /// ```
    pub fn cors_origin(mut self, origin: impl Into<String>) -> Self {
        self.cors_origins.push(origin.into());
        self
    }

    /// Starts with `quirk` on: the emulator answers as a service that differs
    /// from Pangea's documentation in that way ([`Quirk`] lists them).
    /// Repeat it for more; [`EmulatorHandle::quirks`] changes them later.
    ///
    /// ```
    /// use authn_emulator::{Emulator, Quirk};
    /// let builder = Emulator::builder()
    ///     .quirk(Quirk::omit_field("identity", 7).unwrap())
    ///     .quirk(Quirk::StatusLowercase);
    /// ```
    pub fn quirk(mut self, quirk: Quirk) -> Self {
        self.quirks.push(quirk);
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
        let cors = crate::cors::layer(&self.cors_origins)?;
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
        let fixtures = match &self.state_file {
            Some(path) => crate::persist::read(path)?.unwrap_or(self.fixtures),
            None => self.fixtures,
        };
        let (fixtures, kept) = if self.keep_fixtures {
            (fixtures.clone(), fixtures)
        } else {
            (fixtures, Fixtures::default())
        };
        let store =
            Store::from_fixtures(fixtures, clock.clone(), user_token_life).map_err(|reason| {
                match &self.state_file {
                    Some(path) if path.exists() => EmulatorError::StateFile {
                        path: path.clone(),
                        reason,
                    },
                    _ => EmulatorError::Fixtures(reason),
                }
            })?;
        let service_token = self.service_token.unwrap_or_else(|| random_id("pts_"));
        let quirks = Quirks::default();
        quirks.extend(self.quirks);
        let state = Arc::new(AppState {
            store: Mutex::new(store),
            service_token: service_token.clone(),
            clock,
            journal: Journal::with_limit(self.journal_limit),
            faults: Faults::default(),
            quirks,
            user_token_life,
            state_file: self.state_file,
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
        let mut app = crate::http::router(state.clone(), self.limits.max_body_bytes);
        if let Some(cors) = cors {
            // Outermost: a preflight is answered here, and never journaled.
            app = app.layer(cors);
        }
        let task = tokio::spawn(serve::serve(listener, app, self.limits, async {
            let _ = stopped.await;
        }));
        Ok(EmulatorHandle::new(
            addr,
            service_token,
            kept,
            state,
            stop,
            task,
        ))
    }
}
