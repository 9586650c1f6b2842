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
mod rule;

pub use rule::{FaultEffect, FaultRule};

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
