//! The request journal: every API request the emulator handled, in order, for
//! tests to assert on (WireMock's `verify`). It holds no bodies and no
//! headers but the retried-ids one, so no token value ever enters it.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One handled request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalEntry {
    /// When it arrived, by the emulator's clock.
    pub time: DateTime<Utc>,
    /// HTTP method.
    pub method: String,
    /// The path, for the paths of the API (`/v2/…`, `/request/…`); any other
    /// path is journaled as `(other)`, so nothing a client put in a path is kept.
    pub path: String,
    /// The spec's operationId, for the seven endpoints.
    pub operation: Option<String>,
    /// The HTTP status answered; 0 while the request is being handled, and
    /// for one whose connection closed before an answer (a client that gave
    /// up, or the `drop_after_commit` fault).
    pub status: u16,
    /// The request id answered.
    pub request_id: Option<String>,
    /// The `X-Pangea-Retried-Request-Ids` header the client sent.
    pub retried_request_ids: Option<String>,
}

/// The journal of a running emulator. Clones share it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let emulator = authn_emulator::Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
/// assert_eq!(emulator.journal().count("/v2/session/list"), 0);
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Journal {
    entries: Arc<Mutex<Vec<JournalEntry>>>,
}

impl Journal {
    /// Every entry, oldest first.
    ///
    /// ```
    /// let entries = authn_emulator::Journal::default().entries();
    /// assert!(entries.is_empty());
    /// ```
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().clone()
    }

    /// How many requests reached `path_or_operation` (a path such as
    /// `/v2/client/session/refresh`, or an operationId such as
    /// `client_session_refresh`).
    ///
    /// ```
    /// assert_eq!(authn_emulator::Journal::default().count("session_list"), 0);
    /// ```
    pub fn count(&self, path_or_operation: &str) -> usize {
        self.lock()
            .iter()
            .filter(|e| {
                e.path == path_or_operation || e.operation.as_deref() == Some(path_or_operation)
            })
            .count()
    }

    /// Forgets every entry.
    ///
    /// ```
    /// authn_emulator::Journal::default().clear();
    /// ```
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Records an arriving request; returns its place for [`Journal::answered`].
    pub(crate) fn arrived(&self, entry: JournalEntry) -> usize {
        let mut entries = self.lock();
        entries.push(entry);
        entries.len() - 1
    }

    /// Fills in the answer of the request recorded at `at`.
    pub(crate) fn answered(&self, at: usize, status: u16, request_id: Option<String>) {
        // A clear() in between may have removed it: then there is nothing to fill in.
        if let Some(entry) = self.lock().get_mut(at) {
            entry.status = status;
            entry.request_id = request_id;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<JournalEntry>> {
        // A panic elsewhere while holding it leaves a journal still worth reading.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
