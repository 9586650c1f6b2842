//! `list_all` / `list_pages`: lazy, options carried to every page, stops on an
//! empty cursor, ends with an error on a repeated one; and the same with
//! `read_ahead`, one request ahead.

use authn_session::{Error, ItemOrder, ListOptions, SessionListFilter};
use authn_session_tests::{MockServer, Reply};
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};

const LIST: &str = "/v2/session/list";

fn item(id: &str) -> Value {
    json!({"id": id, "type": "session", "life": 1, "expire": "2026-11-25T08:00:00Z", "email": "e", "identity": "pui_e", "profile": {}, "created_at": "2026-11-23T08:00:00Z"})
}

fn page(ids: &[&str], last: &str) -> Reply {
    Reply::success(
        json!({"sessions": ids.iter().map(|i| item(i)).collect::<Vec<_>>(), "last": last}),
    )
}

#[tokio::test]
async fn walks_every_page_with_the_same_options() {
    // Lazily and reading ahead: the same requests, the same sessions.
    for read_ahead in [false, true] {
        let server = MockServer::start().await;
        server
            .reply(LIST, page(&["pmt_1", "pmt_2"], "c1"))
            .await
            .reply(LIST, page(&["pmt_3", "pmt_4"], "c2"))
            .await
            .reply(LIST, page(&["pmt_5"], ""))
            .await;
        let options = ListOptions::new()
            .filter(SessionListFilter::new().email("a@example.com"))
            .order(ItemOrder::Asc)
            .size(2)
            .read_ahead(read_ahead);
        let ids: Vec<String> = server
            .authn()
            .session()
            .list_all(options)
            .map_ok(|s| s.id.to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids, ["pmt_1", "pmt_2", "pmt_3", "pmt_4", "pmt_5"]);
        let bodies: Vec<_> = server.requests().iter().map(|r| r.json()).collect();
        let base = json!({"filter": {"email": "a@example.com"}, "order": "asc", "size": 2});
        let with = |last: &str| {
            let mut b = base.clone();
            b["last"] = json!(last);
            b
        };
        assert_eq!(
            bodies,
            [base.clone(), with("c1"), with("c2")],
            "read_ahead {read_ahead}"
        );
    }
}

#[tokio::test]
async fn fetches_the_next_page_only_when_asked() {
    let server = MockServer::start().await;
    server
        .reply(LIST, page(&["pmt_1", "pmt_2"], "c1"))
        .await
        .reply(LIST, page(&["pmt_3"], ""))
        .await;
    let mut sessions = server.authn().session().list_all(ListOptions::new());
    assert_eq!(sessions.next().await.unwrap().unwrap().id.as_str(), "pmt_1");
    assert_eq!(sessions.next().await.unwrap().unwrap().id.as_str(), "pmt_2");
    assert_eq!(server.hits(LIST), 1);
    assert_eq!(sessions.next().await.unwrap().unwrap().id.as_str(), "pmt_3");
    assert_eq!(server.hits(LIST), 2);
    assert!(sessions.next().await.is_none());
}

