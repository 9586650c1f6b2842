//! Everything that differs on `wasm32` (a browser page or an edge worker)
//! lives here: the clock and timers, spawning, whether futures are `Send`,
//! and what the browser's `fetch` does itself (TLS, redirects, connecting,
//! reading the body). The rest of the crate is the same code on every target.

use std::{future::Future, time::Duration};

use futures::Stream;

pub(crate) use imp::*;

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

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::*;

    pub(crate) use futures::{future::BoxFuture, stream::BoxStream};
    pub(crate) use tokio::time::{sleep, sleep_until, timeout_at, Instant};

    pub(crate) fn boxed<'a, T>(future: impl Future<Output = T> + Send + 'a) -> BoxFuture<'a, T> {
        Box::pin(future)
    }

    pub(crate) fn boxed_stream<'a, T>(
        stream: impl Stream<Item = T> + Send + 'a,
    ) -> BoxStream<'a, T> {
        Box::pin(stream)
    }

    /// Runs `future` in its own tokio task; the handle's output is the
    /// future's, or why the task failed (a panic).
    pub(crate) fn spawn<T: Send + 'static>(
        future: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = Result<T, String>> + Send + 'static {
        let task = tokio::spawn(future);
        async move { task.await.map_err(|e| e.to_string()) }
    }

    /// Runs the CPU-bound `work` on tokio's blocking threads, so that the
    /// runtime keeps driving I/O (a page read ahead) meanwhile.
    pub(crate) async fn off_thread<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        match tokio::task::spawn_blocking(work).await {
            Ok(done) => done,
            Err(failed) => match failed.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Only a runtime shutting down cancels it, and then nothing waits.
                Err(cancelled) => panic!("{cancelled}"),
            },
        }
    }

    /// Our own client: TLS from the crate's features, no redirect followed
    /// (one would carry the token elsewhere; Pangea never redirects).
    pub(crate) fn client_builder(connect_timeout: Duration) -> reqwest::ClientBuilder {
        #[cfg(feature = "rustls")]
        {
            // Err means a provider is installed already: that one is used.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout);
        #[cfg(feature = "native-tls")]
        let builder = builder.tls_backend_native();
        builder
    }

    /// With no TLS feature, `https` is refused before anything is sent.
    pub(crate) const HAS_TLS: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

    /// Why a response from another URL is refused.
    pub(crate) const REDIRECTED: &str =
        "the reqwest::Client given to AuthN::with_http_client followed a redirect; \
         build it with .redirect(reqwest::redirect::Policy::none())";

    /// Whether the connection was never opened, so nothing was sent.
    pub(crate) fn not_connected(e: &reqwest::Error) -> bool {
        e.is_connect()
    }

    /// The body as it streams, chunk by chunk, so the size cap stops the read.
    pub(crate) fn body(
        response: reqwest::Response,
    ) -> impl Stream<Item = reqwest::Result<bytes::Bytes>> + Send {
        futures::stream::unfold(response, |mut response| async move {
            let chunk = response.chunk().await.transpose()?;
            Some((chunk, response))
        })
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::*;

    pub(crate) use futures::{
        future::LocalBoxFuture as BoxFuture, stream::LocalBoxStream as BoxStream,
    };
    pub(crate) use wasmtimer::{
        std::Instant,
        tokio::{sleep, sleep_until, timeout_at},
    };

    pub(crate) fn boxed<'a, T>(future: impl Future<Output = T> + 'a) -> BoxFuture<'a, T> {
        Box::pin(future)
    }

    pub(crate) fn boxed_stream<'a, T>(stream: impl Stream<Item = T> + 'a) -> BoxStream<'a, T> {
        Box::pin(stream)
    }

    /// Runs `future` on the page's or worker's event loop
    /// (`wasm_bindgen_futures::spawn_local`).
    pub(crate) fn spawn<T: 'static>(
        future: impl Future<Output = T> + 'static,
    ) -> impl Future<Output = Result<T, String>> + 'static {
        use futures::FutureExt;
        let (task, handle) = future.remote_handle();
        wasm_bindgen_futures::spawn_local(task);
        handle.map(Ok)
    }

    /// Runs `work` now: a page has one thread.
    pub(crate) async fn off_thread<T>(work: impl FnOnce() -> T) -> T {
        work()
    }

    /// The browser's `fetch` does TLS and connects itself (no connect
    /// timeout), and follows redirects per the fetch rules.
    pub(crate) fn client_builder(_connect_timeout: Duration) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
    }

    /// The browser does TLS.
    pub(crate) const HAS_TLS: bool = true;

    /// Why a response from another URL is refused.
    pub(crate) const REDIRECTED: &str =
        "the browser followed a redirect, which Pangea never sends; the response is refused";

    /// A failed `fetch` cannot tell a refused connection from a lost
    /// response, so it may always have been processed.
    pub(crate) fn not_connected(_e: &reqwest::Error) -> bool {
        false
    }

    /// The body, once the browser has read it whole: the size cap applies
    /// after that.
    pub(crate) fn body(
        response: reqwest::Response,
    ) -> impl Stream<Item = reqwest::Result<bytes::Bytes>> {
        futures::stream::once(response.bytes())
    }
}
