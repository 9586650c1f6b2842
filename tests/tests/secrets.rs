//! Sentinel tokens never show in Debug, Display, errors or tracing output
//! captured at TRACE level, across successful and failing calls.

use authn_session::{ListOptions, RefreshOptions};
use authn_session_tests::{Capture, MockServer, Reply};
use serde_json::json;

const SERVICE: &str = "pts_SENTINELservice0000000000000";
const USER: &str = "ptu_SENTINELuser00000000000000000";
const REFRESH: &str = "ptr_SENTINELrefresh00000000000000";
const NEW_USER: &str = "ptu_SENTINELnewuser000000000000";
const NEW_REFRESH: &str = "ptr_SENTINELnewrefresh000000000";
const SENTINELS: [&str; 5] = [SERVICE, USER, REFRESH, NEW_USER, NEW_REFRESH];

/// A TRACE-level capture for this test's thread.
fn trace() -> (Capture, tracing::subscriber::DefaultGuard) {
    Capture::at(tracing::Level::TRACE)
}

fn assert_clean(what: &str, text: &str) {
    // Every sentinel holds this word: no token, nor any piece of one, shows.
    assert!(!text.contains("SENTINEL"), "{what} leaks a token:\n{text}");
    for sentinel in SENTINELS {
        assert!(!text.contains(sentinel), "{what} leaks {sentinel}:\n{text}");
        assert!(
            !text.contains(&sentinel[4..]),
            "{what} leaks part of {sentinel}:\n{text}"
        );
    }
}

