//! The Rust side of `bench/bulk.sh`: `bulk <base_url> <token> <mode>` ends every
//! session the emulator holds and prints sessions per second (walk included).
//! Modes: `all:<concurrency>` (`invalidate_all`) or `naive` (a sequential
//! `invalidate` per session of `list_all`, as hand-written code does it).

use std::time::Instant;

use authn_session::{AuthN, Config, ListOptions};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bulk <base_url> <token> all:<concurrency>|naive";
    let (base, token, mode) = (
        args.next().ok_or(usage)?,
        args.next().ok_or(usage)?,
        args.next().ok_or(usage)?,
    );
    let config = Config::builder().base_url_template(base).build()?;
    let authn = AuthN::new(token, config)?;
    let started = Instant::now();
    let ended = if let Some(concurrency) = mode.strip_prefix("all:") {
        let report = authn
            .session()
            .invalidate_all(ListOptions::new().size(1000))
            .concurrency(concurrency.parse()?)
            .await?;
        assert!(report.failed().is_empty(), "{:?}", report.failed());
        report.ended()
    } else {
        let mut ended = 0;
        let mut sessions = authn.session().list_all(ListOptions::new().size(1000));
        while let Some(session) = sessions.try_next().await? {
            authn.session().invalidate(&session.id).await?;
            ended += 1;
        }
        ended
    };
    let seconds = started.elapsed().as_secs_f64();
    println!("{ended} {:.0}", ended as f64 / seconds);
    Ok(())
}
