//! The HTTP face of the emulator: the seven endpoints of the spec, bearer
//! authentication, body validation with field errors, and the Pangea envelope.
//! Bodies and results are the generated types, so they match the spec by
//! construction.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use authn_session_gen::{
    limits::LIST_SIZE_MAX,
    operations,
    types::{
        AcceptedResponse, AcceptedResult, ClientSessionInvalidateRequest, ClientSessionListRequest,
        ClientSessionListResponse, ClientSessionListResult, ClientSessionLogoutRequest,
        ClientSessionRefreshRequest, ClientSessionRefreshResponse, ClientSessionRefreshResult,
        EmptyResponse, EmptyResult, ErrorResponse, ErrorResult, FieldError, ItemOrder,
        SessionInvalidateRequest, SessionItem, SessionListFilter, SessionListOrderBy,
        SessionListRequest, SessionListResponse, SessionListResult, SessionLogoutRequest,
    },
};
use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    body::{parse, token},
    clock::Clock,
    faults::{self, Faults, Queued},
    fixtures::{micros, random_id, rfc3339},
    journal::{Journal, JournalEntry},
    serve::DropConnection,
    store::{field_error, Refusal, Store},
};

/// Shared state of a running emulator.
pub(crate) struct AppState {
    pub store: Mutex<Store>,
    pub service_token: String,
    pub clock: Clock,
    pub journal: Journal,
    pub faults: Faults,
    pub user_token_life: Option<chrono::Duration>,
}

impl AppState {
    /// The store. A handler that panicked while holding it (a bug) has not
    /// left it half-changed, since every operation validates before it
    /// writes: later requests go on being served.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) type Shared = Arc<AppState>;

/// Per-request envelope facts: a fresh request id and the arrival time.
pub(crate) struct Meta {
    request_id: String,
    request_time: DateTime<Utc>,
    clock: Clock,
}

impl Meta {
    pub(crate) fn new(clock: &Clock) -> Self {
        Self {
            request_id: random_id("prq_"),
            request_time: micros(clock.now()),
            clock: clock.clone(),
        }
    }

    /// The envelope's `request_time`, RFC 3339 as Pangea writes it.
    fn request_time(&self) -> String {
        rfc3339(self.request_time)
    }

    /// The envelope's `response_time`: now.
    fn response_time(&self) -> String {
        rfc3339(micros(self.clock.now()))
    }
}

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route(
            operations::SESSION_INVALIDATE.path,
            post(session_invalidate),
        )
        .route(operations::SESSION_LIST.path, post(session_list))
        .route(operations::SESSION_LOGOUT.path, post(session_logout))
        .route(
            operations::CLIENT_SESSION_INVALIDATE.path,
            post(client_invalidate),
        )
        .route(operations::CLIENT_SESSION_LIST.path, post(client_list))
        .route(operations::CLIENT_SESSION_LOGOUT.path, post(client_logout))
        .route(
            operations::CLIENT_SESSION_REFRESH.path,
            post(client_refresh),
        )
        .fallback(|State(state): State<Shared>| async move {
            let meta = Meta::new(&state.clock);
            failure(
                &meta,
                StatusCode::NOT_FOUND,
                "NotFound",
                "no such endpoint".into(),
                Vec::new(),
            )
        })
        .route("/request/{request_id}", axum::routing::get(poll))
        .layer(middleware::from_fn_with_state(state.clone(), inject))
        .layer(middleware::from_fn_with_state(state.clone(), journal))
        .with_state(state.clone())
        .merge(crate::admin::router(state))
}

fn operation_of(path: &str) -> Option<&'static str> {
    operations::ALL
        .iter()
        .find(|op| op.path == path)
        .map(|op| op.id)
}

