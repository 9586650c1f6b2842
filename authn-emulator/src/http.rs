//! The HTTP face of the emulator: the seven endpoints of the spec and the
//! poll of queued requests. Each handler takes an [`ApiRequest`] (the service
//! token checked, the body decoded into its generated request type) and
//! answers with the generated result type in the one envelope
//! ([`crate::envelope`]), so bodies match the spec by construction. The
//! journal and fault layers are [`crate::middleware`].

use authn_session_gen::{
    limits::LIST_SIZE_MAX,
    operations,
    types::{
        ClientSessionInvalidateRequest, ClientSessionListRequest, ClientSessionListResult,
        ClientSessionLogoutRequest, ClientSessionRefreshRequest, ClientSessionRefreshResult,
        EmptyResult, ItemOrder, SessionInvalidateRequest, SessionItem, SessionListFilter,
        SessionListOrderBy, SessionListRequest, SessionListResult, SessionLogoutRequest,
    },
    SecretToken,
};
use axum::{
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use secrecy::ExposeSecret;

use crate::{
    envelope::{Meta, Refused, Rejection},
    extract::{ApiRequest, Authorized, Success},
    field_code::{field_error, FieldCode},
    middleware::{inject, journal},
    quirks::{self, Quirk},
    state::Shared,
    store::{Refusal, Store},
};

pub(crate) fn router(state: Shared, max_body_bytes: usize) -> Router {
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
            meta.failure(
                StatusCode::NOT_FOUND,
                "NotFound",
                "no such endpoint",
                Vec::new(),
            )
        })
        .route("/request/{request_id}", get(poll))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        // Innermost: a quirk reshapes what the handler wrote, not an injected fault.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            quirks::reshape,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), inject))
        .layer(middleware::from_fn_with_state(state.clone(), journal))
        .with_state(state.clone())
        .merge(crate::admin::router(state))
}

/// `GET /request/{request_id}`: a queued request's result, once its polls are done.
async fn poll(
    State(state): State<Shared>,
    Authorized(meta): Authorized,
    Path(request_id): Path<String>,
) -> Response {
    match state.faults.poll(&request_id) {
        Ok(None) => meta.accepted(&format!("/request/{request_id}")),
        Ok(Some(done)) => {
            let mut response = (done.status, done.body).into_response();
            *response.headers_mut() = done.headers;
            response
        }
        Err(()) => Refused(
            meta,
            Refusal::NotFound("no queued request with this id".into()).into(),
        )
        .into_response(),
    }
}

/// The live session a request's user token (`/token`) belongs to.
fn session_of(store: &Store, user_token: &SecretToken) -> Result<usize, Rejection> {
    Ok(store.session_of_user_token(user_token.expose_secret())?)
}

fn done() -> Result<Success<EmptyResult>, Rejection> {
    Ok(Success {
        summary: "Success".into(),
        result: EmptyResult(Default::default()),
    })
}

/// What a list request asks for, from either list endpoint.
macro_rules! list_args {
    ($req:expr) => {
        ListArgs {
            filter: $req.filter.as_ref(),
            last: $req.last.as_deref(),
            order: $req.order,
            order_by: $req.order_by,
            size: $req.size,
        }
    };
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
    state: &Shared,
    store: &Store,
    args: ListArgs<'_>,
    user: Option<usize>,
) -> Result<(Vec<SessionItem>, String), Rejection> {
    if args.size.is_some_and(|s| s.get() > LIST_SIZE_MAX) {
        return Err(Refusal::Invalid(vec![field_error(
            FieldCode::NotWithinRange,
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
        state.quirks.has(&Quirk::ContainsAny),
    )?)
}

/// Ends a session, answering an unknown one as the service does, or as the
/// `unknown-session-400` quirk says a service may: 400 `ValidationError`.
fn invalidate(
    state: &Shared,
    store: &mut Store,
    session_id: &str,
    only_user: Option<usize>,
) -> Result<(), Rejection> {
    match store.invalidate(session_id, only_user) {
        Err(Refusal::NotFound(why)) if state.quirks.has(&Quirk::UnknownSession400) => {
            Err(Refusal::Invalid(vec![field_error(
                FieldCode::InvalidValue,
                "/session_id",
                why,
            )])
            .into())
        }
        outcome => Ok(outcome?),
    }
}

fn listed(count: usize) -> String {
    format!("Listed {count} session(s)")
}

async fn session_invalidate(
    State(state): State<Shared>,
    request: ApiRequest<SessionInvalidateRequest>,
) -> Response {
    request.answer(|req| {
        invalidate(&state, &mut state.store(), &req.session_id, None)?;
        done()
    })
}

async fn session_list(
    State(state): State<Shared>,
    request: ApiRequest<SessionListRequest>,
) -> Response {
    request.answer(|req| {
        let (sessions, last) = list_page(&state, &state.store(), list_args!(req), None)?;
        Ok(Success {
            summary: listed(sessions.len()),
            result: SessionListResult {
                sessions,
                last: Some(last),
                count: None,
            },
        })
    })
}

async fn session_logout(
    State(state): State<Shared>,
    request: ApiRequest<SessionLogoutRequest>,
) -> Response {
    request.answer(|req| {
        state.store().logout_user(&req.user_id)?;
        done()
    })
}

async fn client_invalidate(
    State(state): State<Shared>,
    request: ApiRequest<ClientSessionInvalidateRequest>,
) -> Response {
    request.answer(|req| {
        let mut store = state.store();
        let user = store.user_of(session_of(&store, &req.token)?);
        invalidate(&state, &mut store, &req.session_id, Some(user))?;
        done()
    })
}

async fn client_list(
    State(state): State<Shared>,
    request: ApiRequest<ClientSessionListRequest>,
) -> Response {
    request.answer(|req| {
        let store = state.store();
        let user = store.user_of(session_of(&store, &req.token)?);
        let (sessions, last) = list_page(&state, &store, list_args!(req), Some(user))?;
        Ok(Success {
            summary: listed(sessions.len()),
            result: ClientSessionListResult {
                sessions,
                last: Some(last),
            },
        })
    })
}

async fn client_logout(
    State(state): State<Shared>,
    request: ApiRequest<ClientSessionLogoutRequest>,
) -> Response {
    request.answer(|req| {
        let mut store = state.store();
        let session = session_of(&store, &req.token)?;
        store.end(session);
        done()
    })
}

async fn client_refresh(
    State(state): State<Shared>,
    request: ApiRequest<ClientSessionRefreshRequest>,
) -> Response {
    request.answer(|req| {
        let refresh_token = req.refresh_token.expose_secret();
        let user_token = req.user_token.as_ref().map(ExposeSecret::expose_secret);
        let rotate_user_token = !state.quirks.has(&Quirk::RefreshWithoutActiveToken);
        let (refresh, active) =
            state
                .store()
                .refresh(refresh_token, user_token, rotate_user_token)?;
        Ok(Success {
            summary: "Session refreshed".into(),
            result: ClientSessionRefreshResult {
                refresh_token: refresh,
                active_token: active,
            },
        })
    })
}
