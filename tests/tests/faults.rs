//! Faults at the HTTP and TCP level: each call ends with the right typed error
//! (or succeeds after bounded retries), never a panic or a hang.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use authn_session::{Config, Error, ListOptions, RefreshOptions};
use authn_session_tests::{MockServer, Reply};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// A server that answers every connection with `response` (raw bytes), then
/// closes it; returns its base URL and the head of each request it read.
async fn raw_server(response: &'static [u8]) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 64 * 1024];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
            let head = text.split("\r\n\r\n").next().unwrap_or_default();
            seen.lock().unwrap().push(head.to_string());
            let _ = socket.write_all(response).await;
            // Dropping the socket resets or closes the connection mid-response.
        }
    });
    (url, heads)
}

/// The error of a connection lost after the request went out: a transport
/// error that says the request may have been processed.
fn assert_sent_then_lost(err: &Error) {
    assert!(
        matches!(
            err,
            Error::Transport {
                may_have_been_processed: true,
                ..
            }
        ),
        "{err:?}"
    );
}

fn client(url: &str, retries: u32) -> authn_session::AuthN {
    let config = Config::builder()
        .base_url_template(url)
        .request_retries(retries)
        .retry_backoff(Duration::from_millis(1))
        .request_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    authn_session::AuthN::new("pts_faults", config).unwrap()
}

#[tokio::test]
async fn a_connection_cut_mid_body_is_a_transport_error_retried_only_when_safe() {
    const CUT: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: prq_cut\r\ncontent-length: 5000\r\n\r\n{\"request_id\": \"prq_cut\", \"sta";
    let (url, heads) = raw_server(CUT).await;
    let err = client(&url, 2)
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert_sent_then_lost(&err);
    let heads = heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 3, "list is idempotent: retried");
    // Each retry names the attempts whose bodies were cut, as Pangea's
    // support asks of a retried request.
    let retried: Vec<_> = heads
        .iter()
        .map(|head| {
            head.lines()
                .find_map(|line| line.strip_prefix("x-pangea-retried-request-ids: "))
        })
        .collect();
    assert_eq!(retried, [None, Some("prq_cut"), Some("prq_cut,prq_cut")]);

    let (url, heads) = raw_server(CUT).await;
    let err = client(&url, 2)
        .client()
        .session()
        .refresh("ptr_x", RefreshOptions::new())
        .await
        .unwrap_err();
    assert_sent_then_lost(&err);
    assert_eq!(
        heads.lock().unwrap().len(),
        1,
        "refresh may have been processed: not retried"
    );
}

/// Reads one HTTP request whole (head, then `content-length` bytes of body)
/// from `socket`, keeping any bytes past it in `buf`; `false` at end of stream.
async fn read_request(socket: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |n| n.trim().parse().unwrap());
            if buf.len() >= end + 4 + length {
                buf.drain(..end + 4 + length);
                return true;
            }
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A server that reads each request whole, then resets its connection: a TCP
/// RST (`SO_LINGER` 0), not the orderly close of the tests above. With
/// `answer_first`, the first request of each connection is answered first,
/// with an empty list page, and the connection kept alive for the next one.
/// Returns the base URL and the number of requests read.
async fn resetting_server(
    answer_first: bool,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    const PAGE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 82\r\n\r\n{\"request_id\":\"prq_kept\",\"status\":\"Success\",\"summary\":\"\",\"result\":{\"sessions\":[]}}";
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut answered = false;
                while read_request(&mut socket, &mut buf).await {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if answer_first && !answered {
                        answered = true;
                        socket.write_all(PAGE).await.unwrap();
                        continue;
                    }
                    socket.set_zero_linger().unwrap();
                    return;
                }
            });
        }
    });
    (url, requests)
}

#[tokio::test]
async fn a_reset_after_the_request_is_a_transport_error_retried_only_when_safe() {
    let (url, requests) = resetting_server(false).await;
    let err = client(&url, 2)
        .session()
        .invalidate("pmt_reset")
        .await
        .unwrap_err();
    assert_sent_then_lost(&err);
    assert_eq!(
        requests.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "invalidate may be repeated: retried"
    );

    let (url, requests) = resetting_server(false).await;
    let err = client(&url, 2)
        .client()
        .session()
        .refresh("ptr_x", RefreshOptions::new())
        .await
        .unwrap_err();
    // The documented rule for a refresh: repeat it only when
    // `is_retryable() && !may_have_been_processed()`.
    assert!(err.may_have_been_processed(), "{err:?}");
    assert_eq!(
        requests.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the server had the refresh when it reset: not retried"
    );
}

#[tokio::test]
async fn a_kept_alive_connection_reset_under_a_refresh_is_not_retried() {
    // A load balancer resetting an idle pooled connection: the refresh goes out
    // on the connection the list left open, the server reads it, then resets.
    let (url, requests) = resetting_server(true).await;
    let authn = client(&url, 2);
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(page.request_id, "prq_kept");
    let err = authn
        .client()
        .session()
        .refresh("ptr_x", RefreshOptions::new())
        .await
        .unwrap_err();
    assert_sent_then_lost(&err);
    assert_eq!(
        requests.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "the list, then the refresh once: not sent again on a new connection"
    );
    // The client is not left broken: the next call opens a new connection.
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(page.request_id, "prq_kept");
}

#[tokio::test]
async fn garbage_instead_of_http_is_a_transport_error() {
    let (url, _) = raw_server(b"this is not HTTP at all\r\n\r\n").await;
    let err = client(&url, 0).session().logout("pui_x").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_token_goes_nowhere_else() {
    let elsewhere = MockServer::start().await;
    elsewhere
        .always(
            "/v2/session/list",
            Reply::success(serde_json::json!({"sessions": []})),
        )
        .await;
    let server = MockServer::start().await;
    server
        .always(
            "/v2/session/list",
            Reply::raw(307, "").header(
                "location",
                &format!("{}/v2/session/list", elsewhere.base_url()),
            ),
        )
        .await;
    let err = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                http_status: 307,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        server.hits("/v2/session/list"),
        1,
        "a redirect is not retried"
    );
    assert_eq!(
        elsewhere.requests().len(),
        0,
        "nothing, and no token, reached the other host"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_ends_with_a_timeout_within_bounds() {
    let server = MockServer::start().await;
    server
        .always(
            "/v2/session/list",
            Reply::success(serde_json::json!({})).delay(Duration::from_secs(30)),
        )
        .await;
    let config = server
        .config()
        .request_timeout(Duration::from_millis(200))
        .request_retries(1);
    let err = server
        .authn_with(config)
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(server.hits("/v2/session/list"), 2);
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_off_at_the_limit() {
    // No Content-Length: the limit can only be enforced while reading.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = written.clone();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let _ = socket.read(&mut buf).await;
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head).await.unwrap();
        let chunk = format!("1000\r\n{}\r\n", " ".repeat(0x1000));
        // Endless: only the client hanging up ends this loop.
        while socket.write_all(chunk.as_bytes()).await.is_ok() {
            counter.fetch_add(0x1000, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let config = Config::builder()
        .base_url_template(&url)
        .max_response_bytes(256 * 1024)
        .build()
        .unwrap();
    let err = authn_session::AuthN::new("pts_x", config)
        .unwrap()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                http_status: 200,
                limit: 262144,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}
