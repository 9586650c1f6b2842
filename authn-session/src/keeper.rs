//! `TokenKeeper`: one user's tokens, refreshed once for everyone. Concurrent
//! callers share one in-flight refresh (a refresh token rotates, so two
//! refreshes of it race each other, and one loses the session).

use std::{
    fmt,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, PoisonError,
    },
    time::Duration,
};

use authn_session_gen::{types::ClientSessionRefreshResult, SecretToken};
use chrono::{DateTime, Utc};
use futures::{future::Shared, FutureExt};
use tokio::sync::watch;

use crate::{
    platform::{self, BoxFuture},
    ApiErrorKind, AuthN, Error, RefreshOptions,
};

/// A user's current tokens. `Debug` never prints the token values.
///
/// ```
/// # fn f(tokens: authn_session::Tokens) {
/// use authn_session::ExposeSecret;
/// // Store them where your server keeps sessions:
/// let user = tokens.user_token.as_ref().map(|t| t.expose_secret().to_string());
/// let refresh = tokens.refresh_token.expose_secret();
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Tokens {
    /// The user (active) token, `ptu_…` or a JWT. `None` when the keeper has
    /// none: it was made from a refresh result without an `active_token`
    /// (optional in Pangea's spec), and no later refresh gave one.
    pub user_token: Option<SecretToken>,
    /// The refresh token, `ptr_…`: spent by the next refresh.
    pub refresh_token: SecretToken,
    /// When the user token expires, when known (from a refresh result).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Why a [`TokenKeeper`] could not give a token. `Clone`: every caller that
/// shared a refresh gets the same error.
///
/// ```
/// # async fn f(keeper: authn_session::TokenKeeper) {
/// use authn_session::KeeperError;
/// match keeper.user_token().await {
///     Ok(token) => { /* call with it */ }
///     Err(KeeperError::LoginRequired { .. }) => { /* send the user to log in */ }
///     Err(e) => eprintln!("try again later: {e}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum KeeperError {
    /// The refresh token is dead: the service refused it (`NotFound`: spent,
    /// unknown or expired; or a field error at `/refresh_token`), or it
    /// cannot be sent at all (`request_id` is then `None`). The user must
    /// log in again. Terminal: every later call answers this at once, and
    /// sends nothing.
    #[error("the refresh token is dead (spent, unknown or expired): the user must log in again{}", .request_id.as_deref().map(|id| format!(" (request_id {id})")).unwrap_or_default())]
    #[non_exhaustive]
    LoginRequired {
        /// The request that found it dead, when one was sent.
        request_id: Option<String>,
    },
    /// The refresh failed, and may succeed later (the SDK already retried what
    /// was safe to retry). A refusal that names the user token sent along
    /// (a `ValidationError` at `/user_token`) also drops that user token, so
    /// the next refresh goes without it.
    #[error("refresh failed: {0}")]
    Refresh(Arc<Error>),
    /// The refresh succeeded, but its result carried no user token (no
    /// `active_token`, which Pangea's spec makes optional) and the keeper had
    /// none to keep. The new refresh token was kept and is still good: a
    /// later [`TokenKeeper::user_token`] refreshes again. Not terminal, and
    /// not [`LoginRequired`](Self::LoginRequired).
    #[error(
        "the refresh gave no user token (request_id {request_id}); the refresh token is still good"
    )]
    #[non_exhaustive]
    NoUserToken {
        /// The refresh that returned no user token.
        request_id: String,
    },
    /// The task that ran the refresh ended without an outcome: it panicked,
    /// or its runtime shut down. Whether the refresh reached Pangea is not
    /// known; if it did, its new tokens are lost, and the next refresh
    /// answers [`LoginRequired`](Self::LoginRequired).
    #[error(
        "the refresh task ended without an outcome ({0}); the refresh may have reached Pangea"
    )]
    TaskFailed(String),
}

/// A refresh's new tokens and its request id.
type Refreshed = (Tokens, String);
type Flight = Shared<BoxFuture<'static, Result<Refreshed, KeeperError>>>;

