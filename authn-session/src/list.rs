//! The one implementation of `list`, `list_pages` and `list_all`, for both
//! the service-token and the user-token endpoints.

use authn_session_gen::{
    operations,
    types::{ClientSessionListRequest, SessionListRequest},
    SecretToken,
};
use futures::{stream, StreamExt};

use crate::{
    options::ListFields,
    paginate::{self, Page, PageStream, SessionStream},
    retry::Idempotency,
    AuthN, Error, ListOptions,
};

/// Whose sessions a list reaches.
#[derive(Clone)]
pub(crate) enum Scope {
    /// Every session of the project (`/v2/session/list`, service token).
    Service,
    /// The sessions of one user (`/v2/client/session/list`, user token).
    User(SecretToken),
}

/// One page.
pub(crate) async fn page(authn: &AuthN, scope: &Scope, fields: ListFields) -> Result<Page, Error> {
    let config_id = authn.config_id();
    match scope {
        Scope::Service => {
            let body = SessionListRequest {
                filter: fields.filter,
                last: fields.last,
                order: fields.order,
                order_by: fields.order_by,
                size: fields.size,
                config_id,
            };
            let call = authn.prepare(
                operations::SESSION_LIST,
                Idempotency::Idempotent,
                &body,
                Vec::new(),
            );
            authn.send(call?).await
        }
        Scope::User(token) => {
            let body = ClientSessionListRequest {
                token: token.clone(),
                filter: fields.filter,
                last: fields.last,
                order: fields.order,
                order_by: fields.order_by,
                size: fields.size,
                config_id,
            };
            let call = authn.prepare(
                operations::CLIENT_SESSION_LIST,
                Idempotency::Idempotent,
                &body,
                vec![token.clone()],
            );
            authn.send(call?).await
        }
    }
}

/// Every page from `options` on. Invalid options (or scope) make the stream's
/// first and only item an error; nothing is sent.
pub(crate) fn pages(authn: AuthN, scope: Result<Scope, Error>, options: ListOptions) -> PageStream {
    match scope.and_then(|scope| Ok((scope, options.into_fields()?))) {
        Err(error) => stream::once(async { Err(error) }).boxed(),
        Ok((scope, fields)) => paginate::pages(fields, move |fields| {
            let authn = authn.clone();
            let scope = scope.clone();
            async move { page(&authn, &scope, fields).await }
        })
        .boxed(),
    }
}

/// Every session from `options` on, one by one.
pub(crate) fn items(
    authn: AuthN,
    scope: Result<Scope, Error>,
    options: ListOptions,
) -> SessionStream {
    paginate::items(pages(authn, scope, options)).boxed()
}
