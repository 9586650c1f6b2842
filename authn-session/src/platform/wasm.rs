//! The `wasm32` side of [`super`]: wasmtimer's clock, `spawn_local`, and
//! what the browser's `fetch` does itself. Native tests cannot reach it: the
//! browser test of `.ci/run` does.

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
