//! A web page's use of the SDK, with the signed-in user's token: "your other
//! devices", ending one of them, refreshing, and signing out. Built for
//! wasm32 and bound to `index.html` (beside this file) by wasm-bindgen; the
//! README's "In the browser and at the edge" has the commands. Natively this
//! example is empty.
//!
//! The page holds a Pangea *client* token (`pcl_…`, made for browsers) and
//! the user's tokens; never a service token.

#![cfg(target_arch = "wasm32")]

use authn_session::{AuthN, Config, ExposeSecret, ListOptions, RefreshOptions};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// One row of the page's device list.
#[derive(Serialize)]
struct Device {
    id: String,
    created_at: String,
    expire: String,
}

/// The rotated tokens the page stores in place of the old ones.
#[derive(Serialize)]
struct Rotated {
    user_token: String,
    refresh_token: String,
}

fn authn(base_url: &str, client_token: &str) -> Result<AuthN, JsError> {
    let config = Config::builder().base_url_template(base_url).build()?;
    Ok(AuthN::new(client_token, config)?)
}

/// The user's sessions, as JSON rows for the page.
#[wasm_bindgen]
pub async fn other_devices(
    base_url: String,
    client_token: String,
    user_token: String,
) -> Result<String, JsError> {
    let page = authn(&base_url, &client_token)?
        .client()
        .session()
        .list(user_token, ListOptions::new())
        .await?;
    let devices: Vec<Device> = page
        .result
        .sessions
        .into_iter()
        .map(|s| Device {
            id: s.id.to_string(),
            created_at: s.created_at.to_rfc3339(),
            expire: s.expire.to_rfc3339(),
        })
        .collect();
    Ok(serde_json::to_string(&devices)?)
}

/// Ends one of the user's other sessions.
#[wasm_bindgen]
pub async fn end_session(
    base_url: String,
    client_token: String,
    user_token: String,
    session_id: String,
) -> Result<(), JsError> {
    authn(&base_url, &client_token)?
        .client()
        .session()
        .invalidate(user_token, session_id)
        .await?;
    Ok(())
}

/// Rotates the user's tokens: the page keeps the new pair.
#[wasm_bindgen]
pub async fn refresh(
    base_url: String,
    client_token: String,
    user_token: String,
    refresh_token: String,
) -> Result<String, JsError> {
    let done = authn(&base_url, &client_token)?
        .client()
        .session()
        .refresh(refresh_token, RefreshOptions::new().user_token(user_token))
        .await?;
    let rotated = Rotated {
        user_token: done
            .result
            .active_token
            .map(|t| t.token.expose_secret().to_string())
            .unwrap_or_default(),
        refresh_token: done.result.refresh_token.token.expose_secret().to_string(),
    };
    Ok(serde_json::to_string(&rotated)?)
}

/// Signs the user out of this session.
#[wasm_bindgen]
pub async fn sign_out(
    base_url: String,
    client_token: String,
    user_token: String,
) -> Result<(), JsError> {
    authn(&base_url, &client_token)?
        .client()
        .session()
        .logout(user_token)
        .await?;
    Ok(())
}
