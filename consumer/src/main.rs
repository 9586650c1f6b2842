//! Ends every session of one user, against real Pangea:
//! `PANGEA_AUTHN_TOKEN=… PANGEA_DOMAIN=aws.us.pangea.cloud cargo run -- pui_…`.

use authn_session::{AuthN, ListOptions, SessionListFilter};
use futures::{StreamExt, TryStreamExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user = std::env::args().nth(1).ok_or("usage: authn-session-consumer USER_ID")?;
    let authn = AuthN::from_env()?;
    let filter = SessionListFilter::new().identity(&user);
    let sessions: Vec<_> = authn
        .session()
        .list_all(ListOptions::new().filter(filter))
        .try_collect()
        .await?;
    let ended: Vec<_> = futures::stream::iter(&sessions)
        .map(|s| authn.session().invalidate(&s.id))
        .buffer_unordered(8)
        .try_collect()
        .await?;
    println!("ended {} of {}'s sessions", ended.len(), user);
    Ok(())
}
