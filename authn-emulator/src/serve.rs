//! The accept loop. It is axum's `serve` plus one thing axum cannot do: close
//! a connection without answering, after the request was processed (the
//! `drop_after_commit` fault, the case a client's refresh retries must survive).

use std::sync::Arc;

use axum::{extract::Request, Router};
use hyper::body::Incoming;
use hyper_util::{rt::TokioIo, service::TowerToHyperService};
use tokio::{net::TcpListener, sync::Notify};
use tower::ServiceExt;

/// Put in every request's extensions: notifying it closes the request's
/// connection without an answer.
#[derive(Clone, Debug)]
pub(crate) struct DropConnection(pub Arc<Notify>);

/// Serves `app` on `listener` until `stop` resolves; then stops accepting,
/// lets in-flight requests finish and closes idle connections.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    stop: impl std::future::Future<Output = ()>,
) {
    let (shutdown, _) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A failed accept (too many open files, a reset): keep serving.
                Err(_) => continue,
            },
        };
        let dropper = Arc::new(Notify::new());
        let request_dropper = DropConnection(dropper.clone());
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(request_dropper.clone());
                request
            });
        let mut stopping = shutdown.subscribe();
        connections.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
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
        });
    }
    let _ = shutdown.send(true);
    drop(shutdown);
    while connections.join_next().await.is_some() {}
}
