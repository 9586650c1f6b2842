//! Pagination at scale (time and peak memory, 10k vs 100k sessions) and the
//! emulator's throughput. `cargo bench -p authn-session-bench --bench scale`
//! Prints a Markdown table; BENCHMARKS.md records a run.

use std::time::{Duration, Instant};

use authn_emulator::{Emulator, EmulatorHandle};
use authn_session::{AuthN, ListOptions, RefreshOptions};
use authn_session_bench::{sdk, CountingAllocator};
use futures::{stream, StreamExt, TryStreamExt};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    // The emulator serves from its own thread and runtime; the SDK runs on this
    // thread, the only one whose heap is counted.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    CountingAllocator::track_this_thread();
    println!("| measurement | result |\n|---|---|");
    let sizes: &[usize] = if quick { &[1_000] } else { &[10_000, 100_000] };
    for &sessions in sizes {
        let (emulator, authn) = server.block_on(start(sessions));
        client.block_on(pagination(&authn, sessions));
        drop(emulator);
    }
    let stored = if quick { 1_000 } else { 10_000 };
    let (emulator, authn) = server.block_on(start(stored));
    client.block_on(emulator_throughput(
        &emulator,
        &authn,
        stored,
        if quick { 200 } else { 20_000 },
    ));
}

async fn start(sessions: usize) -> (EmulatorHandle, AuthN) {
    // 100 sessions per user keeps the user count realistic.
    let emulator = Emulator::builder()
        .service_token(authn_session_bench::TOKEN)
        .seed_users(sessions / 100, 100)
        .spawn()
        .await
        .expect("emulator");
    let authn = sdk(&emulator.base_url());
    (emulator, authn)
}

/// `list_all` over every session at size 1000; the peak counts the SDK's heap
/// only (the emulator's threads are not tracked).
async fn pagination(authn: &AuthN, sessions: usize) {
    let before = CountingAllocator::live();
    CountingAllocator::reset_peak();
    let started = Instant::now();
    let seen = authn
        .session()
        .list_all(ListOptions::new().size(1000))
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .expect("list_all");
    let elapsed = started.elapsed();
    let peak = CountingAllocator::peak().saturating_sub(before);
    assert_eq!(seen, sessions);
    println!(
        "| list_all over {sessions} sessions, size 1000 | {:.2} s total, {:.0} sessions/s, peak heap above baseline {:.1} MiB |",
        elapsed.as_secs_f64(),
        sessions as f64 / elapsed.as_secs_f64(),
        peak as f64 / (1024.0 * 1024.0)
    );
}

async fn emulator_throughput(
    emulator: &EmulatorHandle,
    authn: &AuthN,
    stored: usize,
    requests: usize,
) {
    let concurrency = 32;
    let rate = |elapsed: Duration| requests as f64 / elapsed.as_secs_f64();

    let started = Instant::now();
    stream::iter(0..requests)
        .for_each_concurrent(concurrency, |_| {
            let authn = authn.clone();
            async move {
                authn
                    .session()
                    .list(ListOptions::new().size(20))
                    .await
                    .expect("list");
            }
        })
        .await;
    println!(
        "| emulator: list size 20, {stored} sessions stored, {concurrency} concurrent | {:.0} requests/s |",
        rate(started.elapsed())
    );

    // Each refresh spends its token, so every request uses a different session.
    let tokens: Vec<String> = emulator
        .fixtures()
        .users
        .iter()
        .flat_map(|u| u.sessions.iter().map(|s| s.refresh_token.clone()))
        .cycle()
        .take(requests.min(stored))
        .collect();
    let count = tokens.len();
    let started = Instant::now();
    stream::iter(tokens)
        .for_each_concurrent(concurrency, |token| {
            let authn = authn.clone();
            async move {
                authn
                    .client()
                    .session()
                    .refresh(&token, RefreshOptions::new())
                    .await
                    .expect("refresh");
            }
        })
        .await;
    println!(
        "| emulator: refresh, {stored} sessions stored, {concurrency} concurrent | {:.0} requests/s ({count} refreshes) |",
        count as f64 / started.elapsed().as_secs_f64()
    );
}
