//! The emulator's page cost, for `bench/emulator-scale.sh`:
//! `pages <base_url> pages` times 100 consecutive `size` 20 pages per order
//! (raw reqwest, body read, not decoded) and prints Markdown rows;
//! `pages <base_url> walk` walks every session with the SDK's `list_all`
//! at `size` 1000 (`walk-ahead`: with `read_ahead`); `pages <base_url> floor-walk` makes the same walk with
//! raw reqwest, reading each page's bytes and taking only its cursor and
//! its number of sessions (the floor). Both print the count, the seconds
//! taken and this process's CPU seconds (Linux).

use std::time::Instant;

use authn_session::ListOptions;
use authn_session_bench::{cpu_seconds, raw_client, sdk};
use futures::TryStreamExt;
use serde::{de::IgnoredAny, Deserialize};
use serde_json::{json, Value};

const PAGES: usize = 100;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: pages <base_url> pages|walk|walk-ahead|floor-walk";
    let (base, mode) = (args.next().ok_or(usage)?, args.next().ok_or(usage)?);
    if mode.contains("walk") {
        let (started, cpu) = (Instant::now(), cpu_seconds());
        let count = if mode != "floor-walk" {
            let options = ListOptions::new().size(1000);
            sdk(&base)
                .session()
                .list_all(options.read_ahead(mode == "walk-ahead"))
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                .await?
        } else {
            floor_walk(&base).await?
        };
        println!(
            "{count} {:.2} {:.2}",
            started.elapsed().as_secs_f64(),
            cpu_seconds() - cpu
        );
        return Ok(());
    }
    let client = raw_client();
    let url = format!("{base}/v2/session/list");
    let first: Value = client
        .post(&url)
        .json(&json!({"size": 1}))
        .send()
        .await?
        .json()
        .await?;
    let identity = first["result"]["sessions"][0]["identity"].clone();
    let cases: Vec<(String, Value)> = [
        "id",
        "created_at",
        "expire",
        "identity",
        "email",
        "type",
        "active_token_id",
    ]
    .iter()
    .map(|by| (format!("`{by}`"), json!({"order_by": by})))
    .chain([
        (
            "`id`, `desc`".to_string(),
            json!({"order_by": "id", "order": "desc"}),
        ),
        (
            "filter `identity` (one user)".to_string(),
            json!({"filter": {"identity": identity}}),
        ),
        (
            "filter `email__contains` (scans)".to_string(),
            json!({"filter": {"email__contains": ["7@"]}}),
        ),
    ])
    .collect();
    for (name, body) in cases {
        let mut times = Vec::with_capacity(PAGES);
        let mut last = String::new();
        for _ in 0..PAGES {
            let mut body = body.clone();
            body["size"] = json!(20);
            if !last.is_empty() {
                body["last"] = json!(last);
            }
            let started = Instant::now();
            let bytes = client.post(&url).json(&body).send().await?.bytes().await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            let page: Value = serde_json::from_slice(&bytes)?;
            last = page["result"]["last"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if last.is_empty() {
                break;
            }
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "| {name} | {} | {:.3} | {:.3} |",
            times.len(),
            at(0.5),
            at(0.9)
        );
    }
    Ok(())
}

/// The cursor and the number of sessions of a page; the rest is skipped.
#[derive(Deserialize)]
struct CursorOnly {
    result: CursorResult,
}

#[derive(Deserialize)]
struct CursorResult {
    #[serde(default)]
    last: Option<String>,
    sessions: Vec<IgnoredAny>,
}

/// Every session at `size` 1000, by raw reqwest: each page read whole as
/// bytes, then only its cursor taken.
async fn floor_walk(base: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let client = raw_client();
    let url = format!("{base}/v2/session/list");
    let (mut count, mut last) = (0, None::<String>);
    loop {
        let body = match &last {
            Some(cursor) => json!({"size": 1000, "last": cursor}),
            None => json!({"size": 1000}),
        };
        let bytes = client.post(&url).json(&body).send().await?.bytes().await?;
        let page: CursorOnly = serde_json::from_slice(&bytes)?;
        count += page.result.sessions.len();
        match page.result.last {
            Some(cursor) if !cursor.is_empty() => last = Some(cursor),
            _ => return Ok(count),
        }
    }
}
