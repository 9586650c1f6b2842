//! Quirks: each makes the emulator differ from Pangea's documentation in its
//! one way, and in no other; switched on by `--quirk`, the builder and the
//! admin API, which checks every name before it switches any on.

mod common;

use authn_emulator::{Emulator, EmulatorHandle, Fixtures, Quirk};
use common::{post, run};
use serde_json::{json, Value};

const TOKEN: &str = "pts_quirks";
const ALICE_USER_TOKEN: &str = "ptu_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a";
const ALICE_REFRESH_TOKEN: &str = "ptr_xpkhwpnz2cmegsws737xbsqnmnuwtbm5";
const UNKNOWN_SESSION: &str = "pmt_nosuchsession2222222222222222222";

/// The example fixtures, each user in a team (a profile field a filter can
/// name: letters only).
fn example() -> Fixtures {
    let text = include_str!("../fixtures/example.json");
    let mut fixtures: Fixtures = serde_json::from_str(text).unwrap();
    for (user, team) in fixtures.users.iter_mut().zip(["red", "blue"]) {
        user.profile.insert("team".into(), team.into());
    }
    fixtures
}

async fn start(quirks: &[Quirk]) -> EmulatorHandle {
    let mut builder = Emulator::builder().service_token(TOKEN).fixtures(example());
    for quirk in quirks {
        builder = builder.quirk(quirk.clone());
    }
    builder.spawn().await.unwrap()
}

async fn call(emulator: &EmulatorHandle, path: &str, body: Value) -> (u16, Value) {
    post(&emulator.base_url(), TOKEN, path, body).await
}

/// `method` on the admin API's `/_emulator/quirks`.
async fn admin(emulator: &EmulatorHandle, method: &str, body: Option<Value>) -> (u16, Value) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut request = reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            format!("{}/_emulator/quirks", emulator.base_url()),
        )
        .bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn ids(body: &Value) -> Vec<&str> {
    body["result"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect()
}

#[test]
fn names_parse_and_print_back_and_bad_ones_say_what_there_is() {
    for name in [
        "omit-field:identity:7",
        "status-lowercase",
        "contains-any",
        "unknown-session-400",
        "extra-fields",
        "refresh-without-active-token",
    ] {
        assert_eq!(name.parse::<Quirk>().unwrap().to_string(), name);
    }
    assert_eq!(
        "omit-field:profile".parse::<Quirk>().unwrap(),
        Quirk::omit_field("profile", 1).unwrap()
    );
    for bad in [
        "omit-field:",
        "omit-field:identity:0",
        "omit-field:identity:x",
        "omit-field:Identity",
        "contains_any",
        "",
    ] {
        let err = bad.parse::<Quirk>().unwrap_err().to_string();
        assert!(
            err.contains("status-lowercase, contains-any"),
            "{bad}: {err}"
        );
    }
}

#[tokio::test]
async fn the_binary_takes_quirks_and_refuses_an_unknown_one() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/example.json");
    let emulator = run(&[
        "--service-token",
        TOKEN,
        "--fixtures",
        fixtures,
        "--quirk",
        "status-lowercase",
        "--quirk",
        "omit-field:email:2",
    ]);
    let (status, body) = post(&emulator.base_url, TOKEN, "/v2/session/list", json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("success")));
    // Loaded second (of three): alice's phone lacks its email; no other does.
    for session in body["result"]["sessions"].as_array().unwrap() {
        let phone = session["id"] == "pmt_alicephone2222222222222222222222";
        assert_eq!(session.get("email").is_none(), phone, "{session}");
    }
    let refused = common::start(
        std::process::Command::new(env!("CARGO_BIN_EXE_authn-emulator")),
        &["--quirk", "contains-everything"],
    )
    .err()
    .expect("an unknown quirk stops the start");
    assert!(refused.contains("unknown quirk"), "{refused}");
    assert!(refused.contains("omit-field:NAME[:N]"), "{refused}");
}

