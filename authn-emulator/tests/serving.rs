//! The binary under load and faults: it backs off when it runs out of file
//! descriptors (and says so once), closes slow and idle clients, caps its
//! connections, refuses oversized bodies in the API's envelope, and keeps
//! its state across a restart with `--state-file`.

mod common;

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::Command,
    time::Duration,
};

use authn_emulator::Fixtures;
use common::{post, run, start};
use serde_json::json;

const TOKEN: &str = "pts_serving";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "authn-emulator-{name}-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `POST /v2/session/list` over a plain socket: the status line.
fn list_over(stream: &mut TcpStream) -> String {
    let request = format!(
        "POST /v2/session/list HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_string()
}

#[cfg(target_os = "linux")]
#[test]
fn out_of_file_descriptors_it_backs_off_says_so_once_and_recovers() {
    let mut prlimit = Command::new("prlimit");
    prlimit.arg("--nofile=40");
    let emulator = start(prlimit, &["--service-token", TOKEN, "--seed-users", "1"])
        .expect("the emulator starts under prlimit");
    // More idle connections than descriptors: accepting fails for a while.
    let idle: Vec<TcpStream> = (0..80)
        .filter_map(|_| TcpStream::connect(emulator.addr()).ok())
        .collect();
    assert!(idle.len() > 40, "the kernel queues what is not accepted");
    std::thread::sleep(Duration::from_millis(1500));
    let failing: Vec<String> = emulator
        .stderr()
        .into_iter()
        .filter(|l| l.contains("accepting a connection failed"))
        .collect();
    assert_eq!(
        failing.len(),
        1,
        "said once per burst: {:?}",
        emulator.stderr()
    );
    drop(idle);
    let mut stream = TcpStream::connect(emulator.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    assert_eq!(list_over(&mut stream), "HTTP/1.1 200 OK");
    assert!(
        emulator
            .stderr()
            .iter()
            .any(|l| l.contains("accepting again")),
        "{:?}",
        emulator.stderr()
    );
}

#[test]
fn a_client_that_sends_no_whole_header_is_closed() {
    let emulator = run(&["--service-token", TOKEN, "--header-read-timeout", "1"]);
    for partial in ["", "POST /v2/session/list HTTP/1.1\r\nHost: x\r\n"] {
        let mut stream = TcpStream::connect(emulator.addr()).unwrap();
        stream.write_all(partial.as_bytes()).unwrap();
        // Far past the timeout: a server that keeps the connection would block here.
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut buf = Vec::new();
        let read = stream.read_to_end(&mut buf);
        assert!(read.is_ok(), "closed, not timed out: {read:?}");
    }
}

#[test]
fn connections_over_the_cap_wait_and_the_cap_is_said() {
    let emulator = run(&["--service-token", TOKEN, "--max-connections", "2"]);
    let first = TcpStream::connect(emulator.addr()).unwrap();
    let second = TcpStream::connect(emulator.addr()).unwrap();
    let mut third = TcpStream::connect(emulator.addr()).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        emulator
            .stderr()
            .iter()
            .any(|l| l.contains("2 connections are open, the cap")),
        "{:?}",
        emulator.stderr()
    );
    // Neither sent a request: they are not idle kept-alive connections, and
    // none is closed to make room.
    for mut stream in [&first, &second] {
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let read = stream.read(&mut [0; 1]);
        assert!(read.is_err(), "still open, nothing to read: {read:?}");
    }
    // A slot frees when a connection closes: the third is served then.
    drop(first);
    assert_eq!(list_over(&mut third), "HTTP/1.1 200 OK");
    drop(second);
}

/// A `POST /v2/session/list` on a connection kept alive: the status line,
/// once the whole answer is read.
fn list_kept_alive(stream: &mut TcpStream) -> String {
    use std::io::BufRead;
    let request = format!(
        "POST /v2/session/list HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut reader = std::io::BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        head.push(line.trim_end().to_string());
    }
    let length: usize = head
        .iter()
        .find_map(|h| {
            h.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_string)
        })
        .expect("a content length")
        .parse()
        .unwrap();
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    head[0].clone()
}

