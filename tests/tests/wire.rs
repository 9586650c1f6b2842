//! Exact request bodies and headers of all seven endpoints, with and without
//! their optional fields, as insta JSON snapshots: an API change shows here.

use authn_session::{
    Error, InvalidateOptions, ItemOrder, ListOptions, RefreshOptions, SessionListFilter,
    SessionListOrderBy,
};
use authn_session_tests::{MockServer, Recorded, Reply};
use serde_json::{json, Value};

const USER_TOKEN: &str = "ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a";
const REFRESH_TOKEN: &str = "ptr_xpkhwpnz2cmegsws737xbsqnmnuwtbm5";
const SESSION_ID: &str = "pmt_zppkzrjguxyblaia6itbiesejn7jejnr";
const USER_ID: &str = "pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5";

fn list_result() -> Value {
    json!({"sessions": [], "last": ""})
}

fn login_token(token: &str) -> Value {
    json!({"token": token, "id": "pmt_new", "type": "user", "life": 3600, "expire": "2026-11-23T09:00:00Z",
           "identity": USER_ID, "email": "alice@example.com", "profile": {}, "created_at": "2026-11-23T08:00:00Z"})
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    for path in [
        "/v2/session/invalidate",
        "/v2/session/logout",
        "/v2/client/session/invalidate",
        "/v2/client/session/logout",
    ] {
        server.always(path, Reply::success(json!({}))).await;
    }
    for path in ["/v2/session/list", "/v2/client/session/list"] {
        server.always(path, Reply::success(list_result())).await;
    }
    server.always(
        "/v2/client/session/refresh",
        Reply::success(json!({"refresh_token": login_token("ptr_new"), "active_token": login_token("ptu_new")})),
    ).await;
    server
}

/// What a reviewer needs to see of a request; the User-Agent is checked apart
/// because it carries the crate version.
fn view(request: &Recorded) -> Value {
    assert!(request
        .header("user-agent")
        .unwrap()
        .starts_with("pangea-rust/"));
    let mut headers: Vec<_> = request
        .headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "user-agent" | "host" | "content-length"))
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
        .collect();
    headers.sort();
    json!({"request": format!("{} {}", request.method, request.path), "headers": headers, "body": request.json()})
}

fn full_options() -> ListOptions {
    ListOptions::new()
        .filter(
            SessionListFilter::new()
                .email_contains(["example.com", "@"])
                .username_in(["alice", "bob"])
                .enabled(true)
                .profile("department", "ops")
                .profile_contains("title", ["lead"])
                .profile_exists("phone", false)
                .created_at_gt(
                    "2026-01-01T00:00:00Z"
                        .parse::<authn_session::chrono::DateTime<authn_session::chrono::Utc>>()
                        .unwrap(),
                ),
        )
        .last("cursor-1")
        .order(ItemOrder::Desc)
        .order_by(SessionListOrderBy::CreatedAt)
        .size(10)
}

#[tokio::test]
async fn service_token_endpoints() {
    let server = server().await;
    let authn = server.authn();
    authn.session().invalidate(SESSION_ID).await.unwrap();
    authn
        .session()
        .invalidate_with(SESSION_ID, InvalidateOptions::new().user_initiated(true))
        .await
        .unwrap();
    authn.session().list(ListOptions::new()).await.unwrap();
    authn.session().list(full_options()).await.unwrap();
    authn.session().logout(USER_ID).await.unwrap();
    authn.session().logout("svc:ops/o'brien bot").await.unwrap();
    let views: Vec<_> = server.requests().iter().map(view).collect();
    insta::assert_json_snapshot!(views);
}

#[tokio::test]
async fn a_profile_name_that_is_not_letters_only_is_refused_before_sending() {
    let server = server().await;
    let authn = server.authn();
    for filter in [
        SessionListFilter::new().profile("first_name", "Alice"),
        SessionListFilter::new().profile_exists("", true),
        SessionListFilter::new().profile_contains("näme", ["x"]),
    ] {
        let options = ListOptions::new().filter(filter);
        let err = authn.session().list(options.clone()).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "filter",
                    ..
                }
            ),
            "{err}"
        );
        let err = authn.session().invalidate_all(options).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "filter",
                    ..
                }
            ),
            "{err}"
        );
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn client_token_endpoints() {
    let server = server().await;
    let authn = server.authn();
    let client = authn.client().session();
    client.invalidate(USER_TOKEN, SESSION_ID).await.unwrap();
    client.list(USER_TOKEN, ListOptions::new()).await.unwrap();
    client.list(USER_TOKEN, full_options()).await.unwrap();
    client.logout(USER_TOKEN).await.unwrap();
    client
        .refresh(REFRESH_TOKEN, RefreshOptions::new())
        .await
        .unwrap();
    client
        .refresh(REFRESH_TOKEN, RefreshOptions::new().user_token(USER_TOKEN))
        .await
        .unwrap();
    let views: Vec<_> = server.requests().iter().map(view).collect();
    insta::assert_json_snapshot!(views);
}

#[tokio::test]
async fn config_id_and_custom_user_agent_go_into_every_request() {
    let server = server().await;
    let authn = server.authn_with(
        server
            .config()
            .config_id("pci_someconfig")
            .custom_user_agent("my-app/2.0"),
    );
    authn.session().invalidate(SESSION_ID).await.unwrap();
    authn.session().list(ListOptions::new()).await.unwrap();
    authn.session().logout(USER_ID).await.unwrap();
    authn
        .client()
        .session()
        .invalidate(USER_TOKEN, SESSION_ID)
        .await
        .unwrap();
    authn
        .client()
        .session()
        .list(USER_TOKEN, ListOptions::new())
        .await
        .unwrap();
    authn.client().session().logout(USER_TOKEN).await.unwrap();
    authn
        .client()
        .session()
        .refresh(REFRESH_TOKEN, RefreshOptions::new())
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 7);
    for request in requests {
        assert_eq!(
            request.json()["config_id"],
            "pci_someconfig",
            "{}",
            request.path
        );
        let agent = request.header("user-agent").unwrap();
        assert_eq!(
            agent,
            format!("pangea-rust/{} my-app/2.0", env!("CARGO_PKG_VERSION"))
        );
    }
}
