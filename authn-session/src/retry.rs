//! When a failed attempt is retried, and how long to wait first.
//!
//! The rule follows idempotency. `list`, `invalidate` and `logout` may be
//! repeated: doing them twice leaves the same state as doing them once (a
//! repeated `invalidate` of a session that the first attempt already ended
//! answers `NotFound`; [`ApiError::attempts`](crate::ApiError::attempts) > 1 tells
//! you so). `refresh` rotates tokens, so a second attempt after a processed first
//! one would be refused and the new tokens lost: it is retried only when the
//! request **certainly was not processed**. Which operation is which is the
//! spec's: each operation's `x-pangea-retry` (`idempotent`, or `once` for
//! refresh) is in the generated table as `Operation::retry`, and the retry
//! loop reads it there; no endpoint says it again.
//!
//! | why an attempt failed                                   | list, invalidate, logout | refresh |
//! |---------------------------------------------------------|:---:|:---:|
//! | connection could not be opened (nothing sent)           | retry | retry |
//! | HTTP 429 `TooManyRequests` (refused before processing)  | retry | retry |
//! | HTTP 502/503 without a Pangea envelope (from a gateway) | retry | retry |
//! | HTTP 500, 504, or 502/503 with a Pangea envelope        | retry | no |
//! | timeout, connection lost after sending, body cut short  | retry | no |
//! | any other 4xx, or a response that cannot be decoded     | no | no |
//!
//! The same table answers [`Error::is_retryable`](crate::Error::is_retryable)
//! (its first column) and
//! [`Error::may_have_been_processed`](crate::Error::may_have_been_processed).
//!
//! Delays grow as `retry_backoff × 2ⁿ`, capped at `max_retry_backoff`, times a
//! random factor in [0.75, 1]; a `Retry-After` header sets the delay instead
//! (beyond `max_retry_backoff`, the retries end). No retry starts after
//! `retry_timeout`. Every retry sends `X-Pangea-Retried-Request-Ids` with the
//! request ids of the earlier attempts, as the official SDKs do.

use std::time::Duration;

use authn_session_gen::operations::Retry;

/// How a call failed, as far as retrying is concerned: every [`Error`] has
/// one ([`Error::retry_cause`]), and [`verdict`] reads it.
///
/// [`Error`]: crate::Error
/// [`Error::retry_cause`]: crate::Error
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// Refused before anything was sent: bad input, configuration, a
    /// repeated cursor.
    Refused,
    /// The connection could not be opened: nothing was sent.
    NotSent,
    /// The request may have been processed: a timeout, a connection lost
    /// after sending, a body cut short, a request still queued.
    MaybeProcessed,
    /// An HTTP error status; `envelope`: Pangea itself answered.
    Status { http_status: u16, envelope: bool },
    /// An answer nothing gains from repeating: undecodable, or too large.
    Unusable { http_status: u16 },
}

/// The table of the module docs, one row per [`Cause`]: whether an
/// idempotent operation is retried, whether `refresh` is, and whether the
/// request may have been processed. The transport's retries,
/// `Error::is_retryable` and `Error::may_have_been_processed` all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub retry: bool,
    pub retry_once: bool,
    pub processed: bool,
}

pub(crate) fn verdict(cause: Cause) -> Verdict {
    let row = |retry, retry_once, processed| Verdict {
        retry,
        retry_once,
        processed,
    };
    match cause {
        Cause::Refused => row(false, false, false),
        Cause::NotSent => row(true, true, false),
        Cause::MaybeProcessed => row(true, false, true),
        // Throttled: refused before processing.
        Cause::Status {
            http_status: 429, ..
        } => row(true, true, false),
        // A gateway that could not reach Pangea: the request went no further.
        Cause::Status {
            http_status: 502 | 503,
            envelope: false,
        } => row(true, true, false),
        // 504 is here, not above: the gateway gave up waiting, and Pangea
        // may still have processed the request.
        Cause::Status {
            http_status: 500 | 502..=504,
            ..
        } => row(true, false, true),
        Cause::Status {
            http_status: 501, ..
        } => row(false, false, false),
        Cause::Status { http_status, .. } => row(false, false, http_status >= 505),
        Cause::Unusable { http_status } => row(false, false, !(400..500).contains(&http_status)),
    }
}

/// Whether an attempt that failed so is retried, for an operation of this
/// retry class (the spec's `x-pangea-retry`, in the generated operation table).
pub(crate) fn should_retry(class: Retry, cause: Cause) -> bool {
    let verdict = verdict(cause);
    match class {
        Retry::Idempotent => verdict.retry,
        Retry::Once => verdict.retry_once,
    }
}

