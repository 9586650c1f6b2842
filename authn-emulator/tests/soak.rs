//! The emulator soak: 200,000 requests of every operation over 50,000
//! connections (four requests each, then closed), against the binary. Its
//! resident memory after them is at most 1.2 times what it was after the
//! first 10,000; no answer is a 5xx; the journal counts every request sent.
//! Run by `.ci/soak` (`cargo test -p authn-emulator --test soak -- --ignored`).

mod common;

use std::{
    sync::atomic::{AtomicU64, Ordering},
    sync::Arc,
};

use authn_emulator::Fixtures;
use common::{get_json, start};
use http_body_util::{BodyExt, Full};
use hyper::{body::Bytes, Request};
use serde_json::{json, Value};

const TOKEN: &str = "pts_soak";
const CONNECTIONS: usize = 50_000;
const PER_CONNECTION: usize = 4;
/// Connections between two reads of the journal: 1,000 requests, so that
/// reading it costs the emulator little memory of its own.
const BATCH: usize = 1_000 / PER_CONNECTION;
/// Batches in the first 10,000 requests.
const FIRST: usize = 10_000 / PER_CONNECTION / BATCH;
const WORKERS: usize = 16;

fn body(value: &Value) -> Full<Bytes> {
    Full::new(Bytes::from(value.to_string()))
}

/// Resident memory of `pid` in KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// The requests of one connection: a mix of every operation, valid and not.
fn requests(n: usize, fixtures: &Fixtures) -> Vec<(&'static str, Value)> {
    let user = &fixtures.users[n % fixtures.users.len()];
    let session = &user.sessions[0];
    let unknown = format!("pmt_soak{n:027}");
    let mix: [(&str, Value); 8] = [
        (
            "/v2/session/list",
            json!({"size": 5, "order": "desc", "order_by": "created_at"}),
        ),
        (
            "/v2/session/list",
            json!({"filter": {"email__contains": ["example"]}, "size": 3}),
        ),
        (
            "/v2/client/session/list",
            json!({"token": session.user_token}),
        ),
        ("/v2/session/invalidate", json!({"session_id": unknown})),
        (
            "/v2/client/session/refresh",
            json!({"refresh_token": "ptr_spent"}),
        ),
        ("/v2/session/logout", json!({"user_id": "pui_nobody"})),
        (
            "/v2/client/session/invalidate",
            json!({"token": session.user_token, "session_id": unknown}),
        ),
        ("/v2/session/list", json!({"size": 0})),
    ];
    (0..PER_CONNECTION)
        .map(|i| mix[(n * PER_CONNECTION + i) % mix.len()].clone())
        .collect()
}

/// One connection: its requests in turn, then closed. Counts what was sent
/// and every 5xx.
async fn connection(
    addr: &str,
    n: usize,
    fixtures: &Fixtures,
    sent: &AtomicU64,
    errors: &AtomicU64,
) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    let driver = tokio::spawn(conn);
    for (path, value) in requests(n, fixtures) {
        let request = Request::post(path)
            .header("host", addr)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(body(&value))
            .unwrap();
        sent.fetch_add(1, Ordering::Relaxed);
        let response = sender.send_request(request).await.expect("answer");
        if response.status().is_server_error() {
            errors.fetch_add(1, Ordering::Relaxed);
        }
        response.into_body().collect().await.expect("body");
    }
    drop(sender);
    let _ = driver.await;
}

/// How many requests the journal holds, then empties it (so that the
/// journal's own growth, by design, is not counted as the server's).
async fn drain_journal(base_url: &str) -> u64 {
    let entries: Vec<Value> = get_json(base_url, TOKEN, "/_emulator/journal").await;
    let status = reqwest::Client::new()
        .delete(format!("{base_url}/_emulator/journal"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    entries.len() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a soak of 200,000 requests: .ci/soak runs it"]
async fn two_hundred_thousand_requests_over_fifty_thousand_connections() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Two allocator arenas: resident memory then measures what the emulator
    // holds, not how glibc happens to spread it over per-thread arenas.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_authn-emulator"));
    command.env("MALLOC_ARENA_MAX", "2");
    let args = [
        "--service-token",
        TOKEN,
        "--seed-users",
        "200",
        "--sessions-per-user",
        "2",
    ];
    let emulator = start(command, &args).expect("the emulator starts");
    let pid = emulator.child.id();
    let addr = emulator.addr();
    let fixtures: Fixtures = get_json(&emulator.base_url, TOKEN, "/_emulator/state").await;
    let fixtures = Arc::new(fixtures);
    let (sent, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (mut journaled, mut first_rss) = (0, 0);
    for batch in 0..CONNECTIONS / BATCH {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (addr, fixtures) = (addr.clone(), fixtures.clone());
                let (sent, errors) = (sent.clone(), errors.clone());
                tokio::spawn(async move {
                    for n in (batch * BATCH + w..(batch + 1) * BATCH).step_by(WORKERS) {
                        connection(&addr, n, &fixtures, &sent, &errors).await;
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.unwrap();
        }
        journaled += drain_journal(&emulator.base_url).await;
        if batch + 1 == FIRST {
            first_rss = rss_kib(pid);
        }
    }
    let last_rss = rss_kib(pid);
    let sent = sent.load(Ordering::Relaxed);
    println!(
        "soak: {sent} requests over {CONNECTIONS} connections; resident {first_rss} KiB after the \
         first 10,000, {last_rss} KiB after all; 5xx {}",
        errors.load(Ordering::Relaxed)
    );
    assert_eq!(sent, (CONNECTIONS * PER_CONNECTION) as u64);
    assert_eq!(journaled, sent, "the journal counts every request");
    assert_eq!(errors.load(Ordering::Relaxed), 0, "no 5xx");
    assert!(
        last_rss * 10 <= first_rss * 12,
        "resident {last_rss} KiB after all against {first_rss} KiB after the first 10,000"
    );
}
