//! The accept loop. It is axum's `serve` plus what a long-running test
//! double needs: it can close a connection without answering after the
//! request was processed (the `drop_after_commit` fault, the case a client's
//! refresh retries must survive); it backs off when accepting fails (out of
//! file descriptors) instead of spinning, and says so once per burst; it
//! reaps connections as they end; it caps how many are open at once; and an
//! idle or slow client is closed after the header-read timeout.

use std::{sync::Arc, time::Duration};

use axum::{extract::Request, Router};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Notify, OwnedSemaphorePermit, Semaphore},
    task::JoinSet,
};
use tower::ServiceExt;

/// Put in every request's extensions: notifying it closes the request's
/// connection without an answer.
#[derive(Clone, Debug)]
pub(crate) struct DropConnection(pub Arc<Notify>);

/// The bounds of serving; the builder's and the binary's defaults are here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, idle time
    /// before them on a kept-alive connection included.
    pub header_read_timeout: Duration,
    /// The largest request body of the API (the admin API takes any size).
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// Serves `app` on `listener` until `stop` resolves; then stops accepting,
/// lets in-flight requests finish and closes idle connections.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()>,
) {
    let (shutdown, _) = tokio::sync::watch::channel(false);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    let mut failures = AcceptFailures::default();
    let mut capped = false;
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            () = &mut stop => break,
            // Finished connections are reaped as they end.
            Some(_) = connections.join_next() => continue,
            permit = permit(&permits, limits.max_connections, &mut capped) => permit,
        };
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    failures.recovered();
                    stream
                }
                Err(e) => {
                    failures.failed(&e).await;
                    continue;
                }
            },
        };
        let connection =
            serve_connection(stream, app.clone(), limits, shutdown.subscribe(), permit);
        connections.spawn(connection);
    }
    let _ = shutdown.send(true);
    drop(shutdown);
    while connections.join_next().await.is_some() {}
}

/// A connection slot: at once when one is free; else when a connection
/// closes, said once each time the cap is reached.
async fn permit(permits: &Arc<Semaphore>, cap: usize, capped: &mut bool) -> OwnedSemaphorePermit {
    if let Ok(permit) = permits.clone().try_acquire_owned() {
        *capped = false;
        return permit;
    }
    if !*capped {
        *capped = true;
        tracing::warn!(
            cap,
            "authn-emulator: {cap} connections are open, the cap (--max-connections): \
             new connections wait until one closes"
        );
    }
    permits
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed")
}

/// Serves one connection until it ends, the emulator shuts down, or a
/// `drop_after_commit` fault closes it unanswered.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let dropper = Arc::new(Notify::new());
    let request_dropper = DropConnection(dropper.clone());
    let service = app.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(request_dropper.clone());
        request
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let connection =
        builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(connection);
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            // Dropping the connection closes the socket: no answer is sent.
            () = dropper.notified() => return,
            changed = stopping.changed() => {
                connection.as_mut().graceful_shutdown();
                if changed.is_err() {
                    let _ = connection.as_mut().await;
                    return;
                }
            }
        }
    }
}

/// Accept failures in a row. A failure that is one client's (reset,
/// aborted) is skipped at once; any other (out of file descriptors) waits,
/// 10 ms doubling to 1 s, as hyper and axum do, and is told once a burst.
#[derive(Default)]
struct AcceptFailures {
    in_a_row: u32,
}

impl AcceptFailures {
    async fn failed(&mut self, error: &std::io::Error) {
        use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
        if matches!(
            error.kind(),
            ConnectionAborted | ConnectionRefused | ConnectionReset
        ) {
            return;
        }
        if self.in_a_row == 0 {
            tracing::warn!(
                %error,
                "authn-emulator: accepting a connection failed: {error}; \
                 backing off until it works again"
            );
        }
        self.in_a_row += 1;
        let wait = Duration::from_millis(10u64 << self.in_a_row.min(7)).min(Duration::from_secs(1));
        tokio::time::sleep(wait).await;
    }

    fn recovered(&mut self) {
        if self.in_a_row > 0 {
            tracing::info!(
                failed_attempts = self.in_a_row,
                "authn-emulator: accepting again, after {} failed attempts",
                self.in_a_row
            );
            self.in_a_row = 0;
        }
    }
}
