//! `authn-session verify` against a server that answers every call with a
//! random body of the right shape (a success envelope whose result holds
//! fields of any type, or none): a report every time, exit 0 or 1, no panic,
//! and never the token, even where the server echoes it.

use std::{
    net::SocketAddr,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
};

use axum::{extract::State, response::IntoResponse, Json, Router};
use serde_json::{json, Map, Value};

const TOKEN: &str = "pts_randombodyservicetoken0000000000";

/// Field names a session item may have, and some it should not.
const NAMES: [&str; 14] = [
    "id",
    "type",
    "life",
    "expire",
    "identity",
    "email",
    "profile",
    "scopes",
    "created_at",
    "active_token",
    "enabled",
    "claims",
    "x_unknown",
    "token",
];

fn scalar(rng: &mut fastrand::Rng) -> Value {
    match rng.u8(0..9) {
        0 => Value::Null,
        1 => json!(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!(rng.f64() * 1e6),
        4 => json!(format!(
            "2026-{:02}-{:02}T{:02}:00:00Z",
            rng.u8(1..13),
            rng.u8(1..29),
            rng.u8(0..24)
        )),
        5 => json!(format!("pmt_{}", rng.u32(..) % 8)),
        // The server echoes the caller's token: the report must not.
        6 => json!(format!("echo {TOKEN} echo")),
        7 => json!(["a", "@", ".", "ops"][rng.usize(..4)].repeat(rng.usize(0..4))),
        _ => json!("é\u{0}\u{202e}ß"),
    }
}

fn value(rng: &mut fastrand::Rng, depth: u8) -> Value {
    match rng.u8(0..5) {
        0 if depth < 3 => Value::Array(
            (0..rng.usize(0..4))
                .map(|_| value(rng, depth + 1))
                .collect(),
        ),
        1 if depth < 3 => object(rng, depth + 1),
        _ => scalar(rng),
    }
}

fn object(rng: &mut fastrand::Rng, depth: u8) -> Value {
    let mut fields = Map::new();
    for name in NAMES {
        if rng.u8(0..4) != 0 {
            fields.insert(name.to_string(), value(rng, depth));
        }
    }
    Value::Object(fields)
}

fn body(rng: &mut fastrand::Rng) -> Value {
    let sessions = match rng.u8(0..6) {
        0 => value(rng, 2),
        _ => Value::Array((0..rng.usize(0..8)).map(|_| object(rng, 1)).collect()),
    };
    let mut result = Map::from_iter([("sessions".to_string(), sessions)]);
    if rng.bool() {
        result.insert("last".into(), value(rng, 3));
    }
    if rng.bool() {
        result.insert("count".into(), value(rng, 3));
    }
    let summary = [
        "Listed".to_string(),
        format!("echo {TOKEN}"),
        "é\u{0}".to_string(),
    ][rng.usize(..3)]
    .clone();
    json!({
        "request_id": format!("prq_{}", rng.u32(..)),
        "request_time": "2026-12-06T00:00:00Z",
        "response_time": "2026-12-06T00:00:01Z",
        "status": "Success",
        "summary": summary,
        "result": if rng.u8(0..8) == 0 { value(rng, 3) } else { Value::Object(result) },
    })
}

async fn answer(State(rng): State<Arc<Mutex<fastrand::Rng>>>) -> impl IntoResponse {
    Json(body(&mut rng.lock().unwrap()))
}

/// A server on loopback answering every call from a generator seeded with `seed`.
fn serve(seed: u64) -> SocketAddr {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .fallback(answer)
        .with_state(Arc::new(Mutex::new(fastrand::Rng::with_seed(seed))));
    std::thread::spawn(move || {
        runtime.block_on(async { axum::serve(listener, app).await.unwrap() })
    });
    addr
}

#[test]
fn every_random_answer_gives_a_report_exit_0_or_1_and_never_the_token() {
    let mut exits = [0usize; 2];
    for seed in 0..24 {
        let addr = serve(seed);
        for output in ["table", "json"] {
            let run = Command::new(env!("CARGO_BIN_EXE_authn-session"))
                .args(["verify", "--max-requests", "60", "--output", output])
                .env("PANGEA_AUTHN_TOKEN", TOKEN)
                .env("PANGEA_BASE_URL", format!("http://{addr}"))
                .env_remove("PANGEA_DOMAIN")
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr),
            );
            let code = run.status.code().unwrap_or(-1);
            assert!(
                code == 0 || code == 1,
                "seed {seed}, {output}: exit {code}\n{stderr}"
            );
            exits[code as usize] += 1;
            assert!(!stderr.contains("panicked"), "seed {seed}: {stderr}");
            assert!(
                !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
                "seed {seed}, {output}"
            );
            if output == "json" {
                let records: Vec<Value> = serde_json::from_str(&stdout).unwrap();
                assert!(
                    records.iter().any(|r| r["check"] == "fields"),
                    "seed {seed}"
                );
                assert!(
                    records.iter().any(|r| r["check"] == "errors"),
                    "seed {seed}"
                );
            } else {
                assert!(stdout.contains(" checks: "), "seed {seed}: {stdout}");
            }
        }
    }
    // A random body is rarely what the spec documents.
    assert!(exits[1] > 0, "{exits:?}");
}
