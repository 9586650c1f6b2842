//! Shared pieces of the benchmarks: a loopback server answering with fixed
//! Pangea envelopes, a raw reqwest client configured like the SDK's, and a
//! counting allocator for peak-memory figures.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use axum::{http::header, routing::post, Router};
use bytes::Bytes;
use serde_json::{json, Value};

/// The service token the benchmarks use.
pub const TOKEN: &str = "pts_benchmarktoken00000000000000000";

fn session(n: usize) -> Value {
    let profile = json!({"first_name": "Alice", "last_name": "Liddell", "phone": "+15555550123"});
    json!({
        "id": format!("pmt_{n:032}"), "type": "session", "life": 172800,
        "expire": "2026-11-25T08:00:00.000000Z", "email": format!("user{n}@example.com"),
        "identity": format!("pui_{n:032}"), "scopes": ["openid", "profile"], "profile": profile,
        "created_at": "2026-11-23T08:00:00.000000Z",
        "active_token": {
            "id": format!("pmt_{:032}", n + 1_000_000), "type": "user", "life": 3600,
            "expire": "2026-11-23T09:00:00.000000Z", "identity": format!("pui_{n:032}"),
            "email": format!("user{n}@example.com"), "scopes": ["openid", "profile"], "profile": profile,
            "created_at": "2026-11-23T08:00:00.000000Z",
            "intelligence": {"embargo": false, "user_intel": false,
                "ip_intel": {"is_bad": false, "is_vpn": false, "is_proxy": false,
                             "reputation": {"verdict": "benign", "score": 0}, "geolocation": {"country": "US", "city": "Boston"}},
                "domain_intel": {"is_bad": false, "reputation": {"verdict": "benign", "score": 0}}}
        }
    })
}

fn envelope(result: Value) -> Bytes {
    Bytes::from(
        json!({
            "request_id": "prq_x6fdiizbon6j3bsdvnpmwxsz2aan7fqd",
            "request_time": "2022-09-21T17:24:33.105Z",
            "response_time": "2022-09-21T17:24:34.007Z",
            "status": "Success", "summary": "Listed 20 session(s)", "result": result
        })
        .to_string(),
    )
}

/// A list page of 20 sessions (about 11 KB).
pub fn list_page() -> Bytes {
    envelope(json!({"sessions": (0..20).map(session).collect::<Vec<_>>(), "last": ""}))
}

/// The same page with two odd records, served as a user's list: the 7th
/// session lacks `identity` and the 11th has a `null` profile, so client
/// error correction reads it (two values) instead of the one-pass decoding.
pub fn odd_list_page() -> Bytes {
    let mut sessions: Vec<Value> = (0..20).map(session).collect();
    sessions[6]
        .as_object_mut()
        .expect("object")
        .remove("identity");
    sessions[10]["profile"] = Value::Null;
    envelope(json!({"sessions": sessions, "last": ""}))
}

/// The envelope of invalidate/logout.
pub fn empty_result() -> Bytes {
    envelope(json!({}))
}

/// Serves fixed envelopes on an ephemeral loopback port; returns its base URL.
pub async fn fixture_server() -> String {
    let list = list_page();
    let odd = odd_list_page();
    let empty = empty_result();
    let json = |body: Bytes| ([(header::CONTENT_TYPE, "application/json")], body);
    let app = Router::new()
        .route(
            "/v2/session/list",
            post(move || std::future::ready(json(list.clone()))),
        )
        .route(
            "/v2/client/session/list",
            post(move || std::future::ready(json(odd.clone()))),
        )
        .route(
            "/v2/session/invalidate",
            post(move || std::future::ready(json(empty.clone()))),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    // Like production servers, answer without Nagle delays.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    url
}

/// An SDK client of `base_url`.
pub fn sdk(base_url: &str) -> authn_session::AuthN {
    let config = authn_session::Config::builder()
        .base_url_template(base_url)
        .build()
        .expect("config");
    authn_session::AuthN::new(TOKEN, config).expect("client")
}

/// A reqwest client configured as the SDK configures its own: same default
/// headers, user agent, timeouts and redirect policy.
pub fn raw_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let mut auth =
        reqwest::header::HeaderValue::from_str(&format!("Bearer {TOKEN}")).expect("header");
    auth.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, auth);
    authn_session::http_client_builder()
        .default_headers(headers)
        .user_agent("pangea-rust/raw")
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// One POST with raw reqwest + serde_json: encode, send, read, decode.
async fn raw_post<B: serde::Serialize, R: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    body: &B,
) -> R {
    let body = serde_json::to_vec(body).expect("encode");
    let bytes = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("decode")
}

/// The floor: the same `list` request with raw reqwest, reading the body's
/// bytes and decoding nothing.
pub async fn raw_list_bytes(client: &reqwest::Client, url: &str) -> usize {
    client
        .post(url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body")
        .len()
}

/// The same call with raw reqwest + serde_json, decoding into the same generated type.
pub async fn raw_list(
    client: &reqwest::Client,
    url: &str,
) -> authn_session_gen::types::SessionListResponse {
    raw_post(
        client,
        url,
        &authn_session_gen::types::SessionListRequest::default(),
    )
    .await
}

/// `invalidate` with raw reqwest + serde_json.
pub async fn raw_invalidate(
    client: &reqwest::Client,
    url: &str,
) -> authn_session_gen::types::EmptyResponse {
    let request = authn_session_gen::types::SessionInvalidateRequest {
        session_id: "pmt_zppkzrjguxyblaia6itbiesejn7jejnr".parse().expect("id"),
        user_initiated: None,
        config_id: None,
    };
    raw_post(client, url, &request).await
}

/// Counts live and peak heap bytes allocated by the threads that opted in with
/// [`CountingAllocator::track_this_thread`] (so a server running in the same
/// process on other threads is left out); install with `#[global_allocator]`.
pub struct CountingAllocator;

thread_local! {
    static TRACKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn tracked() -> bool {
    TRACKED.try_with(std::cell::Cell::get).unwrap_or(false)
}

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && tracked() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if tracked() {
            // Saturating: a tracked thread may free what an untracked one allocated.
            let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |live| {
                Some(live.saturating_sub(layout.size()))
            });
        }
    }
}

impl CountingAllocator {
    /// Counts this thread's allocations from now on.
    pub fn track_this_thread() {
        TRACKED.with(|t| t.set(true));
    }

    /// Bytes allocated now.
    pub fn live() -> usize {
        LIVE.load(Ordering::Relaxed)
    }

    /// Restarts peak tracking from the current live bytes.
    pub fn reset_peak() {
        PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// The highest live byte count since the last reset.
    pub fn peak() -> usize {
        PEAK.load(Ordering::Relaxed)
    }
}

/// CPU seconds this process has used so far, every thread counted (Linux:
/// the nanosecond counters of `/proc/self/task/*/schedstat`; 0 elsewhere).
/// A benchmark takes the difference around its measured loop, so start-up
/// and warm-up are not counted.
pub fn cpu_seconds() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let nanos: u64 = tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    nanos as f64 / 1e9
}
