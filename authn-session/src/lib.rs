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
//!
//! Every call returns a `'static` future that owns what it needs, so calls go
//! into `tokio::spawn`, `join_all` and `buffer_unordered` as they are.
//!
//! Results are read leniently where the spec says so (client error
//! correction, as Smithy specifies it for every AWS SDK): a session or token
//! record that lacks a required field, or sends `null`, gets the field's zero
//! value instead of failing its page, with a `tracing` warning per value and
//! the paths in [`PangeaResponse::corrections`]. A record without its `id`
//! still fails as [`Error::Decode`], with the JSON path.
//!
//! The crate builds for `wasm32-unknown-unknown` too (a web frontend or an
//! edge worker), where futures are not `Send` ([`MaybeSend`]), timers are the
//! page's, and the browser's `fetch` connects, follows redirects and reads
//! the body before the size cap applies. A browser page holds a client token,
//! never a service token. The README's "In the browser and at the edge" has
//! the build commands and every difference.
//!
//! Input is checked as Pangea's published spec describes it, and never more
//! strictly: a user token may be a JWT (up to 16 KiB), an identity may hold
//! spaces (`check_user_id`), and a filter's `_contains` means the field
//! includes **each** substring:
//!
//! ```
//! use authn_session::SessionListFilter;
//!
//! // Sessions of users at acme.de in the ops department: both substrings must match.
//! let filter = SessionListFilter::new()
//!     .email_contains(["@acme", ".de"])
//!     .profile("department", "ops");
//! assert_eq!(
//!     serde_json::to_string(&filter).unwrap(),
//!     r#"{"email__contains":["@acme",".de"],"profile_department":"ops"}"#
//! );
//! ```
//!
//! # How the crate is laid out
//! [`AuthN`] hands out [`SessionApi`] and [`ClientSessionApi`], whose calls
//! build the generated request types (with their builders, so a field the
//! spec adds needs no change here) and run them through the transport: the
//! retry loop with 202 polling and deadlines, one attempt with its capped
//! read, the envelope decoding, and a redactor that owns each call's
//! secrets; a result that does not decode is retried once through client
//! error correction, whose records and zero values come from the generated
//! operation table. Whether a failure is retried comes from one table ([`retry`]),
//! which [`Error::is_retryable`] and [`Error::may_have_been_processed`] read
//! too. Both list endpoints share one list and pagination path.
//!
//! # Tracing
//! Each call is a `tracing` span, and each attempt a span inside it, named
//! and filled in as OpenTelemetry's HTTP client semantic conventions say, so
//! that `tracing-opentelemetry` exports them as trace backends expect
//! (`otel.name` names the exported span, `otel.kind` makes it a client span).
//! Pangea's own fields have a `pangea.` prefix. No span holds a token: the
//! SDK puts none in a URL, and a base URL's user and password are left out.
//!
//! | span | level | one per | fields |
//! |---|---|---|---|
//! | `pangea.call` | INFO | call, around its attempts, waits and polls | `otel.name` and `pangea.operation` (the operation id, such as `session_list`), `pangea.attempts`, `pangea.request_id` (of the last answer) |
//! | `pangea.request` | INFO | attempt | `otel.name` (the method), `otel.kind` (`client`), `http.request.method`, `server.address`, `server.port`, `url.full`, `http.response.status_code`, `error.type` (when the attempt failed), `http.request.resend_count` (from the second attempt on), `pangea.operation`, `pangea.attempt` (1, 2, …), `pangea.request_id` |
//! | `pangea.poll` | INFO | poll of a queued (202) request | as `pangea.request`, with `pangea.poll` (1, 2, …) for `pangea.attempt` and no resend count |
//!
//! `error.type` is the status code of an error answer (`"503"`, as the
//! conventions say), or else the kind of failure: `timeout`, `transport`,
//! `decode`, `response_too_large`, `config` or `_OTHER`. Its values are
//! bounded. A value filled in by client error correction is a WARN event
//! inside the attempt's span, with `operation`, `request_id` and `path`; a
//! retry is a DEBUG event with its delay.
//! Any subscriber shows them: `authn-session -v` prints the INFO spans with
//! `tracing-subscriber`'s `fmt` layer.
//!
//! # Observing each attempt
//! For an audit trail, register one observer with
//! [`ConfigBuilder::observer`]: it sees every attempt of every call as an
//! [`AttemptRecord`] (operation, method, URL, status, request id, duration,
//! error, and the [`Target`] session or user a call ends), and never a
//! token. `authn-session revoke --audit FILE` is built on it.
//!
//! # Cargo features
//! - `rustls` (default): TLS with rustls and the *ring* crypto provider.
//! - `native-tls`: TLS with the system's library instead.
//! - `metrics`: call and attempt metrics through the `metrics` facade, for
//!   whatever exporter the application installs (Prometheus, OpenTelemetry):
//!   `pangea.authn.client.call.duration` (histogram, seconds, a call with its
//!   retries), `pangea.authn.client.call.attempts` (counter) and
//!   `http.client.request.duration` (histogram, seconds, each attempt), with
//!   the labels `pangea.operation`, `http.response.status_code` and, on
//!   failure, `error.type`: bounded values, never an id or a token. Nothing
//!   of it is compiled without the feature.
//! - `test-util`: `ApiError::for_test` and `PangeaResponse::for_test`, to
//!   test your own error handling without a server.
//! - `schemars`: every generated type derives `schemars::JsonSchema`
//!   (schemars 0.8), to embed [`SessionItem`] and friends in your own OpenAPI
//!   document.
//!
//! With no TLS feature, only plain `http://` base URLs work (the local
//! emulator); an `https://` one is refused with [`Error::Config`].

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_error;
mod bulk;
mod client;
mod client_session;
mod config;
mod error;
mod keeper;
mod list;
mod observe;
mod options;
mod overrides;
mod platform;
mod response;
pub mod retry;
mod session;
mod tls;
mod transport;
mod validate;

