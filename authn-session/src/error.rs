//! The one error type of the SDK. API errors (Pangea answered with an error
//! status) are kept apart from input, configuration, transport and decoding
//! failures; each variant says whether the request may have been processed.

use std::{fmt, time::Duration};

use authn_session_gen::types::FieldError;

/// Everything a call can fail with.
///
/// Tokens never appear in any message: the SDK redacts the tokens it sent from
/// everything it quotes of a response.
///
/// ```
/// # async fn demo(authn: authn_session::AuthN) {
/// use authn_session::{ApiErrorKind, Error};
///
/// match authn.session().invalidate("pmt_zppkzrjguxyblaia6itbiesejn7jejnr").await {
///     Ok(_) => println!("session ended"),
///     Err(Error::Api(e)) if e.kind == ApiErrorKind::NotFound => println!("no such session"),
///     Err(e) if e.is_retryable() => println!("try again later: {e}"),
///     Err(e) => println!("failed: {e} (request id {:?})", e.request_id()),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was refused before anything was sent.
    #[error("invalid input: `{field}` {reason}")]
    InvalidInput {
        /// The argument or request field at fault.
        field: &'static str,
        /// What is wrong with it (never its value).
        reason: String,
    },

    /// The [`Config`](crate::Config) or client could not be built. Nothing was sent.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Pangea answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request could not be sent, or its response could not be read.
    #[error("transport error ({}): {source}", if *.processed_maybe { "the request may have been processed" } else { "the request was not sent" })]
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
        /// False only when the request certainly never reached the server
        /// (for example, the connection was refused).
        processed_maybe: bool,
    },

    /// An attempt got no complete response within `request_timeout`; the
    /// request may have been processed.
    #[error("no response within {timeout:?}; the request may have been processed")]
    Timeout {
        /// The per-attempt timeout that ran out.
        timeout: Duration,
    },

    /// The response was not a Pangea envelope of the expected shape.
    #[error("HTTP {http_status}: undecodable response{}: {excerpt}", request_id_suffix(.request_id))]
    Decode {
        /// HTTP status of the response.
        http_status: u16,
        /// Request id, from the `x-request-id` header when present.
        request_id: Option<String>,
        /// The start of the body (at most 512 bytes, tokens redacted).
        excerpt: String,
        /// Why decoding failed, when the body was JSON.
        #[source]
        source: Option<serde_json::Error>,
    },

    /// The response body was larger than `max_response_bytes`.
    #[error("HTTP {http_status}: response larger than {limit} bytes refused{}", request_id_suffix(.request_id))]
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
    Accepted {
        /// The id to poll.
        request_id: String,
    },

    /// A queued request (HTTP 202) was still pending when
    /// `poll_result_timeout` ran out.
    #[error("queued request {request_id} still pending after {waited:?}; continue later with AuthN::poll_result")]
    AcceptedTimeout {
        /// The id to poll.
        request_id: String,
        /// How long the SDK polled.
        waited: Duration,
    },

    /// Pagination stopped because the server sent a cursor it had sent before;
    /// following it would loop forever.
    #[error("pagination stopped: response {request_id} repeated an earlier cursor")]
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
    /// let err = authn_session::Error::Accepted { request_id: "prq_1".into() };
    /// assert_eq!(err.request_id(), Some("prq_1"));
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
            | Error::Timeout { .. } => None,
        }
    }

    /// Whether the same call may succeed later: network trouble, throttling,
    /// server-side failures and queued requests. Input, authorization and
    /// validation errors are not retryable.
    ///
    /// The SDK has already retried what was safe to retry (see [`crate::retry`]);
    /// this tells the caller whether trying again later makes sense.
    ///
    /// ```
    /// let err = authn_session::Error::Config("bad".into());
    /// assert!(!err.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.kind.is_retryable(),
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Decode { http_status, .. } => *http_status >= 500 || *http_status == 429,
            Error::Accepted { .. } | Error::AcceptedTimeout { .. } => true,
            Error::InvalidInput { .. }
            | Error::Config(_)
            | Error::ResponseTooLarge { .. }
            | Error::RepeatedCursor { .. } => false,
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

/// Pangea error statuses, as the official SDKs classify them.
///
/// ```
/// use authn_session::ApiErrorKind;
/// assert_eq!(ApiErrorKind::from_status("NotFound", 400), ApiErrorKind::NotFound);
/// assert_eq!(ApiErrorKind::from_status("Whatever", 503), ApiErrorKind::ServiceTemporarilyUnavailable);
/// assert_eq!(ApiErrorKind::from_status("Brand new", 418), ApiErrorKind::Other("Brand new".into()));
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
    /// Any other status string.
    Other(String),
}

impl ApiErrorKind {
    /// Classifies a Pangea status string and HTTP status the way the official
    /// SDKs do (HTTP 503 first).
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
            other => Self::Other(other.to_string()),
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
