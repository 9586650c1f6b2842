//! Everything that differs on `wasm32` (a browser page or an edge worker)
//! lives here: the clock and timers, spawning, whether futures are `Send`,
//! and what the browser's `fetch` does itself (TLS, redirects, connecting,
//! reading the body). The rest of the crate is the same code on every target:
//! `native.rs` and `wasm.rs` hold the two sides.

use std::{future::Future, time::Duration};

use futures::Stream;

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::*;
#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::*;

/// `Send` on every target but `wasm32`, where nothing is: the SDK's futures
/// and streams are `MaybeSend`, so natively they go into `tokio::spawn`,
/// `join_all` and `buffer_unordered` across threads, and on `wasm32` into
/// `wasm_bindgen_futures::spawn_local`. You never implement it: it holds for
/// every `Send` type natively, and for every type on `wasm32`.
///
/// ```
/// # async fn demo(authn: authn_session::AuthN) {
/// // Natively, a MaybeSend future is Send: it can be spawned on tokio.
/// let call = authn.session().list(Default::default());
/// let joined = tokio::spawn(call).await;
/// # }
/// ```
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` on every target but `wasm32`, where nothing is: the SDK's futures
/// and streams are `MaybeSend`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}
