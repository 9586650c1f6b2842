//! `AuthN`: the client. Cheap to clone; every clone shares one configuration
//! and one connection pool.

use std::sync::Arc;

use authn_session_gen::{operations::Operation, types::ConfigId};
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    retry::Idempotency,
    transport::{Call, Transport},
    validate, ClientApi, Config, Error, PangeaResponse, SessionApi,
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
    transport: Arc<Transport>,
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
    /// (`pts_…`) with access to AuthN.
    ///
    /// ```
    /// let authn = authn_session::AuthN::new("pts_example", authn_session::Config::builder().build()?)?;
    /// assert!(!format!("{authn:?}").contains("pts_example"));
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn new(token: impl AsRef<str>, config: Config) -> Result<Self, Error> {
        let token = validate::identifier("token", token.as_ref())?;
        Ok(Self {
            transport: Arc::new(Transport::new(token, config)?),
        })
    }

    /// A client from `PANGEA_AUTHN_TOKEN` and [`Config::from_env`].
    ///
    /// ```no_run
    /// let authn = authn_session::AuthN::from_env()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        let token = std::env::var("PANGEA_AUTHN_TOKEN").map_err(|_| {
            Error::Config(
                "PANGEA_AUTHN_TOKEN is not set: export a service token with AuthN access, \
                 and PANGEA_DOMAIN (for example aws.us.pangea.cloud)"
                    .into(),
            )
        })?;
        Self::new(token, Config::from_env()?)
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
    pub fn session(&self) -> SessionApi<'_> {
        SessionApi { authn: self }
    }

    /// Endpoints used with a user's token (`/v2/client/…`).
    ///
    /// ```no_run
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.client().session().logout("ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a").await?;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> ClientApi<'_> {
        ClientApi { authn: self }
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
    pub async fn poll_result<T: DeserializeOwned>(
        &self,
        request_id: &str,
    ) -> Result<PangeaResponse<T>, Error> {
        let request_id = validate::identifier("request_id", request_id)?;
        self.transport.poll("poll_result", request_id, &[]).await
    }

    pub(crate) fn config_id(&self) -> Option<ConfigId> {
        self.transport
            .config
            .config_id
            .as_deref()
            .and_then(|id| id.parse().ok())
    }

    /// Encodes `body` and makes the call.
    pub(crate) async fn send<B: Serialize, R: DeserializeOwned>(
        &self,
        op: Operation,
        idempotency: Idempotency,
        body: &B,
        secrets: &[&str],
    ) -> Result<PangeaResponse<R>, Error> {
        let body = serde_json::to_vec(body).map_err(|e| Error::InvalidInput {
            field: "body",
            reason: format!("cannot be encoded as JSON: {e}"),
        })?;
        let call = Call {
            op,
            idempotency,
            body: body.into(),
            secrets,
        };
        self.transport.call(call).await
    }
}
