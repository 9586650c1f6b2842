//! The outside consumer's check, run by .ci/run: the packaged crates against the
//! packaged emulator. Pages with `list_all`, invalidates concurrently, logs a
//! user out, and checks the emulator's state after each step.

use authn_emulator::Emulator;
use authn_session::{AuthN, Config, ListOptions, SessionListFilter};
use futures::{StreamExt, TryStreamExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder().seed_users(5, 20).spawn().await?;
    let config = Config::builder()
        .base_url_template(emulator.base_url())
        .build()?;
    let authn = AuthN::new(emulator.service_token(), config)?;
    let users = &emulator.fixtures().users;

    // Every session, page by page (size 7: several pages).
    let all: Vec<_> = authn
        .session()
        .list_all(ListOptions::new().size(7))
        .try_collect()
        .await?;
    assert_eq!(all.len(), 100, "list_all sees every session");

    // End the first user's sessions, 8 at a time.
    let first = SessionListFilter::new().identity(users[0].id.as_str());
    let theirs: Vec<_> = authn
        .session()
        .list_all(ListOptions::new().filter(first))
        .try_collect()
        .await?;
    let ended: Vec<_> = futures::stream::iter(&theirs)
        .map(|s| authn.session().invalidate(&s.id))
        .buffer_unordered(8)
        .try_collect()
        .await?;
    assert_eq!(ended.len(), 20);

    // Log the second user out everywhere.
    authn.session().logout(&users[1].id).await?;

    let left: usize = emulator.dump().users.iter().map(|u| u.sessions.len()).sum();
    assert_eq!(left, 60, "exactly the first two users' sessions ended");
    println!(
        "consumer: listed {}, invalidated {} concurrently, logged out {}; {left} sessions left",
        all.len(),
        ended.len(),
        users[1].id
    );
    Ok(())
}