#[test]
fn at_the_cap_an_idle_kept_alive_connection_is_closed_to_make_room() {
    // A header-read timeout longer than the test: only making room frees a slot.
    let emulator = run(&[
        "--service-token",
        TOKEN,
        "--max-connections",
        "2",
        "--header-read-timeout",
        "600",
    ]);
    let mut kept: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(emulator.addr()).unwrap();
            assert_eq!(list_kept_alive(&mut stream), "HTTP/1.1 200 OK");
            stream
        })
        .collect();
    let mut third = TcpStream::connect(emulator.addr()).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    assert_eq!(list_over(&mut third), "HTTP/1.1 200 OK");
    let mut closed = 0;
    for stream in &mut kept {
        stream
            .set_read_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        if matches!(stream.read(&mut [0; 1]), Ok(0)) {
            closed += 1;
        }
    }
    assert_eq!(closed, 1, "one idle connection was closed to make room");
}

#[tokio::test]
async fn an_oversized_body_is_413_in_the_envelope() {
    let emulator = run(&["--service-token", TOKEN, "--max-body-bytes", "1000"]);
    let filter = json!({"filter": {"email__contains": ["x".repeat(2000)]}});
    let (status, body) = post(&emulator.base_url, TOKEN, "/v2/session/list", filter).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (413, Some("PayloadTooLarge"))
    );
    assert!(body["request_id"].as_str().unwrap().starts_with("prq_"));
    let (status, _) = post(&emulator.base_url, TOKEN, "/v2/session/list", json!({})).await;
    assert_eq!(status, 200);
}

#[cfg(unix)]
#[tokio::test]
async fn the_state_file_keeps_the_state_across_a_restart() {
    let dir = temp_dir("state");
    let state = dir.join("state.json");
    let path = state.to_str().unwrap();
    let args = ["--service-token", TOKEN, "--state-file", path];
    // No file yet: seeded as the other flags say.
    let mut first = run(&[&args[..], &["--seed-users", "3"]].concat());
    let (status, _) = post(&first.base_url, TOKEN, "/_emulator/state/save", json!({})).await;
    assert_eq!(status, 204);
    let saved: Fixtures = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved.users.len(), 3);
    let ended = saved.users[0].sessions[0].id.clone();
    let (status, _) = post(
        &first.base_url,
        TOKEN,
        "/v2/session/invalidate",
        json!({"session_id": ended}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(first.signal_and_wait("-TERM").success());
    // The file wins over the seed flags; the session ended before SIGTERM stays ended.
    let second = run(&[&args[..], &["--seed-users", "50"]].concat());
    let (_, now) = post(
        &second.base_url,
        TOKEN,
        "/v2/session/list",
        json!({"size": 100}),
    )
    .await;
    let ids: Vec<&str> = now["result"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3 * 2 - 1);
    assert!(!ids.contains(&ended.as_str()));
    drop(second);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_state_file_that_does_not_parse_stops_the_start_and_is_kept() {
    let dir = temp_dir("broken");
    let state = dir.join("state.json");
    let broken = r#"{"users": [{"id": "pui_a", "email": "a@x", "sessions": [{"id": "pmt_a", "created_at": 5}]}]}"#;
    std::fs::write(&state, broken).unwrap();
    let err = start(
        Command::new(env!("CARGO_BIN_EXE_authn-emulator")),
        &["--state-file", state.to_str().unwrap()],
    )
    .err()
    .expect("it does not start");
    assert!(err.contains("state.json"), "{err}");
    assert!(err.contains("users[0].sessions[0]"), "{err}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), broken);
    std::fs::remove_dir_all(dir).unwrap();
}
