//! Fault injection: rules that make the next matching requests fail, wait,
//! queue (HTTP 202) or lose their answer after the change was made.
//! Deterministic: rules apply in the order they were added, each to its next
//! `times` matching requests, and nothing is random.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use axum::{
    body::Bytes,
    http::{HeaderMap, StatusCode},
};
use serde::{Deserialize, Serialize};

/// One fault rule, as `POST /_emulator/faults` takes it (JSON) and as
/// [`Faults::add`] takes it.
///
/// ```
/// use authn_emulator::FaultRule;
///
/// // The next two refreshes answer 503 with a Pangea envelope.
/// let rule = FaultRule::new("client_session_refresh").status(503).times(2);
/// // The next list is queued: 202, then its result after 3 polls of /request/{id}.
/// let queued = FaultRule::new("/v2/session/list").accept_polls(3);
/// // The next refresh is applied, then its connection closes without an answer.
/// let lost = FaultRule::new("client_session_refresh").drop_after_commit();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultRule {
    /// The path (`/v2/session/list`) or operationId (`session_list`) it applies to.
    pub path: String,
    /// Answer with this HTTP status (400–599) and an error envelope instead of
    /// processing the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The envelope's `status` string (default: the one Pangea uses for the HTTP status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope_status: Option<String>,
    /// How many matching requests it applies to (default 1).
    #[serde(default = "one")]
    pub times: u32,
    /// Sends `Retry-After` with this many seconds (with `status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// Waits this long before anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Processes the request, answers 202 `Accepted`, and gives the result at
    /// `GET /request/{request_id}` after this many polls that answer 202 again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_polls: Option<u32>,
    /// Processes the request (the change is made), then closes the connection
    /// without answering.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_after_commit: bool,
}

fn one() -> u32 {
    1
}

impl FaultRule {
    /// A rule for `path_or_operation` that, as it is, only counts: add an effect.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_logout").delay_ms(200);
    /// ```
    pub fn new(path_or_operation: impl Into<String>) -> Self {
        Self {
            path: path_or_operation.into(),
            status: None,
            envelope_status: None,
            times: 1,
            retry_after_secs: None,
            delay_ms: None,
            accept_polls: None,
            drop_after_commit: false,
        }
    }

    /// Answers with `status` and an error envelope.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").status(500);
    /// ```
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The envelope's `status` string.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").status(400).envelope_status("NoCredit");
    /// ```
    pub fn envelope_status(mut self, status: impl Into<String>) -> Self {
        self.envelope_status = Some(status.into());
        self
    }

    /// Applies to the next `times` matching requests.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").status(503).times(3);
    /// ```
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Sends `Retry-After: secs`.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").status(429).retry_after_secs(1);
    /// ```
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Waits `ms` milliseconds first.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").delay_ms(250);
    /// ```
    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = Some(ms);
        self
    }

    /// Queues the request: 202 now, the result after `polls` polls.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("session_list").accept_polls(2);
    /// ```
    pub fn accept_polls(mut self, polls: u32) -> Self {
        self.accept_polls = Some(polls);
        self
    }

    /// Makes the change, then closes the connection without answering.
    ///
    /// ```
    /// let rule = authn_emulator::FaultRule::new("client_session_refresh").drop_after_commit();
    /// ```
    pub fn drop_after_commit(mut self) -> Self {
        self.drop_after_commit = true;
        self
    }

    /// Why the rule cannot be applied, as `(JSON pointer, reason)`.
    pub(crate) fn problem(&self) -> Option<(&'static str, String)> {
        let known = authn_session_gen::operations::ALL
            .iter()
            .any(|op| op.path == self.path || op.id == self.path);
        if !known {
            return Some((
                "/path",
                format!("{:?} is no path or operationId of the API", self.path),
            ));
        }
        if self.status.is_some_and(|s| !(400..=599).contains(&s)) {
            return Some(("/status", "must be between 400 and 599".into()));
        }
        if self.times == 0 {
            return Some(("/times", "must be at least 1".into()));
        }
        let effects = [
            self.status.is_some(),
            self.accept_polls.is_some(),
            self.drop_after_commit,
        ];
        if effects.iter().filter(|e| **e).count() > 1 {
            return Some((
                "/",
                "give at most one of status, accept_polls and drop_after_commit".into(),
            ));
        }
        None
    }

    pub(crate) fn matches(&self, path: &str, operation: Option<&str>) -> bool {
        self.path == path || Some(self.path.as_str()) == operation
    }
}