/// Applies the first fault rule that matches the request, if any.
async fn inject(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let operation = operation_of(&path);
    let Some(rule) = state.faults.take(&path, operation) else {
        return next.run(request).await;
    };
    if let Some(wait) = faults::delay(&rule) {
        tokio::time::sleep(wait).await;
    }
    let meta = Meta::new(&state.clock);
    if let Some(http) = rule.status {
        let status = rule
            .envelope_status
            .clone()
            .unwrap_or_else(|| faults::envelope_status(http).to_string());
        let code = StatusCode::from_u16(http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = failure(&meta, code, &status, "injected fault".into(), Vec::new());
        if let Some(secs) = rule.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        return response;
    }
    let dropper = request.extensions().get::<DropConnection>().cloned();
    let response = next.run(request).await;
    if rule.drop_after_commit {
        if let Some(DropConnection(dropper)) = dropper {
            dropper.notify_one();
        }
        // The connection is closing: this answer is never sent.
        return std::future::pending().await;
    }
    let Some(polls) = rule.accept_polls else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    state.faults.queue(
        meta.request_id.clone(),
        Queued {
            polls_left: polls,
            status: parts.status,
            headers: parts.headers,
            body,
        },
    );
    accepted(&meta, &format!("/request/{}", meta.request_id))
}

/// HTTP 202 with the `Accepted` envelope, as Pangea queues a request.
fn accepted(meta: &Meta, location: &str) -> Response {
    let body = AcceptedResponse {
        request_id: meta.request_id.clone(),
        request_time: Some(meta.request_time()),
        response_time: Some(meta.response_time()),
        status: "Accepted".into(),
        summary: Some("the request is queued; poll its location".into()),
        result: Some(AcceptedResult {
            ttl_mins: Some(5),
            retry_counter: Some(0),
            location: Some(location.to_string()),
        }),
    };
    with_request_id(meta, (StatusCode::ACCEPTED, Json(body)).into_response())
}

/// `GET /request/{request_id}`: a queued request's result, once its polls are done.
async fn poll(
    State(state): State<Shared>,
    headers: HeaderMap,
    axum::extract::Path(request_id): axum::extract::Path<String>,
) -> Response {
    let meta = Meta::new(&state.clock);
    if let Err(failure) = authorize(&state, &headers) {
        return answer::<()>(&meta, Err(failure));
    }
    match state.faults.poll(&request_id) {
        Ok(None) => accepted(&meta, &format!("/request/{request_id}")),
        Ok(Some(done)) => {
            let mut response = (done.status, done.body).into_response();
            *response.headers_mut() = done.headers;
            response
        }
        Err(()) => failure(
            &meta,
            StatusCode::NOT_FOUND,
            "NotFound",
            "no queued request with this id".into(),
            Vec::new(),
        ),
    }
}

/// Journals every request of the API (the admin API is not journaled).
async fn journal(State(state): State<Shared>, request: Request, next: Next) -> Response {
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

/// Everything a handler may answer with besides success.
pub(crate) enum Failure {
    Unauthorized,
    Refused(Refusal),
}

impl From<Refusal> for Failure {
    fn from(r: Refusal) -> Self {
        Failure::Refused(r)
    }
}

pub(crate) fn failure(
    meta: &Meta,
    http: StatusCode,
    status: &str,
    summary: String,
    errors: Vec<FieldError>,
) -> Response {
    let body = ErrorResponse {
        request_id: meta.request_id.clone(),
        request_time: Some(meta.request_time()),
        response_time: Some(meta.response_time()),
        status: status.into(),
        summary: Some(summary),
        result: Some(ErrorResult { errors }),
    };
    with_request_id(
        meta,
        (
            http,
            [(header::CONTENT_TYPE, "application/json")],
            Json(body),
        )
            .into_response(),
    )
}

/// Every answer carries its request id in `x-request-id`, as Pangea's do.
fn with_request_id(meta: &Meta, mut response: Response) -> Response {
    if let Ok(id) = HeaderValue::from_str(&meta.request_id) {
        response.headers_mut().insert("x-request-id", id);
    }
    response
}

pub(crate) fn answer<T: Serialize>(meta: &Meta, outcome: Result<T, Failure>) -> Response {
    match outcome {
        Ok(body) => with_request_id(meta, (StatusCode::OK, Json(body)).into_response()),
        Err(Failure::Unauthorized) => failure(
            meta,
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "missing or wrong service token".into(),
            Vec::new(),
        ),
        Err(Failure::Refused(Refusal::NotFound(summary))) => {
            failure(meta, StatusCode::NOT_FOUND, "NotFound", summary, Vec::new())
        }
        Err(Failure::Refused(Refusal::Invalid(errors))) => failure(
            meta,
            StatusCode::BAD_REQUEST,
            "ValidationError",
            format!("{} field(s) failed validation", errors.len()),
            errors,
        ),
    }
}

/// The shape of every endpoint: a fresh envelope id, the service token, the
/// body decoded into its generated type, then the operation.
fn handle<Req: DeserializeOwned, Res: Serialize>(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    operation: impl FnOnce(&Meta, Req) -> Result<Res, Failure>,
) -> Response {
    let meta = Meta::new(&state.clock);
    let outcome = authorize(state, headers)
        .and_then(|()| parse::<Req>(body))
        .and_then(|req| operation(&meta, req));
    answer(&meta, outcome)
}

pub(crate) fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), Failure> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented == Some(state.service_token.as_str()) {
        Ok(())
    } else {
        Err(Failure::Unauthorized)
    }
}

fn empty(meta: &Meta) -> EmptyResponse {
    EmptyResponse {
        request_id: meta.request_id.clone(),
        request_time: meta.request_time(),
        response_time: meta.response_time(),
        status: "Success".into(),
        summary: Some("Success".into()),
        result: EmptyResult(Default::default()),
    }
}

