//! Helpers of the end-to-end tests: a scripted HTTP server on loopback that
//! records every request and answers with queued replies.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, Method, Response, StatusCode, Uri},
};
use bytes::Bytes;
use serde_json::{json, Value};

/// Marker replaced by a fresh `prq_<n>` request id when a reply is served.
pub const REQUEST_ID: &str = "__REQUEST_ID__";

/// The service token every test client uses.
pub const SERVICE_TOKEN: &str = "pts_servicetokenforthetests";

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: Method,
    /// Path, without query.
    pub path: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: Bytes,
}

impl Recorded {
    /// The body as JSON (panics when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    body: Bytes,
    headers: Vec<(String, String)>,
    delay: Option<Duration>,
}

impl Reply {
    /// Any status and JSON body.
    pub fn json(status: u16, body: Value) -> Self {
        Self::raw(status, body.to_string()).header("content-type", "application/json")
    }

    /// Any status and raw body.
    pub fn raw(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            body: body.into(),
            headers: Vec::new(),
            delay: None,
        }
    }

    /// HTTP 200 with a `Success` envelope around `result`.
    pub fn success(result: Value) -> Self {
        Self::json(200, envelope("Success", "ok", result))
    }

    /// An error envelope with `status` (for example `ValidationError`).
    pub fn error(http_status: u16, status: &str, summary: &str) -> Self {
        Self::json(http_status, envelope(status, summary, Value::Null))
    }

    /// HTTP 202 Accepted, as Pangea queues a request.
    pub fn accepted() -> Self {
        Self::json(
            202,
            envelope(
                "Accepted",
                "queued",
                json!({"ttl_mins": 5, "retry_counter": 0, "location": "/request/queued"}),
            ),
        )
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// A Pangea envelope; `request_id` is filled in when served.
pub fn envelope(status: &str, summary: &str, result: Value) -> Value {
    json!({
        "request_id": REQUEST_ID,
        "request_time": "2026-11-23T08:00:00.000000Z",
        "response_time": "2026-11-23T08:00:00.010000Z",
        "status": status,
        "summary": summary,
        "result": result,
    })
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    queued: HashMap<String, VecDeque<Reply>>,
    always: HashMap<String, Reply>,
    served: u64,
}

/// The scripted server. Stops when dropped.
pub struct MockServer {
    base_url: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockServer {
    /// Starts on an ephemeral loopback port.
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            base_url,
            inner,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A config builder for this server with fast retries and polling.
    pub fn config(&self) -> authn_session::ConfigBuilder {
        authn_session::Config::builder()
            .base_url_template(&self.base_url)
            .retry_backoff(Duration::from_millis(1))
            .max_retry_backoff(Duration::from_millis(5))
            .poll_interval(Duration::from_millis(5))
    }

    /// A client of this server, with [`SERVICE_TOKEN`].
    pub fn authn(&self) -> authn_session::AuthN {
        self.authn_with(self.config())
    }

    /// A client of this server built from `config`.
    pub fn authn_with(&self, config: authn_session::ConfigBuilder) -> authn_session::AuthN {
        authn_session::AuthN::new(SERVICE_TOKEN, config.build().expect("config")).expect("client")
    }

    /// Queues `reply` for the next request to `path` (before any `always` reply).
    pub fn reply(&self, path: &str, reply: Reply) -> &Self {
        self.inner
            .lock()
            .unwrap()
            .queued
            .entry(path.into())
            .or_default()
            .push_back(reply);
        self
    }

    /// Answers every request to `path` with `reply` once its queue is empty.
    pub fn always(&self, path: &str, reply: Reply) -> &Self {
        self.inner.lock().unwrap().always.insert(path.into(), reply);
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// How many requests reached `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.inner
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let path = uri.path().to_string();
    let (reply, request_id) = {
        let mut inner = inner.lock().unwrap();
        inner.requests.push(Recorded {
            method,
            path: path.clone(),
            headers,
            body,
        });
        inner.served += 1;
        let request_id = format!("prq_{:04}", inner.served);
        let reply = inner
            .queued
            .get_mut(&path)
            .and_then(VecDeque::pop_front)
            .or_else(|| inner.always.get(&path).cloned());
        (reply, request_id)
    };
    let Some(reply) = reply else {
        return Response::builder()
            .status(StatusCode::NOT_IMPLEMENTED)
            .body(Body::from(format!("no reply scripted for {path}")))
            .expect("response");
    };
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let body = String::from_utf8_lossy(&reply.body).replace(REQUEST_ID, &request_id);
    let mut response = Response::builder()
        .status(reply.status)
        .header("x-request-id", &request_id);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(body)).expect("response")
}

/// A config builder for `emulator`, with fast retries and polling; tests add
/// what they need and build it.
pub fn emulator_config(emulator: &authn_emulator::EmulatorHandle) -> authn_session::ConfigBuilder {
    authn_session::Config::builder()
        .base_url_template(emulator.base_url())
        .retry_backoff(Duration::from_millis(1))
        .max_retry_backoff(Duration::from_secs(2))
        .poll_interval(Duration::from_millis(5))
}

/// A client of `emulator` built from `config`, with its service token.
pub fn emulator_client(
    emulator: &authn_emulator::EmulatorHandle,
    config: authn_session::ConfigBuilder,
) -> authn_session::AuthN {
    authn_session::AuthN::new(emulator.service_token(), config.build().expect("config"))
        .expect("client")
}

/// The ids of the sessions still live in `emulator`, sorted.
pub fn live_ids(emulator: &authn_emulator::EmulatorHandle) -> Vec<String> {
    let mut ids: Vec<String> = emulator
        .dump()
        .users
        .iter()
        .flat_map(|u| u.sessions.iter().map(|s| s.id.clone()))
        .collect();
    ids.sort();
    ids
}

/// The sessions of one `list` call with no options (the first page).
pub async fn listed(authn: &authn_session::AuthN) -> Vec<authn_session::SessionItem> {
    authn
        .session()
        .list(authn_session::ListOptions::new())
        .await
        .expect("list")
        .result
        .sessions
}
