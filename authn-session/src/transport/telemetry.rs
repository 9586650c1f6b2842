//! The spans of a call, named as OpenTelemetry's HTTP client semantic
//! conventions name them, so that `tracing-opentelemetry` exports them as
//! backends expect. Every span and field name is written here once.
//!
//! The spans and fields are listed in the crate docs ("Tracing").

use std::borrow::Cow;

use tracing::{field::Empty, Span};
use url::Url;

use crate::{platform::Instant, Error, PangeaResponse};

pub(super) const STATUS_CODE: &str = "http.response.status_code";
pub(super) const REQUEST_ID: &str = "pangea.request_id";
const ERROR_TYPE: &str = "error.type";
const RESEND_COUNT: &str = "http.request.resend_count";
const ATTEMPTS: &str = "pangea.attempts";

/// Where a call's requests go, as the conventions' fields give it: borrowed
/// from the URL, so that a call with no subscriber allocates nothing for it.
pub(super) struct Endpoint<'a> {
    pub(super) method: &'static str,
    address: &'a str,
    port: Option<u16>,
    /// The URL without credentials.
    pub(super) full: Cow<'a, str>,
}

impl<'a> Endpoint<'a> {
    pub(super) fn new(method: &'static str, url: &'a Url) -> Self {
        let full = if url.username().is_empty() && url.password().is_none() {
            Cow::Borrowed(url.as_str())
        } else {
            let mut bare = url.clone();
            // Neither fails on an http(s) URL, the only kind a config holds.
            let _ = bare.set_username("");
            let _ = bare.set_password(None);
            Cow::Owned(bare.into())
        };
        Endpoint {
            method,
            address: url.host_str().unwrap_or_default(),
            port: url.port_or_known_default(),
            full,
        }
    }
}

/// The span of a whole call of `operation`.
pub(super) fn call(operation: &'static str) -> Span {
    tracing::info_span!(
        "pangea.call",
        otel.name = operation,
        pangea.operation = operation,
        pangea.attempts = Empty,
        pangea.request_id = Empty,
    )
}

/// An HTTP client span named `$name` to `$endpoint`: the conventions'
/// fields, written once for attempts and polls, then `$rest`.
macro_rules! client_span {
    ($name:literal, $endpoint:expr, $($rest:tt)*) => {
        tracing::info_span!(
            $name,
            otel.name = $endpoint.method,
            otel.kind = "client",
            http.request.method = $endpoint.method,
            server.address = $endpoint.address,
            server.port = $endpoint.port,
            url.full = $endpoint.full.as_ref(),
            http.response.status_code = Empty,
            "error.type" = Empty,
            $($rest)*
        )
    };
}

/// The span of attempt number `attempt` (from 1).
pub(super) fn attempt(endpoint: &Endpoint, operation: &'static str, attempt: u32) -> Span {
    let span = client_span!(
        "pangea.request",
        endpoint,
        http.request.resend_count = Empty,
        pangea.operation = operation,
        pangea.attempt = attempt,
        pangea.request_id = Empty,
    );
    if attempt > 1 {
        span.record(RESEND_COUNT, attempt - 1);
    }
    span
}

/// The span of poll number `poll` of a queued request.
pub(super) fn poll(
    endpoint: &Endpoint,
    operation: &'static str,
    poll: u32,
    request_id: &str,
) -> Span {
    client_span!(
        "pangea.poll",
        endpoint,
        pangea.operation = operation,
        pangea.poll = poll,
        pangea.request_id = request_id,
    )
}

/// Records a failed attempt's `error.type` in its span.
pub(super) fn failed(span: &Span, error: &Error) {
    span.record(ERROR_TYPE, error_type(error).as_ref());
}

