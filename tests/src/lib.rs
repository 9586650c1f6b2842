//! Helpers of the end-to-end tests: a scripted HTTP server on loopback
//! (wiremock) that records every request and answers with queued replies,
//! and clients of it and of the emulator.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::http::{HeaderMap, Method};
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

/// What the server has seen: every request, and how many it answered.
#[derive(Default)]
struct Log {
    requests: Vec<Recorded>,
    served: u64,
}

/// Answers with one scripted [`Reply`]: records the request, gives it the
/// next `prq_<n>` id, and fills the id into the body.
struct Scripted {
    reply: Option<Reply>,
    log: Arc<Mutex<Log>>,
}

impl wiremock::Respond for Scripted {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let request_id = {
            let mut log = self.log.lock().unwrap();
            log.requests.push(Recorded {
                method: request.method.clone(),
                path: request.url.path().to_string(),
                headers: request.headers.clone(),
                body: Bytes::from(request.body.clone()),
            });
            log.served += 1;
            format!("prq_{:04}", log.served)
        };
        let Some(reply) = &self.reply else {
            return wiremock::ResponseTemplate::new(501)
                .set_body_string(format!("no reply scripted for {}", request.url.path()));
        };
        let body = match std::str::from_utf8(&reply.body) {
            Ok(text) => text.replace(REQUEST_ID, &request_id).into_bytes(),
            // Sent as it is, for the tests of bodies that are not UTF-8.
            Err(_) => reply.body.to_vec(),
        };
        let mut template = wiremock::ResponseTemplate::new(reply.status)
            .set_body_bytes(body)
            .insert_header("x-request-id", request_id.as_str());
        for (name, value) in &reply.headers {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        if let Some(delay) = reply.delay {
            template = template.set_delay(delay);
        }
        template
    }
}

/// Queued replies come first, in the order queued; then the `always` reply;
/// then a 501 for what nothing was scripted for.
const QUEUED: u8 = 1;
const ALWAYS: u8 = 5;
const UNSCRIPTED: u8 = u8::MAX;

/// The scripted server: wiremock, with replies per path queued in order and
/// every request recorded. Stops when dropped. (Refused connections and
/// bodies cut mid-stream, which no HTTP mock can answer with, are raw TCP in
/// the tests that need them.)
pub struct MockServer {
    server: wiremock::MockServer,
    base_url: String,
    log: Arc<Mutex<Log>>,
}

impl MockServer {
    /// Starts on an ephemeral loopback port.
    pub async fn start() -> Self {
        let server = wiremock::MockServer::start().await;
        let log = Arc::new(Mutex::new(Log::default()));
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(Scripted {
                reply: None,
                log: log.clone(),
            })
            .with_priority(UNSCRIPTED)
            .mount(&server)
            .await;
        Self {
            base_url: server.uri(),
            server,
            log,
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
    pub async fn reply(&self, path: &str, reply: Reply) -> &Self {
        wiremock::Mock::given(wiremock::matchers::path(path))
            .respond_with(Scripted {
                reply: Some(reply),
                log: self.log.clone(),
            })
            .up_to_n_times(1)
            .with_priority(QUEUED)
            .mount(&self.server)
            .await;
        self
    }

    /// Answers every request to `path` with `reply` once its queue is empty.
    pub async fn always(&self, path: &str, reply: Reply) -> &Self {
        wiremock::Mock::given(wiremock::matchers::path(path))
            .respond_with(Scripted {
                reply: Some(reply),
                log: self.log.clone(),
            })
            .with_priority(ALWAYS)
            .mount(&self.server)
            .await;
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().requests.clone()
    }

    /// How many requests reached `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }
}

/// An emulator holding `fixtures` with the service token `token`, and a
/// client of it with default settings.
pub async fn emulator_with(
    token: &str,
    fixtures: authn_emulator::Fixtures,
) -> (authn_emulator::EmulatorHandle, authn_session::AuthN) {
    let emulator = authn_emulator::Emulator::builder()
        .service_token(token)
        .fixtures(fixtures)
        .spawn()
        .await
        .expect("the emulator starts");
    let config = authn_session::Config::builder()
        .base_url_template(emulator.base_url())
        .build()
        .expect("config");
    let authn = authn_session::AuthN::new(emulator.service_token(), config).expect("client");
    (emulator, authn)
}

/// `GET base_url + path` with the service token `token`, read as JSON: the
/// admin API's answers (`/_emulator/state`, `/_emulator/journal`).
pub async fn admin_get<T: serde::de::DeserializeOwned>(
    base_url: &str,
    token: &str,
    path: &str,
) -> T {
    let body = authn_session::http_client_builder()
        .build()
        .expect("client")
        .get(format!("{base_url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("admin request")
        .bytes()
        .await
        .expect("admin answer");
    serde_json::from_slice(&body).expect("admin answer is JSON")
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

/// What a `tracing` subscriber printed, kept for a test to read.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Everything printed so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// A subscriber for this test's thread at `level` and above, printing
    /// into a new capture. Set it first thing in a test.
    pub fn at(level: tracing::Level) -> (Capture, tracing::subscriber::DefaultGuard) {
        undecided_global_default();
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (capture, tracing::subscriber::set_default(subscriber))
    }
}

/// Installs, once per test binary, a global subscriber that records nothing
/// but answers "sometimes" for every call site. tracing caches a call site's
/// interest process-wide: without it, a test that reaches a span first with
/// no subscriber of its own can get that span cached as "never", racing a
/// capturing test's thread-local subscriber, and the capture misses the span.
fn undecided_global_default() {
    use tracing::{span, subscriber::Interest, Event, Metadata};

    struct Undecided;
    impl tracing::Subscriber for Undecided {
        fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
            Interest::sometimes()
        }
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            false
        }
        fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
            span::Id::from_u64(1)
        }
        fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
        fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &span::Id) {}
        fn exit(&self, _: &span::Id) {}
    }

    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Only fails when a global default exists already, which is as good.
        let _ = tracing::subscriber::set_global_default(Undecided);
    });
}
