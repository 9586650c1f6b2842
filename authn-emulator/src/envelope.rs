//! The Pangea envelope the emulator answers with: one builder for success,
//! failure and 202 alike, each answer carrying its request id in
//! `x-request-id` as Pangea's do. Failures are a type of their own,
//! [`Refused`], that answers for itself.

use authn_session_gen::types::{AcceptedResult, ErrorResult, FieldError};
use axum::{
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    clock::Clock,
    fixtures::{micros, random_id, rfc3339},
    store::Refusal,
};

/// The envelope facts of one answer: a fresh request id and the arrival time.
pub(crate) struct Meta {
    pub request_id: String,
    request_time: DateTime<Utc>,
    clock: Clock,
}

/// Every response body: the envelope around a result.
#[derive(Serialize)]
struct Envelope<'a, R> {
    request_id: &'a str,
    request_time: String,
    response_time: String,
    status: &'a str,
    summary: &'a str,
    result: R,
}

impl Meta {
    pub(crate) fn new(clock: &Clock) -> Self {
        Self {
            request_id: random_id("prq_"),
            request_time: micros(clock.now()),
            clock: clock.clone(),
        }
    }

    /// An answer: `result` in the envelope, with `status` and `summary`.
    pub(crate) fn answer<R: Serialize>(
        &self,
        http: StatusCode,
        status: &str,
        summary: &str,
        result: R,
    ) -> Response {
        let envelope = Envelope {
            request_id: &self.request_id,
            request_time: rfc3339(self.request_time),
            response_time: rfc3339(micros(self.clock.now())),
            status,
            summary,
            result,
        };
        let mut response = (http, Json(envelope)).into_response();
        if let Ok(id) = HeaderValue::from_str(&self.request_id) {
            response.headers_mut().insert("x-request-id", id);
        }
        response
    }

    /// HTTP 200, `Success`.
    pub(crate) fn success<R: Serialize>(&self, summary: &str, result: R) -> Response {
        self.answer(StatusCode::OK, "Success", summary, result)
    }

    /// HTTP 202 `Accepted`, as Pangea queues a request: poll `location`.
    pub(crate) fn accepted(&self, location: &str) -> Response {
        let result = AcceptedResult {
            ttl_mins: Some(5),
            retry_counter: Some(0),
            location: Some(location.to_string()),
        };
        self.answer(
            StatusCode::ACCEPTED,
            "Accepted",
            "the request is queued; poll its location",
            result,
        )
    }

    /// A failure with Pangea's error envelope and field errors.
    pub(crate) fn failure(
        &self,
        http: StatusCode,
        status: &str,
        summary: &str,
        errors: Vec<FieldError>,
    ) -> Response {
        self.answer(http, status, summary, ErrorResult { errors })
    }
}

/// Everything an endpoint answers besides success.
pub(crate) enum Rejection {
    Unauthorized,
    Refused(Refusal),
    /// The emulator itself failed (a state file it could not write).
    Internal(String),
}

impl From<Refusal> for Rejection {
    fn from(r: Refusal) -> Self {
        Rejection::Refused(r)
    }
}

/// A failure with the envelope facts of its answer: what a handler or an
/// extractor answers with when it refuses.
pub(crate) struct Refused(pub Meta, pub Rejection);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let Refused(meta, failure) = self;
        match failure {
            Rejection::Unauthorized => meta.failure(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "missing or wrong service token",
                Vec::new(),
            ),
            Rejection::Refused(Refusal::NotFound(summary)) => {
                meta.failure(StatusCode::NOT_FOUND, "NotFound", &summary, Vec::new())
            }
            Rejection::Internal(summary) => meta.failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                &summary,
                Vec::new(),
            ),
            Rejection::Refused(Refusal::Invalid(errors)) => meta.failure(
                StatusCode::BAD_REQUEST,
                "ValidationError",
                &format!("{} field(s) failed validation", errors.len()),
                errors,
            ),
        }
    }
}