#[tokio::test]
async fn the_admin_api_checks_every_name_before_switching_any_on() {
    let emulator = start(&[]).await;
    assert_eq!(
        admin(&emulator, "GET", None).await,
        (200, json!({"quirks": []}))
    );
    let (status, body) = admin(
        &emulator,
        "POST",
        Some(json!({"quirks": ["contains-any", "contains-all"]})),
    )
    .await;
    assert_eq!((status, &body["status"]), (400, &json!("ValidationError")));
    assert_eq!(body["result"]["errors"][0]["source"], "/quirks/1");
    assert_eq!(emulator.quirks().list(), [], "nothing half-applied");
    let (status, body) = admin(
        &emulator,
        "POST",
        Some(json!({"quirks": ["contains-any", "omit-field:email:3", "contains-any"]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"quirks": ["contains-any", "omit-field:email:3"]})
    );
    assert_eq!(admin(&emulator, "DELETE", None).await.0, 204, "cleared");
    assert!(emulator.quirks().list().is_empty());
    // And a reset clears them, as it empties the store.
    emulator.quirks().add(Quirk::ExtraFields);
    emulator.reset();
    assert!(emulator.quirks().list().is_empty());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let unauthorized = reqwest::Client::new()
        .get(format!("{}/_emulator/quirks", emulator.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);
}

#[tokio::test]
async fn status_lowercase_lowers_every_status_and_changes_nothing_else() {
    let plain = start(&[]).await;
    let quirky = start(&[Quirk::StatusLowercase]).await;
    let (_, expected) = call(&plain, "/v2/session/list", json!({})).await;
    let (status, body) = call(&quirky, "/v2/session/list", json!({})).await;
    assert_eq!((status, &body["status"]), (200, &json!("success")));
    assert_eq!(ids(&body), ids(&expected));
    let (status, body) = call(
        &quirky,
        "/v2/session/invalidate",
        json!({"session_id": UNKNOWN_SESSION}),
    )
    .await;
    assert_eq!((status, &body["status"]), (404, &json!("notfound")));
}

#[tokio::test]
async fn contains_any_matches_either_substring() {
    let filters = [
        json!({"email__contains": ["alice", "example.org"]}),
        json!({"profile_team__contains": ["re", "bl"]}),
    ];
    for (quirks, expected) in [(vec![], 0), (vec![Quirk::ContainsAny], 3)] {
        let emulator = start(&quirks).await;
        for filter in &filters {
            let (status, body) =
                call(&emulator, "/v2/session/list", json!({ "filter": filter })).await;
            assert_eq!(status, 200);
            assert_eq!(ids(&body).len(), expected, "{quirks:?} {filter}");
        }
        // One substring means the same either way.
        let (_, body) = call(
            &emulator,
            "/v2/session/list",
            json!({"filter": {"email__contains": ["alice"]}}),
        )
        .await;
        assert_eq!(ids(&body).len(), 2, "{quirks:?}");
    }
}

#[tokio::test]
async fn unknown_session_400_answers_an_unknown_session_as_a_field_error() {
    let emulator = start(&[Quirk::UnknownSession400]).await;
    let (status, body) = call(
        &emulator,
        "/v2/session/invalidate",
        json!({"session_id": UNKNOWN_SESSION}),
    )
    .await;
    assert_eq!((status, &body["status"]), (400, &json!("ValidationError")));
    assert_eq!(body["result"]["errors"][0]["source"], "/session_id");
    let (status, _) = call(
        &emulator,
        "/v2/client/session/invalidate",
        json!({"token": ALICE_USER_TOKEN, "session_id": UNKNOWN_SESSION}),
    )
    .await;
    assert_eq!(status, 400);
    // An unknown user token is still 404: the quirk is about sessions.
    let (status, _) = call(
        &emulator,
        "/v2/client/session/invalidate",
        json!({"token": "ptu_nosuchtoken", "session_id": UNKNOWN_SESSION}),
    )
    .await;
    assert_eq!(status, 404);
    // A known session still ends.
    let (status, _) = call(
        &emulator,
        "/v2/session/invalidate",
        json!({"session_id": "pmt_boblaptop22222222222222222222222"}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn extra_fields_reach_every_envelope_item_and_token_record() {
    let emulator = start(&[Quirk::ExtraFields]).await;
    let (status, body) = call(&emulator, "/v2/session/list", json!({})).await;
    assert_eq!(status, 200);
    assert!(body.get("x_emulator_extra").is_some(), "{body}");
    assert!(body["result"].get("x_emulator_extra").is_some());
    for item in body["result"]["sessions"].as_array().unwrap() {
        assert!(item.get("x_emulator_extra").is_some(), "{item}");
        assert!(item["active_token"].get("x_emulator_extra").is_some());
    }
    let (status, body) = call(
        &emulator,
        "/v2/client/session/refresh",
        json!({"refresh_token": ALICE_REFRESH_TOKEN}),
    )
    .await;
    assert_eq!(status, 200);
    for record in ["refresh_token", "active_token"] {
        assert!(body["result"][record].get("x_emulator_extra").is_some());
    }
}

#[tokio::test]
async fn refresh_without_active_token_rotates_the_refresh_token_only() {
    let emulator = start(&[Quirk::RefreshWithoutActiveToken]).await;
    let (status, body) = call(
        &emulator,
        "/v2/client/session/refresh",
        json!({"refresh_token": ALICE_REFRESH_TOKEN, "user_token": ALICE_USER_TOKEN}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["result"].get("active_token").is_none(), "{body}");
    let rotated = body["result"]["refresh_token"]["token"].as_str().unwrap();
    assert_ne!(rotated, ALICE_REFRESH_TOKEN);
    // The user token sent still works; the refresh token sent is spent.
    let (status, _) = call(
        &emulator,
        "/v2/client/session/list",
        json!({"token": ALICE_USER_TOKEN}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &emulator,
        "/v2/client/session/refresh",
        json!({"refresh_token": ALICE_REFRESH_TOKEN}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &emulator,
        "/v2/client/session/refresh",
        json!({"refresh_token": rotated}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn omit_field_strips_the_same_sessions_on_every_page_and_in_every_order() {
    let emulator = start(&[Quirk::omit_field("identity", 2).unwrap()]).await;
    for (order, size) in [("asc", 1), ("desc", 1), ("asc", 10)] {
        let mut missing = Vec::new();
        let mut last = String::new();
        loop {
            let (_, body) = call(
                &emulator,
                "/v2/session/list",
                json!({"order": order, "order_by": "created_at", "size": size, "last": last}),
            )
            .await;
            for item in body["result"]["sessions"].as_array().unwrap() {
                if item.get("identity").is_none() {
                    missing.push(item["id"].as_str().unwrap().to_string());
                }
                // Only that field, and only from the item.
                assert!(item.get("email").is_some());
                assert!(item["active_token"].get("identity").is_some());
            }
            last = body["result"]["last"].as_str().unwrap().to_string();
            if last.is_empty() {
                break;
            }
        }
        assert_eq!(
            missing,
            ["pmt_alicephone2222222222222222222222"],
            "{order} {size}"
        );
    }
    // A user's own list too.
    let (_, body) = call(
        &emulator,
        "/v2/client/session/list",
        json!({"token": ALICE_USER_TOKEN}),
    )
    .await;
    let stripped: Vec<_> = body["result"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.get("identity").is_none())
        .collect();
    assert_eq!(stripped.len(), 1);
}

#[tokio::test]
async fn quirks_that_change_no_shape_leave_bodies_as_written() {
    let emulator = start(&[Quirk::ContainsAny, Quirk::UnknownSession400]).await;
    assert_eq!(
        format!("{:?}", emulator.quirks()),
        "[ContainsAny, UnknownSession400]"
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let text = reqwest::Client::new()
        .post(format!("{}/v2/session/list", emulator.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The handler's order (status before result), not a re-serialized tree's.
    let (status, result) = (
        text.find("\"status\"").unwrap(),
        text.find("\"result\"").unwrap(),
    );
    assert!(status < result, "{text}");
}
