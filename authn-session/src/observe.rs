//! The observer hook: one function an application registers
//! ([`ConfigBuilder::observer`](crate::ConfigBuilder::observer)) that sees
//! every attempt of every call, for an audit trail of what was ended.

use std::{borrow::Cow, sync::Arc, time::Duration};

use crate::{Error, Target};

/// One attempt of a call, as the observer registered with
/// [`ConfigBuilder::observer`](crate::ConfigBuilder::observer) sees it: a
/// request sent, or one poll of a queued (HTTP 202) request.
///
/// It holds no token: the URL never carries one (and is shown without any
/// user or password), and the request id and error are redacted as every
/// error of the SDK is. Borrowed for the call of the observer only; copy out
/// what you keep.
///
/// `last` marks the attempt whose outcome the call returns: a success, an
/// error not retried, or the attempt the call's deadline cut short (then
/// `error` is [`Error::OperationTimeout`] and `http_status` is `None`). A
/// call cut by its deadline while it waits between attempts has no `last`
/// record; the call returns [`Error::OperationTimeout`].
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use authn_session::{AttemptRecord, Config, Target};
///
/// let ended = Arc::new(Mutex::new(Vec::new()));
/// let seen = ended.clone();
/// let config = Config::builder()
///     .observer(move |attempt: &AttemptRecord| {
///         if let (true, Some(Target::Session(id))) = (attempt.last, attempt.target) {
///             let outcome = match attempt.error {
///                 None => "ended".to_string(),
///                 Some(error) => error.to_string(),
///             };
///             seen.lock().unwrap().push((id.to_string(), attempt.request_id.map(str::to_string), outcome));
///         }
///     })
///     .build()?;
/// # Ok::<(), authn_session::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct AttemptRecord<'a> {
    /// The operation id, as in the spec (`session_invalidate`, …).
    pub operation: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The URL requested, without user or password.
    pub url: &'a str,
    /// The attempt's number, from 1; for a poll, the attempt that was queued
    /// (0 for [`AuthN::poll_result`](crate::AuthN::poll_result), which polls
    /// a request an earlier call queued).
    pub attempt: u32,
    /// For a poll of a queued request, its number, from 1.
    pub poll: Option<u32>,
    /// The session or user the call ends, for `session_invalidate`,
    /// `client_session_invalidate` and `session_logout`.
    pub target: Option<&'a Target>,
    /// From sending the request to the end of reading its answer (or to the
    /// cut, for an attempt the deadline cut short).
    pub duration: Duration,
    /// The answer's HTTP status; `None` when none came.
    pub http_status: Option<u16>,
    /// The answer's request id, when the server sent one.
    pub request_id: Option<&'a str>,
    /// How the attempt failed; for the last attempt, the error the call
    /// returns. `None` for a success, and for a 202 that is polled.
    pub error: Option<&'a Error>,
    /// Whether the call returns this attempt's outcome: no attempt follows.
    pub last: bool,
}

impl AttemptRecord<'_> {
    /// OpenTelemetry's `error.type` of the attempt, the value its
    /// `pangea.request` span carries: the status code of an error answer,
    /// otherwise `timeout`, `transport`, `decode`, `response_too_large`,
    /// `config` or `_OTHER`. `None` for a success.
    ///
    /// ```
    /// # fn f(attempt: &authn_session::AttemptRecord) {
    /// if let Some(kind) = attempt.error_type() {
    ///     eprintln!("{} failed: {kind}", attempt.operation);
    /// }
    /// # }
    /// ```
    pub fn error_type(&self) -> Option<Cow<'static, str>> {
        self.error.map(crate::transport::error_type)
    }
}

/// The registered observer; `Debug` names it only.
#[derive(Clone)]
pub(crate) struct Observer(pub(crate) Arc<dyn Fn(&AttemptRecord<'_>) + Send + Sync>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_config_shows_that_it_has_an_observer_and_nothing_of_it() {
        let config = crate::Config::builder().observer(|_| {}).build().unwrap();
        assert!(format!("{config:?}").contains("observer: Some(Observer)"));
        let config = crate::Config::builder().build().unwrap();
        assert!(format!("{config:?}").contains("observer: None"));
    }
}
