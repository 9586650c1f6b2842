//! Results decode into the generated types; every Pangea error status maps to
//! its kind with the request id; broken responses become typed errors.

use authn_session::{chrono, ApiErrorKind, Error, ExposeSecret, ListOptions, RefreshOptions};
use authn_session_tests::{envelope, MockServer, Reply};
use serde_json::json;

const LIST: &str = "/v2/session/list";

fn session(id: &str) -> serde_json::Value {
    json!({
        "id": id, "type": "user", "life": 172800, "expire": "2026-11-25T08:00:00Z",
        "email": "alice@example.com", "identity": "pui_alice", "scopes": ["admin"],
        "profile": {"first_name": "Alice", "last_name": "Liddell"},
        "created_at": "2026-11-23T08:00:00Z",
        "active_token": {
            "id": "pmt_token", "type": "user", "life": 3600, "expire": "2026-11-23T09:00:00Z",
            "identity": "pui_alice", "email": "alice@example.com", "profile": {"first_name": "Alice"},
            "created_at": "2026-11-23T08:00:00Z",
            "enabled": true, "audience": ["web", "mobile"], "client_id": "psa_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a",
            "claims": {"tier": 3, "beta": true, "org": {"id": "org_1", "roles": ["admin"]}},
            "intelligence": {"embargo": false, "user_intel": false,
                "ip_intel": {"is_bad": true, "is_vpn": false, "is_proxy": false,
                    "reputation": {"verdict": "malicious", "score": 97, "category": ["botnet"]},
                    "geolocation": {"country": "United States", "city": "Ashburn", "latitude": 39.04, "longitude": -77.49, "postal_code": "20147", "country_code": "US"}},
                "domain_intel": {"is_bad": false, "reputation": {"verdict": "benign", "score": 0, "category": []}}}
        }
    })
}

