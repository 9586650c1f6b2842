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
use secrecy::ExposeSecret;
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
/// let (user, refresh) = (tokens.user_token.expose_secret(), tokens.refresh_token.expose_secret());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Tokens {
    /// The user (active) token, `ptu_…`.
    pub user_token: SecretToken,
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
    /// The refresh token is dead (spent, unknown or expired): the user must
    /// log in again. Terminal: every later call answers this at once, and
    /// sends nothing.
    #[error("the refresh token is dead (spent, unknown or expired): the user must log in again{}", .request_id.as_deref().map(|id| format!(" (request_id {id})")).unwrap_or_default())]
    #[non_exhaustive]
    LoginRequired {
        /// The request that found it dead, when one was sent.
        request_id: Option<String>,
    },
    /// The refresh failed, and may succeed later (the SDK already retried what
    /// was safe to retry).
    #[error("refresh failed: {0}")]
    Refresh(Arc<Error>),
    /// The task that ran the refresh ended without an outcome: it panicked,
    /// or its runtime shut down. Whether the refresh reached Pangea is not
    /// known; if it did, its new tokens are lost, and the next refresh
    /// answers [`LoginRequired`](Self::LoginRequired).
    #[error(
        "the refresh task ended without an outcome ({0}); the refresh may have reached Pangea"
    )]
    TaskFailed(String),
}

type Flight = Shared<BoxFuture<'static, Result<Tokens, KeeperError>>>;

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
/// - **Dead refresh token**: a refresh answered `NotFound` or
///   `ValidationError` (spent, unknown or expired) makes the keeper
///   terminal: [`KeeperError::LoginRequired`] at once for every later call,
///   with no request sent.
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
                user_token: user_token.into(),
                refresh_token: refresh_token.into(),
                expires_at: None,
            },
        )
    }

    /// A keeper of the tokens a refresh returned, expiry included.
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
            // A user token whose expiry is known is renewed ahead of it; one
            // that a refresh result did not carry is fetched.
            let due = slot
                .tokens
                .expires_at
                .is_some_and(|at| Utc::now() + margin >= at)
                || slot.tokens.user_token.expose_secret().is_empty();
            match (&slot.in_flight, due) {
                (Some(flight), _) => flight.clone(),
                (None, true) => self.start(&mut slot),
                (None, false) => return Ok(slot.tokens.user_token.clone()),
            }
        };
        flight.await.map(|tokens| tokens.user_token)
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
        flight.await
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
            let options = RefreshOptions::new().user_token(&tokens.user_token);
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
                    let fresh = tokens_of(&response.result, Some(&tokens.user_token));
                    slot.tokens = fresh.clone();
                    inner.updates.send_replace(fresh.clone());
                    Ok(fresh)
                }
                Err(error) => {
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

/// The tokens of a refresh result; without an active token in it, the user
/// token stays `previous` (its expiry then unknown).
fn tokens_of(result: &ClientSessionRefreshResult, previous: Option<&SecretToken>) -> Tokens {
    let active = result.active_token.as_ref();
    Tokens {
        user_token: active
            .map(|t| t.token.clone())
            .or_else(|| previous.cloned())
            .unwrap_or_else(|| SecretToken::new("")),
        refresh_token: result.refresh_token.token.clone(),
        expires_at: active.map(|t| t.expire),
    }
}

/// A dead refresh token is terminal; anything else may pass.
fn classify(error: Error) -> KeeperError {
    let dead = match &error {
        Error::Api(api) => matches!(
            api.kind,
            ApiErrorKind::NotFound | ApiErrorKind::ValidationError
        ),
        Error::InvalidInput { .. } => true,
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