fn login(token: &str) -> serde_json::Value {
    json!({"token": token, "id": "pmt_n", "type": "user", "life": 1, "expire": "2026-11-25T08:00:00Z", "identity": "pui",
           "email": "e", "profile": {}, "created_at": "2026-11-23T08:00:00Z"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_never_appear_in_output() {
    let (capture, _guard) = trace();

    let server = MockServer::start().await;
    // Servers that echo tokens back in summaries and bodies must not leak them either.
    server
        .reply(
            "/v2/client/session/refresh",
            Reply::success(
                json!({"refresh_token": login(NEW_REFRESH), "active_token": login(NEW_USER)}),
            ),
        )
        .await
        .reply(
            "/v2/client/session/refresh",
            Reply::error(
                400,
                "ValidationError",
                &format!("refresh token {REFRESH} and {USER} are bad"),
            ),
        )
        .await
        .reply(
            "/v2/client/session/list",
            Reply::raw(500, format!("<html>{SERVICE} {USER}</html>")),
        )
        .await
        .always(
            "/v2/client/session/logout",
            Reply::error(401, "Unauthorized", &format!("bad {USER}")),
        )
        .await;
    let config = server.config().request_retries(0).build().unwrap();
    let authn = authn_session::AuthN::new(SERVICE, config.clone()).unwrap();
    let client = authn.client().session();

    let mut printed = vec![format!("{authn:?}"), format!("{config:?}")];
    let ok = client
        .refresh(REFRESH, RefreshOptions::new().user_token(USER))
        .await
        .unwrap();
    printed.push(format!("{ok:?} {ok:#?} {:?}", ok.result));
    printed.push(format!("{:?}", RefreshOptions::new().user_token(USER)));
    for err in [
        client
            .refresh(REFRESH, RefreshOptions::new().user_token(USER))
            .await
            .unwrap_err(),
        client.list(USER, ListOptions::new()).await.unwrap_err(),
        client.logout(USER).await.unwrap_err(),
    ] {
        printed.push(format!(
            "{err} | {err:?} | {:?}",
            std::error::Error::source(&err)
        ));
    }
    assert_clean("Debug/Display", &printed.join("\n"));
    let logs = capture.text();
    assert!(
        logs.contains("pangea.request"),
        "tracing spans were captured:\n{logs}"
    );
    assert_clean("tracing output", &logs);
}

/// Everything a user can print of an error, its sources included.
fn printed(err: &authn_session::Error) -> String {
    let mut text = format!("{err} | {err:?} | {err:#?}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(&format!(" | {s} | {s:?}"));
        source = s.source();
    }
    text
}

#[tokio::test]
async fn tokens_received_in_an_undecodable_refresh_never_appear() {
    let (capture, _guard) = trace();
    let server = MockServer::start().await;
    let mut wrong_type = login(NEW_REFRESH);
    wrong_type["life"] = json!("forever");
    let cases = [
        // a field of the wrong type next to the new tokens
        Reply::success(json!({"refresh_token": wrong_type, "active_token": login(NEW_USER)})),
        // the tokens as bare strings instead of objects
        Reply::success(json!({"refresh_token": NEW_REFRESH, "active_token": NEW_USER})),
        // a token under an unexpected key, and a required field missing
        Reply::success(json!({"fresh": NEW_REFRESH, "user": NEW_USER})),
        // the new tokens in a body cut short
        Reply::raw(
            200,
            format!(
                r#"{{"request_id":"prq_cut","status":"Success","result":{{"refresh_token":{{"token":"{NEW_REFRESH}""#
            ),
        ),
    ];
    for reply in cases {
        server.reply("/v2/client/session/refresh", reply).await;
    }
    let config = server.config().request_retries(0).build().unwrap();
    let authn = authn_session::AuthN::new(SERVICE, config).unwrap();
    for _ in 0..4 {
        let err = authn
            .client()
            .session()
            .refresh(REFRESH, RefreshOptions::new().user_token(USER))
            .await
            .unwrap_err();
        let authn_session::Error::Decode {
            http_status,
            request_id,
            excerpt,
            ..
        } = &err
        else {
            panic!("{err:?}");
        };
        // What is kept: the status and the request id.
        assert_eq!(*http_status, 200);
        assert!(request_id
            .as_deref()
            .is_some_and(|id| id.starts_with("prq_")));
        assert_eq!(*excerpt, None, "a body with tokens is never quoted");
        assert_clean("an undecodable refresh", &printed(&err));
    }
    assert_clean("tracing output", &capture.text());
}

#[tokio::test]
async fn a_sent_token_straddling_the_excerpt_cut_leaves_no_prefix() {
    let (capture, _guard) = trace();
    let server = MockServer::start().await;
    // The page echoes the user token so that it starts before byte 512 and ends after it.
    for start in [500, 505, 510, 511] {
        let page = format!("<html>{}{USER} and {SERVICE}</html>", "x".repeat(start - 6));
        assert_eq!(page.find(USER), Some(start));
        server
            .reply("/v2/client/session/list", Reply::raw(500, page))
            .await;
    }
    let config = server.config().request_retries(0).build().unwrap();
    let authn = authn_session::AuthN::new(SERVICE, config).unwrap();
    for _ in 0..4 {
        let err = authn
            .client()
            .session()
            .list(USER, ListOptions::new())
            .await
            .unwrap_err();
        let authn_session::Error::Decode { excerpt, .. } = &err else {
            panic!("{err:?}");
        };
        let excerpt = excerpt.as_deref().unwrap();
        assert!(excerpt.starts_with("<html>xxx"), "{excerpt}");
        assert_clean("an HTML page cut at 512 bytes", &printed(&err));
    }
    assert_clean("tracing output", &capture.text());
}

#[tokio::test]
async fn tokens_echoed_in_ids_and_statuses_never_appear() {
    let (capture, _guard) = trace();
    let server = MockServer::start().await;
    // Found by the fuzz targets: the envelope's status and request id, and the
    // x-request-id header, are server text too.
    let echo = json!({"request_id": USER, "status": format!("Bad {USER}"), "summary": "no"});
    server
        .reply(
            "/v2/client/session/list",
            Reply::json(400, echo).header("x-request-id", SERVICE),
        )
        .await;
    server
        .reply(
            "/v2/client/session/list",
            Reply::raw(502, "gateway").header("x-request-id", USER),
        )
        .await;
    let config = server.config().request_retries(0).build().unwrap();
    let authn = authn_session::AuthN::new(SERVICE, config).unwrap();
    for _ in 0..2 {
        let err = authn
            .client()
            .session()
            .list(USER, ListOptions::new())
            .await
            .unwrap_err();
        assert!(err.http_status().is_some());
        assert_clean("an echoed id or status", &printed(&err));
    }
    assert_clean("tracing output", &capture.text());
}

/// A JWT user token of the size custom claims give (about 3 KB), with no
/// repeated runs, so that any 12-byte window of it found in output is a leak.
fn jwt_sentinel() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut segment = |n: usize| -> String {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ALPHABET[(state % 64) as usize] as char
            })
            .collect()
    };
    format!(
        "eyJhbGciOiJSUzI1NiJ9.SENTINEL{}.{}",
        segment(2600),
        segment(342)
    )
}

