//! The one error type of the SDK. API errors (Pangea answered with an error
//! status) are kept apart from input, configuration, transport and decoding
//! failures; each variant says whether the request may have been processed.

use std::{fmt, time::Duration};

use authn_session_gen::types::FieldError;

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
    #[error("transport error ({}): {source}", if *.processed_maybe { "the request may have been processed" } else { "the request was not sent" })]
    #[non_exhaustive]
    Transport {
        /// The underlying error (its URL removed).
        #[source]
        source: reqwest::Error,
        /// False only when the request certainly never reached the server
        /// (for example, the connection was refused).
        processed_maybe: bool,
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
        match self {
            Error::Api(e) => e.kind.is_retryable(),
            Error::Transport { .. } | Error::Timeout { .. } | Error::OperationTimeout { .. } => {
                true
            }
            Error::Decode { http_status, .. } => *http_status >= 500 || *http_status == 429,
            Error::Accepted { .. } | Error::AcceptedTimeout { .. } => true,
            Error::InvalidInput { .. }
            | Error::Config(_)
            | Error::ResponseTooLarge { .. }
            | Error::RepeatedCursor { .. } => false,
        }
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
        match self {
            Error::Transport {
                processed_maybe, ..
            } => *processed_maybe,
            Error::Timeout { .. } | Error::OperationTimeout { .. } => true,
            Error::Api(e) => e.http_status >= 500 && e.http_status != 501,
            Error::Decode { http_status, .. } => {
                (200..300).contains(http_status)
                    || matches!(*http_status, 500 | 504)
                    || *http_status >= 505
            }
            Error::ResponseTooLarge { http_status, .. } => !(400..500).contains(http_status),
            Error::Accepted { .. } | Error::AcceptedTimeout { .. } => true,
            Error::InvalidInput { .. } | Error::Config(_) | Error::RepeatedCursor { .. } => false,
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
/// the path and the kind of failure remain.
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

/// Pangea's answer to a failed request: its envelope, decoded.
///
/// ```
/// # fn show(e: &authn_session::ApiError) {
/// eprintln!("{} {} {}: {}", e.http_status, e.status, e.request_id, e.summary);
/// for field in &e.field_errors {
///     eprintln!("  {}: {} {}", field.source, field.code, field.detail);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The failure, classified.
    pub kind: ApiErrorKind,
    /// HTTP status code.
    pub http_status: u16,
    /// Pangea's status string, for example `ValidationError`.
    pub status: String,
    /// Pangea's human-readable summary (tokens redacted).
    pub summary: String,
    /// The request id to quote to Pangea support.
    pub request_id: String,
    /// Field errors of a `ValidationError`.
    pub field_errors: Vec<FieldError>,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
    /// How many attempts were made, retries included.
    pub attempts: u32,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pangea {} (HTTP {})", self.status, self.http_status)?;
        if !self.summary.is_empty() {
            write!(f, ": {}", self.summary)?;
        }
        for e in &self.field_errors {
            write!(f, "; {} {}: {}", e.source, e.code, e.detail)?;
        }
        write!(f, " (request_id {}", self.request_id)?;
        if self.attempts > 1 {
            write!(f, ", after {} attempts", self.attempts)?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for ApiError {}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl ApiError {
    /// An `ApiError` for your own tests, as Pangea would answer with HTTP
    /// `http_status` and status string `status` (classified like a real one).
    /// Only with the `test-util` feature.
    ///
    /// ```
    /// use authn_session::{ApiError, ApiErrorKind, Error};
    ///
    /// let err = Error::from(ApiError::for_test(404, "NotFound", "no such session"));
    /// assert_eq!(err.api().unwrap().kind, ApiErrorKind::NotFound);
    /// assert_eq!(err.http_status(), Some(404));
    /// ```
    pub fn for_test(http_status: u16, status: &str, summary: &str) -> Self {
        Self {
            kind: ApiErrorKind::from_status(status, http_status),
            http_status,
            status: status.to_string(),
            summary: summary.to_string(),
            request_id: "prq_test".to_string(),
            field_errors: Vec::new(),
            retry_after: None,
            attempts: 1,
        }
    }
}

/// Pangea error statuses, as the official SDKs classify them.
///
/// A status this version does not know is [`ApiErrorKind::Unknown`]. Do not
/// match on `Unknown` to catch one particular status: a later version may give
/// that status its own variant, and your arm would silently stop matching.
/// Compare [`ApiError::status`] (Pangea's string, always kept) instead.
///
/// ```
/// use authn_session::ApiErrorKind;
/// assert_eq!(ApiErrorKind::from_status("NotFound", 400), ApiErrorKind::NotFound);
/// assert_eq!(ApiErrorKind::from_status("Whatever", 503), ApiErrorKind::ServiceTemporarilyUnavailable);
/// assert!(matches!(ApiErrorKind::from_status("Brand new", 418), ApiErrorKind::Unknown(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// `ValidationError`: the request was refused; see `field_errors`.
    ValidationError,
    /// `TooManyRequests`: throttled.
    TooManyRequests,
    /// `NoCredit`: the project has no credit left.
    NoCredit,
    /// `Unauthorized`: the token is missing, wrong or expired.
    Unauthorized,
    /// `ServiceNotEnabled`: AuthN is not enabled for the token's project.
    ServiceNotEnabled,
    /// `ProviderError`: an upstream provider failed.
    ProviderError,
    /// `MissingConfigIDScope`: the token cannot use the given config id.
    MissingConfigIdScope,
    /// `MissingConfigID`: the project has several configurations; set `config_id`.
    MissingConfigId,
    /// `ServiceNotAvailable`: the service is not available in this region or now.
    ServiceNotAvailable,
    /// `NotFound`: no such session, user or token.
    NotFound,
    /// `InternalError`: Pangea failed.
    InternalError,
    /// HTTP 503, whatever the envelope says.
    ServiceTemporarilyUnavailable,
    /// A status this version of the SDK does not know; read it from
    /// [`ApiError::status`].
    Unknown(UnknownStatus),
}

/// The payload of [`ApiErrorKind::Unknown`]. Deliberately opaque: the status
/// string is in [`ApiError::status`], which keeps its meaning when a later
/// version recognizes the status.
///
/// ```
/// let kind = authn_session::ApiErrorKind::from_status("BrandNew", 400);
/// assert!(matches!(kind, authn_session::ApiErrorKind::Unknown(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownStatus(());

impl ApiErrorKind {
    /// Classifies a Pangea status string and HTTP status the way the official
    /// SDKs do (HTTP 503 first).
    ///
    /// ```
    /// assert_eq!(authn_session::ApiErrorKind::from_status("NoCredit", 400), authn_session::ApiErrorKind::NoCredit);
    /// ```
    pub fn from_status(status: &str, http_status: u16) -> Self {
        if http_status == 503 {
            return Self::ServiceTemporarilyUnavailable;
        }
        match status {
            "ValidationError" => Self::ValidationError,
            "TooManyRequests" => Self::TooManyRequests,
            "NoCredit" => Self::NoCredit,
            "Unauthorized" => Self::Unauthorized,
            "ServiceNotEnabled" => Self::ServiceNotEnabled,
            "ProviderError" => Self::ProviderError,
            "MissingConfigIDScope" => Self::MissingConfigIdScope,
            "MissingConfigID" => Self::MissingConfigId,
            "ServiceNotAvailable" => Self::ServiceNotAvailable,
            "NotFound" => Self::NotFound,
            "InternalError" => Self::InternalError,
            _ => Self::Unknown(UnknownStatus(())),
        }
    }

    /// Whether this failure may go away if the call is repeated later.
    ///
    /// ```
    /// assert!(authn_session::ApiErrorKind::TooManyRequests.is_retryable());
    /// assert!(!authn_session::ApiErrorKind::Unauthorized.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::TooManyRequests
                | Self::InternalError
                | Self::ServiceNotAvailable
                | Self::ServiceTemporarilyUnavailable
                | Self::ProviderError
        )
    }
}
