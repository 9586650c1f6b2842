//! [`EmulatorHandle`]: a running emulator, its state reachable from Rust as
//! the admin API reaches it over HTTP.

use std::net::SocketAddr;

use crate::{
    clock::Clock, faults::Faults, journal::Journal, quirks::Quirks, state::Shared, EmulatorError,
    Fixtures,
};

/// A running emulator. Dropping it stops the server.
pub struct EmulatorHandle {
    addr: SocketAddr,
    service_token: String,
    fixtures: Fixtures,
    pub(crate) state: Shared,
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
    pub(crate) fn new(
        addr: SocketAddr,
        service_token: String,
        fixtures: Fixtures,
        state: Shared,
        stop: tokio::sync::oneshot::Sender<()>,
        task: tokio::task::JoinHandle<()>,
    ) -> Self {
        Self {
            addr,
            service_token,
            fixtures,
            state,
            stop: Some(stop),
            task: Some(task),
        }
    }

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
    /// built with [`EmulatorBuilder::keep_fixtures`](crate::EmulatorBuilder::keep_fixtures)`(false)`.
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
        self.state
            .load(fixtures.clone())
            .map_err(EmulatorError::Fixtures)
    }

    /// Writes the state to the [state file](crate::EmulatorBuilder::state_file),
    /// atomically, as `POST /_emulator/state/save` does and the binary does
    /// on SIGTERM and SIGINT. `Ok(false)` when the emulator has no state file.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// assert!(!emulator.save_state().unwrap(), "no state file was given");
    /// # }
    /// ```
    pub fn save_state(&self) -> Result<bool, EmulatorError> {
        self.state.save()
    }

    /// Empties the store (no users, no sessions) and switches every quirk
    /// off, as `POST /_emulator/reset` does.
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
        self.state.reset();
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

    /// The quirks that are on: switch them on and off while the emulator
    /// runs ([`Quirk`](crate::Quirk) lists them).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use authn_emulator::{Emulator, Quirk};
    /// let emulator = Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// emulator.quirks().add(Quirk::UnknownSession400);
    /// # }
    /// ```
    pub fn quirks(&self) -> &Quirks {
        &self.state.quirks
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
        self.stop().await;
    }

    /// Stops accepting connections, waits for in-flight requests, then
    /// writes the state to the [state file](crate::EmulatorBuilder::state_file),
    /// as the binary does on SIGTERM and SIGINT. `Ok(false)` when the
    /// emulator has no state file.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    /// assert!(!emulator.shutdown_and_save().await.unwrap());
    /// # }
    /// ```
    pub async fn shutdown_and_save(mut self) -> Result<bool, EmulatorError> {
        self.stop().await;
        self.state.save()
    }

    async fn stop(&mut self) {
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
