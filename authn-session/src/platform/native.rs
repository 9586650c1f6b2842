//! The native side of [`super`]: tokio's clock and spawning, and reqwest's
//! own TLS, connecting and streamed body.

use super::*;

pub(crate) use futures::{future::BoxFuture, stream::BoxStream};
pub(crate) use tokio::time::{sleep, sleep_until, timeout_at, Instant};

pub(crate) fn boxed<'a, T>(future: impl Future<Output = T> + Send + 'a) -> BoxFuture<'a, T> {
    Box::pin(future)
}

pub(crate) fn boxed_stream<'a, T>(stream: impl Stream<Item = T> + Send + 'a) -> BoxStream<'a, T> {
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
pub(crate) async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
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
