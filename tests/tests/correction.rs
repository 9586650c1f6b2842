//! One odd record never costs a page: client error correction (Smithy's),
//! the envelope status in any case, and what correction must not mend, over
//! a scripted server and over the emulator playing a service that omits
//! fields.

use std::collections::HashSet;

use authn_emulator::{Emulator, Quirk};
use authn_session::{
    ApiErrorKind, Error, ExposeSecret, ListOptions, RefreshOptions, SessionListFilter,
};
use authn_session_tests::{emulator_client, emulator_config, envelope, Capture, MockServer, Reply};
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};

const LIST: &str = "/v2/session/list";
const CLIENT_LIST: &str = "/v2/client/session/list";
const REFRESH: &str = "/v2/client/session/refresh";

fn session(id: &str) -> Value {
    json!({
        "id": id, "type": "session", "life": 600, "expire": "2026-11-25T08:00:00Z",
        "email": "alice@example.com", "identity": "pui_alice", "profile": {"first_name": "Alice"},
        "created_at": "2026-11-23T08:00:00Z",
        "active_token": {"id": "pmt_t", "type": "user", "life": 60, "expire": "2026-11-23T09:00:00Z",
            "identity": "pui_alice", "email": "alice@example.com", "profile": {},
            "created_at": "2026-11-23T08:00:00Z"},
    })
}

/// A page of three sessions: the second lacks `identity`, the third has a
/// `null` email and no profile, and its active token lacks `expire`.
fn odd_page() -> Value {
    let mut second = session("pmt_2");
    second.as_object_mut().unwrap().remove("identity");
    let mut third = session("pmt_3");
    third["email"] = Value::Null;
    third.as_object_mut().unwrap().remove("profile");
    third["active_token"]
        .as_object_mut()
        .unwrap()
        .remove("expire");
    json!({"sessions": [session("pmt_1"), second, third], "last": ""})
}

const ODD_PATHS: [&str; 4] = [
    "result.sessions[1].identity",
    "result.sessions[2].email",
    "result.sessions[2].profile",
    "result.sessions[2].active_token.expire",
];

/// The warnings a capture holds, one a line.
fn warnings_in(capture: &Capture) -> Vec<String> {
    capture
        .text()
        .lines()
        .filter(|l| l.contains("WARN"))
        .map(str::to_string)
        .collect()
}

/// A capture of this test's thread that keeps warnings and above.
fn warnings() -> (Capture, tracing::subscriber::DefaultGuard) {
    Capture::at(tracing::Level::WARN)
}

#[tokio::test]
async fn missing_and_null_fields_read_as_zero_values_and_each_is_reported() {
    let (capture, _guard) = warnings();
    let server = MockServer::start().await;
    server.reply(LIST, Reply::success(odd_page())).await;
    let page = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    let sessions = &page.result.sessions;
    assert_eq!(sessions.len(), 3);
    assert_eq!(
        (sessions[1].id.as_str(), sessions[1].identity.as_str()),
        ("pmt_2", "")
    );
    assert_eq!(sessions[2].email, "");
    assert!(sessions[2].profile.is_empty());
    let epoch = authn_session::chrono::DateTime::UNIX_EPOCH;
    assert_eq!(sessions[2].active_token.as_ref().unwrap().expire, epoch);
    // What was there is untouched.
    assert_eq!(sessions[1].email, "alice@example.com");
    assert_eq!(sessions[2].identity, "pui_alice");
    assert_eq!(page.corrections(), ODD_PATHS);
    let warnings = warnings_in(&capture);
    assert_eq!(warnings.len(), 4, "{warnings:#?}");
    for (warning, path) in warnings.iter().zip(ODD_PATHS) {
        for part in [
            &format!("path=\"{path}\"") as &str,
            "operation=\"session_list\"",
            "request_id=\"prq_0001\"",
        ] {
            assert!(warning.contains(part), "{part} not in {warning}");
        }
    }
}

