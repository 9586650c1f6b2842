//! Soaks of the SDK, run by `.ci/soak` (`-- --ignored`): `invalidate_all`
//! over 20,000 sessions while the emulator injects 503s, 429s with
//! `Retry-After` and answers lost after the change on a few percent of the
//! calls, with an exact accounting read back from the emulator's state; and
//! a `TokenKeeper` with 1,000 concurrent callers across 20 rotations, one
//! refresh request each.

use std::{collections::HashSet, sync::Arc, time::Duration};

use authn_emulator::{Emulator, FaultRule, FixtureSession, FixtureUser, Fixtures};
use authn_session::{AuthN, Config, ExposeSecret, ListOptions, SessionListFilter, TokenKeeper};
use authn_session_tests::admin_get;
use futures::future::join_all;
use serde_json::{json, Value};

const TOKEN: &str = "pts_sdksoak";

/// Resident memory of this process, in KiB (Linux).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// `users` users of `domain` with `sessions` sessions each.
fn users(domain: &str, users: usize, sessions: usize) -> Vec<FixtureUser> {
    (0..users)
        .map(|u| FixtureUser {
            id: format!("pui_{domain}{u:05}"),
            email: format!("user{u}@{domain}.example"),
            sessions: (0..sessions)
                .map(|s| FixtureSession {
                    id: format!("pmt_{domain}{u:05}x{s:02}"),
                    user_token: format!("ptu_{domain}{u:05}x{s:02}"),
                    refresh_token: format!("ptr_{domain}{u:05}x{s:02}"),
                    created_at: "2026-11-01T08:00:00Z".into(),
                    expire: "2099-01-01T00:00:00Z".into(),
                    ..FixtureSession::default()
                })
                .collect(),
            ..FixtureUser::default()
        })
        .collect()
}

