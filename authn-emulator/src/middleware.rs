//! The layers around the API's endpoints: the journal of every request, and
//! the fault rules (a status instead of the answer, a delay, a 202 with the
//! result kept for polling, an answer lost after the change was made).

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};

use crate::{
    envelope::Meta,
    faults::{self, FaultEffect, Queued},
    journal::JournalEntry,
    serve::DropConnection,
    state::Shared,
};

/// The operationId of an API path.
pub(crate) fn operation_of(path: &str) -> Option<&'static str> {
    authn_session_gen::operations::ALL
        .iter()
        .find(|op| op.path == path)
        .map(|op| op.id)
}

/// Applies the first fault rule that matches the request, if any.
pub(crate) async fn inject(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let Some(rule) = state.faults.take(&path, operation_of(&path)) else {
        return next.run(request).await;
    };
    if let Some(wait) = faults::delay(&rule) {
        tokio::time::sleep(wait).await;
    }
    let meta = Meta::new(&state.clock);
    match rule.effect {
        None => next.run(request).await,
        Some(FaultEffect::Status(http)) => {
            let status = rule
                .envelope_status
                .clone()
                .unwrap_or_else(|| faults::envelope_status(http).to_string());
            let code = StatusCode::from_u16(http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = meta.failure(code, &status, "injected fault", Vec::new());
            if let Some(secs) = rule.retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Some(FaultEffect::DropAfterCommit) => {
            let dropper = request.extensions().get::<DropConnection>().cloned();
            let _processed = next.run(request).await;
            if let Some(DropConnection(dropper)) = dropper {
                dropper.notify_one();
            }
            // The connection is closing: this answer is never sent.
            std::future::pending().await
        }
        Some(FaultEffect::Accept { polls }) => {
            let (parts, body) = next.run(request).await.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let queued = Queued {
                polls_left: polls,
                status: parts.status,
                headers: parts.headers,
                body,
            };
            state.faults.queue(meta.request_id.clone(), queued);
            meta.accepted(&format!("/request/{}", meta.request_id))
        }
    }
}

/// Journals every request of the API (the admin API is not journaled).
pub(crate) async fn journal(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let retried_request_ids = request
        .headers()
        .get("x-pangea-retried-request-ids")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let operation = operation_of(&path).map(str::to_string);
    let path = if operation.is_some() || path.starts_with("/request/") {
        path
    } else {
        "(other)".into()
    };
    // Journaled on arrival, so a request whose answer never leaves is there too.
    let at = state.journal.arrived(JournalEntry {
        time: state.clock.now(),
        method,
        path,
        operation,
        status: 0,
        request_id: None,
        retried_request_ids,
    });
    let response = next.run(request).await;
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    state
        .journal
        .answered(at, response.status().as_u16(), request_id);
    response
}