/// The error of one `list` call, made without retries, that must fail.
async fn failed_list(server: &MockServer) -> Error {
    server
        .authn_with(server.config().request_retries(0))
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn list_result_decodes_with_every_field() {
    let server = MockServer::start().await;
    server
        .reply(
            LIST,
            Reply::success(json!({"sessions": [session("pmt_1")], "last": "cursor-2", "count": 1})),
        )
        .await;
    let page = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    assert_eq!(page.request_id, "prq_0001");
    assert_eq!(page.status, "Success");
    assert_eq!(page.summary, "ok");
    let (request_time, response_time) = (page.request_time.unwrap(), page.response_time.unwrap());
    assert_eq!(request_time.to_rfc3339(), "2026-11-23T08:00:00+00:00");
    assert_eq!(
        response_time - request_time,
        chrono::Duration::milliseconds(10)
    );
    assert_eq!(page.http_status(), 200);
    assert_eq!(page.headers()["x-request-id"], "prq_0001");
    assert_eq!(page.result.last.as_deref(), Some("cursor-2"));
    assert_eq!(page.result.count, Some(1));
    let item = &page.result.sessions[0];
    assert_eq!(*item.id, "pmt_1");
    assert_eq!(item.life, 172800);
    assert_eq!(item.scopes, ["admin"]);
    assert_eq!(
        item.profile.get("last_name").map(String::as_str),
        Some("Liddell")
    );
    assert_eq!(item.type_, "user");
    assert_eq!(item.identity, "pui_alice");
    let token = item.active_token.as_ref().unwrap();
    assert_eq!(token.enabled, Some(true));
    assert_eq!(
        token.audience.as_deref(),
        Some(&["web".to_string(), "mobile".into()][..])
    );
    assert_eq!(
        token.client_id.as_deref().map(String::as_str),
        Some("psa_wuk7tvtpswyjtlsx52b7yyi2l7zotv4a")
    );
    assert_eq!(token.claims["tier"], 3);
    assert_eq!(token.claims["org"]["roles"][0], "admin");
    let intel = token.intelligence.as_ref().unwrap();
    let ip = intel.ip_intel.as_ref().unwrap();
    assert_eq!((ip.is_bad, ip.is_vpn), (Some(true), Some(false)));
    let reputation = ip.reputation.as_ref().unwrap();
    assert_eq!(reputation.verdict.as_deref(), Some("malicious"));
    assert_eq!(
        (reputation.score, &reputation.category[..]),
        (Some(97.0), &["botnet".to_string()][..])
    );
    let place = ip.geolocation.as_ref().unwrap();
    assert_eq!(
        (place.country_code.as_deref(), place.latitude),
        (Some("US"), Some(39.04))
    );
    assert_eq!(intel.domain_intel.as_ref().unwrap().is_bad, Some(false));
}

#[tokio::test]
async fn a_null_audience_and_absent_token_fields_decode() {
    let server = MockServer::start().await;
    let mut item = session("pmt_1");
    let token = item["active_token"].as_object_mut().unwrap();
    token.insert("audience".into(), json!(null));
    for absent in ["enabled", "client_id", "claims", "intelligence"] {
        token.remove(absent);
    }
    server
        .reply(LIST, Reply::success(json!({"sessions": [item]})))
        .await;
    let page = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    let token = page.result.sessions[0].active_token.as_ref().unwrap();
    assert_eq!((token.audience.as_ref(), token.enabled), (None, None));
    assert!(token.claims.is_empty() && token.client_id.is_none());
}

#[tokio::test]
async fn an_envelope_time_that_is_not_rfc3339_does_not_fail_the_call() {
    // Pangea's spec types the envelope times as plain strings.
    for (request_time, response_time) in [
        (json!("1669051473"), json!("2022-09-21 17:24:33")),
        (json!("yesterday"), json!("")),
    ] {
        let server = MockServer::start().await;
        let mut body = envelope("Success", "ok", json!({"sessions": [session("pmt_1")]}));
        body["request_time"] = request_time;
        body["response_time"] = response_time;
        server.reply(LIST, Reply::json(200, body)).await;
        let page = server
            .authn()
            .session()
            .list(ListOptions::new())
            .await
            .unwrap();
        assert_eq!((page.request_time, page.response_time), (None, None));
        assert_eq!(*page.result.sessions[0].id, "pmt_1");
    }
    let server = MockServer::start().await;
    let mut body = envelope("Success", "ok", json!({}));
    body.as_object_mut().unwrap().remove("request_time");
    server
        .reply("/v2/session/logout", Reply::json(200, body))
        .await;
    let done = server.authn().session().logout("pui_alice").await.unwrap();
    assert_eq!(done.request_time, None);
    assert!(done.response_time.is_some());
}

#[tokio::test]
async fn unknown_fields_and_new_token_types_still_decode() {
    let server = MockServer::start().await;
    let mut item = session("pmt_1");
    item["type"] = json!("a-kind-added-next-year");
    item["new_field"] = json!({"nested": true});
    server
        .reply(LIST, Reply::success(json!({"sessions": [item]})))
        .await;
    let page = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    assert_eq!(page.result.sessions[0].type_, "a-kind-added-next-year");
    assert_eq!(page.result.last, None);
}

#[tokio::test]
async fn refresh_result_exposes_tokens_only_on_request() {
    let server = MockServer::start().await;
    let login = |token: &str| {
        json!({"token": token, "id": "pmt_n", "type": "user", "life": 3600, "expire": "2026-11-23T09:00:00Z",
               "identity": "pui_alice", "email": "alice@example.com", "profile": {}, "created_at": "2026-11-23T08:00:00Z"})
    };
    server.reply(
        "/v2/client/session/refresh",
        Reply::success(
            json!({"refresh_token": login("ptr_newrefresh"), "active_token": login("ptu_newuser")}),
        ),
    ).await;
    let response = server
        .authn()
        .client()
        .session()
        .refresh("ptr_old", RefreshOptions::new())
        .await
        .unwrap();
    assert_eq!(
        response.result.refresh_token.token.expose_secret(),
        "ptr_newrefresh"
    );
    assert_eq!(
        response
            .result
            .active_token
            .as_ref()
            .unwrap()
            .token
            .expose_secret(),
        "ptu_newuser"
    );
    let printed = format!("{response:?}");
    assert!(
        !printed.contains("ptr_newrefresh") && !printed.contains("ptu_newuser"),
        "{printed}"
    );
}

#[tokio::test]
async fn every_pangea_status_maps_to_its_kind_with_the_request_id() {
    let cases = [
        (400, "ValidationError", ApiErrorKind::ValidationError),
        (429, "TooManyRequests", ApiErrorKind::TooManyRequests),
        (403, "NoCredit", ApiErrorKind::NoCredit),
        (401, "Unauthorized", ApiErrorKind::Unauthorized),
        (403, "ServiceNotEnabled", ApiErrorKind::ServiceNotEnabled),
        (400, "ProviderError", ApiErrorKind::ProviderError),
        (
            403,
            "MissingConfigIDScope",
            ApiErrorKind::MissingConfigIdScope,
        ),
        (400, "MissingConfigID", ApiErrorKind::MissingConfigId),
        (
            400,
            "ServiceNotAvailable",
            ApiErrorKind::ServiceNotAvailable,
        ),
        (404, "NotFound", ApiErrorKind::NotFound),
        (500, "InternalError", ApiErrorKind::InternalError),
        (
            503,
            "ServiceNotAvailable",
            ApiErrorKind::ServiceTemporarilyUnavailable,
        ),
        (
            418,
            "SomethingNew",
            ApiErrorKind::from_status("SomethingNew", 418),
        ),
    ];
    for (http, status, kind) in cases {
        let server = MockServer::start().await;
        server
            .always(LIST, Reply::error(http, status, "it went wrong"))
            .await;
        let err = failed_list(&server).await;
        let api = err.api().unwrap_or_else(|| panic!("{status}: {err:?}"));
        assert_eq!(api.kind, kind, "{status}");
        assert_eq!(api.status, status);
        assert_eq!(api.http_status, http);
        assert_eq!(api.summary, "it went wrong");
        assert_eq!(err.request_id(), Some("prq_0001"));
        let text = err.to_string();
        assert!(
            text.contains(status) && text.contains("prq_0001") && text.contains(&http.to_string()),
            "{text}"
        );
    }
}

#[tokio::test]
async fn unknown_statuses_are_unknown_and_keep_their_string() {
    let server = MockServer::start().await;
    server
        .always(LIST, Reply::error(418, "SomethingNew", "new"))
        .await;
    let err = failed_list(&server).await;
    let api = err.api().unwrap();
    assert!(matches!(api.kind, ApiErrorKind::Unknown(_)), "{api:?}");
    assert_eq!(api.status, "SomethingNew");
    assert_eq!(err.http_status(), Some(418));
}

#[tokio::test]
async fn times_decode_in_every_format_the_official_fixtures_use() {
    use chrono::{TimeZone, Utc};
    let eight = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let cases = [
        ("2026-11-23T08:00:00Z", eight),
        ("2026-11-23T08:00:00.000000Z", eight),
        (
            "2026-11-23T08:00:00.105424Z",
            eight + chrono::Duration::microseconds(105_424),
        ),
        (
            "2026-11-23T08:00:00.105Z",
            eight + chrono::Duration::milliseconds(105),
        ),
        ("2026-11-23T10:00:00+02:00", eight),
        ("2026-11-23T03:00:00.000-05:00", eight),
    ];
    for (text, expected) in cases {
        let server = MockServer::start().await;
        let mut item = session("pmt_1");
        item["created_at"] = json!(text);
        item["expire"] = json!(text);
        let mut body = envelope("Success", "ok", json!({"sessions": [item]}));
        body["request_time"] = json!(text);
        body["response_time"] = json!(text);
        server.reply(LIST, Reply::json(200, body)).await;
        let page = server
            .authn()
            .session()
            .list(ListOptions::new())
            .await
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let item = &page.result.sessions[0];
        assert_eq!(
            (
                item.created_at,
                item.expire,
                page.request_time,
                page.response_time
            ),
            (expected, expected, Some(expected), Some(expected)),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_bad_value_is_located_by_its_json_path() {
    let server = MockServer::start().await;
    let mut item = session("pmt_1");
    item["expire"] = json!("next tuesday");
    server
        .reply(
            LIST,
            Reply::success(json!({"sessions": [session("pmt_0"), item]})),
        )
        .await;
    let err = failed_list(&server).await;
    let Error::Decode {
        source: Some(detail),
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(detail.path(), "result.sessions[1].expire");
    assert!(detail.message().is_some(), "{detail}");
    assert_eq!(err.http_status(), Some(200));
}

#[tokio::test]
async fn non_ascii_text_decodes_and_bytes_that_are_not_utf8_are_a_decode_error() {
    let mut item = session("pmt_1");
    item["profile"]["first_name"] = json!("Zoë 東京");
    item["email"] = json!("zoe@example.com");
    // An escaped character too, as servers may write them.
    let good = envelope("Success", "ok", json!({"sessions": [item]}))
        .to_string()
        .replace("zoe@", "zo\\u00eb@");
    let server = MockServer::start().await;
    server.reply(LIST, Reply::raw(200, good.clone())).await;
    let page = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    let item = &page.result.sessions[0];
    assert_eq!(item.profile["first_name"], "Zoë 東京");
    assert_eq!(item.email, "zoë@example.com");

    // The same body with one byte of "Zoë" replaced by one that is not UTF-8.
    let at = good.find("Zoë").unwrap() + 2;
    let mut bad = good.into_bytes();
    bad[at] = 0xff;
    let server = MockServer::start().await;
    server.always(LIST, Reply::raw(200, bad)).await;
    let err = failed_list(&server).await;
    let Error::Decode {
        http_status: 200,
        source: Some(detail),
        excerpt: Some(_),
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(detail.path(), ".");
    assert_eq!(
        detail.message(),
        Some(format!("invalid UTF-8 at byte {at}").as_str())
    );
    assert_eq!(server.hits(LIST), 1);
}

#[tokio::test]
async fn validation_errors_carry_their_field_errors() {
    let server = MockServer::start().await;
    let mut body = envelope(
        "ValidationError",
        "bad request",
        json!({"errors": [
            {"code": "MinLength", "detail": "too short", "source": "/session_id"},
            {"code": "Required", "detail": "missing", "source": "/token", "path": "token"}
        ]}),
    );
    body["request_id"] = json!("prq_fixed");
    server
        .reply("/v2/session/invalidate", Reply::json(400, body))
        .await;
    let err = server
        .authn()
        .session()
        .invalidate("pmt_x")
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.kind, ApiErrorKind::ValidationError);
    assert_eq!(api.field_errors.len(), 2);
    assert_eq!(api.field_errors[0].source, "/session_id");
    assert_eq!(api.field_errors[1].path.as_deref(), Some("token"));
    assert!(
        err.to_string().contains("/session_id MinLength: too short"),
        "{err}"
    );
    assert_eq!(err.request_id(), Some("prq_fixed"));
}

#[tokio::test]
async fn broken_bodies_are_decode_errors_with_status_and_excerpt() {
    let cases = [
        (200, "{\"request_id\": \"prq_x\", \"status\": \"Succ"), // truncated
        (502, "<html><body>Bad gateway</body></html>"),          // HTML page
        (
            200,
            "{\"request_id\":\"prq_x\",\"status\":\"Success\",\"result\":{\"sessions\":\"no\"}}",
        ), // wrong types
        (200, "{\"request_id\":\"prq_x\",\"status\":\"Success\"}"), // no result
    ];
    for (http, body) in cases {
        let server = MockServer::start().await;
        server.always(LIST, Reply::raw(http, body)).await;
        let err = failed_list(&server).await;
        match &err {
            Error::Decode {
                http_status,
                request_id,
                excerpt,
                ..
            } => {
                assert_eq!(*http_status, http);
                assert_eq!(request_id.as_deref(), Some("prq_0001"));
                assert_eq!(excerpt.as_deref(), Some(body));
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_without_reading_them_whole() {
    let server = MockServer::start().await;
    server
        .always(LIST, Reply::raw(200, vec![b' '; 2 * 1024 * 1024]))
        .await;
    let err = server
        .authn_with(server.config().max_response_bytes(1024 * 1024))
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                http_status: 200,
                limit: 1048576,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());

    // A body of exactly the limit is read.
    let page =
        br#"{"request_id":"prq_0001","status":"Success","summary":"","result":{"sessions":[]}}"#;
    let server = MockServer::start().await;
    server.always(LIST, Reply::raw(200, &page[..])).await;
    let response = server
        .authn_with(server.config().max_response_bytes(page.len()))
        .session()
        .list(ListOptions::new())
        .await
        .unwrap();
    assert!(response.result.sessions.is_empty());
}

#[tokio::test]
async fn a_fifty_megabyte_body_is_refused_under_the_default_limit() {
    let server = MockServer::start().await;
    server
        .always(LIST, Reply::raw(200, vec![b'x'; 50 * 1024 * 1024]))
        .await;
    let err = server
        .authn()
        .session()
        .list(ListOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { http_status: 200, limit, .. } if limit == 16 * 1024 * 1024),
        "{err:?}"
    );
    assert_eq!(server.hits(LIST), 1, "not retried");
}
