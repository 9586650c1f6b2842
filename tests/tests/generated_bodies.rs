//! The decode property test: at least 10,000 response bodies generated from
//! the spec's own response schemas by hypothesis-jsonschema (`.ci/decode-corpus`
//! writes them, with `audience: null`, nested `claims`, token types added
//! later and unknown fields at every level), each served over HTTP and
//! decoded by the call of its operation. None may fail.
//!
//! `AUTHN_DECODE_CORPUS=target/decode-corpus.jsonl cargo test -p authn-session-tests
//! --test generated_bodies -- --ignored` (CI runs `.ci/decode-corpus`, which does both).

use authn_session::{ExposeSecret, ListOptions, RefreshOptions};
use authn_session_tests::{MockServer, Reply};
use serde_json::Value;

#[tokio::test]
#[ignore = "needs the corpus .ci/decode-corpus generates (run there in CI)"]
async fn every_generated_body_decodes() {
    let path = std::env::var("AUTHN_DECODE_CORPUS")
        .expect("AUTHN_DECODE_CORPUS names the corpus .ci/decode_corpus.py wrote");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let server = MockServer::start().await;
    let authn = server.authn_with(server.config().request_retries(0));
    let client = authn.client().session();
    let mut decoded = std::collections::BTreeMap::<String, usize>::new();
    for (n, line) in text.lines().enumerate() {
        let entry: Value = serde_json::from_str(line).expect("a corpus line is JSON");
        let operation = entry["operation"].as_str().expect("operation").to_string();
        let body = entry["body"].clone();
        let op = authn_session::operations::ALL
            .iter()
            .find(|op| op.id == operation)
            .unwrap_or_else(|| panic!("unknown operation {operation}"));
        server.reply(op.path, Reply::json(200, body.clone())).await;
        let result = &body["result"];
        let request_id = match operation.as_str() {
            "session_invalidate" => authn
                .session()
                .invalidate("pmt_x")
                .await
                .map(|r| r.request_id),
            "session_logout" => authn.session().logout("pui_x").await.map(|r| r.request_id),
            "client_session_invalidate" => client
                .invalidate("ptu_corpus", "pmt_x")
                .await
                .map(|r| r.request_id),
            "client_session_logout" => client.logout("ptu_corpus").await.map(|r| r.request_id),
            "session_list" => authn.session().list(ListOptions::new()).await.map(|page| {
                assert_sessions(&page.result.sessions, result);
                assert_eq!(page.result.count, result["count"].as_i64());
                page.request_id
            }),
            "client_session_list" => {
                client
                    .list("ptu_corpus", ListOptions::new())
                    .await
                    .map(|page| {
                        assert_sessions(&page.result.sessions, result);
                        page.request_id
                    })
            }
            "client_session_refresh" => client
                .refresh("ptr_corpus", RefreshOptions::new())
                .await
                .map(|fresh| {
                    let refresh = &fresh.result.refresh_token;
                    assert_eq!(
                        refresh.token.expose_secret(),
                        result["refresh_token"]["token"].as_str().unwrap()
                    );
                    assert_eq!(
                        refresh.audience.is_none(),
                        result["refresh_token"]["audience"].is_null()
                    );
                    assert_eq!(
                        fresh.result.active_token.is_some(),
                        result.get("active_token").is_some()
                    );
                    fresh.request_id
                }),
            other => panic!("no call for {other}"),
        }
        .unwrap_or_else(|e| panic!("body {n} of {operation} did not decode: {e:?}\n{line:.3000}"));
        assert_eq!(request_id, body["request_id"].as_str().unwrap(), "body {n}");
        *decoded.entry(operation).or_default() += 1;
    }
    let total: usize = decoded.values().sum();
    assert_eq!(decoded.len(), 7, "every operation: {decoded:?}");
    assert!(total >= 10_000, "{total} bodies: {decoded:?}");
    println!("decoded {total} generated bodies: {decoded:?}");
}

fn assert_sessions(sessions: &[authn_session::SessionItem], result: &Value) {
    let expected = result["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), expected.len());
    for (got, want) in sessions.iter().zip(expected) {
        assert_eq!(got.id.as_str(), want["id"].as_str().unwrap());
        assert_eq!(got.type_, want["type"].as_str().unwrap());
        if let Some(token) = &got.active_token {
            let want = &want["active_token"];
            assert_eq!(token.audience.is_none(), want["audience"].is_null());
            assert_eq!(
                token.claims.len(),
                want["claims"].as_object().map_or(0, |c| c.len())
            );
        }
    }
}
