//! Session endpoints used with the service token: `/v2/session/{invalidate,list,logout}`.

use std::future::Future;

use authn_session_gen::types::{
    EmptyResult, SessionId, SessionInvalidateRequest, SessionListResult, SessionLogoutRequest,
};

use crate::{
    bulk::InvalidateAll,
    list::{self, Scope},
    list::{PageStream, SessionStream},
    platform::MaybeSend,
    transport::{build, Call},
    validate, AuthN, Error, InvalidateOptions, ListOptions, PangeaResponse,
};

/// Session endpoints used with the service token. Get one with [`AuthN::session`].
///
/// It owns a clone of the client (cheap: one `Arc`), and every call returns a
/// `'static` future, so calls can be spawned, joined or buffered freely:
///
/// ```no_run
/// # async fn demo(authn: authn_session::AuthN, ids: Vec<String>) -> Result<(), authn_session::Error> {
/// use futures::{StreamExt, TryStreamExt};
///
/// let ended: Vec<_> = futures::stream::iter(ids.iter())
///     .map(|id| authn.session().invalidate(id))
///     .buffer_unordered(16)
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SessionApi {
    pub(crate) authn: AuthN,
}

impl SessionApi {
    /// Ends one session, whichever user it belongs to (`/v2/session/invalidate`).
    /// The id may be a `&str`, a `String` or the `SessionId` of a listed session.
    /// The same as [`invalidate_with`](Self::invalidate_with) with no options.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.session().invalidate("pmt_zppkzrjguxyblaia6itbiesejn7jejnr").await?;
    /// # Ok(()) }
    /// ```
    pub fn invalidate(
        &self,
        session_id: impl AsRef<str>,
    ) -> impl Future<Output = Result<PangeaResponse<EmptyResult>, Error>> + MaybeSend + 'static
    {
        self.invalidate_with(session_id, InvalidateOptions::new())
    }