#[tokio::test]
async fn reading_ahead_gives_the_pages_the_lazy_walk_gives() {
    // The cursor and count come with the envelope, the sessions are decoded
    // later: the page put back together is the page decoded at once.
    let mut walks = Vec::new();
    for read_ahead in [false, true] {
        let server = MockServer::start().await;
        server
            .reply(
                LIST,
                Reply::success(
                    json!({"count": 3, "last": "c1", "sessions": [item("pmt_1"), item("pmt_2")]}),
                ),
            )
            .await
            .reply(
                LIST,
                Reply::success(json!({"sessions": [item("pmt_3")], "count": 3})),
            )
            .await;
        let options = ListOptions::new().read_ahead(read_ahead);
        let pages: Vec<_> = server
            .authn()
            .session()
            .list_pages(options)
            .map_ok(|page| (page.request_id.clone(), page.result))
            .try_collect()
            .await
            .unwrap();
        walks.push(pages);
    }
    assert_eq!(walks[0], walks[1]);
    let (request_id, first) = &walks[1][0];
    assert_eq!(request_id, "prq_0001");
    assert_eq!(
        (first.count, first.last.as_deref(), first.sessions.len()),
        (Some(3), Some("c1"), 2)
    );
    let (_, second) = &walks[1][1];
    assert_eq!((second.count, second.last.as_deref()), (Some(3), None));
    assert_eq!(second.sessions[0].id.as_str(), "pmt_3");
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error_not_a_loop() {
    for read_ahead in [false, true] {
        let server = MockServer::start().await;
        server
            .reply(LIST, page(&["pmt_1"], "c1"))
            .await
            .always(LIST, page(&["pmt_2"], "c1"))
            .await;
        let options = ListOptions::new().read_ahead(read_ahead);
        let got: Vec<_> = server.authn().session().list_pages(options).collect().await;
        assert_eq!(got.len(), 3, "read_ahead {read_ahead}: {got:?}");
        assert!(
            matches!(&got[2], Err(Error::RepeatedCursor { request_id, .. }) if request_id == "prq_0002"),
            "read_ahead {read_ahead}: {got:?}"
        );
        assert_eq!(server.hits(LIST), 2, "read_ahead {read_ahead}");
    }
}

#[tokio::test]
async fn the_stream_ends_after_the_first_error() {
    let server = MockServer::start().await;
    server
        .reply(LIST, page(&["pmt_1"], "c1"))
        .await
        .always(LIST, Reply::error(401, "Unauthorized", "expired"))
        .await;
    let got: Vec<_> = server
        .authn()
        .session()
        .list_all(ListOptions::new())
        .collect()
        .await;
    assert_eq!(got.len(), 2);
    assert!(got[1].as_ref().unwrap_err().api().is_some());
}

#[tokio::test]
async fn client_list_all_sends_the_user_token_on_every_page() {
    let server = MockServer::start().await;
    server
        .reply("/v2/client/session/list", page(&["pmt_1"], "c1"))
        .await
        .reply("/v2/client/session/list", page(&["pmt_2"], ""))
        .await;
    let n = server
        .authn()
        .client()
        .session()
        .list_all("ptu_user", ListOptions::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .len();
    assert_eq!(n, 2);
    for r in server.requests() {
        assert_eq!(r.json()["token"], "ptu_user");
    }
}

#[tokio::test]
async fn a_users_pages_decode_alike_whatever_count_they_carry() {
    // A user's list result has no `count`: one sent anyway is an unknown
    // field, ignored by the lazy walk and, alike, by the walk that reads ahead.
    const CLIENT_LIST: &str = "/v2/client/session/list";
    for read_ahead in [false, true] {
        let server = MockServer::start().await;
        server
            .reply(
                CLIENT_LIST,
                Reply::success(json!({"sessions": [item("pmt_1")], "last": "c1", "count": "many"})),
            )
            .await
            .reply(
                CLIENT_LIST,
                Reply::success(json!({"sessions": [item("pmt_2")], "count": {"total": 2}})),
            )
            .await;
        let options = ListOptions::new().read_ahead(read_ahead);
        let ids: Vec<String> = server
            .authn()
            .client()
            .session()
            .list_all("ptu_user", options)
            .map_ok(|s| s.id.to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids, ["pmt_1", "pmt_2"], "read_ahead {read_ahead}");
    }
}

#[tokio::test]
async fn a_server_cursor_is_passed_back_unchanged_whatever_its_size() {
    let server = MockServer::start().await;
    // Longer than the 4,096 bytes a caller's own cursor may have.
    let cursor = format!("{}==", "c".repeat(4998));
    server
        .reply(LIST, page(&["pmt_1"], &cursor))
        .await
        .reply(LIST, page(&["pmt_2"], ""))
        .await;
    let ids: Vec<String> = server
        .authn()
        .session()
        .list_all(ListOptions::new())
        .map_ok(|s| s.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["pmt_1", "pmt_2"]);
    let second = &server.requests()[1];
    assert_eq!(second.json(), json!({"last": cursor}));
    // The same cursor given by the caller is input, and is refused before sending.
    let err = server
        .authn()
        .session()
        .list(ListOptions::new().last(&cursor))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "last", .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 2);
}

/// `ListOptions::read_ahead`: the same walk, one request ahead.
fn ahead() -> ListOptions {
    ListOptions::new().read_ahead(true)
}

#[tokio::test]
async fn reading_ahead_requests_the_next_page_with_the_first_and_no_more() {
    let server = MockServer::start().await;
    server
        .reply(LIST, page(&["pmt_1", "pmt_2"], "c1"))
        .await
        .reply(LIST, page(&["pmt_3"], "c2"))
        .await
        .reply(LIST, page(&["pmt_4"], ""))
        .await;
    let mut sessions = server.authn().session().list_all(ahead());
    assert_eq!(sessions.next().await.unwrap().unwrap().id.as_str(), "pmt_1");
    // The first page is handed over once the second has come.
    assert_eq!(server.hits(LIST), 2);
    assert_eq!(sessions.next().await.unwrap().unwrap().id.as_str(), "pmt_2");
    assert_eq!(server.hits(LIST), 2);
    assert_eq!(sessions.next().await.unwrap().unwrap().id.as_str(), "pmt_3");
    assert_eq!(server.hits(LIST), 3);
    assert_eq!(sessions.next().await.unwrap().unwrap().id.as_str(), "pmt_4");
    assert!(sessions.next().await.is_none());
    assert_eq!(server.hits(LIST), 3);
}

#[tokio::test]
async fn reading_ahead_ends_at_a_page_that_does_not_decode() {
    let server = MockServer::start().await;
    let mut bad = item("pmt_2");
    bad["expire"] = json!(5);
    server
        .reply(LIST, page(&["pmt_1"], "c1"))
        .await
        .reply(
            LIST,
            Reply::success(json!({"sessions": [bad], "last": "c2"}))
                .header("x-request-id", "prq_bad"),
        )
        .await
        .always(LIST, page(&["pmt_3"], ""))
        .await;
    let got: Vec<_> = server.authn().session().list_all(ahead()).collect().await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].as_ref().unwrap().id.as_str(), "pmt_1");
    match &got[1] {
        Err(Error::Decode {
            http_status: 200,
            source: Some(detail),
            request_id,
            ..
        }) => {
            assert_eq!(detail.path(), "result.sessions[0].expire");
            // The header's id, as the lazy walk (and every other call) reports it.
            assert_eq!(request_id.as_deref(), Some("prq_bad"));
        }
        other => panic!("expected the page's decode error, got {other:?}"),
    }
    // The third page was read ahead (its cursor came before the decoding), then dropped.
    assert_eq!(server.hits(LIST), 3);
}

#[tokio::test]
async fn reading_ahead_over_the_emulator_finds_what_the_lazy_walk_finds() {
    let fixtures = authn_emulator::Fixtures::random(300, 7);
    let (emulator, authn) = authn_session_tests::emulator_with("pts_ahead", fixtures).await;
    let walk = |options: ListOptions| {
        let sessions = authn.session().list_all(options.size(64));
        async move {
            sessions
                .map_ok(|s| s.id.to_string())
                .try_collect::<Vec<_>>()
                .await
                .unwrap()
        }
    };
    let lazy = walk(ListOptions::new()).await;
    let pages = emulator.journal().count("session_list");
    let read_ahead = walk(ahead()).await;
    assert_eq!(lazy.len(), 2100);
    assert_eq!(read_ahead, lazy);
    // The same pages, no request more: the last page has no cursor to read ahead.
    assert_eq!(emulator.journal().count("session_list"), 2 * pages);
}
