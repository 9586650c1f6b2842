//! The Rust side of `bench/compare.sh`: `sdk-loop <base_url> <calls> [mode]`
//! makes sequential `list` calls after a warm-up and prints µs per call and
//! this process's CPU µs per call, the same measurements `compare.py` and
//! `compare.js` make. `mode` is `sdk` (the
//! default), `raw` (raw reqwest decoding into the same generated types),
//! `bytes` (raw reqwest reading the body's bytes only: the floor) or `decode`
//! (no request: the fixture page decoded into the generated types in memory
//! as the SDK decodes it, the decoding's share of a call) or `odd` (the SDK's
//! `list` of a page with two records that lack a required value, which
//! client error correction reads: what an odd page costs).

use std::time::Instant;

use authn_session::ListOptions;
use authn_session_bench::{cpu_seconds, raw_client, raw_list, raw_list_bytes};
use authn_session_gen::types::SessionListResponse;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .expect("usage: sdk-loop <base_url> <calls> [sdk|raw|bytes|decode|odd]");
    let calls: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let mode = args.next().unwrap_or_else(|| "sdk".into());
    let authn = authn_session_bench::sdk(&base);
    let raw = raw_client();
    let url = format!("{base}/v2/session/list");
    let page = authn_session_bench::list_page();
    let call = || async {
        match mode.as_str() {
            "decode" => std::str::from_utf8(&page)
                .ok()
                .and_then(|text| serde_json::from_str::<SessionListResponse>(text).ok())
                .expect("decode")
                .result
                .sessions
                .len(),
            "raw" => raw_list(&raw, &url).await.result.sessions.len(),
            "bytes" => usize::from(raw_list_bytes(&raw, &url).await > 10_000) * 20,
            "odd" => {
                let page = authn
                    .client()
                    .session()
                    .list("ptu_benchmark", ListOptions::new())
                    .await
                    .expect("list");
                assert_eq!(page.corrections().len(), 2);
                page.result.sessions.len()
            }
            _ => authn
                .session()
                .list(ListOptions::new())
                .await
                .expect("list")
                .result
                .sessions
                .len(),
        }
    };
    for _ in 0..100 {
        call().await;
    }
    let (started, cpu) = (Instant::now(), cpu_seconds());
    for _ in 0..calls {
        assert_eq!(call().await, 20);
    }
    let per_call = |seconds: f64| seconds * 1e6 / f64::from(calls);
    println!(
        "{:.1} {:.1}",
        per_call(started.elapsed().as_secs_f64()),
        per_call(cpu_seconds() - cpu)
    );
}