/// Delay before retry number `retry` (0 for the first retry), jittered.
pub(crate) fn backoff(retry: u32, base: Duration, max: Duration) -> Duration {
    let exp = base.saturating_mul(2u32.saturating_pow(retry.min(31)));
    exp.min(max).mul_f64(0.75 + 0.25 * fastrand::f64())
}

/// Parses `Retry-After` given in seconds (the HTTP-date form is ignored).
pub(crate) fn parse_retry_after(value: Option<&reqwest::header::HeaderValue>) -> Option<Duration> {
    let secs: u64 = value?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::{Cause::*, Retry::*, *};

    #[test]
    fn the_retry_table() {
        let status = |http_status, envelope| Status {
            http_status,
            envelope,
        };
        #[rustfmt::skip]
        let table = [
            // cause,                   idempotent, refresh, processed
            (Refused,                     false, false, false),
            (NotSent,                     true,  true,  false),
            (MaybeProcessed,              true,  false, true),
            (status(429, true),           true,  true,  false),
            (status(429, false),          true,  true,  false),
            (status(502, false),          true,  true,  false),
            (status(503, false),          true,  true,  false),
            (status(504, false),          true,  false, true),
            (status(500, false),          true,  false, true),
            (status(500, true),           true,  false, true),
            (status(502, true),           true,  false, true),
            (status(503, true),           true,  false, true),
            (status(504, true),           true,  false, true),
            (status(501, true),           false, false, false),
            (status(505, true),           false, false, true),
            (status(400, true),           false, false, false),
            (status(401, true),           false, false, false),
            (status(404, true),           false, false, false),
            (Unusable { http_status: 200 }, false, false, true),
            (Unusable { http_status: 404 }, false, false, false),
        ];
        for (cause, idempotent, refresh, processed) in table {
            assert_eq!(
                should_retry(Idempotent, cause),
                idempotent,
                "{cause:?} idempotent"
            );
            assert_eq!(should_retry(Once, cause), refresh, "{cause:?} refresh");
            assert_eq!(verdict(cause).processed, processed, "{cause:?} processed");
        }
    }

    /// Every status string the SDK knows (and one it does not), at every
    /// HTTP status the table tells apart: one answer per HTTP status,
    /// whatever the envelope says.
    #[test]
    fn every_envelope_status_at_every_http_status_gets_the_tables_answer() {
        const STATUSES: [&str; 12] = [
            "ValidationError",
            "TooManyRequests",
            "NoCredit",
            "Unauthorized",
            "ServiceNotEnabled",
            "ProviderError",
            "MissingConfigIDScope",
            "MissingConfigID",
            "ServiceNotAvailable",
            "NotFound",
            "InternalError",
            "SomethingNew",
        ];
        #[rustfmt::skip]
        let by_http = [
            // HTTP, idempotent retried, refresh retried, maybe processed
            (400, false, false, false),
            (401, false, false, false),
            (403, false, false, false),
            (404, false, false, false),
            (409, false, false, false),
            (429, true,  true,  false),
            (500, true,  false, true),
            (501, false, false, false),
            (502, true,  false, true),
            (503, true,  false, true),
            (504, true,  false, true),
            (505, false, false, true),
        ];
        for (http_status, idempotent, refresh, processed) in by_http {
            for status in STATUSES {
                let error = crate::Error::Api(Box::new(crate::ApiError {
                    kind: crate::ApiErrorKind::from_status(status, http_status),
                    http_status,
                    status: status.into(),
                    summary: String::new(),
                    request_id: "prq_1".into(),
                    field_errors: Vec::new(),
                    retry_after: None,
                    attempts: 1,
                }));
                let at = format!("{http_status} {status}");
                assert_eq!(error.is_retryable(), idempotent, "{at}");
                assert_eq!(
                    should_retry(Idempotent, error.retry_cause()),
                    idempotent,
                    "{at}"
                );
                assert_eq!(should_retry(Once, error.retry_cause()), refresh, "{at}");
                assert_eq!(error.may_have_been_processed(), processed, "{at}");
            }
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_millis(500);
        let max = Duration::from_secs(8);
        for retry in 0..40 {
            let ideal = (base * 2u32.saturating_pow(retry.min(31))).min(max);
            let d = backoff(retry, base, max);
            assert!(
                d <= ideal && d >= ideal.mul_f64(0.75),
                "retry {retry}: {d:?} vs {ideal:?}"
            );
        }
    }

    #[test]
    fn retry_after_in_seconds() {
        let v = |s: &'static str| reqwest::header::HeaderValue::from_static(s);
        assert_eq!(
            parse_retry_after(Some(&v("3"))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after(Some(&v("Wed, 21 Oct 2015 07:28:00 GMT"))),
            None
        );
        assert_eq!(parse_retry_after(None), None);
    }
}
