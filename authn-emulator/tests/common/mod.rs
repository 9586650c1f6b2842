//! Running the `authn-emulator` binary in tests: started on an ephemeral
//! port, what it prints kept (stdout up to `listening on`, then stderr as it
//! comes), killed and reaped on every path.

#![allow(dead_code, reason = "each test file uses its own part of this")]

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::Value;

pub struct Running {
    pub child: Child,
    pub base_url: String,
    pub printed: Vec<String>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary with `args`, once it listens.
pub fn run(args: &[&str]) -> Running {
    start(Command::new(env!("CARGO_BIN_EXE_authn-emulator")), args).expect("it starts")
}

/// The binary with `args` under `command` (for example `prlimit`); its
/// output when it exits without listening.
pub fn start(mut command: Command, args: &[&str]) -> Result<Running, String> {
    if command.get_program() != env!("CARGO_BIN_EXE_authn-emulator") {
        command.arg(env!("CARGO_BIN_EXE_authn-emulator"));
    }
    let child = command
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the emulator binary");
    let mut running = Running {
        child,
        base_url: String::new(),
        printed: Vec::new(),
        stderr: Arc::default(),
    };
    let stderr = running.child.stderr.take().expect("stderr");
    let lines = running.stderr.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            lines.lock().unwrap().push(line);
        }
    });
    let stdout = running.child.stdout.take().expect("stdout");
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8");
        let url = line.strip_prefix("listening on ").map(str::to_string);
        running.printed.push(line);
        if let Some(url) = url {
            running.base_url = url;
            return Ok(running);
        }
    }
    let _ = running.child.wait();
    std::thread::sleep(Duration::from_millis(100));
    Err(format!("{:?} {:?}", running.printed, running.stderr()))
}

impl Running {
    /// What it wrote to stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// `host:port`.
    pub fn addr(&self) -> String {
        self.base_url.trim_start_matches("http://").to_string()
    }

    /// Sends `signal` (`-TERM`, `-INT`) and waits up to 10 s for it to exit.
    #[cfg(unix)]
    pub fn signal_and_wait(&mut self, signal: &str) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{signal}: still running after 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// POSTs `body` with `token`: the status and the JSON answer.
pub async fn post(base_url: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    // reqwest, as this workspace builds it, needs a process-wide crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::new()
        .post(format!("{base_url}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `GET base_url + path` with `token`, read as JSON (the admin API).
pub async fn get_json<T: serde::de::DeserializeOwned>(
    base_url: &str,
    token: &str,
    path: &str,
) -> T {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .get(format!("{base_url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON answer")
}
