//! The list path, one for `list`, `list_pages`, `list_all` and
//! `invalidate_all`, and for both list endpoints: the requests ([`request`]),
//! their results ([`result`]), the walk over pages ([`walk`]), and here the
//! entry points and [`Scope`]. Each part imports only the ones before it.

mod request;
pub(crate) mod result;
mod walk;

use std::{future::Future, sync::Arc};

use authn_session_gen::{operations::Step, types::SessionItem, SecretToken};
use futures::{stream, TryStreamExt};

pub(crate) use self::request::ListRequest;
pub(crate) use self::result::ListResult;
use self::result::RawPage;
pub use self::walk::{PageStream, SessionStream};
use crate::{
    platform::{self, BoxStream, MaybeSend},
    transport::{Call, Transport},
    AuthN, Error, ListOptions, PangeaResponse,
};

/// One page.
pub(crate) fn page<Q: ListRequest>(
    transport: &Arc<Transport>,
    request: Result<Q, Error>,
) -> impl Future<Output = Result<PangeaResponse<Q::Result>, Error>> + MaybeSend + 'static {
    transport.send(request)
}

/// Every page from `request` on: each when the consumer asks for it, or one
/// request ahead (`ListOptions::read_ahead`). An invalid request (options or
/// token) makes the stream's first and only item an error; nothing is sent.
pub(crate) fn pages<Q: ListRequest>(
    transport: Arc<Transport>,
    request: Result<Q, Error>,
    read_ahead: bool,
) -> PageStream<Q::Result> {
    let first = match request {
        Err(error) => return platform::boxed_stream(stream::once(async { Err(error) })),
        Ok(first) => first,
    };
    if !read_ahead {
        return platform::boxed_stream(walk::pages(first, move |q| page(&transport, Ok(q))));
    }
    let secrets: Arc<[SecretToken]> = first.secrets().into();
    let fetcher = transport.clone();
    platform::boxed_stream(walk::pages_ahead(
        first,
        move |q: Q| raw_page(&fetcher, q),
        move |raw| {
            let (transport, secrets) = (transport.clone(), secrets.clone());
            platform::off_thread(move || {
                let (sessions, corrected) = transport.typed(
                    &raw,
                    &raw.result.sessions,
                    &[Step::Field("sessions")],
                    &Q::OP,
                    &secrets,
                )?;
                Ok(raw
                    .map(|list| Q::Result::assemble(sessions, list))
                    .with_corrections(corrected))
            })
        },
    ))
}

/// One page whose sessions stay raw JSON, its cursor read with the envelope.
fn raw_page<Q: ListRequest>(
    transport: &Arc<Transport>,
    request: Q,
) -> impl Future<Output = Result<RawPage<Q::Result>, Error>> + MaybeSend + 'static {
    transport.run(Call::of(&request))
}

/// Whose sessions a list reaches.
#[derive(Clone)]
pub(crate) enum Scope {
    /// Every session of the project (`/v2/session/list`, service token).
    Service,
    /// The sessions of one user (`/v2/client/session/list`, user token).
    User(SecretToken),
}

impl Scope {
    /// Every page of this scope that `options` selects, each as its sessions
    /// (with the page's envelope and corrections).
    pub(crate) fn pages(
        &self,
        authn: &AuthN,
        options: ListOptions,
    ) -> BoxStream<'static, Result<PangeaResponse<Vec<SessionItem>>, Error>> {
        let transport = authn.transport.clone();
        let config_id = transport.config_id();
        let ahead = options.read_ahead;
        match self {
            Scope::Service => platform::boxed_stream(
                pages(transport, options.service_request(config_id), ahead).map_ok(sessions_of),
            ),
            Scope::User(token) => {
                let request = options.user_request(token.clone(), config_id);
                platform::boxed_stream(pages(transport, request, ahead).map_ok(sessions_of))
            }
        }
    }

    /// Every session of this scope that `options` selects, one by one.
    pub(crate) fn items(&self, authn: &AuthN, options: ListOptions) -> SessionStream {
        platform::boxed_stream(
            self.pages(authn, options)
                .map_ok(|page| stream::iter(page.result.into_iter().map(Ok)))
                .try_flatten(),
        )
    }
}

/// A page, as its sessions.
fn sessions_of<R: ListResult>(page: PangeaResponse<R>) -> PangeaResponse<Vec<SessionItem>> {
    page.map(ListResult::into_sessions)
}
