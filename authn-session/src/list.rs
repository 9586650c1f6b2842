//! The one implementation of `list`, `list_pages` and `list_all`, for both
//! the service-token and the user-token endpoints.

use authn_session_gen::{
    operations,
    types::{
        ClientSessionListRequest, ClientSessionListResult, SessionListRequest, SessionListResult,
    },
    SecretToken,
};
use futures::{stream, Future, StreamExt};

use crate::{
    options::ListFields,
    paginate::{self, ListResult, PageStream, SessionStream},
    retry::Idempotency,
    AuthN, Error, ListOptions, PangeaResponse,
};

/// Whose sessions a list reaches.
#[derive(Clone)]
pub(crate) enum Scope {
    /// Every session of the project (`/v2/session/list`, service token).
    Service,
    /// The sessions of one user (`/v2/client/session/list`, user token).
    User(SecretToken),
}

/// One page of the project's sessions.
pub(crate) async fn service_page(
    authn: &AuthN,
    fields: ListFields,
) -> Result<PangeaResponse<SessionListResult>, Error> {
    let body = SessionListRequest {
        filter: fields.filter,
        last: fields.last,
        order: fields.order,
        order_by: fields.order_by,
        size: fields.size,
        config_id: authn.config_id(),
    };
    let call = authn.prepare(
        operations::SESSION_LIST,
        Idempotency::Idempotent,
        &body,
        Vec::new(),
    );
    authn.send(call?).await
}

/// One page of the sessions of the user whose token this is.
pub(crate) async fn user_page(
    authn: &AuthN,
    token: &SecretToken,
    fields: ListFields,
) -> Result<PangeaResponse<ClientSessionListResult>, Error> {
    let body = ClientSessionListRequest {
        token: token.clone(),
        filter: fields.filter,
        last: fields.last,
        order: fields.order,
        order_by: fields.order_by,
        size: fields.size,
        config_id: authn.config_id(),
    };
    let call = authn.prepare(
        operations::CLIENT_SESSION_LIST,
        Idempotency::Idempotent,
        &body,
        vec![token.clone()],
    );
    authn.send(call?).await
}

/// Every page from the checked options on, each fetched by `fetch` with
/// `context`. Invalid options (or token) make the stream's first and only
/// item an error; nothing is sent.
fn pages<C, R, F, Fut>(start: Result<(C, ListFields), Error>, mut fetch: F) -> PageStream<R>
where
    C: Send + 'static,
    R: ListResult + Send + 'static,
    F: FnMut(&C, ListFields) -> Fut + Send + 'static,
    Fut: Future<Output = Result<PangeaResponse<R>, Error>> + Send + 'static,
{
    match start {
        Err(error) => stream::once(async { Err(error) }).boxed(),
        Ok((context, fields)) => {
            paginate::pages(fields, move |fields| fetch(&context, fields)).boxed()
        }
    }
}

/// Every page of the project's sessions from `options` on.
pub(crate) fn service_pages(authn: AuthN, options: ListOptions) -> PageStream {
    let start = options.into_fields().map(|fields| (authn, fields));
    pages(start, |authn: &AuthN, fields| {
        let authn = authn.clone();
        async move { service_page(&authn, fields).await }
    })
}

/// Every page of a user's sessions from `options` on.
pub(crate) fn user_pages(
    authn: AuthN,
    token: Result<SecretToken, Error>,
    options: ListOptions,
) -> PageStream<ClientSessionListResult> {
    let start = token.and_then(|token| Ok(((authn, token), options.into_fields()?)));
    pages(start, |(authn, token): &(AuthN, SecretToken), fields| {
        let (authn, token) = (authn.clone(), token.clone());
        async move { user_page(&authn, &token, fields).await }
    })
}

/// Every session from `options` on, one by one.
pub(crate) fn items(
    authn: AuthN,
    scope: Result<Scope, Error>,
    options: ListOptions,
) -> SessionStream {
    match scope {
        Ok(Scope::Service) => paginate::items(service_pages(authn, options)).boxed(),
        Ok(Scope::User(token)) => paginate::items(user_pages(authn, Ok(token), options)).boxed(),
        Err(error) => stream::once(async { Err(error) }).boxed(),
    }
}
