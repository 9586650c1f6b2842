//! The `authn-emulator` binary: serves a fixture file exactly, seeds and dumps
//! random users, prints where it listens.

mod common;

use authn_emulator::Fixtures;
use common::{post, run};
use serde_json::json;

#[tokio::test]
async fn serves_the_fixture_file() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/example.json");
    let emulator = run(&["--service-token", "pts_binary", "--fixtures", fixtures]);
    assert!(
        emulator.base_url.starts_with("http://127.0.0.1:"),
        "{:?}",
        emulator.printed
    );
    let (status, body) = post(
        &emulator.base_url,
        "pts_binary",
        "/v2/client/session/list",
        json!({"token": "ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["result"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "pmt_alicephone2222222222222222222222",
            "pmt_zppkzrjguxyblaia6itbiesejn7jejnr"
        ]
    );
    let first = &body["result"]["sessions"][0];
    assert_eq!(first["email"], "alice@example.com");
    assert_eq!(first["profile"]["last_name"], "Liddell");
    assert_eq!(first["scopes"], json!(["mobile"]));
    // RFC 3339 as chrono writes it: the fraction only when there is one.
    assert_eq!(first["created_at"], "2026-11-02T08:00:00Z");
    assert_eq!(first["type"], "session");
    let laptop = &body["result"]["sessions"][1]["active_token"];
    assert_eq!(
        (&laptop["type"], &laptop["enabled"], &laptop["audience"]),
        (&json!("user"), &json!(true), &json!(["web"]))
    );
    assert_eq!(laptop["claims"]["org"]["roles"], json!(["admin"]));
    let (status, body) = post(
        &emulator.base_url,
        "pts_wrong",
        "/v2/session/list",
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (401, Some("Unauthorized"))
    );
}

#[tokio::test]
async fn seeds_dumps_and_prints_a_generated_token() {
    let dir = std::env::temp_dir().join(format!("authn-emulator-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dump = dir.join("seeded.json");
    let emulator = run(&[
        "--seed-users",
        "2",
        "--sessions-per-user",
        "3",
        "--dump-fixtures",
        dump.to_str().unwrap(),
    ]);
    let token = emulator
        .printed
        .iter()
        .find_map(|l| l.strip_prefix("service token: "))
        .expect("a generated token is printed")
        .to_string();
    let fixtures: Fixtures =
        serde_json::from_str(&std::fs::read_to_string(&dump).unwrap()).unwrap();
    assert_eq!(fixtures.users.len(), 2);
    assert!(fixtures.users.iter().all(|u| u.sessions.len() == 3));
    let user_token = &fixtures.users[1].sessions[0].user_token;
    let (status, body) = post(
        &emulator.base_url,
        &token,
        "/v2/client/session/list",
        json!({"token": user_token}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["sessions"].as_array().unwrap().len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn ctrl_c_and_sigterm_shut_it_down_cleanly() {
    for signal in ["-INT", "-TERM"] {
        let mut emulator = run(&["--seed-users", "1"]);
        let status = emulator.signal_and_wait(signal);
        assert!(status.success(), "{signal}: {status}");
    }
}
