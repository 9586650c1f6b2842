//! The one error type of the SDK. API errors (Pangea answered with an error
//! status) are kept apart from input, configuration, transport and decoding
//! failures; each variant says whether the request may have been processed.

use std::{fmt, time::Duration};

use crate::{
    retry::{self, Cause},
    ApiError,
};

/// Everything a call can fail with.
///
/// No error ever quotes a token value, sent or received: the SDK redacts the
/// tokens it sent from everything it quotes of a response, and never quotes
/// a successful body that carries tokens (a `refresh` result).
///
/// Struct variants are `#[non_exhaustive]`: match them with `{ field, .. }`.
///
/// ```
/// # async fn demo(authn: authn_session::AuthN) {
/// use authn_session::{ApiErrorKind, Error};
///
/// match authn.session().invalidate("pmt_zppkzrjguxyblaia6itbiesejn7jejnr").await {
///     Ok(_) => println!("session ended"),
///     Err(Error::Api(e)) if e.kind == ApiErrorKind::NotFound => println!("no such session"),
///     Err(e) if e.is_retryable() => println!("try again later: {e}"),
///     Err(e) => println!("failed: {e} (HTTP {:?}, request id {:?})", e.http_status(), e.request_id()),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was refused before anything was sent.
    #[error("invalid input: `{field}` {reason}")]
    #[non_exhaustive]
    InvalidInput {
        /// The argument or request field at fault.
        field: &'static str,
        /// What is wrong with it (never its value).
        reason: String,
    },

    /// The [`Config`](crate::Config) or client could not be built, or the
    /// HTTP client given to [`AuthN::with_http_client`](crate::AuthN::with_http_client)
    /// broke one of the SDK's guarantees. Nothing was sent, except where the
    /// message says otherwise.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Pangea answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request could not be sent, or its response could not be read.
    #[error("transport error ({}): {source}", if *.may_have_been_processed { "the request may have been processed" } else { "the request was not sent" })]
    #[non_exhaustive]
    Transport {
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
        /// False only when the request certainly never reached the server
        /// (for example, the connection was refused).
        may_have_been_processed: bool,
    },

    /// One attempt got no complete response within `request_timeout`; the
    /// request may have been processed.
    #[error("no response within {timeout:?}; the request may have been processed")]
    #[non_exhaustive]
    Timeout {
        /// The per-attempt timeout that ran out.
        timeout: Duration,
    },

    /// The whole call (every attempt, the waits between them and any 202
    /// polling) did not finish within `operation_timeout`; the request may
    /// have been processed.
    #[error("the call did not finish within its operation_timeout of {timeout:?}; the request may have been processed")]
    #[non_exhaustive]
    OperationTimeout {
        /// The operation timeout that ran out.
        timeout: Duration,
    },

    /// The response was not a Pangea envelope of the expected shape.
    #[error("HTTP {http_status}: undecodable response{}: {}", request_id_suffix(.request_id), .excerpt.as_deref().unwrap_or("body not quoted, because this response carries tokens"))]
    #[non_exhaustive]
    Decode {
        /// HTTP status of the response.
        http_status: u16,
        /// Request id, from the envelope or the `x-request-id` header.
        request_id: Option<String>,
        /// The start of the body (at most 512 bytes, sent tokens redacted);
        /// `None` for a successful response that carries tokens (`refresh`).
        excerpt: Option<String>,
        /// Where and why decoding failed, when the body was JSON.
        #[source]
        source: Option<DecodeError>,
    },

    /// The response body was larger than `max_response_bytes`.
    #[error("HTTP {http_status}: response larger than {limit} bytes refused{}", request_id_suffix(.request_id))]
    #[non_exhaustive]
    ResponseTooLarge {
        /// HTTP status of the response.
        http_status: u16,
        /// Request id, from the `x-request-id` header when present.
        request_id: Option<String>,
        /// The configured limit.
        limit: usize,
    },

    /// HTTP 202: Pangea queued the request and queued-retry polling is off.
    /// Call [`AuthN::poll_result`](crate::AuthN::poll_result) to get the result.
    #[error(
        "request {request_id} was accepted and queued; get its result with AuthN::poll_result"
    )]
    #[non_exhaustive]
    Accepted {
        /// The id to poll.
        request_id: String,
    },

    /// A queued request (HTTP 202) was still pending when
    /// `poll_result_timeout` ran out.
    #[error("queued request {request_id} still pending after {waited:?}; continue later with AuthN::poll_result")]
    #[non_exhaustive]
    AcceptedTimeout {
        /// The id to poll.
        request_id: String,
        /// How long the SDK polled.
        waited: Duration,
    },

    /// Pagination stopped because the server sent a cursor it had sent before;
    /// following it would loop forever.
    #[error("pagination stopped: response {request_id} repeated an earlier cursor")]
    #[non_exhaustive]
    RepeatedCursor {
        /// The response that repeated the cursor.
        request_id: String,
    },
}

