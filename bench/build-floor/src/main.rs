//! Lists one page of sessions with the HTTP stack alone: what a program pays
//! to build before any SDK (`bench/build-cost.sh`).

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

#[derive(serde::Deserialize)]
struct Page {
    request_id: String,
    request_time: DateTime<Utc>,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = SecretString::from(std::env::var("PANGEA_AUTHN_TOKEN").unwrap_or_default());
    let body = reqwest::Client::new()
        .post("https://authn.aws.us.pangea.cloud/v2/session/list")
        .bearer_auth(token.expose_secret())
        .body(serde_json::json!({}).to_string())
        .send()
        .await?
        .bytes()
        .await?;
    let page: Page = serde_json::from_slice(&body)?;
    let pages = futures::stream::iter([page.request_id.clone()]);
    tracing::info!(request_id = %page.request_id, "listed");
    println!("{} at {}", page.request_id, page.request_time);
    drop(pages);
    Ok(())
}