/// The emulator binary's process, killed and reaped when dropped.
struct Binary(std::process::Child);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The emulator binary beside this test's executable (`cargo build -p
/// authn-emulator` builds it), on an ephemeral port: its URL and process.
fn emulator_binary(fixtures: &std::path::Path) -> (String, Binary) {
    use std::io::BufRead;
    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join(format!("authn-emulator{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "build it first: cargo build -p authn-emulator"
    );
    let mut child = Binary(
        std::process::Command::new(binary)
            .args([
                "--addr",
                "127.0.0.1:0",
                "--service-token",
                TOKEN,
                "--fixtures",
            ])
            .arg(fixtures)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    for line in std::io::BufReader::new(stdout).lines() {
        if let Some(url) = line.unwrap().strip_prefix("listening on ") {
            return (url.to_string(), child);
        }
    }
    panic!("the emulator did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a soak of 20,000 sessions: .ci/soak runs it"]
async fn invalidate_all_through_faults_ends_each_match_once_or_reports_it() {
    let dir = std::env::temp_dir().join(format!("authn-sdk-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fixtures.json");
    let mut all = users("target", 2_000, 10);
    all.extend(users("bystander", 200, 10));
    std::fs::write(
        &file,
        serde_json::to_string(&Fixtures { users: all }).unwrap(),
    )
    .unwrap();
    let (base_url, emulator) = emulator_binary(&file);
    let config = Config::builder()
        .base_url_template(&base_url)
        .retry_backoff(Duration::from_millis(5))
        .max_retry_backoff(Duration::from_secs(2))
        .build()
        .unwrap();
    let authn = AuthN::new(TOKEN, config).unwrap();
    let admin = reqwest::Client::new();
    let faults_url = format!("{base_url}/_emulator/faults");
    // A few percent of the invalidations meet a fault: one rule every 40
    // settled sessions, 503s and lost answers, and a rare 429.
    let (progress, mut settled) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let injector = {
        let (admin, faults_url) = (admin.clone(), faults_url.clone());
        tokio::spawn(async move {
            let mut injected = 0;
            while let Some(done) = settled.recv().await {
                if done % 40 != 0 {
                    continue;
                }
                let rule = match injected % 50 {
                    0 => {
                        json!({"path": "session_invalidate", "status": 429, "retry_after_secs": 1})
                    }
                    n if n % 2 == 1 => json!({"path": "session_invalidate", "status": 503}),
                    _ => json!({"path": "session_invalidate", "drop_after_commit": true}),
                };
                let status = admin
                    .post(&faults_url)
                    .bearer_auth(TOKEN)
                    .json(&rule)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, 200);
                injected += 1;
            }
            injected
        })
    };
    let filter = SessionListFilter::new().email_contains(["@target"]);
    let walk = authn
        .session()
        .invalidate_all(ListOptions::new().filter(filter.clone()).size(1000))
        .dry_run()
        .await
        .unwrap();
    assert_eq!(walk.matched(), 20_000);
    let before = rss_kib();
    let report = authn
        .session()
        .invalidate_all(ListOptions::new().filter(filter).size(1000))
        .concurrency(16)
        .on_progress(move |p| {
            let _ = progress.send(p.done);
        })
        .await
        .unwrap();
    let after = rss_kib();
    let injected = injector.await.unwrap();
    // The accounting: every match ended once, or reported failed.
    assert_eq!(report.matched(), 20_000);
    assert_eq!(report.ended() + report.failed().len(), report.matched());
    let state: Fixtures = admin_get(&base_url, TOKEN, "/_emulator/state").await;
    let live: HashSet<String> = state
        .users
        .iter()
        .flat_map(|u| u.sessions.iter().map(|s| s.id.clone()))
        .collect();
    let failed: HashSet<String> = report
        .failed()
        .iter()
        .map(|f| f.session_id.to_string())
        .collect();
    let matched: HashSet<String> = report
        .matched_ids()
        .iter()
        .map(|id| id.to_string())
        .collect();
    assert_eq!(matched.len(), 20_000, "each session once");
    for id in &matched {
        assert!(
            !live.contains(id) || failed.contains(id),
            "{id} is live and was not reported"
        );
    }
    let bystanders = live
        .iter()
        .filter(|id| id.starts_with("pmt_bystander"))
        .count();
    assert_eq!(bystanders, 2_000, "nothing outside the filter is ended");
    let journal: Vec<Value> = admin_get(&base_url, TOKEN, "/_emulator/journal").await;
    let invalidations = journal
        .iter()
        .filter(|e| e["operation"] == "session_invalidate")
        .count();
    println!(
        "sdk soak: matched {}, ended {} ({} already gone), failed {}; {injected} fault rules; \
         {invalidations} invalidate requests; client resident {before} KiB before, {after} KiB after",
        report.matched(),
        report.ended(),
        report.already_gone(),
        report.failed().len()
    );
    assert!(injected >= 400, "a few percent of 20,000: {injected}");
    assert!(
        after <= before + 32 * 1024,
        "the client's memory stays flat: {before} KiB before, {after} KiB after"
    );
    drop(emulator);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "1,000 callers across 20 rotations: .ci/soak runs it"]
async fn a_thousand_callers_cause_one_refresh_per_rotation() {
    let emulator = Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
    let config = Config::builder()
        .base_url_template(emulator.base_url())
        .retry_backoff(Duration::from_millis(1))
        .max_retry_backoff(Duration::from_millis(50))
        .build()
        .unwrap();
    let authn = AuthN::new(emulator.service_token(), config).unwrap();
    let session = &emulator.fixtures().users[0].sessions[0];
    let keeper = TokenKeeper::new(
        authn.clone(),
        session.user_token.as_str(),
        session.refresh_token.as_str(),
    );
    for rotation in 1..=20 {
        // A slow refresh, so that every caller arrives while it is in flight;
        // and failing lists with the new token, which the callers retry.
        emulator
            .faults()
            .add(FaultRule::new("client_session_refresh").delay_ms(30))
            .unwrap();
        emulator
            .faults()
            .add(FaultRule::new("client_session_list").status(503).times(25))
            .unwrap();
        let barrier = Arc::new(tokio::sync::Barrier::new(1_000));
        let callers = (0..1_000).map(|_| {
            let (keeper, authn, barrier) = (keeper.clone(), authn.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let tokens = keeper.refresh().await.expect("a refresh");
                let token = tokens
                    .user_token
                    .expect("a user token")
                    .expose_secret()
                    .to_string();
                authn
                    .client()
                    .session()
                    .list(token.as_str(), ListOptions::new())
                    .await
                    .expect("a list");
                token
            })
        });
        let tokens: HashSet<String> = join_all(callers)
            .await
            .into_iter()
            .map(|t| t.unwrap())
            .collect();
        assert_eq!(
            tokens.len(),
            1,
            "rotation {rotation}: every caller got the same token"
        );
        assert_eq!(
            emulator.journal().count("client_session_refresh"),
            rotation,
            "rotation {rotation}: one refresh request"
        );
    }
    println!(
        "keeper soak: 20 rotations × 1,000 callers: {} refresh requests, {} list requests",
        emulator.journal().count("client_session_refresh"),
        emulator.journal().count("client_session_list")
    );
}
