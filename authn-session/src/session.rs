//! Session endpoints used with the service token: `/v2/session/{invalidate,list,logout}`.

use authn_session_gen::{
    operations,
    types::{
        EmptyResult, SessionInvalidateRequest, SessionListRequest, SessionListResult,
        SessionLogoutRequest,
    },
};
use futures::StreamExt;

use crate::{
    paginate::{self, PageStream, SessionStream},
    retry::Idempotency,
    validate, AuthN, Error, ListOptions, PangeaResponse,
};

/// Session endpoints used with the service token. Get one with [`AuthN::session`].
///
/// ```no_run
/// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
/// let sessions = authn.session();
/// let page = sessions.list(Default::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SessionApi<'a> {
    pub(crate) authn: &'a AuthN,
}

impl SessionApi<'_> {
    /// Ends one session, whichever user it belongs to (`/v2/session/invalidate`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.session().invalidate("pmt_zppkzrjguxyblaia6itbiesejn7jejnr").await?;
    /// # Ok(()) }
    /// ```
    pub async fn invalidate(&self, session_id: &str) -> Result<PangeaResponse<EmptyResult>, Error> {
        let body = SessionInvalidateRequest {
            session_id: id("session_id", session_id)?,
            config_id: self.authn.config_id(),
        };
        self.authn
            .send(
                operations::SESSION_INVALIDATE,
                Idempotency::Idempotent,
                &body,
                &[],
            )
            .await
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
    pub async fn list(
        &self,
        options: ListOptions,
    ) -> Result<PangeaResponse<SessionListResult>, Error> {
        list(self.authn, options).await
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
    ///     authn.session().invalidate(&session.id).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_all(&self, options: ListOptions) -> SessionStream {
        paginate::items(self.list_pages(options)).boxed()
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
        let authn = self.authn.clone();
        paginate::pages(options, move |options| {
            let authn = authn.clone();
            async move { list(&authn, options).await }
        })
        .boxed()
    }

    /// Ends every session of one user (`/v2/session/logout`): the call to make
    /// when an account is compromised.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let response = authn.session().logout("pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5").await?;
    /// println!("all sessions ended ({})", response.request_id);
    /// # Ok(()) }
    /// ```
    pub async fn logout(&self, user_id: &str) -> Result<PangeaResponse<EmptyResult>, Error> {
        let body = SessionLogoutRequest {
            user_id: id("user_id", user_id)?,
            config_id: self.authn.config_id(),
        };
        self.authn
            .send(
                operations::SESSION_LOGOUT,
                Idempotency::Idempotent,
                &body,
                &[],
            )
            .await
    }
}

async fn list(
    authn: &AuthN,
    options: ListOptions,
) -> Result<PangeaResponse<SessionListResult>, Error> {
    let fields = options.into_fields()?;
    let body = SessionListRequest {
        filter: fields.filter,
        last: fields.last,
        order: fields.order,
        order_by: fields.order_by,
        size: fields.size,
        config_id: authn.config_id(),
    };
    authn
        .send(
            operations::SESSION_LIST,
            Idempotency::Idempotent,
            &body,
            &[],
        )
        .await
}

/// Checks an ID argument and converts it to its generated type.
pub(crate) fn id<T: std::str::FromStr>(field: &'static str, value: &str) -> Result<T, Error> {
    validate::identifier(field, value)?
        .parse()
        .map_err(|_| Error::InvalidInput {
            field,
            reason: "is not a valid identifier".into(),
        })
}
