//! A response read whole into the call's outcome: the typed result of a
//! success, the id of a queued request, or the typed error (Pangea's, or a
//! decoding failure with the JSON path of the bad value). Server text goes
//! through the call's [`Redactor`] before it is kept or traced.

use authn_session_gen::{
    operations::{Operation, Step},
    types::ErrorResult,
};
use reqwest::{header, StatusCode};
use serde::de::DeserializeOwned;

use super::{
    attempt::{header_request_id, Raw},
    correct::correct,
    redact::Redactor,
    Failed, Outcome,
};
use crate::{
    error::DecodeError,
    response::{is_success, Envelope},
    retry::parse_retry_after,
    ApiError, ApiErrorKind, Error, PangeaResponse,
};

/// Decodes `raw`, the answer to operation `op`.
pub(crate) fn decode<R: DeserializeOwned>(
    raw: Raw,
    op: &Operation,
    redactor: &Redactor<'_>,
) -> Outcome<R> {
    let mut raw = raw;
    if let Some(done) = success(&mut raw, redactor) {
        return done;
    }
    read(raw, op, redactor)
}

/// The reading that can say what is wrong with a response: the envelope
/// first, with its result kept raw, then the result. On its own it ends as
/// [`decode`] does (a property test holds the two alike); [`decode`] only
/// takes the common success in one pass first.
pub(crate) fn read<R: DeserializeOwned>(
    raw: Raw,
    op: &Operation,
    redactor: &Redactor<'_>,
) -> Outcome<R> {
    let Raw {
        status,
        headers,
        header_id,
        body,
    } = raw;
    let retry_after = parse_retry_after(headers.get(header::RETRY_AFTER));
    // A successful answer of an operation whose result carries tokens is
    // never quoted: whatever is wrong with it, it may hold new tokens.
    let withhold = op.secret_result && status.is_success();
    let undecodable = |request_id: Option<String>, detail: Option<DecodeError>| {
        Outcome::Failed(Failed {
            error: decode_error(
                status.as_u16(),
                request_id.clone(),
                &body,
                detail,
                withhold,
                redactor,
            ),
            request_id,
            retry_after,
        })
    };
    let mut envelope = match parse::<Envelope<&serde_json::value::RawValue>>(&body) {
        Ok(envelope) => envelope,
        Err(detail) => return undecodable(header_id, Some(detail)),
    };
    envelope.request_id = redactor.redact(&envelope.request_id);
    record_request_id(&header_id, &envelope.request_id);
    if status == StatusCode::ACCEPTED {
        return Outcome::Accepted(envelope.request_id);
    }
    // The header's id where there is one, as for bodies that are no envelope.
    let decode_id = header_id.or_else(|| Some(envelope.request_id.clone()));
    if is_success(&envelope.status) {
        if !status.is_success() {
            return undecodable(decode_id, None);
        }
        let raw = envelope.result.map_or("null", |r| r.get());
        return match lenient::<R>(raw, op, &[], decode_id.as_deref()) {
            Ok((result, corrected)) => Outcome::Done(
                PangeaResponse::new(envelope, result, status, headers).with_corrections(corrected),
            ),
            Err(detail) => undecodable(decode_id, Some(detail)),
        };
    }
    let api = api_error(envelope, status, retry_after, redactor);
    Outcome::Failed(Failed {
        request_id: Some(api.request_id.clone()),
        retry_after,
        error: Error::Api(Box::new(api)),
    })
}

/// The common case in one pass: a success of the expected shape. Anything
/// else is left to the slower reading that can say what is wrong.
fn success<R: DeserializeOwned>(raw: &mut Raw, redactor: &Redactor<'_>) -> Option<Outcome<R>> {
    if !raw.status.is_success() || raw.status == StatusCode::ACCEPTED {
        return None;
    }
    let text = std::str::from_utf8(&raw.body).ok()?;
    let mut envelope = serde_json::from_str::<Envelope<R>>(text).ok()?;
    let (true, Some(result)) = (is_success(&envelope.status), envelope.result.take()) else {
        return None;
    };
    envelope.request_id = redactor.redact(&envelope.request_id);
    record_request_id(&raw.header_id, &envelope.request_id);
    let headers = std::mem::take(&mut raw.headers);
    Some(Outcome::Done(PangeaResponse::new(
        envelope, result, raw.status, headers,
    )))
}

/// `raw`, the JSON that `below` reaches in the result of a success whose
/// `page` kept it raw (read ahead), decoded with the client error
/// correction [`decode`] applies, and the paths it corrected; or the
/// [`Error::Decode`] that [`decode`] would give for it.
pub(crate) fn typed<T: DeserializeOwned, P>(
    page: &PangeaResponse<P>,
    raw: &serde_json::value::RawValue,
    below: &[Step],
    op: &Operation,
    redactor: &Redactor<'_>,
) -> Result<(T, Vec<String>), Error> {
    // The header's id where there is one, as `decode` reports it.
    let request_id =
        header_request_id(page.headers(), redactor).or_else(|| Some(page.request_id.clone()));
    lenient::<T>(raw.get(), op, below, request_id.as_deref()).map_err(|detail| {
        decode_error(
            page.http_status(),
            request_id,
            raw.get().as_bytes(),
            Some(detail),
            op.secret_result,
            redactor,
        )
    })
}

