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
//! Inside, requests go through two layers (the journal, then the fault rules)
//! to handlers that take an extractor (the service token checked, the body
//! read into its generated request type with field errors) and answer in one
//! envelope; the store holds users and sessions with an index per order.
//!
//! Throttling (429 with `Retry-After`), HTTP 202 queueing and dropped
//! connections happen when [fault rules](FaultRule) say so. A service that
//! differs from Pangea's documentation (a record without a required field, a
//! lowercase status, a looser `__contains`) is played with [quirks](Quirk),
//! off by default. What it does not
//! model: the intelligence fields, `config_id` (accepted, ignored), and
//! sessions created by logins (they come from fixtures).

#![deny(missing_docs)]

mod admin;
mod body;
mod builder;
mod clock;
mod cors;
mod envelope;
mod extract;
mod faults;
mod field_code;
mod fixtures;
mod handle;
mod http;
mod journal;
mod middleware;
mod persist;
mod quirks;
mod schema;
mod serve;
mod state;
mod store;

use std::net::SocketAddr;

pub use builder::EmulatorBuilder;

pub use clock::Clock;
pub use faults::{FaultEffect, FaultRule, Faults};
pub use field_code::FIELD_ERROR_CODES;
pub use fixtures::{random_id, FixtureSession, FixtureUser, Fixtures};
pub use handle::EmulatorHandle;
pub use journal::{Journal, JournalEntry};
pub use quirks::{Quirk, QuirkError, Quirks};
pub use store::{DEFAULT_PAGE_SIZE, MAX_SERVED_PAGE_SIZE};

/// Why the emulator could not start, or could not save its state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// The state file (`--state-file`) could not be read, does not parse,
    /// or could not be written. A file that does not parse is left as it is.
    #[error("state file {}: {reason}", .path.display())]
    StateFile {
        /// The state file.
        path: std::path::PathBuf,
        /// What is wrong, naming the field when it does not parse.
        reason: String,
    },
    /// A CORS origin (`--cors-origin`, `.cors_origin`) is not `*` nor
    /// `scheme://host[:port]`.
    #[error("invalid CORS origin {origin:?}: {reason}")]
    CorsOrigin {
        /// The origin given.
        origin: String,
        /// What is wrong with it.
        reason: &'static str,
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
