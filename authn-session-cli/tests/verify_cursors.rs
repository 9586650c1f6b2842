//! `verify`'s cursors check against a server whose cursors are not what
//! Pangea documents: one page of five sessions comes in another order than
//! the walk, and a cursor is a one-time ticket. Both are reported as
//! differing; the walk itself matches.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use authn_session::{AuthN, Config};
use authn_session_cli::verify::{CheckKind, Verdict, Verify};
use axum::{extract::State, Json, Router};
use serde_json::{json, Value};

const IDS: [&str; 5] = [
    "pmt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "pmt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "pmt_cccccccccccccccccccccccccccccccc",
    "pmt_dddddddddddddddddddddddddddddddd",
    "pmt_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
];

/// How many times each cursor was sent.
type Sent = Arc<Mutex<HashMap<String, usize>>>;

fn page(ids: &[&str], last: &str) -> Json<Value> {
    let sessions: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    Json(json!({
        "request_id": "prq_cursors",
        "request_time": "2026-12-06T00:00:00Z",
        "response_time": "2026-12-06T00:00:01Z",
        "status": "Success",
        "summary": "Listed",
        "result": {"sessions": sessions, "last": last},
    }))
}

/// `size` 1 walks with cursors `c1`…`c4`; a cursor sent again gives another
/// session; `size` 5 gives the five in reverse; anything else all five.
async fn list(State(sent): State<Sent>, Json(body): Json<Value>) -> Json<Value> {
    let size = body["size"].as_u64();
    match body["last"].as_str() {
        Some(cursor) => {
            let n: usize = cursor[1..].parse().unwrap();
            let times = {
                let mut sent = sent.lock().unwrap();
                let times = sent.entry(cursor.to_string()).or_default();
                *times += 1;
                *times
            };
            let next = if n < 4 {
                format!("c{}", n + 1)
            } else {
                String::new()
            };
            if times == 1 {
                page(&[IDS[n]], &next)
            } else {
                page(&[IDS[(n + 2) % 5]], &next)
            }
        }
        None if size == Some(1) => page(&[IDS[0]], "c1"),
        None if size == Some(5) => {
            let mut reversed = IDS;
            reversed.reverse();
            page(&reversed, "")
        }
        None => page(&IDS, ""),
    }
}

#[tokio::test]
async fn a_page_in_another_order_and_a_one_time_cursor_are_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/v2/session/list", axum::routing::post(list))
        .with_state(Sent::default());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let config = Config::builder()
        .base_url_template(format!("http://{addr}"))
        .request_retries(0)
        .build()
        .unwrap();
    let authn = AuthN::new("pts_cursorsservicetoken000000000000", config).unwrap();
    let report = Verify::new(authn).run().await.unwrap();
    let cursors: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.check == CheckKind::Cursors)
        .map(|c| (c.case.as_str(), c.verdict, c.observed.as_str()))
        .collect();
    let reversed = format!(
        "{:?}, walked {:?}",
        IDS.iter().rev().collect::<Vec<_>>(),
        IDS
    );
    let again = format!("[{:?}]; the first time {}", IDS[3], IDS[1]);
    assert_eq!(
        cursors,
        [
            (
                "the first 5 sessions, one page of size 1 at a time",
                Verdict::Match,
                "5 sessions, 5 distinct"
            ),
            (
                "one page of the same size",
                Verdict::Differs,
                reversed.as_str()
            ),
            (
                "the first cursor, sent a second time",
                Verdict::Differs,
                again.as_str()
            ),
        ]
    );
}
