//! Session endpoints used with a user's token:
//! `/v2/client/session/{invalidate,list,logout,refresh}`.

use std::future::Future;

use authn_session_gen::{
    types::{
        ClientSessionInvalidateRequest, ClientSessionListResult, ClientSessionLogoutRequest,
        ClientSessionRefreshRequest, ClientSessionRefreshResult, EmptyResult, SessionId,
    },
    SecretToken,
};

use crate::{
    bulk::InvalidateAll,
    list::{self, Scope},
    list::{PageStream, SessionStream},
    platform::{self, MaybeSend},
    transport::build,
    validate, AuthN, Error, ListOptions, PangeaResponse, RefreshOptions,
};

/// Endpoints used with a user's token. Get one with [`AuthN::client`].
///
/// ```no_run
/// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
/// authn.client().session().logout("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientApi {
    pub(crate) authn: AuthN,
}

impl ClientApi {
    /// The client session endpoints.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let sessions = authn.client().session();
    /// sessions.logout("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a").await?;
    /// # Ok(()) }
    /// ```
    pub fn session(&self) -> ClientSessionApi {
        ClientSessionApi {
            authn: self.authn.clone(),
        }
    }
}

/// Session endpoints used with a user's token (`/v2/client/session/…`).
/// A user token only ever reaches the sessions of its own user.
///
/// Tokens are taken as `&str`, `String` or [`SecretToken`], so the tokens a
/// [`refresh`](Self::refresh) returns go straight back in. A user token is
/// `ptu_…` or a JWT; any token of printable ASCII up to 16 KiB is accepted
/// (a JWT with custom claims runs to kilobytes), anything else is
/// [`Error::InvalidInput`] before sending. Like
/// [`SessionApi`](crate::SessionApi), it owns a clone of the client and every
/// call returns a `'static` future.
///
/// ```no_run
/// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
/// let mine = authn.client().session().list("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a", Default::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientSessionApi {
    authn: AuthN,
}