struct Slot {
    tokens: Tokens,
    dead: Option<KeeperError>,
    in_flight: Option<Flight>,
}

struct Inner {
    authn: AuthN,
    margin_ms: AtomicU64,
    slot: Mutex<Slot>,
    updates: watch::Sender<Tokens>,
}

/// One user's tokens, refreshed once for everyone.
///
/// - **Single flight**: any number of concurrent [`refresh`](Self::refresh)
///   and [`user_token`](Self::user_token) callers cause at most one refresh
///   request, and all of them get its outcome: the same new tokens or the
///   same error. The refresh runs in its own task, so it completes (and its
///   tokens are kept) even if every caller gives up.
/// - **Cheap to clone**, and natively `Send` and `Sync`: clones share the
///   tokens. On wasm32 the refresh runs in `wasm_bindgen_futures::spawn_local`
///   and the keeper stays on its thread.
/// - **Expiry**: when the user token's expiry is known (from a refresh
///   result), `user_token()` refreshes first once it is within the margin
///   (default 60 s) of expiring.
/// - **Dead refresh token**: a refresh refused because of the refresh token
///   itself (`NotFound`: spent, unknown or expired; or a `ValidationError`
///   whose field error points at `/refresh_token`) makes the keeper
///   terminal: [`KeeperError::LoginRequired`] at once for every later call,
///   with no request sent. Any other refusal is [`KeeperError::Refresh`].
/// - **No user token in a result**: Pangea's spec makes a refresh result's
///   `active_token` optional. Without one the keeper keeps the user token it
///   had (with its expiry); with none, `user_token()` refreshes to get one,
///   and [`KeeperError::NoUserToken`] when none comes back.
/// - **Persisting**: [`subscribe`](Self::subscribe) gives a `watch` receiver
///   of every rotation, to store the new tokens.
/// - Refreshes follow the SDK's strict refresh retry rules ([`crate::retry`]).
///
/// ```no_run
/// # async fn demo(authn: authn_session::AuthN) -> Result<(), Box<dyn std::error::Error>> {
/// use authn_session::{ListOptions, TokenKeeper};
///
/// let keeper = TokenKeeper::new(authn.clone(), "ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a", "ptr_xpkhwpnz2cmegsws737xbsqnmnuwtbm5");
/// let mut rotations = keeper.subscribe();
/// tokio::spawn(async move {
///     while rotations.changed().await.is_ok() {
///         let tokens = rotations.borrow_and_update().clone();
///         // save tokens.user_token and tokens.refresh_token
///     }
/// });
/// let token = keeper.user_token().await?;
/// authn.client().session().list(token, ListOptions::new()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenKeeper {
    inner: Arc<Inner>,
}

impl fmt::Debug for TokenKeeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self.inner.lock();
        f.debug_struct("TokenKeeper")
            .field("tokens", &slot.tokens)
            .field("dead", &slot.dead.is_some())
            .field("refreshing", &slot.in_flight.is_some())
            .finish()
    }
}

impl TokenKeeper {
    /// A keeper of a user token and its refresh token (`&str`, `String` or
    /// [`SecretToken`]); the user token's expiry is unknown until the first
    /// refresh.
    ///
    /// ```
    /// # fn f(authn: authn_session::AuthN) {
    /// let keeper = authn_session::TokenKeeper::new(authn.clone(), "ptu_user", "ptr_refresh");
    /// # }
    /// ```
    pub fn new(
        authn: AuthN,
        user_token: impl Into<SecretToken>,
        refresh_token: impl Into<SecretToken>,
    ) -> Self {
        Self::with_tokens(
            authn,
            Tokens {
                user_token: Some(user_token.into()),
                refresh_token: refresh_token.into(),
                expires_at: None,
            },
        )
    }

