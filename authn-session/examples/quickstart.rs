//! The session lifecycle in one run.
//!
//! `cargo run -p authn-session --example quickstart`
//!
//! With no `PANGEA_AUTHN_TOKEN` set it starts the local AuthN emulator in-process
//! with seeded users, and walks list → paginate → refresh → invalidate → log out.
//! With `PANGEA_AUTHN_TOKEN` (and `PANGEA_DOMAIN` or `PANGEA_BASE_URL`) set, it
//! runs only the read-only steps against real Pangea.

use authn_session::{
    AuthN, Config, ExposeSecret, ItemOrder, ListOptions, PangeaResponse, RefreshOptions,
    SessionListFilter, SessionListOrderBy, SessionListResult,
};
use futures::TryStreamExt;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result {
    // A token set (and not blank) means real Pangea; otherwise the emulator.
    if authn_session::Env::read().token.is_some() {
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

/// The page as aligned columns, times in RFC 3339 as the command line prints them.
fn print_table(page: &PangeaResponse<SessionListResult>) {
    let time = |t: &authn_session::chrono::DateTime<authn_session::chrono::Utc>| {
        t.to_rfc3339_opts(authn_session::chrono::SecondsFormat::Secs, true)
    };
    let rows: Vec<[String; 4]> = page
        .result
        .sessions
        .iter()
        .map(|s| {
            [
                s.id.to_string(),
                s.email.clone(),
                time(&s.created_at),
                time(&s.expire),
            ]
        })
        .collect();
    let header = ["SESSION ID", "EMAIL", "CREATED", "EXPIRES"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("   {}", cells.join("  ").trim_end());
    }
    println!("   request_id {}\n", page.request_id);
}

/// Shows only the kind of a token, never its value.
fn mask(token: &str) -> String {
    format!("{}****", token.get(..4).unwrap_or_default())
}