/// The raw client that progenitor generates from the spec, for what the
/// facade does not cover. It has none of the facade's guarantees (no retries,
/// no body cap, no redaction of undecodable bodies); pass it a
/// `reqwest::Client` with the `Authorization` header set.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use authn_session::{raw, reqwest, types::SessionListRequest};
///
/// let mut headers = reqwest::header::HeaderMap::new();
/// let mut auth = reqwest::header::HeaderValue::from_str("Bearer pts_example")?;
/// auth.set_sensitive(true);
/// headers.insert(reqwest::header::AUTHORIZATION, auth);
/// let http = reqwest::Client::builder().default_headers(headers).build()?;
/// let client = raw::Client::new_with_client("http://127.0.0.1:4010", http);
/// let page = client.session_list().body(SessionListRequest::builder().size(std::num::NonZeroU64::new(20))).send().await?;
/// println!("{} sessions", page.into_inner().result.sessions.len());
/// # Ok(()) }
/// ```
pub mod raw {
    pub use authn_session_gen::{ByteStream, Client, ClientInfo, Error, ResponseValue};
}

pub use api_error::{ApiError, ApiErrorKind, UnknownStatus};
pub use authn_session_gen::{
    limits, operations,
    operations::Target,
    types,
    types::{
        ClientSessionListResult, ClientSessionRefreshResult, EmptyResult, FieldError, ItemOrder,
        LoginToken, ProfileFilterValue, SessionItem, SessionListFilter, SessionListOrderBy,
        SessionListResult, SessionToken,
    },
    ProfileKey, SecretToken,
};
pub use bulk::{InvalidateAll, InvalidateFailure, InvalidateReport, Progress};
/// Re-exported for the time bounds of [`SessionListFilter`].
pub use chrono;
pub use client::AuthN;
pub use client_session::{ClientApi, ClientSessionApi};
pub use config::{
    Config, ConfigBuilder, Env, BASE_URL_TEMPLATE_VAR, BASE_URL_VAR, CONFIG_ID_VAR,
    DEFAULT_BASE_URL_TEMPLATE, DOMAIN_VAR, TOKEN_VAR,
};
pub use error::{DecodeError, Error};
pub use keeper::{KeeperError, TokenKeeper, Tokens};
pub use list::{PageStream, SessionStream};
pub use observe::AttemptRecord;
pub use options::{InvalidateOptions, ListOptions, RefreshOptions};
pub use overrides::Overrides;
pub use platform::MaybeSend;
/// The `reqwest` this SDK is built on, for [`AuthN::with_http_client`].
pub use reqwest;
pub use response::PangeaResponse;
pub use secrecy::ExposeSecret;
pub use session::SessionApi;
pub use tls::http_client_builder;
pub use validate::{check_id, check_user_id};
