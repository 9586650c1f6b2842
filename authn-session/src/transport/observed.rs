//! What the observer ([`crate::AttemptRecord`]) is told of a call's
//! attempts, and the attempt in flight, so that a call its deadline cuts
//! still says which attempt was cut.

use std::sync::{
    atomic::{AtomicU32, Ordering},
    Mutex, PoisonError,
};

use authn_session_gen::operations::{Operation, Target};
use url::Url;

use super::{telemetry::Endpoint, Transport};
use crate::{observe::Observer, platform::Instant, AttemptRecord, Error};

/// How many attempts a call has started and, when an observer is
/// registered, the attempt in flight: a call without an observer pays one
/// atomic store an attempt for it, no lock.
pub(super) struct InFlight {
    attempts: AtomicU32,
    current: Option<Mutex<Current>>,
}

struct Current {
    attempt: u32,
    /// The poll's number and URL, for a poll.
    poll: Option<(u32, Url)>,
    since: Option<Instant>,
}

/// The attempt a deadline cut: its number, its poll's number and URL, and
/// when it started.
pub(super) struct Cut {
    pub(super) attempt: u32,
    pub(super) poll: Option<(u32, Url)>,
    pub(super) since: Instant,
}

impl InFlight {
    /// Follows the attempt in flight only when `observed`.
    pub(super) fn new(observed: bool) -> Self {
        InFlight {
            attempts: AtomicU32::new(0),
            current: observed.then(|| {
                Mutex::new(Current {
                    attempt: 0,
                    poll: None,
                    since: None,
                })
            }),
        }
    }

    fn with(&self, f: impl FnOnce(&mut Current)) {
        if let Some(current) = &self.current {
            f(&mut current.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    /// Attempt number `attempt` (or its poll number `poll`, of `url`)
    /// starts now.
    pub(super) fn start(&self, attempt: u32, poll: Option<(u32, &Url)>) -> Instant {
        let now = Instant::now();
        self.attempts.store(attempt, Ordering::Relaxed);
        self.with(|c| {
            *c = Current {
                attempt,
                poll: poll.map(|(n, url)| (n, url.clone())),
                since: Some(now),
            }
        });
        now
    }

    /// The attempt in flight has ended: a cut now cuts none.
    pub(super) fn ended(&self) {
        self.with(|c| c.since = None);
    }

    /// How many attempts the call has started.
    pub(super) fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// The attempt in flight, taken: the deadline cut it. `None` without an
    /// observer.
    pub(super) fn cut(&self) -> Option<Cut> {
        let mut cut = None;
        self.with(|c| {
            cut = c.since.take().map(|since| Cut {
                attempt: c.attempt,
                poll: c.poll.take(),
                since,
            })
        });
        cut
    }
}

/// The parts of a call's records that every attempt shares.
#[derive(Clone, Copy)]
pub(super) struct Watch<'a> {
    pub(super) observer: Option<&'a Observer>,
    pub(super) operation: &'static str,
    pub(super) endpoint: &'a Endpoint<'a>,
    pub(super) target: Option<&'a Target>,
}

impl<'a> Watch<'a> {
    /// The record of attempt `attempt` (poll `poll`) started at `sent`, with
    /// no answer, no error, and more to come: the caller says what it came to.
    pub(super) fn record(
        &self,
        attempt: u32,
        poll: Option<u32>,
        sent: Instant,
    ) -> AttemptRecord<'a> {
        AttemptRecord {
            operation: self.operation,
            method: self.endpoint.method,
            url: self.endpoint.full.as_ref(),
            attempt,
            poll,
            target: self.target,
            duration: sent.elapsed(),
            http_status: None,
            request_id: None,
            error: None,
            last: false,
        }
    }

    /// Tells the observer, when there is one, the record `record` makes
    /// (only made then).
    pub(super) fn tell<'b>(&self, record: impl FnOnce() -> AttemptRecord<'b>) {
        if let Some(observer) = self.observer {
            (observer.0)(&record());
        }
    }
}

impl Transport {
    /// What the observer is told of a call of `op` to `endpoint`.
    pub(super) fn watch<'a>(
        &'a self,
        op: &Operation,
        endpoint: &'a Endpoint<'a>,
        target: Option<&'a Target>,
    ) -> Watch<'a> {
        Watch {
            observer: self.config.observer.as_ref(),
            operation: op.id,
            endpoint,
            target,
        }
    }

    /// Tells the observer of the attempt the deadline cut, if one was in flight.
    pub(super) fn cut(&self, watch: &Watch<'_>, in_flight: &InFlight, timeout: &Error) {
        let Some(cut) = in_flight.cut() else { return };
        let polled = cut
            .poll
            .as_ref()
            .map(|(n, url)| (*n, Endpoint::new("GET", url)));
        let watch = match &polled {
            Some((_, endpoint)) => Watch { endpoint, ..*watch },
            None => *watch,
        };
        watch.tell(|| AttemptRecord {
            error: Some(timeout),
            last: true,
            ..watch.record(cut.attempt, polled.as_ref().map(|(n, _)| *n), cut.since)
        });
    }
}