impl ClientSessionApi {
    /// Ends one of the user's sessions (`/v2/client/session/invalidate`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn
    ///     .client()
    ///     .session()
    ///     .invalidate("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a", "pmt_zppkzrjguxyblaia6itbiesejn7jejnr")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn invalidate(
        &self,
        user_token: impl Into<SecretToken>,
        session_id: impl AsRef<str>,
    ) -> impl Future<Output = Result<PangeaResponse<EmptyResult>, Error>> + MaybeSend + 'static
    {
        let transport = &self.authn.transport;
        let request = validate::token("token", user_token.into()).and_then(|token| {
            build::<ClientSessionInvalidateRequest, _>(
                ClientSessionInvalidateRequest::builder()
                    .token(token)
                    .session_id::<SessionId>(validate::id("session_id", session_id.as_ref())?)
                    .config_id(transport.config_id()),
            )
        });
        transport.send(request)
    }

    /// One page of the user's sessions (`/v2/client/session/list`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use authn_session::{ListOptions, SessionListOrderBy};
    ///
    /// let page = authn
    ///     .client()
    ///     .session()
    ///     .list("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a", ListOptions::new().order_by(SessionListOrderBy::Id))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn list(
        &self,
        user_token: impl Into<SecretToken>,
        options: ListOptions,
    ) -> impl Future<Output = Result<PangeaResponse<ClientSessionListResult>, Error>> + MaybeSend + 'static
    {
        let transport = &self.authn.transport;
        let request = validate::token("token", user_token.into())
            .and_then(|token| options.user_request(token, transport.config_id()));
        list::page(transport, request)
    }

    /// Every session of the user, across pages, fetched lazily.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let all: Vec<_> = authn
    ///     .client()
    ///     .session()
    ///     .list_all("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a", Default::default())
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn list_all(
        &self,
        user_token: impl Into<SecretToken>,
        options: ListOptions,
    ) -> SessionStream {
        match scope(user_token.into()) {
            Ok(scope) => scope.items(&self.authn, options),
            Err(error) => platform::boxed_stream(futures::stream::once(async { Err(error) })),
        }
    }

    /// Like [`list_all`](Self::list_all), one page (with its envelope) at a time.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let mut pages = authn.client().session().list_pages("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a", Default::default());
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} sessions", page.result.sessions.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_pages(
        &self,
        user_token: impl Into<SecretToken>,
        options: ListOptions,
    ) -> PageStream<ClientSessionListResult> {
        let transport = self.authn.transport.clone();
        let ahead = options.read_ahead;
        let request = validate::token("token", user_token.into())
            .and_then(|token| options.user_request(token, transport.config_id()));
        list::pages(transport, request, ahead)
    }

    /// Ends every session of the user that matches `options`, as
    /// [`SessionApi::invalidate_all`](crate::SessionApi::invalidate_all) does
    /// for the whole project. See [`InvalidateAll`].
    ///
    /// If the user token's own session matches, it is ended too, and the
    /// token dies with it: sessions not yet ended then are reported in
    /// `failed()` (with the 404 they got), never counted as ended. To end all
    /// of a user's sessions at once, the service token's
    /// [`logout`](crate::SessionApi::logout) is the call.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let report = authn
    ///     .client()
    ///     .session()
    ///     .invalidate_all("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a", Default::default())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn invalidate_all(
        &self,
        user_token: impl Into<SecretToken>,
        options: ListOptions,
    ) -> InvalidateAll {
        InvalidateAll::new(self.authn.clone(), scope(user_token.into()), options)
    }

    /// Ends the session the user token belongs to (`/v2/client/session/logout`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.client().session().logout("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a").await?;
    /// # Ok(()) }
    /// ```
    pub fn logout(
        &self,
        user_token: impl Into<SecretToken>,
    ) -> impl Future<Output = Result<PangeaResponse<EmptyResult>, Error>> + MaybeSend + 'static
    {
        let transport = &self.authn.transport;
        let request = validate::token("token", user_token.into()).and_then(|token| {
            build::<ClientSessionLogoutRequest, _>(
                ClientSessionLogoutRequest::builder()
                    .token(token)
                    .config_id(transport.config_id()),
            )
        });
        transport.send(request)
    }

    /// Exchanges a refresh token for new tokens (`/v2/client/session/refresh`).
    /// The refresh token sent is spent; keep the new one from the result, and
    /// pass it straight back in next time.
    ///
    /// Retried only when the request certainly was not processed, so a
    /// retry can never spend the new refresh token (see [`crate::retry`]).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use authn_session::RefreshOptions;
    ///
    /// let sessions = authn.client().session();
    /// let first = sessions
    ///     .refresh("ptr_xpkhwpnz2cmegsws737xbsqnmnuwtbm5", RefreshOptions::new())
    ///     .await?;
    /// let tokens = first.result;
    /// let user_token = tokens.active_token.map(|t| t.token);
    /// let mut options = RefreshOptions::new();
    /// if let Some(user_token) = user_token {
    ///     options = options.user_token(user_token);
    /// }
    /// let second = sessions.refresh(tokens.refresh_token.token, options).await?;
    /// # Ok(()) }
    /// ```
    pub fn refresh(
        &self,
        refresh_token: impl Into<SecretToken>,
        options: RefreshOptions,
    ) -> impl Future<Output = Result<PangeaResponse<ClientSessionRefreshResult>, Error>>
           + MaybeSend
           + 'static {
        let transport = &self.authn.transport;
        let request =
            validate::token("refresh_token", refresh_token.into()).and_then(|refresh_token| {
                let user_token = options
                    .user_token
                    .map(|t| validate::token("user_token", t))
                    .transpose()?;
                build::<ClientSessionRefreshRequest, _>(
                    ClientSessionRefreshRequest::builder()
                        .refresh_token(refresh_token)
                        .user_token(user_token)
                        .config_id(transport.config_id()),
                )
            });
        transport.send(request)
    }
}

fn scope(user_token: SecretToken) -> Result<Scope, Error> {
    validate::token("token", user_token).map(Scope::User)
}
