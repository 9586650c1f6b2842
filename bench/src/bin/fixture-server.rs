//! Serves the benchmarks' fixed envelopes on loopback for `bench/compare.sh`.
//! Usage: `fixture-server` — prints `listening on http://127.0.0.1:<port>`.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = authn_session_bench::fixture_server().await;
    println!("listening on {url}");
    tokio::signal::ctrl_c().await.expect("ctrl-c");
}
