//! The request journal: every API request the emulator handled, in order, for
//! tests to assert on (WireMock's `verify`). It holds no bodies and no
//! headers but the retried-ids one, so no token value ever enters it. It
//! keeps the last [`Journal::DEFAULT_LIMIT`] requests (or the limit it was
//! given), so a long-running emulator's memory stays bounded.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
};

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
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Mutex<Entries>>,
}

/// The entries kept, each with its place in the sequence of every request.
#[derive(Debug)]
struct Entries {
    kept: VecDeque<JournalEntry>,
    /// The sequence number of `kept[0]`.
    first: u64,
    /// The sequence number the next request gets.
    next: u64,
    limit: usize,
}

impl Default for Journal {
    fn default() -> Self {
        Self::with_limit(Self::DEFAULT_LIMIT)
    }
}

impl Journal {
    /// How many requests a journal keeps unless told otherwise: 100,000
    /// (about 30 MB); older ones are forgotten first.
    pub const DEFAULT_LIMIT: usize = 100_000;

    /// A journal that keeps the last `limit` requests (at least 1).
    ///
    /// ```
    /// let journal = authn_emulator::Journal::with_limit(10);
    /// assert!(journal.entries().is_empty());
    /// ```
    pub fn with_limit(limit: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Entries {
                kept: VecDeque::new(),
                first: 0,
                next: 0,
                limit: limit.max(1),
            })),
        }
    }

    /// Every entry, oldest first.
    ///
    /// ```
    /// let entries = authn_emulator::Journal::default().entries();
    /// assert!(entries.is_empty());
    /// ```
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().kept.iter().cloned().collect()
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
            .kept
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
        let mut entries = self.lock();
        entries.kept.clear();
        entries.first = entries.next;
    }

    /// Records an arriving request; returns its sequence number for
    /// [`Journal::answered`]. Past the limit, the oldest entry goes.
    pub(crate) fn arrived(&self, entry: JournalEntry) -> u64 {
        let mut entries = self.lock();
        let seq = entries.next;
        entries.next += 1;
        entries.kept.push_back(entry);
        if entries.kept.len() > entries.limit {
            entries.kept.pop_front();
            entries.first += 1;
        }
        seq
    }

    /// Fills in the answer of request number `seq`.
    pub(crate) fn answered(&self, seq: u64, status: u16, request_id: Option<String>) {
        let mut entries = self.lock();
        // A clear() or the limit may have removed it: then there is nothing to fill in.
        let Some(at) = seq.checked_sub(entries.first) else {
            return;
        };
        if let Some(entry) = entries.kept.get_mut(at as usize) {
            entry.status = status;
            entry.request_id = request_id;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic elsewhere while holding it leaves a journal still worth reading.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> JournalEntry {
        JournalEntry {
            time: Utc::now(),
            method: "POST".into(),
            path: path.into(),
            operation: None,
            status: 0,
            request_id: None,
            retried_request_ids: None,
        }
    }

    #[test]
    fn it_keeps_the_last_requests_and_answers_land_on_their_own_entry() {
        let journal = Journal::with_limit(2);
        let a = journal.arrived(entry("/a"));
        let b = journal.arrived(entry("/b"));
        let c = journal.arrived(entry("/c"));
        let paths: Vec<String> = journal.entries().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/b", "/c"]);
        journal.answered(a, 200, None);
        journal.answered(c, 404, None);
        let statuses: Vec<u16> = journal.entries().into_iter().map(|e| e.status).collect();
        assert_eq!(statuses, [0, 404]);
        // An answer after a clear() does not land on a newer request.
        journal.clear();
        let d = journal.arrived(entry("/d"));
        journal.answered(b, 500, None);
        assert_eq!(journal.entries()[0].status, 0);
        journal.answered(d, 200, None);
        assert_eq!(journal.entries()[0].status, 200);
    }
}