struct ListArgs<'a> {
    filter: Option<&'a SessionListFilter>,
    last: Option<&'a str>,
    order: Option<ItemOrder>,
    order_by: Option<SessionListOrderBy>,
    size: Option<std::num::NonZeroU64>,
}

/// One page of sessions, with its cursor (empty on the last page).
fn list_page(
    store: &Store,
    args: ListArgs<'_>,
    user: Option<usize>,
) -> Result<(Vec<SessionItem>, String), Failure> {
    if args.size.is_some_and(|s| s.get() > LIST_SIZE_MAX) {
        return Err(Refusal::Invalid(vec![field_error(
            "NotWithinRange",
            "/size",
            format!("must be at most {LIST_SIZE_MAX}"),
        )])
        .into());
    }
    Ok(store.list(
        args.filter,
        args.order == Some(ItemOrder::Desc),
        args.order_by.unwrap_or(SessionListOrderBy::Id),
        args.size.map(|s| s.get()),
        args.last,
        user,
    )?)
}

fn listed(count: usize) -> Option<String> {
    Some(format!("Listed {count} session(s)"))
}

async fn session_invalidate(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        &state,
        &headers,
        &body,
        |meta, req: SessionInvalidateRequest| {
            state.store().invalidate(&req.session_id, None)?;
            Ok(empty(meta))
        },
    )
}

async fn session_list(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&state, &headers, &body, |meta, req: SessionListRequest| {
        let args = ListArgs {
            filter: req.filter.as_ref(),
            last: req.last.as_deref(),
            order: req.order,
            order_by: req.order_by,
            size: req.size,
        };
        let (sessions, last) = list_page(&state.store(), args, None)?;
        Ok(SessionListResponse {
            request_id: meta.request_id.clone(),
            request_time: meta.request_time(),
            response_time: meta.response_time(),
            status: "Success".into(),
            summary: listed(sessions.len()),
            result: SessionListResult {
                sessions,
                last: Some(last),
                count: None,
            },
        })
    })
}

async fn session_logout(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    handle(
        &state,
        &headers,
        &body,
        |meta, req: SessionLogoutRequest| {
            state.store().logout_user(&req.user_id)?;
            Ok(empty(meta))
        },
    )
}

async fn client_invalidate(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        &state,
        &headers,
        &body,
        |meta, req: ClientSessionInvalidateRequest| {
            let user_token = token("/token", &req.token)?;
            let mut store = state.store();
            let user = store.user_of(store.session_of_user_token(user_token)?);
            store.invalidate(&req.session_id, Some(user))?;
            Ok(empty(meta))
        },
    )
}

async fn client_list(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    handle(
        &state,
        &headers,
        &body,
        |meta, req: ClientSessionListRequest| {
            let user_token = token("/token", &req.token)?;
            let store = state.store();
            let user = store.user_of(store.session_of_user_token(user_token)?);
            let args = ListArgs {
                filter: req.filter.as_ref(),
                last: req.last.as_deref(),
                order: req.order,
                order_by: req.order_by,
                size: req.size,
            };
            let (sessions, last) = list_page(&store, args, Some(user))?;
            Ok(ClientSessionListResponse {
                request_id: meta.request_id.clone(),
                request_time: meta.request_time(),
                response_time: meta.response_time(),
                status: "Success".into(),
                summary: listed(sessions.len()),
                result: ClientSessionListResult {
                    sessions,
                    last: Some(last),
                },
            })
        },
    )
}

async fn client_logout(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    handle(
        &state,
        &headers,
        &body,
        |meta, req: ClientSessionLogoutRequest| {
            let user_token = token("/token", &req.token)?;
            let mut store = state.store();
            let session = store.session_of_user_token(user_token)?;
            store.end(session);
            Ok(empty(meta))
        },
    )
}

async fn client_refresh(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    handle(
        &state,
        &headers,
        &body,
        |meta, req: ClientSessionRefreshRequest| {
            let refresh_token = token("/refresh_token", &req.refresh_token)?;
            let user_token = req
                .user_token
                .as_ref()
                .map(|t| token("/user_token", t))
                .transpose()?;
            let (refresh, active) = state.store().refresh(refresh_token, user_token)?;
            Ok(ClientSessionRefreshResponse {
                request_id: meta.request_id.clone(),
                request_time: meta.request_time(),
                response_time: meta.response_time(),
                status: "Success".into(),
                summary: Some("Session refreshed".into()),
                result: ClientSessionRefreshResult {
                    refresh_token: refresh,
                    active_token: Some(active),
                },
            })
        },
    )
}