fn request_id_suffix(request_id: &Option<String>) -> String {
    request_id
        .as_ref()
        .map(|id| format!(" (request_id {id})"))
        .unwrap_or_default()
}

impl Error {
    /// The Pangea request id, whenever the server sent one.
    ///
    /// ```
    /// let err = authn_session::Error::Config("bad".into());
    /// assert_eq!(err.request_id(), None);
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(&e.request_id),
            Error::Decode { request_id, .. } | Error::ResponseTooLarge { request_id, .. } => {
                request_id.as_deref()
            }
            Error::Accepted { request_id }
            | Error::AcceptedTimeout { request_id, .. }
            | Error::RepeatedCursor { request_id } => Some(request_id),
            Error::InvalidInput { .. }
            | Error::Config(_)
            | Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::OperationTimeout { .. } => None,
        }
    }

    /// The HTTP status of the response the error came from, when there was one.
    ///
    /// ```
    /// # async fn demo(authn: authn_session::AuthN) {
    /// if let Err(e) = authn.session().logout("pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5").await {
    ///     eprintln!("HTTP {:?}: {e}", e.http_status());
    /// }
    /// # }
    /// ```
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.http_status),
            Error::Decode { http_status, .. } | Error::ResponseTooLarge { http_status, .. } => {
                Some(*http_status)
            }
            Error::Accepted { .. } => Some(202),
            Error::InvalidInput { .. }
            | Error::Config(_)
            | Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::OperationTimeout { .. }
            | Error::AcceptedTimeout { .. }
            | Error::RepeatedCursor { .. } => None,
        }
    }

    /// Whether the same call may succeed if it is made again later: network
    /// trouble, throttling, server-side failures and queued requests. Input,
    /// authorization and validation errors are not retryable.
    ///
    /// The SDK has already retried what was safe to retry (see [`crate::retry`]);
    /// this tells the caller whether trying again later makes sense.
    ///
    /// **For `refresh` it is not enough.** A refresh spends its refresh token
    /// when Pangea processes it. After a retryable error for which
    /// [`may_have_been_processed`](Self::may_have_been_processed) is true
    /// (a timeout, a connection lost after sending, HTTP 500 or 504), the old
    /// refresh token may already be spent and the new tokens lost: repeating
    /// the refresh then fails with `NotFound`, and the user must log in again.
    /// Repeat a refresh only when `is_retryable() && !may_have_been_processed()`.
    ///
    /// ```
    /// let err = authn_session::Error::Config("bad".into());
    /// assert!(!err.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        retry::verdict(self.retry_cause()).retry
    }

    /// Whether Pangea may have acted on the request although the call failed.
    /// False when the request certainly was not processed: refused before
    /// sending, a connection that could not be opened, HTTP 429, a gateway's
    /// 502/503 without a Pangea envelope, or any 4xx answer.
    ///
    /// ```
    /// let err = authn_session::Error::Config("bad".into());
    /// assert!(!err.may_have_been_processed());
    /// ```
    pub fn may_have_been_processed(&self) -> bool {
        retry::verdict(self.retry_cause()).processed
    }

    /// Whether a service-token [`invalidate_all`](crate::SessionApi::invalidate_all)
    /// counts this answer to an invalidate as "already gone" (an end, not a
    /// failure): a `NotFound`. `authn-session verify` shows how a tenant's
    /// answer for an unknown session is read by this rule.
    ///
    /// ```
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// match authn.session().invalidate("pmt_xpkhwpnz2cmegsws737xbsqnmnuwtvm5").await {
    ///     Ok(_) => println!("ended"),
    ///     Err(e) if e.is_already_gone() => println!("ended before"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// assert!(!authn_session::Error::Config("bad".into()).is_already_gone());
    /// ```
    pub fn is_already_gone(&self) -> bool {
        matches!(self, Error::Api(api) if api.kind == crate::ApiErrorKind::NotFound)
    }

    /// This error's row of the retry table ([`crate::retry`]).
    pub(crate) fn retry_cause(&self) -> Cause {
        match self {
            Error::InvalidInput { .. } | Error::Config(_) | Error::RepeatedCursor { .. } => {
                Cause::Refused
            }
            Error::Transport {
                may_have_been_processed: false,
                ..
            } => Cause::NotSent,
            Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::OperationTimeout { .. }
            | Error::Accepted { .. }
            | Error::AcceptedTimeout { .. } => Cause::MaybeProcessed,
            Error::Api(e) => Cause::Status {
                http_status: e.http_status,
                envelope: true,
            },
            Error::Decode { http_status, .. } if *http_status >= 400 => Cause::Status {
                http_status: *http_status,
                envelope: false,
            },
            Error::Decode { http_status, .. } | Error::ResponseTooLarge { http_status, .. } => {
                Cause::Unusable {
                    http_status: *http_status,
                }
            }
        }
    }

    /// The API error, when Pangea answered with an error status.
    ///
    /// ```
    /// let err = authn_session::Error::Config("bad".into());
    /// assert!(err.api().is_none());
    /// ```
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }
}

