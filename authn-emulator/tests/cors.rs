//! `--cors-origin`: a page from another origin can call the emulator, as a
//! browser checks it (the preflight, then the request's own headers).

mod common;

use std::process::Command;

use reqwest::{header, Method};
use serde_json::{json, Value};

const PAGE: &str = "http://localhost:5173";
const TOKEN: &str = "pts_cors_test";

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A browser's preflight of a client-token list from `origin`.
async fn preflight(base_url: &str, origin: &str) -> reqwest::Response {
    client()
        .request(
            Method::OPTIONS,
            format!("{base_url}/v2/client/session/list"),
        )
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization,content-type,x-pangea-retried-request-ids",
        )
        .send()
        .await
        .expect("preflight")
}

fn header_text(response: &reqwest::Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_listed_origin_gets_its_preflight_and_reads_the_answer() {
    let emulator = common::run(&["--service-token", TOKEN, "--cors-origin", PAGE]);

    let answer = preflight(&emulator.base_url, PAGE).await;
    assert!(answer.status().is_success(), "{}", answer.status());
    assert_eq!(
        header_text(&answer, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        PAGE
    );
    let allowed = header_text(&answer, header::ACCESS_CONTROL_ALLOW_HEADERS);
    for name in [
        "authorization",
        "content-type",
        "x-pangea-retried-request-ids",
    ] {
        assert!(allowed.contains(name), "{name} not in {allowed:?}");
    }
    assert!(header_text(&answer, header::ACCESS_CONTROL_ALLOW_METHODS).contains("post"));

    let response = client()
        .post(format!("{}/v2/session/list", emulator.base_url))
        .header(header::ORIGIN, PAGE)
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header_text(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        PAGE
    );
    let exposed = header_text(&response, header::ACCESS_CONTROL_EXPOSE_HEADERS);
    assert!(
        exposed.contains("retry-after") && exposed.contains("x-request-id"),
        "{exposed:?}"
    );

    // Another origin gets no grant; preflights are not API requests.
    let other = preflight(&emulator.base_url, "http://evil.example").await;
    assert_eq!(header_text(&other, header::ACCESS_CONTROL_ALLOW_ORIGIN), "");
    let journal: Vec<Value> =
        common::get_json(&emulator.base_url, TOKEN, "/_emulator/journal").await;
    let methods: Vec<&str> = journal
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["POST"]);
}

#[tokio::test]
async fn a_star_allows_any_origin_and_none_sends_no_cors_headers() {
    let open = common::run(&["--service-token", TOKEN, "--cors-origin", "*"]);
    let answer = preflight(&open.base_url, "http://127.0.0.1:9999").await;
    assert!(answer.status().is_success());
    assert_eq!(
        header_text(&answer, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        "*"
    );

    let closed = common::run(&["--service-token", TOKEN]);
    let answer = preflight(&closed.base_url, PAGE).await;
    assert_eq!(
        header_text(&answer, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        ""
    );
}

#[test]
fn a_bad_origin_stops_the_start_naming_it() {
    let failed = common::start(
        Command::new(env!("CARGO_BIN_EXE_authn-emulator")),
        &["--cors-origin", "localhost:5173/"],
    )
    .err()
    .expect("it refuses to start");
    assert!(
        failed.contains(r#"invalid CORS origin \"localhost:5173/\""#),
        "{failed}"
    );
}