#[tokio::test]
async fn a_warning_sits_in_its_attempts_span_which_names_the_envelopes_request_id() {
    // INFO: the attempt's span is an info span.
    let (capture, _guard) = Capture::at(tracing::Level::INFO);
    let server = MockServer::start().await;
    // A proxy's id in the header, the service's in the envelope: the span
    // keeps both, the envelope's last.
    let reply = Reply::success(odd_page()).header("x-request-id", "prq_proxy");
    server.reply(LIST, reply).await;
    let page = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    assert_eq!(page.request_id, "prq_0001");
    let warnings = warnings_in(&capture);
    assert_eq!(warnings.len(), 4, "{warnings:#?}");
    for warning in &warnings {
        let span = warning
            .split_once("pangea.request{")
            .and_then(|(_, rest)| rest.split_once('}'))
            .map(|(fields, _)| fields)
            .unwrap_or_else(|| panic!("no attempt span in {warning}"));
        assert!(
            span.ends_with("pangea.request_id=\"prq_proxy\" pangea.request_id=\"prq_0001\""),
            "{span}"
        );
    }
}

#[tokio::test]
async fn both_walks_and_both_lists_correct_alike() {
    let server = MockServer::start().await;
    server.always(LIST, Reply::success(odd_page())).await;
    server.always(CLIENT_LIST, Reply::success(odd_page())).await;
    let authn = server.authn();
    for ahead in [false, true] {
        let options = ListOptions::new().read_ahead(ahead);
        let pages: Vec<_> = authn
            .session()
            .list_pages(options.clone())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!(pages[0].corrections(), ODD_PATHS, "read ahead: {ahead}");
        let ids: Vec<String> = authn
            .session()
            .list_all(options.clone())
            .map_ok(|s| s.id.to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids, ["pmt_1", "pmt_2", "pmt_3"], "read ahead: {ahead}");
        let user_pages: Vec<_> = authn
            .client()
            .session()
            .list_pages("ptu_user", options)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            user_pages[0].corrections(),
            ODD_PATHS,
            "read ahead: {ahead}"
        );
    }
    let report = authn
        .session()
        .invalidate_all(ListOptions::new())
        .dry_run()
        .await
        .unwrap();
    assert_eq!((report.matched(), report.corrected()), (3, 4));
}

/// The `Error::Decode` path of a list of `page`, lazily and reading ahead
/// (both must say the same).
async fn decode_path(page: Value) -> String {
    let server = MockServer::start().await;
    server.always(LIST, Reply::json(200, page)).await;
    let authn = server.authn_with(server.config().request_retries(0));
    let mut paths = Vec::new();
    for ahead in [false, true] {
        let pages = authn
            .session()
            .list_pages(ListOptions::new().read_ahead(ahead));
        let err = pages
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .find_map(Result::err)
            .expect("the walk fails");
        let Error::Decode {
            source: Some(detail),
            ..
        } = &err
        else {
            panic!("{err:?}");
        };
        paths.push(detail.path().to_string());
    }
    assert_eq!(paths[0], paths[1], "lazy and read-ahead");
    paths.remove(0)
}

#[tokio::test]
async fn what_correction_cannot_mend_stays_a_decode_error_with_its_path() {
    let with = |sessions: Value| envelope("Success", "ok", json!({ "sessions": sessions }));
    let mut no_id = session("pmt_2");
    no_id.as_object_mut().unwrap().remove("id");
    let mut wrong_type = session("pmt_3");
    wrong_type["life"] = json!("ten");
    let mut missing = session("pmt_1");
    missing.as_object_mut().unwrap().remove("email");
    let cases = [
        // An item without a usable id: absent, null or empty.
        (with(json!([session("pmt_1"), no_id])), "result.sessions[1]"),
        (
            with(json!([{"id": null, "type": "session"}])),
            "result.sessions[0].id",
        ),
        (with(json!([{"id": ""}])), "result.sessions[0].id"),
        // A value of the wrong type, beside a field that was corrected.
        (
            with(json!([missing, wrong_type])),
            "result.sessions[1].life",
        ),
        // `sessions` that is not an array, or not there.
        (with(json!({"0": session("pmt_1")})), "result.sessions"),
        (envelope("Success", "ok", json!({})), "result"),
        // A body that is not an envelope.
        (json!(["Success"]), "."),
    ];
    for (body, path) in cases {
        assert_eq!(decode_path(body.clone()).await, path, "{body}");
    }
}

