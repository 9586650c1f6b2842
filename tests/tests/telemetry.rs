//! The spans of a call, as an OpenTelemetry exporter would read them: every
//! span with its fields, captured by a `tracing-subscriber` layer, for a
//! success, a retried 503 and an API error against the emulator.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use authn_emulator::{FaultRule, Fixtures};
use authn_session::ListOptions;
use authn_session_tests::emulator_with;
use tracing::{
    field::{Field, Visit},
    span, Subscriber,
};
use tracing_subscriber::{layer::Context, prelude::*, registry::LookupSpan, Layer};

/// A span as it ended: its name, its parent's name, every field it got.
#[derive(Debug, Clone, PartialEq)]
struct Captured {
    name: &'static str,
    parent: Option<&'static str>,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Captured>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("a new span");
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        span.extensions_mut().insert(Captured {
            name: span.name(),
            parent: span.parent().map(|p| p.name()),
            fields,
        });
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("a recorded span");
        let mut extensions = span.extensions_mut();
        if let Some(captured) = extensions.get_mut::<Captured>() {
            values.record(&mut Fields(&mut captured.fields));
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).expect("a closed span");
        let captured = span.extensions_mut().remove::<Captured>();
        if let Some(captured) = captured {
            self.0.lock().unwrap().push(captured);
        }
    }
}

impl Spans {
    /// Captures every span of this test's thread until the guard drops.
    fn start() -> (Spans, tracing::subscriber::DefaultGuard) {
        let spans = Spans::default();
        let guard =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
        tracing::callsite::rebuild_interest_cache();
        (spans, guard)
    }

    fn named(&self, name: &str) -> Vec<Captured> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.name == name)
            .cloned()
            .collect()
    }
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn each_call_and_attempt_is_a_span_with_the_http_client_attributes() {
    let (spans, _guard) = Spans::start();
    let (emulator, authn) = emulator_with("pts_telemetrytoken", Fixtures::random(2, 2)).await;
    let url = emulator.base_url();
    let address = emulator.addr().ip().to_string();
    let port = emulator.addr().port().to_string();
    let list_url = format!("{}/v2/session/list", url.trim_end_matches('/'));

    // A success.
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    let attempt = fields(&[
        ("otel.name", "POST"),
        ("otel.kind", "client"),
        ("http.request.method", "POST"),
        ("server.address", &address),
        ("server.port", &port),
        ("url.full", &list_url),
        ("http.response.status_code", "200"),
        ("pangea.operation", "session_list"),
        ("pangea.attempt", "1"),
        ("pangea.request_id", &page.request_id),
    ]);
    assert_eq!(
        spans.named("pangea.request"),
        [Captured {
            name: "pangea.request",
            parent: Some("pangea.call"),
            fields: attempt
        }]
    );
    let call = |operation: &str, attempts: &str, request_id: &str| Captured {
        name: "pangea.call",
        parent: None,
        fields: fields(&[
            ("otel.name", operation),
            ("pangea.operation", operation),
            ("pangea.attempts", attempts),
            ("pangea.request_id", request_id),
        ]),
    };
    assert_eq!(
        spans.named("pangea.call"),
        [call("session_list", "1", &page.request_id)]
    );
    spans.0.lock().unwrap().clear();

    // Two 503s, retried through: three attempts, the last two resends.
    emulator
        .faults()
        .add(FaultRule::new("session_list").status(503).times(2))
        .unwrap();
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    let ids: Vec<String> = emulator
        .journal()
        .entries()
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|e| e.request_id.clone().unwrap())
        .collect();
    let attempts = spans.named("pangea.request");
    assert_eq!(attempts.len(), 3, "{attempts:#?}");
    for (n, attempt) in attempts.iter().enumerate() {
        let f = &attempt.fields;
        assert_eq!(f["pangea.attempt"], (n + 1).to_string());
        assert_eq!(f["pangea.request_id"], ids[n]);
        let (status, error, resends) = match n {
            0 => ("503", Some("503"), None),
            1 => ("503", Some("503"), Some("1")),
            _ => ("200", None, Some("2")),
        };
        assert_eq!(f["http.response.status_code"], status);
        assert_eq!(f.get("error.type").map(String::as_str), error);
        assert_eq!(
            f.get("http.request.resend_count").map(String::as_str),
            resends
        );
    }
    assert_eq!(
        spans.named("pangea.call"),
        [call("session_list", "3", &page.request_id)]
    );
    spans.0.lock().unwrap().clear();

    // An API error: 404 NotFound for an unknown session, not retried.
    let error = authn
        .session()
        .invalidate("pmt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .await
        .unwrap_err();
    let request_id = error.request_id().unwrap().to_string();
    let attempts = spans.named("pangea.request");
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    let f = &attempts[0].fields;
    assert_eq!(f["http.response.status_code"], "404");
    assert_eq!(f["error.type"], "404");
    assert_eq!(f["pangea.operation"], "session_invalidate");
    assert_eq!(
        f["url.full"],
        format!("{}/v2/session/invalidate", url.trim_end_matches('/'))
    );
    assert_eq!(f["pangea.request_id"], request_id);
    assert!(!f.contains_key("http.request.resend_count"));
    assert_eq!(
        spans.named("pangea.call"),
        [call("session_invalidate", "1", &request_id)]
    );

    // No token in any of it.
    let all = format!("{:?}", spans.0.lock().unwrap());
    assert!(!all.contains("pts_telemetrytoken"), "{all}");
}