/// No 12-byte piece of `secret` shows in `text`.
fn assert_no_piece(what: &str, secret: &str, text: &str) {
    for start in 0..secret.len().saturating_sub(12) {
        let piece = &secret[start..start + 12];
        assert!(
            !text.contains(piece),
            "{what} leaks a piece of the JWT at byte {start}:\n{text:.2000}"
        );
    }
}

#[tokio::test]
async fn a_jwt_sized_token_is_redacted_wherever_it_is_echoed() {
    let (capture, _guard) = trace();
    let jwt = jwt_sentinel();
    assert!(jwt.len() > 2900);
    let server = MockServer::start().await;
    // Echoed in an HTML page: starting well before the 512-byte cut, just
    // before it (split across it), and after it.
    for start in [6, 300, 505, 511, 600] {
        let page = format!("<html>{}{jwt} and {SERVICE}</html>", "x".repeat(start - 6));
        assert_eq!(page.find(&jwt), Some(start));
        server
            .reply("/v2/client/session/list", Reply::raw(500, page))
            .await;
    }
    // Echoed in a validation error's summary and field error detail.
    let mut body = authn_session_tests::envelope(
        "ValidationError",
        &format!("token {jwt} is bad"),
        json!({"errors": [{"code": "InvalidString", "detail": format!("got {jwt}"), "source": "/token"}]}),
    );
    body["request_id"] = json!("prq_jwt");
    server
        .reply("/v2/client/session/list", Reply::json(400, body))
        .await;
    let config = server.config().request_retries(0).build().unwrap();
    let authn = authn_session::AuthN::new(SERVICE, config).unwrap();
    for n in 0..6 {
        let err = authn
            .client()
            .session()
            .list(jwt.as_str(), ListOptions::new())
            .await
            .unwrap_err();
        if n < 5 {
            let authn_session::Error::Decode { excerpt, .. } = &err else {
                panic!("{err:?}");
            };
            let excerpt = excerpt.as_deref().unwrap();
            assert!(excerpt.starts_with("<html>"), "{excerpt:.100}");
            assert!(excerpt.len() <= 512 + '…'.len_utf8());
        } else {
            assert_eq!(err.api().unwrap().field_errors[0].source, "/token");
        }
        let text = printed(&err);
        assert_clean("a JWT echoed by the server", &text);
        assert_no_piece("a JWT echoed by the server", &jwt, &text);
    }
    // Received in a refresh result that does not decode: never quoted.
    let mut wrong = login(&jwt);
    wrong["life"] = json!("forever");
    server
        .reply(
            "/v2/client/session/refresh",
            Reply::success(json!({"refresh_token": login(NEW_REFRESH), "active_token": wrong})),
        )
        .await;
    let err = authn
        .client()
        .session()
        .refresh(REFRESH, RefreshOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        authn_session::Error::Decode { excerpt: None, .. }
    ));
    assert_no_piece("a JWT received in a refresh", &jwt, &printed(&err));
    let logs = capture.text();
    assert_clean("tracing output", &logs);
    assert_no_piece("tracing output", &jwt, &logs);
}
