//! The state a running emulator shares between its HTTP layer and its Rust
//! handle: the store, the service token, the clock, the journal, the fault
//! rules and the quirks. Replacing the store (reset, load) is written here once, for the
//! handle and the admin API alike.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http::{header, HeaderMap};

use crate::{
    clock::Clock, faults::Faults, fixtures::Fixtures, journal::Journal, quirks::Quirks,
    store::Store,
};

/// Shared state of a running emulator.
pub(crate) struct AppState {
    pub store: Mutex<Store>,
    pub service_token: String,
    pub clock: Clock,
    pub journal: Journal,
    pub faults: Faults,
    pub quirks: Quirks,
    pub user_token_life: Option<chrono::Duration>,
    /// Where `save` writes the state (`--state-file`).
    pub state_file: Option<std::path::PathBuf>,
}

pub(crate) type Shared = Arc<AppState>;

impl AppState {
    /// The store. A handler that panicked while holding it (a bug) has not
    /// left it half-changed, since every operation validates before it
    /// writes: later requests go on being served.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Empties the store (no users, no sessions) and switches every quirk off.
    pub(crate) fn reset(&self) {
        *self.store() = Store::new(self.clock.clone(), self.user_token_life);
        self.quirks.clear();
    }

    /// Replaces the store with `fixtures`. The new store is built whole
    /// before it replaces anything: a refusal leaves the old state.
    pub(crate) fn load(&self, fixtures: Fixtures) -> Result<(), String> {
        let store = Store::from_fixtures(fixtures, self.clock.clone(), self.user_token_life)?;
        *self.store() = store;
        Ok(())
    }

    /// Writes the state to the state file, atomically; `Ok(false)` when the
    /// emulator has none.
    pub(crate) fn save(&self) -> Result<bool, crate::EmulatorError> {
        let Some(path) = &self.state_file else {
            return Ok(false);
        };
        let fixtures = self.store().dump();
        crate::persist::save(path, &fixtures)?;
        Ok(true)
    }

    /// Whether the request carries the service token.
    pub(crate) fn authorized(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            == Some(self.service_token.as_str())
    }
}