    /// Ends one session with options (`/v2/session/invalidate`): say that the
    /// user asked for it with
    /// [`user_initiated`](InvalidateOptions::user_initiated).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use authn_session::InvalidateOptions;
    ///
    /// // The user pressed "sign out this device".
    /// authn
    ///     .session()
    ///     .invalidate_with("pmt_zppkzrjguxyblaia6itbiesejn7jejnr", InvalidateOptions::new().user_initiated(true))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn invalidate_with(
        &self,
        session_id: impl AsRef<str>,
        options: InvalidateOptions,
    ) -> impl Future<Output = Result<PangeaResponse<EmptyResult>, Error>> + MaybeSend + 'static
    {
        let transport = &self.authn.transport;
        let request = validate::id("session_id", session_id.as_ref()).and_then(|session_id| {
            build::<SessionInvalidateRequest, _>(
                SessionInvalidateRequest::builder()
                    .session_id::<SessionId>(session_id)
                    .user_initiated(options.user_initiated)
                    .config_id(transport.config_id()),
            )
        });
        transport.send(request)
    }

    /// One page of the project's sessions (`/v2/session/list`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use authn_session::{ItemOrder, ListOptions, SessionListOrderBy};
    ///
    /// let page = authn
    ///     .session()
    ///     .list(ListOptions::new().order(ItemOrder::Desc).order_by(SessionListOrderBy::CreatedAt))
    ///     .await?;
    /// println!("next cursor: {:?}", page.result.last);
    /// # Ok(()) }
    /// ```
    pub fn list(
        &self,
        options: ListOptions,
    ) -> impl Future<Output = Result<PangeaResponse<SessionListResult>, Error>> + MaybeSend + 'static
    {
        let transport = &self.authn.transport;
        list::page(transport, options.service_request(transport.config_id()))
    }

    /// One page as the service wrote it: the envelope's `result` as JSON, with
    /// no client error correction and nothing dropped (fields the spec does
    /// not have included), except the service token, replaced by
    /// `[REDACTED]` wherever a string holds it. Everything else is as [`list`](Self::list): the
    /// same request, retries, tracing and redaction. For checking a service
    /// against the spec: `authn-session verify` reads its pages through it.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let page = authn.session().list_json(authn_session::ListOptions::new().size(5)).await?;
    /// for session in page.result["sessions"].as_array().into_iter().flatten() {
    ///     println!("{:?}", session.as_object().map(|o| o.keys().collect::<Vec<_>>()));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_json(
        &self,
        options: ListOptions,
    ) -> impl Future<Output = Result<PangeaResponse<serde_json::Value>, Error>> + MaybeSend + 'static
    {
        let transport = self.authn.transport.clone();
        let call = options
            .service_request(transport.config_id())
            .and_then(|q| Call::of(&q));
        async move {
            let mut page: PangeaResponse<serde_json::Value> = transport.run(call).await?;
            transport.scrub(&mut page);
            Ok(page)
        }
    }

    /// Every session matching `options`, across pages, fetched lazily: the next
    /// page is requested only when the stream is polled past the current one.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use futures::TryStreamExt;
    /// use authn_session::{ListOptions, SessionListFilter};
    ///
    /// let filter = SessionListFilter::new().email("alice@example.com");
    /// let mut sessions = authn.session().list_all(ListOptions::new().filter(filter).size(100));
    /// while let Some(session) = sessions.try_next().await? {
    ///     println!("{} {}", session.id, session.created_at);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_all(&self, options: ListOptions) -> SessionStream {
        Scope::Service.items(&self.authn, options)
    }

    /// Like [`list_all`](Self::list_all), one page (with its envelope) at a time.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let pages = authn.session().list_pages(Default::default());
    /// let request_ids: Vec<String> = pages.map_ok(|p| p.request_id).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn list_pages(&self, options: ListOptions) -> PageStream {
        let transport = self.authn.transport.clone();
        let ahead = options.read_ahead;
        let request = options.service_request(transport.config_id());
        list::pages(transport, request, ahead)
    }

    /// Ends every session that matches `options` (its filter; its order and
    /// page size shape the walk): a configurable run to `.await`, with a dry
    /// run, bounded concurrency (default 8) and progress. See [`InvalidateAll`].
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use authn_session::{ListOptions, SessionListFilter};
    ///
    /// let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    /// let filter = SessionListFilter::new().email_contains(["@tenant.example"]).created_at_gt(an_hour_ago);
    /// let report = authn.session().invalidate_all(ListOptions::new().filter(filter)).concurrency(16).await?;
    /// println!("{} matched, {} ended, {} failed", report.matched(), report.ended(), report.failed().len());
    /// # Ok(()) }
    /// ```
    pub fn invalidate_all(&self, options: ListOptions) -> InvalidateAll {
        InvalidateAll::new(self.authn.clone(), Ok(Scope::Service), options)
    }

    /// Ends every session of one user (`/v2/session/logout`): the call to make
    /// when an account is compromised. The id may be a `&str`, a `String` or a
    /// `UserId`, in Pangea's identity format (letters, digits, spaces and
    /// `'.:/_-`; see [`check_user_id`](crate::check_user_id)).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let response = authn.session().logout("pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5").await?;
    /// println!("all sessions ended ({})", response.request_id);
    /// # Ok(()) }
    /// ```
    pub fn logout(
        &self,
        user_id: impl AsRef<str>,
    ) -> impl Future<Output = Result<PangeaResponse<EmptyResult>, Error>> + MaybeSend + 'static
    {
        let transport = &self.authn.transport;
        let request = validate::user_id(user_id.as_ref()).and_then(|user_id| {
            build::<SessionLogoutRequest, _>(
                SessionLogoutRequest::builder()
                    .user_id(user_id)
                    .config_id(transport.config_id()),
            )
        });
        transport.send(request)
    }
}