    /// A keeper of the tokens a refresh returned, expiry included. Without
    /// an `active_token` in `result`, the keeper has no user token yet: the
    /// first [`user_token`](Self::user_token) refreshes to get one.
    ///
    /// ```no_run
    /// # async fn f(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let fresh = authn.client().session().refresh("ptr_refresh", Default::default()).await?;
    /// let keeper = authn_session::TokenKeeper::from_refresh_result(authn.clone(), &fresh.result);
    /// # Ok(()) }
    /// ```
    pub fn from_refresh_result(authn: AuthN, result: &ClientSessionRefreshResult) -> Self {
        Self::with_tokens(authn, tokens_of(result, None))
    }

    /// A keeper of `tokens`.
    ///
    /// ```
    /// # fn f(authn: authn_session::AuthN, saved: authn_session::Tokens) {
    /// let keeper = authn_session::TokenKeeper::with_tokens(authn, saved);
    /// # }
    /// ```
    // On wasm32 the in-flight refresh is not `Send`: with one thread, an
    // `Arc` is what an `Rc` would be, and keeps one code path.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn with_tokens(authn: AuthN, tokens: Tokens) -> Self {
        let (updates, _) = watch::channel(tokens.clone());
        Self {
            inner: Arc::new(Inner {
                authn,
                margin_ms: AtomicU64::new(60_000),
                slot: Mutex::new(Slot {
                    tokens,
                    dead: None,
                    in_flight: None,
                }),
                updates,
            }),
        }
    }

    /// Refresh when the user token expires within `margin` (default 60 s).
    /// Applies to every clone.
    ///
    /// ```
    /// # fn f(keeper: authn_session::TokenKeeper) {
    /// let keeper = keeper.with_margin(std::time::Duration::from_secs(300));
    /// # }
    /// ```
    pub fn with_margin(self, margin: Duration) -> Self {
        let millis = u64::try_from(margin.as_millis()).unwrap_or(u64::MAX);
        self.inner.margin_ms.store(millis, Ordering::Relaxed);
        self
    }

    /// A user token that is valid now: the current one, or, when it expires
    /// within the margin, a fresh one (sharing any refresh in flight).
    ///
    /// ```no_run
    /// # async fn f(keeper: authn_session::TokenKeeper) -> Result<(), authn_session::KeeperError> {
    /// let token: authn_session::SecretToken = keeper.user_token().await?;
    /// # Ok(()) }
    /// ```
    pub async fn user_token(&self) -> Result<SecretToken, KeeperError> {
        let flight = {
            let mut slot = self.inner.lock();
            if let Some(dead) = &slot.dead {
                return Err(dead.clone());
            }
            let margin = chrono::Duration::milliseconds(
                i64::try_from(self.inner.margin_ms.load(Ordering::Relaxed)).unwrap_or(i64::MAX),
            );
            // A user token whose expiry is known is renewed ahead of it; a
            // keeper without one fetches one.
            let expiring = slot
                .tokens
                .expires_at
                .is_some_and(|at| Utc::now() + margin >= at);
            match (&slot.in_flight, &slot.tokens.user_token) {
                (Some(flight), _) => flight.clone(),
                (None, Some(token)) if !expiring => return Ok(token.clone()),
                (None, _) => self.start(&mut slot),
            }
        };
        let (tokens, request_id) = flight.await?;
        tokens
            .user_token
            .ok_or(KeeperError::NoUserToken { request_id })
    }

    /// Refreshes now (or joins the refresh in flight) and returns the new tokens.
    ///
    /// ```no_run
    /// # async fn f(keeper: authn_session::TokenKeeper) -> Result<(), authn_session::KeeperError> {
    /// let tokens = keeper.refresh().await?;
    /// # Ok(()) }
    /// ```
    pub async fn refresh(&self) -> Result<Tokens, KeeperError> {
        let flight = {
            let mut slot = self.inner.lock();
            if let Some(dead) = &slot.dead {
                return Err(dead.clone());
            }
            match &slot.in_flight {
                Some(flight) => flight.clone(),
                None => self.start(&mut slot),
            }
        };
        flight.await.map(|(tokens, _)| tokens)
    }

    /// The tokens as they are now, without refreshing.
    ///
    /// ```
    /// # fn f(keeper: authn_session::TokenKeeper) {
    /// let expires_at = keeper.tokens().expires_at;
    /// # }
    /// ```
    pub fn tokens(&self) -> Tokens {
        self.inner.lock().tokens.clone()
    }

    /// A receiver of every rotation: it sees the new tokens after each refresh.
    ///
    /// ```
    /// # fn f(keeper: authn_session::TokenKeeper) {
    /// let rotations = keeper.subscribe();
    /// # }
    /// ```
    pub fn subscribe(&self) -> watch::Receiver<Tokens> {
        self.inner.updates.subscribe()
    }

    /// Starts the one refresh, in its own task, and records it as in flight.
    fn start(&self, slot: &mut Slot) -> Flight {
        let inner = self.inner.clone();
        let tokens = slot.tokens.clone();
        let task = platform::spawn(async move {
            let mut options = RefreshOptions::new();
            if let Some(user_token) = &tokens.user_token {
                options = options.user_token(user_token);
            }
            let outcome = inner
                .authn
                .client()
                .session()
                .refresh(&tokens.refresh_token, options)
                .await;
            let mut slot = inner.lock();
            slot.in_flight = None;
            match outcome {
                Ok(response) => {
                    let fresh = tokens_of(&response.result, Some(&tokens));
                    slot.tokens = fresh.clone();
                    inner.updates.send_replace(fresh.clone());
                    Ok((fresh, response.request_id))
                }
                Err(error) => {
                    if refuses(&error, "/user_token") && slot.tokens.user_token.is_some() {
                        // The service says the user token is not the
                        // session's: the next refresh goes without it.
                        slot.tokens.user_token = None;
                        slot.tokens.expires_at = None;
                        inner.updates.send_replace(slot.tokens.clone());
                    }
                    let error = classify(error);
                    if matches!(error, KeeperError::LoginRequired { .. }) {
                        slot.dead = Some(error.clone());
                    }
                    Err(error)
                }
            }
        });
        let flight = platform::boxed(async move {
            task.await
                .unwrap_or_else(|failure| Err(KeeperError::TaskFailed(failure)))
        })
        .shared();
        slot.in_flight = Some(flight.clone());
        flight
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The tokens of a refresh result. Without an active token in it, the user
/// token (and its expiry) stays `previous`'s: no sentinel stands in for it.
/// An expiry at the epoch is one client error correction filled in (the
/// response had none): unknown, rather than expired forever.
fn tokens_of(result: &ClientSessionRefreshResult, previous: Option<&Tokens>) -> Tokens {
    let (user_token, expires_at) = match &result.active_token {
        Some(active) => (
            Some(active.token.clone()),
            Some(active.expire).filter(|at| *at != DateTime::UNIX_EPOCH),
        ),
        None => (
            previous.and_then(|p| p.user_token.clone()),
            previous.and_then(|p| p.expires_at),
        ),
    };
    Tokens {
        user_token,
        refresh_token: result.refresh_token.token.clone(),
        expires_at,
    }
}

/// Whether `error` is a `ValidationError` with a field error at `pointer`
/// (a JSON pointer into the request: `/refresh_token`).
fn refuses(error: &Error, pointer: &str) -> bool {
    let Error::Api(api) = error else {
        return false;
    };
    api.kind == ApiErrorKind::ValidationError
        && api.field_errors.iter().any(|e| {
            let source = e.source.strip_prefix('#').unwrap_or(&e.source);
            source == pointer
                || source
                    .strip_prefix(pointer)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// A refresh token the service refused is dead (`NotFound`, or a field
/// error at `/refresh_token`), as is one the SDK cannot send at all;
/// anything else may pass.
fn classify(error: Error) -> KeeperError {
    let dead = match &error {
        Error::Api(api) => api.kind == ApiErrorKind::NotFound || refuses(&error, "/refresh_token"),
        Error::InvalidInput { field, .. } => *field == "refresh_token",
        _ => false,
    };
    if dead {
        KeeperError::LoginRequired {
            request_id: error.request_id().map(str::to_string),
        }
    } else {
        KeeperError::Refresh(Arc::new(error))
    }
}