#[tokio::test]
async fn a_refresh_result_is_corrected_but_never_given_a_token() {
    let login = |token: Option<&str>| {
        let mut record = json!({"id": "pmt_n", "type": "user", "life": 60,
            "expire": "2026-11-25T08:00:00Z", "identity": "pui", "email": "e",
            "profile": {}, "created_at": "2026-11-23T08:00:00Z"});
        if let Some(token) = token {
            record["token"] = json!(token);
        }
        record
    };
    let server = MockServer::start().await;
    let mut refresh = login(Some("ptr_SENTINELnewrefresh"));
    refresh.as_object_mut().unwrap().remove("identity");
    refresh["created_at"] = Value::Null;
    server
        .reply(
            REFRESH,
            Reply::success(json!({"refresh_token": refresh, "active_token": login(Some("ptu_SENTINELnewuser"))})),
        )
        .await;
    let (capture, _guard) = warnings();
    let fresh = server
        .authn()
        .client()
        .session()
        .refresh("ptr_old", RefreshOptions::new())
        .await
        .unwrap();
    assert_eq!(
        fresh.corrections(),
        [
            "result.refresh_token.identity",
            "result.refresh_token.created_at"
        ]
    );
    assert_eq!(
        fresh.result.refresh_token.token.expose_secret(),
        "ptr_SENTINELnewrefresh"
    );
    assert!(!warnings_in(&capture).join("\n").contains("SENTINEL"));

    // A token record without its token is not a token record.
    server
        .reply(
            REFRESH,
            Reply::success(json!({"refresh_token": login(None)})),
        )
        .await;
    let err = server
        .authn_with(server.config().request_retries(0))
        .client()
        .session()
        .refresh("ptr_old", RefreshOptions::new())
        .await
        .unwrap_err();
    let Error::Decode {
        source: Some(detail),
        excerpt,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(detail.path(), "result.refresh_token");
    assert!(excerpt.is_none(), "a refresh body is never quoted");
}

#[tokio::test]
async fn the_envelope_status_is_read_in_any_case() {
    for status in ["success", "SUCCESS", "sUcCeSs"] {
        let server = MockServer::start().await;
        let body = envelope(status, "ok", json!({"sessions": [session("pmt_1")]}));
        server.reply(LIST, Reply::json(200, body)).await;
        let page = server
            .authn()
            .session()
            .list(ListOptions::new())
            .await
            .unwrap_or_else(|e| panic!("{status}: {e:?}"));
        assert_eq!(page.status, status, "kept as the service wrote it");
        assert_eq!(page.result.sessions.len(), 1);
    }
    for (status, kind) in [
        ("notfound", ApiErrorKind::NotFound),
        ("VALIDATIONERROR", ApiErrorKind::ValidationError),
        ("tooManyRequests", ApiErrorKind::TooManyRequests),
    ] {
        let server = MockServer::start().await;
        server.always(LIST, Reply::error(400, status, "no")).await;
        let err = server
            .authn_with(server.config().request_retries(0))
            .session()
            .list(ListOptions::new())
            .await
            .unwrap_err();
        assert_eq!(err.api().map(|a| &a.kind), Some(&kind), "{status}");
    }
}

/// The ids of the sessions of `fixtures` at the positions (counted from 1)
/// that `every` divides: the ones `omit-field:NAME:every` strips.
fn every(fixtures: &authn_emulator::Fixtures, n: usize) -> HashSet<String> {
    fixtures
        .users
        .iter()
        .flat_map(|u| &u.sessions)
        .enumerate()
        .filter(|(p, _)| (p + 1) % n == 0)
        .map(|(_, s)| s.id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sessions_some_without_identity_or_profile_are_all_walked_and_all_ended() {
    let emulator = Emulator::builder()
        .seed_users(250, 4)
        .quirk(Quirk::omit_field("identity", 7).unwrap())
        .quirk(Quirk::omit_field("profile", 11).unwrap())
        .spawn()
        .await
        .unwrap();
    let (no_identity, no_profile) = (
        every(emulator.fixtures(), 7),
        every(emulator.fixtures(), 11),
    );
    assert_eq!((no_identity.len(), no_profile.len()), (142, 90));
    let authn = emulator_client(&emulator, emulator_config(&emulator));
    let options = ListOptions::new().size(100);
    let mut walks = Vec::new();
    for ahead in [false, true] {
        let sessions: Vec<_> = authn
            .session()
            .list_all(options.clone().read_ahead(ahead))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(sessions.len(), 1000, "read ahead: {ahead}");
        for s in &sessions {
            assert_eq!(s.identity.is_empty(), no_identity.contains(&*s.id));
            assert_eq!(s.profile.is_empty(), no_profile.contains(&*s.id));
        }
        walks.push(sessions.into_iter().map(|s| s.id).collect::<Vec<_>>());
    }
    assert_eq!(walks[0], walks[1], "the same sessions in the same order");
    let corrected: usize = authn
        .session()
        .list_pages(options)
        .map_ok(|page| page.corrections().len())
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .sum();
    assert_eq!(corrected, 142 + 90);

    let everyone = SessionListFilter::new().type_("session");
    let report = authn
        .session()
        .invalidate_all(ListOptions::new().filter(everyone))
        .concurrency(16)
        .await
        .unwrap();
    assert_eq!(
        (report.matched(), report.ended(), report.failed().len()),
        (1000, 1000, 0)
    );
    assert_eq!(report.corrected(), 142 + 90);
    let state: Value = authn_session_tests::admin_get(
        &emulator.base_url(),
        emulator.service_token(),
        "/_emulator/state",
    )
    .await;
    let left: usize = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["sessions"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(
        left, 0,
        "every session ended, read back from /_emulator/state"
    );
}

#[tokio::test]
async fn a_service_that_adds_fields_and_lowers_statuses_serves_every_call() {
    let emulator = Emulator::builder()
        .seed_users(2, 2)
        .quirk(Quirk::ExtraFields)
        .quirk(Quirk::StatusLowercase)
        .spawn()
        .await
        .unwrap();
    let authn = emulator_client(&emulator, emulator_config(&emulator).request_retries(0));
    let (alice, bob) = (&emulator.fixtures().users[0], &emulator.fixtures().users[1]);
    let page = authn.session().list(ListOptions::new()).await.unwrap();
    assert_eq!(
        (page.status.as_str(), page.result.sessions.len()),
        ("success", 4)
    );
    assert!(page.corrections().is_empty(), "nothing was missing");
    let mine = authn
        .client()
        .session()
        .list(alice.sessions[0].user_token.as_str(), ListOptions::new())
        .await
        .unwrap();
    assert_eq!(mine.result.sessions.len(), 2);
    let fresh = authn
        .client()
        .session()
        .refresh(
            alice.sessions[0].refresh_token.as_str(),
            RefreshOptions::new().user_token(alice.sessions[0].user_token.as_str()),
        )
        .await
        .unwrap();
    let user_token = fresh.result.active_token.unwrap().token;
    authn
        .client()
        .session()
        .invalidate(&user_token, alice.sessions[1].id.as_str())
        .await
        .unwrap();
    authn
        .session()
        .invalidate(bob.sessions[0].id.as_str())
        .await
        .unwrap();
    authn.session().logout(bob.id.as_str()).await.unwrap();
    authn.client().session().logout(user_token).await.unwrap();
    assert!(authn_session_tests::live_ids(&emulator).is_empty());
    let gone = authn
        .session()
        .invalidate(bob.sessions[1].id.as_str())
        .await
        .unwrap_err();
    let api = gone.api().unwrap();
    assert_eq!(
        (api.kind.clone(), api.status.as_str()),
        (ApiErrorKind::NotFound, "notfound")
    );
}
