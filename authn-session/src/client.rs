//! `AuthN`: the client. Cheap to clone; every clone shares one configuration
//! and one connection pool.

use std::{future::Future, sync::Arc};

use authn_session_gen::SecretToken;
use serde::de::DeserializeOwned;

use crate::{
    platform::MaybeSend, transport::Transport, validate, ClientApi, Config, Error, PangeaResponse,
    SessionApi,
};

/// Client of the Pangea AuthN session API.
///
/// ```no_run
/// use authn_session::{AuthN, Config, ListOptions};
///
/// # async fn demo() -> Result<(), authn_session::Error> {
/// let config = Config::builder().domain("aws.us.pangea.cloud").build()?;
/// let authn = AuthN::new("pts_service_token", config)?;
/// let page = authn.session().list(ListOptions::new().size(20)).await?;
/// for session in &page.result.sessions {
///     println!("{} {}", *session.id, session.email);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AuthN {
    pub(crate) transport: Arc<Transport>,
}

impl std::fmt::Debug for AuthN {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthN")
            .field("base_url", &self.transport.config.base_url.as_str())
            .field("token", &"[REDACTED]")
            .finish()
    }
}

impl AuthN {
    /// A client that authenticates with `token`, a Pangea service token
    /// (`pts_…`) with access to AuthN, given as `&str`, `String` or
    /// [`SecretToken`](crate::SecretToken). Every request sends it, the
    /// client endpoints' too; a user's token is an argument of the call that
    /// uses it ([`ClientSessionApi`](crate::ClientSessionApi)), so one client
    /// serves every user.
    ///
    /// ```
    /// let authn = authn_session::AuthN::new("pts_example", authn_session::Config::builder().build()?)?;
    /// let shown = format!("{authn:?}");
    /// assert!(shown.contains("https://authn.aws.us.pangea.cloud/") && shown.contains("[REDACTED]"));
    /// assert!(!shown.contains("pts_example"));
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn new(token: impl Into<SecretToken>, config: Config) -> Result<Self, Error> {
        Self::build(token.into(), config, None)
    }

    /// A handle whose calls use `overrides`: a shorter deadline, fewer
    /// retries or none, extra headers. It shares this client's connection
    /// pool, token and 429 hold-back; this client is not changed. Cheap: make
    /// one per call, or keep one for a kind of call. Bad overrides are an
    /// [`Error::InvalidInput`] here, before any request.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use std::time::Duration;
    /// use authn_session::Overrides;
    ///
    /// // At 3 a.m.: one attempt each, 5 s at most, tagged with the incident.
    /// let urgent = authn.with_overrides(
    ///     Overrides::new()
    ///         .operation_timeout(Duration::from_secs(5))
    ///         .request_retries(0)
    ///         .header("x-incident", "INC-4211"),
    /// )?;
    /// urgent.session().invalidate("pmt_xpkhwpnz2cmegsws737xbsqnmnuwtvm5").await?;
    /// # Ok(()) }
    /// ```
    pub fn with_overrides(&self, overrides: crate::Overrides) -> Result<AuthN, Error> {
        let checked = overrides.check()?;
        Ok(AuthN {
            transport: Arc::new(self.transport.overridden(checked)),
        })
    }

    /// Like [`AuthN::new`], with your own `reqwest::Client`: for custom root
    /// certificates, a proxy or mTLS. Start from
    /// [`http_client_builder`](crate::http_client_builder), which is set up
    /// as the SDK's own; the same `reqwest` is re-exported as
    /// [`authn_session::reqwest`](crate::reqwest).
    ///
    /// What your client must keep, and what the SDK still enforces:
    /// - **No redirects.** Build it with `.redirect(reqwest::redirect::Policy::none())`:
    ///   a redirect could carry tokens to another host. The SDK checks every
    ///   response and refuses one that came from another URL with
    ///   [`Error::Config`].
    /// - **Timeouts.** The SDK sets `request_timeout` on every request and
    ///   enforces `operation_timeout` itself; the connect timeout is your
    ///   client's (set `.connect_timeout(..)`).
    /// - Headers: the SDK sends `Authorization`, `User-Agent` and
    ///   `Content-Type` on every request; your client needs no default headers.
    /// - TLS is your client's: the crate's TLS features do not apply to it.
    ///
    /// ```
    /// use authn_session::{http_client_builder, AuthN, Config};
    ///
    /// let http = http_client_builder()
    ///     .connect_timeout(std::time::Duration::from_secs(5))
    ///     .build()
    ///     .unwrap();
    /// let config = Config::builder().base_url_template("http://127.0.0.1:4010").build()?;
    /// let authn = AuthN::with_http_client("pts_example", config, http)?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn with_http_client(
        token: impl Into<SecretToken>,
        config: Config,
        http: reqwest::Client,
    ) -> Result<Self, Error> {
        Self::build(token.into(), config, Some(http))
    }

    fn build(
        token: SecretToken,
        config: Config,
        http: Option<reqwest::Client>,
    ) -> Result<Self, Error> {
        let token = validate::token("token", token)?;
        Ok(Self {
            transport: Arc::new(Transport::new(token, config, http)?),
        })
    }

    /// A client from the environment ([`Env`](crate::Env)):
    /// `PANGEA_AUTHN_TOKEN`, and the address and config id as
    /// [`Config::from_env`] reads them. A blank variable is unset;
    /// [`Error::Config`] names what is missing.
    ///
    /// ```no_run
    /// let authn = authn_session::AuthN::from_env()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        let env = crate::Env::read();
        let token = env.token.clone().ok_or_else(|| {
            Error::Config(
                "PANGEA_AUTHN_TOKEN is not set: export a service token with AuthN access, \
                 and PANGEA_DOMAIN (for example aws.us.pangea.cloud)"
                    .into(),
            )
        })?;
        Self::new(token, env.config()?.build()?)
    }

    /// The configuration this client was built with.
    ///
    /// ```
    /// # let authn = authn_session::AuthN::new("pts_example", authn_session::Config::builder().build()?)?;
    /// println!("{}", authn.config().base_url());
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn config(&self) -> &Config {
        &self.transport.config
    }

    /// Session endpoints used with the service token (`/v2/session/…`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.session().logout("pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5").await?;
    /// # Ok(()) }
    /// ```
    pub fn session(&self) -> SessionApi {
        SessionApi {
            authn: self.clone(),
        }
    }

    /// Endpoints used with a user's token (`/v2/client/…`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.client().session().logout("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a").await?;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> ClientApi {
        ClientApi {
            authn: self.clone(),
        }
    }

    /// Waits for the result of a queued request (one that answered HTTP 202),
    /// polling `GET /request/{request_id}` for at most `poll_result_timeout`.
    /// `T` is the result type of the original call.
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// use authn_session::{types::SessionListResult, Error};
    ///
    /// match authn.session().list(Default::default()).await {
    ///     Err(Error::AcceptedTimeout { request_id, .. }) => {
    ///         let page = authn.poll_result::<SessionListResult>(&request_id).await?;
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn poll_result<T: DeserializeOwned + Send + 'static>(
        &self,
        request_id: impl AsRef<str>,
    ) -> impl Future<Output = Result<PangeaResponse<T>, Error>> + MaybeSend + 'static {
        let request_id =
            validate::identifier("request_id", request_id.as_ref()).map(str::to_string);
        let transport = self.transport.clone();
        async move { transport.poll_result(&request_id?).await }
    }
}