/// Records, in the current span (the call's), how many attempts the call
/// took and the id of its last answer, and the call's metrics; hands
/// `result` back.
pub(super) fn ended<T>(
    operation: &'static str,
    started: Instant,
    attempts: u32,
    result: Result<PangeaResponse<T>, Error>,
) -> Result<PangeaResponse<T>, Error> {
    let span = Span::current();
    span.record(ATTEMPTS, attempts);
    let request_id = match &result {
        Ok(response) => Some(response.request_id.as_str()),
        Err(error) => error.request_id(),
    };
    if let Some(id) = request_id {
        span.record(REQUEST_ID, id);
    }
    #[cfg(feature = "metrics")]
    {
        let (status, error) = match &result {
            Ok(response) => (Some(response.http_status()), None),
            Err(error) => (error.http_status(), Some(error)),
        };
        let labels = labels(operation, status, error);
        metrics::histogram!(CALL_DURATION, labels.clone()).record(started.elapsed().as_secs_f64());
        metrics::counter!(CALL_ATTEMPTS, labels).increment(attempts.into());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (operation, started);
    result
}

/// Records one attempt's `http.client.request.duration` (with the `metrics`
/// feature): `status` is the answer's, `error` the failure's.
pub(super) fn attempted(
    operation: &'static str,
    started: Instant,
    status: Option<u16>,
    error: Option<&Error>,
) {
    #[cfg(feature = "metrics")]
    metrics::histogram!(REQUEST_DURATION, labels(operation, status, error))
        .record(started.elapsed().as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = (operation, started, status, error);
}

/// A call's histogram, in seconds, from its start to its result, retries included.
#[cfg(feature = "metrics")]
const CALL_DURATION: &str = "pangea.authn.client.call.duration";
/// A counter of attempts, added when a call ends.
#[cfg(feature = "metrics")]
const CALL_ATTEMPTS: &str = "pangea.authn.client.call.attempts";
/// An attempt's histogram, in seconds, as the HTTP semantic conventions name it.
#[cfg(feature = "metrics")]
const REQUEST_DURATION: &str = "http.client.request.duration";

/// The labels of every metric, bounded: the operation id, the status code,
/// and `error.type` on failure; never an id or a token.
#[cfg(feature = "metrics")]
fn labels(
    operation: &'static str,
    status: Option<u16>,
    error: Option<&Error>,
) -> Vec<metrics::Label> {
    let mut labels = vec![metrics::Label::new("pangea.operation", operation)];
    if let Some(status) = status {
        labels.push(metrics::Label::new(STATUS_CODE, status.to_string()));
    }
    if let Some(error) = error {
        labels.push(metrics::Label::new(
            ERROR_TYPE,
            error_type(error).into_owned(),
        ));
    }
    labels
}

/// `error.type`: bounded values only (a status code or a kind), so that it
/// could label a metric too.
pub(crate) fn error_type(error: &Error) -> Cow<'static, str> {
    match (error.http_status(), error) {
        (Some(status), _) if status >= 400 => Cow::Owned(status.to_string()),
        (_, Error::Timeout { .. } | Error::OperationTimeout { .. }) => "timeout".into(),
        (_, Error::Transport { .. }) => "transport".into(),
        (_, Error::Decode { .. }) => "decode".into(),
        (_, Error::ResponseTooLarge { .. }) => "response_too_large".into(),
        (_, Error::Config(_) | Error::InvalidInput { .. }) => "config".into(),
        _ => "_OTHER".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ApiError;

    #[test]
    fn error_type_is_the_status_code_of_an_error_answer_and_a_kind_otherwise() {
        let api = |http_status| {
            Error::from(ApiError {
                kind: crate::ApiErrorKind::from_status("X", http_status),
                http_status,
                status: "X".into(),
                summary: String::new(),
                request_id: "prq_1".into(),
                field_errors: Vec::new(),
                retry_after: None,
                attempts: 1,
            })
        };
        assert_eq!(error_type(&api(503)), "503");
        assert_eq!(error_type(&api(400)), "400");
        let timeout = Duration::from_secs(1);
        assert_eq!(error_type(&Error::Timeout { timeout }), "timeout");
        assert_eq!(error_type(&Error::OperationTimeout { timeout }), "timeout");
        assert_eq!(error_type(&Error::Config("x".into())), "config");
        let too_large = |http_status| Error::ResponseTooLarge {
            http_status,
            request_id: None,
            limit: 1,
        };
        assert_eq!(error_type(&too_large(200)), "response_too_large");
        assert_eq!(error_type(&too_large(502)), "502");
        let accepted = Error::Accepted {
            request_id: "prq_1".into(),
        };
        assert_eq!(error_type(&accepted), "_OTHER");
        let decode = Error::Decode {
            http_status: 200,
            request_id: None,
            excerpt: None,
            source: None,
        };
        assert_eq!(error_type(&decode), "decode");
        let client = crate::http_client_builder().build().unwrap();
        let source = client.get("no url").build().unwrap_err();
        let transport = Error::Transport {
            source,
            may_have_been_processed: false,
        };
        assert_eq!(error_type(&transport), "transport");
    }

    #[test]
    fn an_endpoint_is_the_url_without_credentials() {
        let url =
            Url::parse("https://user:secret@authn.aws.us.pangea.cloud/v2/session/list").unwrap();
        let endpoint = Endpoint::new("POST", &url);
        assert_eq!(
            endpoint.full,
            "https://authn.aws.us.pangea.cloud/v2/session/list"
        );
        assert_eq!(endpoint.address, "authn.aws.us.pangea.cloud");
        assert_eq!(endpoint.port, Some(443));
        let url = Url::parse("http://127.0.0.1:4010/request/prq_1").unwrap();
        let local = Endpoint::new("GET", &url);
        assert_eq!(local.full, "http://127.0.0.1:4010/request/prq_1");
        assert_eq!((local.address, local.port), ("127.0.0.1", Some(4010)));
    }
}