/// A response kept for a queued (202) request.
#[derive(Clone)]
pub(crate) struct Queued {
    pub polls_left: u32,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Default)]
struct Inner {
    /// Rules with their remaining count, in the order they were added.
    rules: Vec<(FaultRule, u32)>,
    queued: HashMap<String, Queued>,
}

/// The fault rules of a running emulator. Clones share them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use authn_emulator::{Emulator, FaultRule};
///
/// let emulator = Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
/// emulator.faults().add(FaultRule::new("session_list").status(503).times(2)).unwrap();
/// assert_eq!(emulator.faults().list().len(), 1);
/// emulator.faults().clear();
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Faults {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("rules", &self.list())
            .finish()
    }
}

impl Faults {
    /// Adds a rule after the others. A rule that cannot apply (an unknown path,
    /// a status outside 400–599, `times` 0, two effects) is refused with the reason.
    ///
    /// ```
    /// let faults = authn_emulator::Faults::default();
    /// assert!(faults.add(authn_emulator::FaultRule::new("/nowhere").status(500)).is_err());
    /// ```
    pub fn add(&self, rule: FaultRule) -> Result<(), String> {
        if let Some((_, reason)) = rule.problem() {
            return Err(reason);
        }
        self.add_checked(vec![rule]);
        Ok(())
    }

    pub(crate) fn add_checked(&self, rules: Vec<FaultRule>) {
        let mut inner = self.lock();
        inner.rules.extend(rules.into_iter().map(|r| {
            let times = r.times;
            (r, times)
        }));
    }

    /// The rules that still apply, with `times` set to what remains.
    ///
    /// ```
    /// assert!(authn_emulator::Faults::default().list().is_empty());
    /// ```
    pub fn list(&self) -> Vec<FaultRule> {
        self.lock()
            .rules
            .iter()
            .map(|(rule, left)| FaultRule {
                times: *left,
                ..rule.clone()
            })
            .collect()
    }

    /// Removes every rule (queued requests stay pollable).
    ///
    /// ```
    /// authn_emulator::Faults::default().clear();
    /// ```
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// The first rule for this request, counted down (and dropped at zero).
    pub(crate) fn take(&self, path: &str, operation: Option<&str>) -> Option<FaultRule> {
        let mut inner = self.lock();
        let at = inner
            .rules
            .iter()
            .position(|(r, _)| r.matches(path, operation))?;
        let (rule, left) = &mut inner.rules[at];
        let rule = rule.clone();
        *left -= 1;
        if *left == 0 {
            inner.rules.remove(at);
        }
        Some(rule)
    }

    pub(crate) fn queue(&self, request_id: String, queued: Queued) {
        self.lock().queued.insert(request_id, queued);
    }

    /// A poll of a queued request: `Ok(None)` while it is still pending,
    /// `Ok(Some(answer))` once (then it is forgotten), `Err(())` for an unknown id.
    pub(crate) fn poll(&self, request_id: &str) -> Result<Option<Queued>, ()> {
        let mut inner = self.lock();
        let queued = inner.queued.get_mut(request_id).ok_or(())?;
        if queued.polls_left > 0 {
            queued.polls_left -= 1;
            return Ok(None);
        }
        Ok(inner.queued.remove(request_id))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How long a rule's `delay_ms` waits.
pub(crate) fn delay(rule: &FaultRule) -> Option<Duration> {
    rule.delay_ms.map(Duration::from_millis)
}

/// The envelope status Pangea uses for an HTTP status.
pub(crate) fn envelope_status(http: u16) -> &'static str {
    match http {
        400 => "ValidationError",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        429 => "TooManyRequests",
        502..=504 => "ServiceNotAvailable",
        _ => "InternalError",
    }
}
