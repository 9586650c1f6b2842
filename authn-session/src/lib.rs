//! Rust SDK for the Pangea AuthN **session** API: list, refresh, invalidate and
//! log out user sessions, with a service token or with a user's token.
//!
//! ```no_run
//! use authn_session::{AuthN, Config, ListOptions, SessionListFilter};
//! use futures::TryStreamExt;
//!
//! # async fn demo() -> Result<(), authn_session::Error> {
//! // PANGEA_AUTHN_TOKEN and PANGEA_DOMAIN, or build a Config yourself.
//! let authn = AuthN::from_env()?;
//!
//! // Every session of one user, across pages, then log the user out everywhere.
//! let filter = SessionListFilter::new().identity("pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5");
//! let sessions: Vec<_> = authn.session().list_all(ListOptions::new().filter(filter)).try_collect().await?;
//! println!("{} sessions", sessions.len());
//! let done = authn.session().logout("pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5").await?;
//! println!("logged out ({})", done.request_id);
//! # Ok(()) }
//! ```
//!
//! What this crate adds to the generated [`types`] (re-exported from
//! `authn-session-gen`): configuration ([`Config`]), the Pangea envelope
//! ([`PangeaResponse`]), one error type ([`Error`]), retries that respect
//! idempotency ([`retry`]), polling of queued (HTTP 202) requests, and lazy
//! pagination streams. Tokens are never printed: see [`SecretToken`].

#![deny(missing_docs)]

mod client;
mod client_session;
mod config;
mod error;
mod options;
mod paginate;
mod response;
pub mod retry;
mod session;
mod transport;
mod validate;

pub use authn_session_gen::{
    operations, types,
    types::{
        ClientSessionRefreshResult, EmptyResult, FieldError, ItemOrder, LoginToken, SessionItem,
        SessionListFilter, SessionListOrderBy, SessionListResult, SessionToken,
    },
    SecretToken,
};
/// Re-exported for the time bounds of [`SessionListFilter`].
pub use chrono;
pub use client::AuthN;
pub use client_session::{ClientApi, ClientSessionApi};
pub use config::{Config, ConfigBuilder, DEFAULT_BASE_URL_TEMPLATE};
pub use error::{ApiError, ApiErrorKind, Error};
pub use options::{ListOptions, RefreshOptions};
pub use paginate::{PageStream, SessionStream};
pub use response::PangeaResponse;
pub use secrecy::ExposeSecret;
pub use session::SessionApi;
