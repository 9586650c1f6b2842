//! Pangea's answer to a failed request ([`ApiError`]) and the kinds of its
//! error statuses ([`ApiErrorKind`]), as the official SDKs classify them.

use std::{fmt, time::Duration};

use authn_session_gen::types::FieldError;

use crate::Error;

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
/// Whether a failure is worth repeating is not the kind's to say: Pangea
/// sends the same status string with different HTTP statuses, and the one
/// retry table ([`crate::retry`]) reads the HTTP status. Ask
/// [`Error::is_retryable`] and [`Error::may_have_been_processed`].
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

/// Every status string the SDK knows, as Pangea spells it.
const KNOWN_STATUSES: [(&str, ApiErrorKind); 11] = [
    ("ValidationError", ApiErrorKind::ValidationError),
    ("TooManyRequests", ApiErrorKind::TooManyRequests),
    ("NoCredit", ApiErrorKind::NoCredit),
    ("Unauthorized", ApiErrorKind::Unauthorized),
    ("ServiceNotEnabled", ApiErrorKind::ServiceNotEnabled),
    ("ProviderError", ApiErrorKind::ProviderError),
    ("MissingConfigIDScope", ApiErrorKind::MissingConfigIdScope),
    ("MissingConfigID", ApiErrorKind::MissingConfigId),
    ("ServiceNotAvailable", ApiErrorKind::ServiceNotAvailable),
    ("NotFound", ApiErrorKind::NotFound),
    ("InternalError", ApiErrorKind::InternalError),
];

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
    /// SDKs do (HTTP 503 first). The status is matched in any case, as
    /// success is: `notfound` is `NotFound`.
    ///
    /// ```
    /// use authn_session::ApiErrorKind;
    /// assert_eq!(ApiErrorKind::from_status("NoCredit", 400), ApiErrorKind::NoCredit);
    /// assert_eq!(ApiErrorKind::from_status("VALIDATIONERROR", 400), ApiErrorKind::ValidationError);
    /// ```
    pub fn from_status(status: &str, http_status: u16) -> Self {
        if http_status == 503 {
            return Self::ServiceTemporarilyUnavailable;
        }
        KNOWN_STATUSES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(status))
            .map_or(Self::Unknown(UnknownStatus(())), |(_, kind)| kind.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::{ApiError, ApiErrorKind};

    fn error(summary: &str, attempts: u32) -> ApiError {
        ApiError {
            kind: ApiErrorKind::NotFound,
            http_status: 404,
            status: "NotFound".into(),
            summary: summary.into(),
            request_id: "prq_1".into(),
            field_errors: Vec::new(),
            retry_after: None,
            attempts,
        }
    }

    #[test]
    fn display_says_the_summary_when_there_is_one_and_the_attempts_when_retried() {
        assert_eq!(
            error("", 1).to_string(),
            "Pangea NotFound (HTTP 404) (request_id prq_1)"
        );
        assert_eq!(
            error("no such session", 2).to_string(),
            "Pangea NotFound (HTTP 404): no such session (request_id prq_1, after 2 attempts)"
        );
    }
}
