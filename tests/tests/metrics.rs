//! The `metrics` feature: the call and attempt metrics of a success retried
//! through two 503s, of an API error and of a call past its deadline, against
//! the emulator, read back with `metrics-util`'s debugging recorder.

use std::collections::BTreeMap;

use authn_emulator::{Emulator, FaultRule};
use std::time::Duration;

use authn_session::{Error, ListOptions, Overrides};
use authn_session_tests::{emulator_client, emulator_config};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// `name{label=value,…}` of a metric, its labels sorted.
fn key(name: &str, labels: &[(&str, &str)]) -> String {
    let mut labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    labels.sort();
    format!("{name}{{{}}}", labels.join(","))
}

#[test]
fn calls_and_attempts_are_measured_with_bounded_labels() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let emulator = Emulator::builder().seed_users(2, 2).spawn().await.unwrap();
            let authn = emulator_client(&emulator, emulator_config(&emulator));
            emulator
                .faults()
                .add(FaultRule::new("session_list").status(503).times(2))
                .unwrap();
            authn.session().list(ListOptions::new()).await.unwrap();
            let error = authn
                .session()
                .invalidate("pmt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
                .await
                .unwrap_err();
            assert_eq!(error.http_status(), Some(404));
            // A call cut short by its deadline, in its second attempt: measured
            // all the same, with both attempts.
            emulator
                .faults()
                .add(FaultRule::new("session_logout").status(503).times(1))
                .unwrap();
            emulator
                .faults()
                .add(FaultRule::new("session_logout").delay_ms(1_000).times(1))
                .unwrap();
            let quick = authn
                .with_overrides(Overrides::new().operation_timeout(Duration::from_millis(100)))
                .unwrap();
            let error = quick
                .session()
                .logout("pui_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
                .await
                .unwrap_err();
            assert!(matches!(error, Error::OperationTimeout { .. }), "{error:?}");
        });
    });

    let mut seen = BTreeMap::new();
    for (composite, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = composite.key();
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let value = match value {
            DebugValue::Counter(n) => format!("counter {n}"),
            DebugValue::Histogram(samples) => {
                assert!(samples.iter().all(|s| s.into_inner() >= 0.0));
                format!("{} samples", samples.len())
            }
            DebugValue::Gauge(g) => format!("gauge {g}"),
        };
        seen.insert(name, value);
    }
    let list = [
        ("pangea.operation", "session_list"),
        ("http.response.status_code", "200"),
    ];
    let list_503 = [
        ("pangea.operation", "session_list"),
        ("http.response.status_code", "503"),
        ("error.type", "503"),
    ];
    let gone = [
        ("pangea.operation", "session_invalidate"),
        ("http.response.status_code", "404"),
        ("error.type", "404"),
    ];
    let timed_out = [
        ("pangea.operation", "session_logout"),
        ("error.type", "timeout"),
    ];
    let logout_503 = [
        ("pangea.operation", "session_logout"),
        ("http.response.status_code", "503"),
        ("error.type", "503"),
    ];
    let expected: BTreeMap<String, String> = [
        (key("pangea.authn.client.call.duration", &list), "1 samples"),
        (key("pangea.authn.client.call.attempts", &list), "counter 3"),
        (key("http.client.request.duration", &list), "1 samples"),
        (key("http.client.request.duration", &list_503), "2 samples"),
        (key("pangea.authn.client.call.duration", &gone), "1 samples"),
        (key("pangea.authn.client.call.attempts", &gone), "counter 1"),
        (key("http.client.request.duration", &gone), "1 samples"),
        (
            key("pangea.authn.client.call.duration", &timed_out),
            "1 samples",
        ),
        (
            key("pangea.authn.client.call.attempts", &timed_out),
            "counter 2",
        ),
        (
            key("http.client.request.duration", &logout_503),
            "1 samples",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    assert_eq!(seen, expected);
}