/// `text`, the JSON that `below` reaches in `op`'s result, decoded. When
/// that fails, it is decoded again after client error correction
/// ([`correct`]), and each value filled in is a warning event; the paths of
/// those values come back with the result. A failure's path starts at
/// `result`.
fn lenient<R: DeserializeOwned>(
    text: &str,
    op: &Operation,
    below: &[Step],
    request_id: Option<&str>,
) -> Result<(R, Vec<String>), DecodeError> {
    let base = below
        .iter()
        .fold(String::from("result"), |base, step| match step {
            Step::Field(name) => format!("{base}.{name}"),
            Step::Each => base,
        });
    let failed = |text: &str| locate::<R>(text).within(&base);
    if let Ok(result) = serde_json::from_str(text) {
        return Ok((result, Vec::new()));
    }
    if op.corrections.is_empty() {
        return Err(failed(text));
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
        return Err(failed(text));
    };
    let corrected = correct(&mut value, op, below, &base);
    if corrected.is_empty() {
        return Err(failed(text));
    }
    // Decoded from the tree itself; only a failure pays for the text that
    // locates it.
    let result = R::deserialize(&value).map_err(|_| failed(&value.to_string()))?;
    for path in &corrected {
        tracing::warn!(
            operation = op.id,
            request_id,
            path = path.as_str(),
            "client error correction: a required field was missing or null; read as its zero value"
        );
    }
    Ok((result, corrected))
}

/// The [`Error::Decode`] of `body`, redacted; with `withhold` (a success
/// that may hold new tokens) nothing of the body is quoted.
fn decode_error(
    http_status: u16,
    request_id: Option<String>,
    body: &[u8],
    detail: Option<DecodeError>,
    withhold: bool,
    redactor: &Redactor<'_>,
) -> Error {
    Error::Decode {
        http_status,
        request_id,
        excerpt: (!withhold).then(|| redactor.excerpt(body)),
        source: detail.map(|d| redactor.sanitize(d, withhold)),
    }
}

/// Pangea's error envelope as an [`ApiError`], its text redacted.
fn api_error(
    envelope: Envelope<&serde_json::value::RawValue>,
    status: StatusCode,
    retry_after: Option<std::time::Duration>,
    redactor: &Redactor<'_>,
) -> ApiError {
    let field_errors = envelope
        .result
        .and_then(|raw| serde_json::from_str::<ErrorResult>(raw.get()).ok())
        .map(|r| r.errors)
        .unwrap_or_default()
        .into_iter()
        .map(|mut e| {
            e.detail = redactor.redact(&e.detail);
            e
        })
        .collect();
    ApiError {
        kind: ApiErrorKind::from_status(&envelope.status, status.as_u16()),
        http_status: status.as_u16(),
        summary: redactor.redact(envelope.summary.as_deref().unwrap_or_default()),
        status: redactor.redact(&envelope.status),
        request_id: envelope.request_id,
        field_errors,
        retry_after,
        attempts: 1,
    }
}

/// Records the envelope's request id in the attempt's span, when it differs
/// from the header's: fmt layers print every record.
fn record_request_id(header_id: &Option<String>, request_id: &str) {
    if header_id.as_deref() != Some(request_id) {
        tracing::Span::current().record(super::telemetry::REQUEST_ID, request_id);
    }
}

/// Decodes a body. JSON is UTF-8 (RFC 8259), checked here in one pass over
/// the body rather than string by string as serde_json does for bytes: that
/// saves an eighth of the decoding's instructions (BENCHMARKS.md §9).
fn parse<'de, T: serde::Deserialize<'de>>(body: &'de [u8]) -> Result<T, DecodeError> {
    match std::str::from_utf8(body) {
        Ok(text) => parse_text(text),
        Err(e) => Err(DecodeError {
            path: ".".into(),
            category: "not JSON",
            message: Some(format!("invalid UTF-8 at byte {}", e.valid_up_to())),
        }),
    }
}

/// Decodes JSON text; on failure, finds the path of the value that failed.
/// The path is only looked for then: tracking it costs as much as the decoding.
fn parse_text<'de, T: serde::Deserialize<'de>>(text: &'de str) -> Result<T, DecodeError> {
    serde_json::from_str(text).map_err(|_| locate::<T>(text))
}

/// Decodes `body` again, tracking the path, to say where it fails.
fn locate<'de, T: serde::Deserialize<'de>>(text: &'de str) -> DecodeError {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let Err(e) = serde_path_to_error::deserialize::<_, T>(&mut deserializer) else {
        return DecodeError {
            path: ".".into(),
            category: "unexpected value",
            message: None,
        };
    };
    let path = e.path().to_string();
    let inner = e.into_inner();
    DecodeError {
        path,
        category: match inner.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Eof => "truncated JSON",
            serde_json::error::Category::Data => "unexpected value",
        },
        message: Some(inner.to_string()),
    }
}

impl DecodeError {
    /// The same failure, inside the field `field` of the envelope.
    fn within(mut self, field: &str) -> Self {
        self.path = match self.path.as_str() {
            "." => field.to_string(),
            // An index: `result.sessions[0]`, not `result.sessions.[0]`.
            path if path.starts_with('[') => format!("{field}{path}"),
            path => format!("{field}.{path}"),
        };
        self
    }
}
