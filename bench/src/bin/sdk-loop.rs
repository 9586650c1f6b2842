//! The Rust side of `bench/compare.sh`: `sdk-loop <base_url> <calls>` makes
//! sequential `session().list()` calls after a warm-up and prints µs per call,
//! the same measurement `compare.py` and `compare.js` make.

use std::time::Instant;

use authn_session::ListOptions;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args.next().expect("usage: sdk-loop <base_url> <calls>");
    let calls: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let authn = authn_session_bench::sdk(&base);
    for _ in 0..100 {
        authn
            .session()
            .list(ListOptions::new())
            .await
            .expect("list");
    }
    let started = Instant::now();
    for _ in 0..calls {
        let page = authn
            .session()
            .list(ListOptions::new())
            .await
            .expect("list");
        assert_eq!(page.result.sessions.len(), 20);
    }
    println!(
        "{:.1}",
        started.elapsed().as_secs_f64() * 1e6 / f64::from(calls)
    );
}
