//! The session lifecycle in one run.
//!
//! `cargo run -p authn-session --example quickstart`
//!
//! With no `PANGEA_AUTHN_TOKEN` set it starts the local AuthN emulator in-process
//! with seeded users, and walks list → paginate → refresh → invalidate → log out.
//! With `PANGEA_AUTHN_TOKEN` (and `PANGEA_DOMAIN` or `PANGEA_BASE_URL_TEMPLATE`)
//! set, it runs only the read-only steps against real Pangea.

use authn_session::{
    AuthN, Config, ExposeSecret, ItemOrder, ListOptions, PangeaResponse, RefreshOptions,
    SessionListFilter, SessionListOrderBy, SessionListResult,
};
use futures::TryStreamExt;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result {
    if std::env::var_os("PANGEA_AUTHN_TOKEN").is_some() {
        let authn = AuthN::from_env()?;
        println!(
            "Pangea AuthN at {} (read-only steps)\n",
            authn.config().base_url()
        );
        read_only_steps(&authn).await?;
        return Ok(());
    }

    let emulator = authn_emulator::Emulator::builder()
        .seed_users(4, 6)
        .spawn()
        .await?;
    let config = Config::builder()
        .base_url_template(emulator.base_url())
        .build()?;
    let authn = AuthN::new(emulator.service_token(), config)?;
    println!(
        "Local AuthN emulator at {} (no PANGEA_AUTHN_TOKEN set)\n",
        emulator.base_url()
    );
    read_only_steps(&authn).await?;

    let users = &emulator.fixtures().users;
    let alice = &users[0];
    let session = &alice.sessions[0];
    println!(
        "3. Refresh one of {}'s sessions (the refresh token is spent, new ones come back)",
        alice.email
    );
    let refreshed = authn
        .client()
        .session()
        .refresh(
            &session.refresh_token,
            RefreshOptions::new().user_token(&session.user_token),
        )
        .await?;
    let new_user_token = refreshed
        .result
        .active_token
        .as_ref()
        .map(|t| t.token.clone());
    println!(
        "   new refresh token {}, new user token {}   request_id {}\n",
        mask(refreshed.result.refresh_token.token.expose_secret()),
        new_user_token
            .as_ref()
            .map(|t| mask(t.expose_secret()))
            .unwrap_or_default(),
        refreshed.request_id
    );
    if let Some(token) = &new_user_token {
        let own = authn
            .client()
            .session()
            .list(token.expose_secret(), ListOptions::new())
            .await?;
        println!(
            "   with the new user token, {} sees {} session(s) of their own   request_id {}\n",
            alice.email,
            own.result.sessions.len(),
            own.request_id
        );
    }

    let bob = &users[1];
    println!(
        "4. Invalidate one session of {} ({})",
        bob.email, bob.sessions[0].id
    );
    let done = authn.session().invalidate(&bob.sessions[0].id).await?;
    println!("   done   request_id {}\n", done.request_id);

    let carol = &users[2];
    println!(
        "5. Log {} out everywhere (the 3 a.m. call for a compromised account)",
        carol.email
    );
    let done = authn.session().logout(&carol.id).await?;
    let left: Vec<_> = authn
        .session()
        .list_all(ListOptions::new().filter(SessionListFilter::new().identity(&carol.id)))
        .try_collect()
        .await?;
    println!(
        "   done   request_id {}; sessions left for {}: {}\n",
        done.request_id,
        carol.email,
        left.len()
    );

    let total = authn
        .session()
        .list_all(ListOptions::new())
        .try_collect::<Vec<_>>()
        .await?
        .len();
    println!("Sessions now: {total}. Every step above was a real HTTP call.");
    Ok(())
}

async fn read_only_steps(authn: &AuthN) -> Result {
    println!("1. The 10 newest sessions");
    let page = authn
        .session()
        .list(
            ListOptions::new()
                .order(ItemOrder::Desc)
                .order_by(SessionListOrderBy::CreatedAt)
                .size(10),
        )
        .await?;
    print_table(&page);

    println!("2. Every session, 5 per page, fetched lazily with list_all");
    let mut pages = authn.session().list_pages(ListOptions::new().size(5));
    let (mut count, mut page_count) = (0, 0);
    while let Some(page) = pages.try_next().await? {
        page_count += 1;
        count += page.result.sessions.len();
        if page_count > 200 {
            println!("   (stopping after 200 pages)");
            break;
        }
    }
    println!("   {count} sessions in {page_count} pages\n");
    Ok(())
}

fn print_table(page: &PangeaResponse<SessionListResult>) {
    println!(
        "   {:<38} {:<22} {:<28} {:<28}",
        "session", "email", "created_at", "expire"
    );
    for s in &page.result.sessions {
        println!(
            "   {:<38} {:<22} {:<28} {:<28}",
            s.id.as_str(),
            s.email,
            s.created_at,
            s.expire
        );
    }
    println!("   request_id {}\n", page.request_id);
}

/// Shows only the kind of a token, never its value.
fn mask(token: &str) -> String {
    format!("{}****", token.get(..4).unwrap_or_default())
}