/// Where and why a response body could not be decoded: the JSON path of the
/// offending value and the decoder's message. For a successful response that
/// carries tokens, the message is withheld (it could quote a token) and only
/// the path and the kind of cause remain.
///
/// ```
/// # fn show(e: &authn_session::Error) {
/// if let authn_session::Error::Decode { source: Some(detail), .. } = e {
///     eprintln!("bad value at {}: {detail}", detail.path());
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub(crate) path: String,
    pub(crate) category: &'static str,
    pub(crate) message: Option<String>,
}

impl DecodeError {
    /// The JSON path of the value that failed, such as `result.sessions[2].expire`
    /// (`.` when the body itself is not a JSON object).
    ///
    /// ```
    /// # fn f(d: &authn_session::DecodeError) { println!("{}", d.path()); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The decoder's message, with sent tokens redacted; `None` when withheld
    /// because the response carries tokens.
    ///
    /// ```
    /// # fn f(d: &authn_session::DecodeError) { println!("{:?}", d.message()); }
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at `{}`", self.category, self.path)?;
        match &self.message {
            Some(message) => write!(f, ": {message}"),
            None => f.write_str(" (details withheld: this response carries tokens)"),
        }
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::{Cause, Error};

    fn decode(http_status: u16, request_id: Option<&str>) -> Error {
        Error::Decode {
            http_status,
            request_id: request_id.map(str::to_string),
            excerpt: Some("<html>".into()),
            source: None,
        }
    }

    #[test]
    fn display_quotes_the_request_id_when_the_server_sent_one() {
        assert_eq!(
            decode(502, Some("prq_7")).to_string(),
            "HTTP 502: undecodable response (request_id prq_7): <html>"
        );
        assert_eq!(
            decode(502, None).to_string(),
            "HTTP 502: undecodable response: <html>"
        );
    }

    #[test]
    fn a_decode_detail_says_where_and_what_or_that_it_was_withheld() {
        let detail = |message: Option<&str>| super::DecodeError {
            path: "result.sessions[2].expire".into(),
            category: "invalid type",
            message: message.map(str::to_string),
        };
        assert_eq!(
            detail(Some("expected a string")).to_string(),
            "invalid type at `result.sessions[2].expire`: expected a string"
        );
        assert_eq!(
            detail(None).to_string(),
            "invalid type at `result.sessions[2].expire` (details withheld: this response carries tokens)"
        );
    }

    #[test]
    fn an_undecodable_success_is_unusable_and_an_undecodable_failure_is_its_status() {
        assert_eq!(
            decode(200, None).retry_cause(),
            Cause::Unusable { http_status: 200 }
        );
        assert_eq!(
            decode(503, None).retry_cause(),
            Cause::Status {
                http_status: 503,
                envelope: false
            }
        );
    }
}
