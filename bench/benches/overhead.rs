//! Per-call overhead and concurrency: the SDK against raw reqwest + serde_json
//! doing the identical request on an equally configured client, against a
//! loopback server with fixed envelopes. `cargo bench -p authn-session-bench --bench overhead`

use std::sync::LazyLock;

use authn_session::{AuthN, ListOptions};
use authn_session_bench::{
    fixture_server, raw_client, raw_invalidate, raw_list, raw_list_bytes, sdk,
};
use futures::future::join_all;

struct World {
    rt: tokio::runtime::Runtime,
    authn: AuthN,
    raw: reqwest::Client,
    list_url: String,
    invalidate_url: String,
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    // The server gets its own thread and runtime; the client side runs on a
    // current-thread runtime, so both clients pay the same scheduling costs.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let server = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        server.block_on(async {
            tx.send(fixture_server().await).expect("send url");
            std::future::pending::<()>().await;
        });
    });
    let base = rx.recv().expect("server url");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    World {
        authn: sdk(&base),
        raw: raw_client(),
        list_url: format!("{base}/v2/session/list"),
        invalidate_url: format!("{base}/v2/session/invalidate"),
        rt,
    }
});

fn main() {
    divan::main();
}

mod per_call {
    use super::*;

    #[divan::bench(sample_count = 1000)]
    fn list_sdk() -> usize {
        let w = &*WORLD;
        w.rt.block_on(w.authn.session().list(ListOptions::new()))
            .unwrap()
            .result
            .sessions
            .len()
    }

    #[divan::bench(sample_count = 1000)]
    fn list_raw() -> usize {
        let w = &*WORLD;
        w.rt.block_on(raw_list(&w.raw, &w.list_url))
            .result
            .sessions
            .len()
    }

    /// The floor: the same request, its bytes read, nothing decoded.
    #[divan::bench(sample_count = 1000)]
    fn list_raw_bytes_only() -> usize {
        let w = &*WORLD;
        w.rt.block_on(raw_list_bytes(&w.raw, &w.list_url))
    }

    #[divan::bench(sample_count = 1000)]
    fn invalidate_sdk() -> String {
        let w = &*WORLD;
        w.rt.block_on(
            w.authn
                .session()
                .invalidate("pmt_zppkzrjguxyblaia6itbiesejn7jejnr"),
        )
        .unwrap()
        .request_id
    }

    #[divan::bench(sample_count = 1000)]
    fn invalidate_raw() -> String {
        let w = &*WORLD;
        w.rt.block_on(raw_invalidate(&w.raw, &w.invalidate_url))
            .request_id
    }
}

mod concurrent_64 {
    use super::*;

    #[divan::bench(sample_count = 100)]
    fn list_sdk() -> usize {
        let w = &*WORLD;
        w.rt.block_on(async {
            // One clone per call, as an application sharing the client would do.
            let calls = (0..64).map(|_| {
                let authn = w.authn.clone();
                async move {
                    authn
                        .session()
                        .list(ListOptions::new())
                        .await
                        .unwrap()
                        .result
                        .sessions
                        .len()
                }
            });
            join_all(calls).await.into_iter().sum()
        })
    }

    #[divan::bench(sample_count = 100)]
    fn list_raw() -> usize {
        let w = &*WORLD;
        w.rt.block_on(async {
            let calls = (0..64)
                .map(|_| async { raw_list(&w.raw, &w.list_url).await.result.sessions.len() });
            join_all(calls).await.into_iter().sum()
        })
    }
}
