//! Session endpoints used with a user's token:
//! `/v2/client/session/{invalidate,list,logout,refresh}`.

use authn_session_gen::{
    operations,
    types::{
        ClientSessionInvalidateRequest, ClientSessionListRequest, ClientSessionLogoutRequest,
        ClientSessionRefreshRequest, ClientSessionRefreshResult, EmptyResult, SessionListResult,
    },
    SecretToken,
};
use futures::{stream, StreamExt};
use secrecy::ExposeSecret;

use crate::{
    paginate::{self, PageStream, SessionStream},
    retry::Idempotency,
    session::id,
    validate, AuthN, Error, ListOptions, PangeaResponse, RefreshOptions,
};

/// Endpoints used with a user's token. Get one with [`AuthN::client`].
///
/// ```no_run
/// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
/// authn.client().session().logout("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ClientApi<'a> {
    pub(crate) authn: &'a AuthN,
}

impl<'a> ClientApi<'a> {
    /// The client session endpoints.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let sessions = authn.client().session();
    /// sessions.logout("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a").await?;
    /// # Ok(()) }
    /// ```
    pub fn session(&self) -> ClientSessionApi<'a> {
        ClientSessionApi { authn: self.authn }
    }
}

/// Session endpoints used with a user's token (`/v2/client/session/…`).
/// A user token only ever reaches the sessions of its own user.
///
/// ```no_run
/// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
/// let mine = authn.client().session().list("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a", Default::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ClientSessionApi<'a> {
    authn: &'a AuthN,
}

fn token(field: &'static str, value: &str) -> Result<SecretToken, Error> {
    Ok(SecretToken::new(validate::identifier(field, value)?))
}

impl ClientSessionApi<'_> {
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
    pub async fn invalidate(
        &self,
        user_token: &str,
        session_id: &str,
    ) -> Result<PangeaResponse<EmptyResult>, Error> {
        let body = ClientSessionInvalidateRequest {
            token: token("token", user_token)?,
            session_id: id("session_id", session_id)?,
            config_id: self.authn.config_id(),
        };
        self.authn
            .send(
                operations::CLIENT_SESSION_INVALIDATE,
                Idempotency::Idempotent,
                &body,
                &[user_token],
            )
            .await
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
    pub async fn list(
        &self,
        user_token: &str,
        options: ListOptions,
    ) -> Result<PangeaResponse<SessionListResult>, Error> {
        list(self.authn, &token("token", user_token)?, options).await
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
    pub fn list_all(&self, user_token: &str, options: ListOptions) -> SessionStream {
        paginate::items(self.list_pages(user_token, options)).boxed()
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
    pub fn list_pages(&self, user_token: &str, options: ListOptions) -> PageStream {
        let authn = self.authn.clone();
        match token("token", user_token) {
            // An invalid token is the stream's first and only item.
            Err(error) => stream::once(async { Err(error) }).boxed(),
            Ok(user_token) => paginate::pages(options, move |options| {
                let authn = authn.clone();
                let user_token = user_token.clone();
                async move { list(&authn, &user_token, options).await }
            })
            .boxed(),
        }
    }

    /// Ends the session the user token belongs to (`/v2/client/session/logout`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.client().session().logout("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a").await?;
    /// # Ok(()) }
    /// ```
    pub async fn logout(&self, user_token: &str) -> Result<PangeaResponse<EmptyResult>, Error> {
        let body = ClientSessionLogoutRequest {
            token: token("token", user_token)?,
            config_id: self.authn.config_id(),
        };
        self.authn
            .send(
                operations::CLIENT_SESSION_LOGOUT,
                Idempotency::Idempotent,
                &body,
                &[user_token],
            )
            .await
    }

    /// Exchanges a refresh token for new tokens (`/v2/client/session/refresh`).
    /// The refresh token sent is spent; keep the new one from the result.
    ///
    /// Retried only when the request certainly was not processed, so a
    /// retry can never spend the new refresh token (see [`crate::retry`]).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use authn_session::{ExposeSecret, RefreshOptions};
    ///
    /// let refreshed = authn
    ///     .client()
    ///     .session()
    ///     .refresh(
    ///         "ptr_xpkhwpnz2cmegsws737xbsqnmnuwtbm5",
    ///         RefreshOptions::new().user_token("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a"),
    ///     )
    ///     .await?;
    /// let next_refresh_token: &str = refreshed.result.refresh_token.token.expose_secret();
    /// # Ok(()) }
    /// ```
    pub async fn refresh(
        &self,
        refresh_token: &str,
        options: RefreshOptions,
    ) -> Result<PangeaResponse<ClientSessionRefreshResult>, Error> {
        let user_token = match options.user_token {
            Some(t) => Some(token("user_token", t.expose_secret())?),
            None => None,
        };
        let body = ClientSessionRefreshRequest {
            refresh_token: token("refresh_token", refresh_token)?,
            user_token,
            config_id: self.authn.config_id(),
        };
        let user_token = body
            .user_token
            .as_ref()
            .map(|t| t.expose_secret())
            .unwrap_or_default();
        self.authn
            .send(
                operations::CLIENT_SESSION_REFRESH,
                Idempotency::NotIdempotent,
                &body,
                &[refresh_token, user_token],
            )
            .await
    }
}

async fn list(
    authn: &AuthN,
    user_token: &SecretToken,
    options: ListOptions,
) -> Result<PangeaResponse<SessionListResult>, Error> {
    let fields = options.into_fields()?;
    let body = ClientSessionListRequest {
        token: user_token.clone(),
        filter: fields.filter,
        last: fields.last,
        order: fields.order,
        order_by: fields.order_by,
        size: fields.size,
        config_id: authn.config_id(),
    };
    authn
        .send(
            operations::CLIENT_SESSION_LIST,
            Idempotency::Idempotent,
            &body,
            &[user_token.expose_secret()],
        )
        .await
}
