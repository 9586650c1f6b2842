//! The accept loop. It is axum's `serve` plus what a long-running test
//! double needs: it can close a connection without answering after the
//! request was processed (the `drop_after_commit` fault, the case a client's
//! refresh retries must survive); it backs off when accepting fails (out of
//! file descriptors) instead of spinning, and says so once per burst; it
//! reaps connections as they end; it caps how many are open at once, closing
//! an idle kept-alive connection to make room, as nginx does; and an idle or
//! slow client is closed after the header-read timeout.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{extract::Request, Router};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{watch, Notify, OwnedSemaphorePermit, Semaphore},
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
    let (shutdown, _) = watch::channel(false);
    let room = Room::default();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    let mut failures = AcceptFailures::default();
    let mut capped = false;
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            // Finished connections are reaped as they end.
            Some(_) = connections.join_next() => continue,
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
        let permit = tokio::select! {
            () = &mut stop => break,
            permit = permit(&permits, limits.max_connections, &mut capped, &room) => permit,
        };
        let connection = serve_connection(
            stream,
            app.clone(),
            limits,
            shutdown.subscribe(),
            room.clone(),
            permit,
        );
        connections.spawn(connection);
    }
    let _ = shutdown.send(true);
    drop(shutdown);
    while connections.join_next().await.is_some() {}
}

/// A connection slot for a connection just accepted: at once when one is
/// free; else when a connection closes, said once each time the cap is
/// reached. While it waits, it asks one idle kept-alive connection to close,
/// and reminds them every 100 ms until one has: a client's pool holds idle
/// connections it may never use again, and waiting for them to time out
/// would hold the newcomer's request for the whole header-read timeout.
async fn permit(
    permits: &Arc<Semaphore>,
    cap: usize,
    capped: &mut bool,
    room: &Room,
) -> OwnedSemaphorePermit {
    if let Ok(permit) = permits.clone().try_acquire_owned() {
        *capped = false;
        return permit;
    }
    if !*capped {
        *capped = true;
        tracing::warn!(
            cap,
            "authn-emulator: {cap} connections are open, the cap (--max-connections): \
             new connections wait until one closes; an idle kept-alive one is closed to make room"
        );
    }
    room.want_one();
    loop {
        tokio::select! {
            permit = permits.clone().acquire_owned() => {
                return permit.expect("the semaphore is never closed");
            }
            // A connection that was busy when asked may be idle now.
            () = tokio::time::sleep(Duration::from_millis(100)) => room.remind(),
        }
    }
}

/// The accept loop's request that one idle kept-alive connection close.
#[derive(Clone)]
struct Room {
    /// Whether a connection is still wanted closed: taken by the first idle
    /// connection that sees the request, so only one closes. Left set when
    /// a slot freed otherwise, it closes nobody: only the next request,
    /// which sets it anyway, is seen.
    wanted: Arc<AtomicBool>,
    asked: Arc<watch::Sender<()>>,
}

impl Default for Room {
    fn default() -> Self {
        Self {
            wanted: Arc::default(),
            asked: Arc::new(watch::channel(()).0),
        }
    }
}

impl Room {
    fn want_one(&self) {
        self.wanted.store(true, Ordering::SeqCst);
        self.remind();
    }

    fn remind(&self) {
        self.asked.send_replace(());
    }

    /// Whether this connection is the one to close.
    fn take(&self) -> bool {
        self.wanted.swap(false, Ordering::SeqCst)
    }
}

/// How long a kept-alive connection must have been unused before it is
/// closed to make room. A client's pool reuses its most recently used
/// connection first, and a request it sends on a connection just as the
/// connection closes is lost (`IncompleteMessage`): a refresh is then never
/// retried. A connection unused this long is rarely the one picked.
const IDLE_GRACE: std::time::Duration = std::time::Duration::from_millis(250);

/// Whether a connection has answered a request and has none in flight: a
/// kept-alive connection its client is not using.
#[derive(Default)]
struct Activity {
    in_flight: AtomicUsize,
    /// When its last answer was ready; `None` before the first.
    answered: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Activity {
    fn idle(&self) -> bool {
        let answered = *self
            .answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.in_flight.load(Ordering::SeqCst) == 0
            && answered.is_some_and(|at| at.elapsed() >= IDLE_GRACE)
    }
}

/// A request in flight on its connection, until dropped.
struct Busy(Arc<Activity>);

impl Busy {
    fn new(activity: &Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        *self
            .0
            .answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::time::Instant::now());
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves one connection until it ends, the emulator shuts down, or a
/// `drop_after_commit` fault closes it unanswered.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
    room: Room,
    _permit: OwnedSemaphorePermit,
) {
    let mut asked = room.asked.subscribe();
    let dropper = Arc::new(Notify::new());
    let request_dropper = DropConnection(dropper.clone());
    let activity = Arc::new(Activity::default());
    let busy = activity.clone();
    let service = tower::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(request_dropper.clone());
        // Busy until the answer's head is ready; its body is then written
        // before a graceful shutdown closes the connection.
        let busy = Busy::new(&busy);
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await;
            drop(busy);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let connection =
        builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(connection);
    let mut closing = false;
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
            Ok(()) = asked.changed(), if !closing => {
                if activity.idle() && room.take() {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
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
