//! What the observer ([`crate::AttemptRecord`]) is told of a call's
//! attempts, and the attempt in flight, so that a call its deadline cuts
//! still says which attempt was cut.

use std::sync::{Mutex, PoisonError};

use authn_session_gen::operations::{Operation, Target};
use url::Url;

use super::{telemetry::Endpoint, Transport};
use crate::{observe::Observer, platform::Instant, AttemptRecord, Error};

/// The attempt a call has in flight, if any, and how many it has started.
#[derive(Default)]
pub(super) struct InFlight(Mutex<Current>);

#[derive(Default)]
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
    fn with<T>(&self, f: impl FnOnce(&mut Current) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Attempt number `attempt` (or its poll number `poll`, of `url`)
    /// starts now.
    pub(super) fn start(&self, attempt: u32, poll: Option<(u32, &Url)>) -> Instant {
        let poll = poll.map(|(n, url)| (n, url.clone()));
        let now = Instant::now();
        self.with(|c| {
            *c = Current {
                attempt,
                poll,
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
        self.with(|c| c.attempt)
    }

    /// The attempt in flight, taken: the deadline cut it.
    pub(super) fn cut(&self) -> Option<Cut> {
        self.with(|c| {
            let since = c.since.take()?;
            Some(Cut {
                attempt: c.attempt,
                poll: c.poll.take(),
                since,
            })
        })
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
