//! Decoding and error mapping under arbitrary bytes and structure-aware JSON.
//! `PROPTEST_CASES=1000000 cargo test -p authn-session fuzz --release` for a long run.

use authn_session_gen::types::{
    ClientSessionListResult, EmptyResult, SessionItem, SessionListResult,
};
use proptest::prelude::*;
use serde_json::{json, Value};

use authn_session_gen::{
    operations::{self, Operation, Step},
    SecretToken,
};
use reqwest::{header::HeaderMap, StatusCode};

use super::{
    attempt::{header_request_id, Raw},
    decode::{decode, read, typed},
    redact::{Redactor, EXCERPT_BYTES},
    Outcome,
};
use crate::{
    list::result::{ListResult, RawList},
    Error,
};

/// A token the call "sent": the generators put it into bodies, and no
/// excerpt or message may ever show it.
const SENT: &str = "ptu_sentFUZZtoken";

const STATUSES: &[u16] = &[
    200, 201, 202, 204, 301, 307, 400, 401, 403, 404, 418, 429, 500, 502, 503, 504,
];
const KEYS: &[&str] = &[
    "request_id",
    "request_time",
    "response_time",
    "status",
    "summary",
    "result",
    "sessions",
    "last",
    "errors",
    "code",
    "detail",
    "source",
    "id",
    "type",
    "life",
    "profile",
    "refresh_token",
    "token",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            Just("Success".to_string()),
            Just("ValidationError".to_string()),
            Just("2026-11-24T03:00:00Z".to_string()),
            Just(SENT.to_string()),
            ".{0,12}".prop_map(|s| format!("{s}{SENT}")),
            ".{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(KEYS).prop_map(str::to_string),
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Runs `f` with the redactor of a call that sent [`SENT`].
fn with_redactor<T>(f: impl FnOnce(&Redactor<'_>) -> T) -> T {
    let secrets = [SecretToken::new(SENT)];
    let service = SecretToken::new("pts_fuzz");
    f(&Redactor::new(&secrets, &service))
}

/// Nothing printed of `error` (`Display`, `Debug`, its source) shows [`SENT`].
fn assert_hides_sent(error: &Error) {
    let printed = format!(
        "{error} {error:?} {:?}",
        std::error::Error::source(error).map(ToString::to_string)
    );
    assert!(!printed.contains(SENT), "{printed}");
}

fn check<R: serde::de::DeserializeOwned>(op: &Operation, status: u16, body: Vec<u8>) {
    let status = StatusCode::from_u16(status).expect("status");
    let outcome =
        with_redactor(|redactor| decode::<R>(response(status, &body, redactor), op, redactor));
    match outcome {
        Outcome::Done(r) => assert!(status.is_success() && crate::response::is_success(&r.status)),
        Outcome::Accepted(_) => assert_eq!(status, StatusCode::ACCEPTED),
        Outcome::Failed(f) => {
            let error = f.error;
            assert_hides_sent(&error);
            match error {
                Error::Api(api) => assert_eq!(api.http_status, status.as_u16()),
                Error::Decode {
                    http_status,
                    excerpt,
                    ..
                } => {
                    assert_eq!(http_status, status.as_u16());
                    let excerpt = excerpt.unwrap_or_default();
                    assert!(excerpt.len() <= EXCERPT_BYTES + '…'.len_utf8());
                }
                other => panic!("unexpected error {other:?}"),
            }
        }
    }
}

fn check_all(status: u16, body: Vec<u8>) {
    check::<SessionListResult>(&operations::CLIENT_SESSION_LIST, status, body.clone());
    check::<EmptyResult>(&operations::CLIENT_SESSION_LOGOUT, status, body);
}

/// A successful list page whose sessions are valid ones with some fields
/// replaced by arbitrary JSON or removed, and whose `last` and `count` are
/// right, missing, or arbitrary: the bodies where decoding in two steps could
/// part from decoding in one.
fn list_page() -> impl Strategy<Value = Value> {
    const FIELDS: &[&str] = &[
        "id",
        "type",
        "identity",
        "email",
        "life",
        "expire",
        "created_at",
        "profile",
        "scopes",
        "active_token",
        "unknown",
    ];
    let edit = (prop::sample::select(FIELDS), prop::option::of(json_value()));
    let session = prop::collection::vec(edit, 0..3).prop_map(|edits| {
        let mut session = json!({
            "id": "pmt_1", "type": "session", "identity": "pui_1", "email": "a@example.com",
            "life": 10, "expire": "2026-11-24T03:00:00Z", "created_at": "2026-11-24T03:00:00Z",
            "profile": {"first_name": "A"}, "scopes": ["s"],
        });
        for (field, value) in edits {
            match value {
                Some(value) => session[field] = value,
                None => {
                    session.as_object_mut().expect("object").remove(field);
                }
            }
        }
        session
    });
    let cursor = prop_oneof![
        Just(None),
        Just(Some(json!("c1"))),
        json_value().prop_map(Some)
    ];
    let count = prop_oneof![
        Just(None),
        Just(Some(json!(2))),
        json_value().prop_map(Some)
    ];
    (prop::collection::vec(session, 0..4), cursor, count).prop_map(|(sessions, last, count)| {
        let mut result = json!({ "sessions": sessions });
        if let Some(last) = last {
            result["last"] = last;
        }
        if let Some(count) = count {
            result["count"] = count;
        }
        json!({"request_id": "prq_e", "status": "Success", "summary": "ok", "result": result})
    })
}

/// What a user can tell apart of a decoded response (whose printed error
/// must never show the sent token): the page, or the error's
/// kind, status, request id and (for an undecodable one) the JSON path and
/// category. Not the excerpt, which quotes the part that was decoded, nor the
/// message, which names the Rust type and the position within that part.
#[derive(Debug, PartialEq)]
enum Ending<R> {
    /// The request id, the result, and the paths client error correction filled in.
    Done(String, R, Vec<String>),
    Accepted(String),
    Decode(u16, Option<String>, Option<(String, &'static str)>),
    Other(String),
}

fn ending<R>(outcome: Result<Outcome<R>, Error>) -> Ending<R> {
    let error = match outcome {
        Ok(Outcome::Done(page)) => {
            let corrected = page.corrections().to_vec();
            return Ending::Done(page.request_id, page.result, corrected);
        }
        Ok(Outcome::Accepted(id)) => return Ending::Accepted(id),
        Ok(Outcome::Failed(failed)) => failed.error,
        Err(error) => error,
    };
    assert_hides_sent(&error);
    match error {
        Error::Decode {
            http_status,
            request_id,
            source,
            ..
        } => Ending::Decode(
            http_status,
            request_id,
            source.map(|d| (d.path, d.category)),
        ),
        other => Ending::Other(format!("{other:?}")),
    }
}

/// A response with `body` as an attempt reads it: with an `x-request-id`,
/// its id taken out through the call's redactor.
fn response(status: StatusCode, body: &[u8], redactor: &Redactor<'_>) -> Raw {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", "prq_h".parse().expect("header"));
    Raw {
        header_id: header_request_id(&headers, redactor),
        status,
        headers,
        body: body.to_vec().into(),
    }
}

/// Reading ahead decodes a page in two steps (the envelope with the sessions
/// kept raw, then the sessions, as `list.rs` does); whatever the body, that
/// must end as the one-step decoding of the lazy walk ends.
fn check_read_ahead(status: u16, body: Vec<u8>) {
    read_ahead_alike::<SessionListResult>(&operations::SESSION_LIST, status, &body);
    read_ahead_alike::<ClientSessionListResult>(&operations::CLIENT_SESSION_LIST, status, &body);
}

fn read_ahead_alike<R>(op: &Operation, status: u16, body: &[u8])
where
    R: ListResult + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let status = StatusCode::from_u16(status).expect("status");
    with_redactor(|redactor| {
        let raw = || response(status, body, redactor);
        let lazy = ending(Ok(decode::<R>(raw(), op, redactor)));
        let ahead = ending(match decode::<RawList<R::Count>>(raw(), op, redactor) {
            Outcome::Done(page) => typed::<Vec<SessionItem>, _>(
                &page,
                &page.result.sessions,
                &[Step::Field("sessions")],
                op,
                redactor,
            )
            .map(|(sessions, corrected)| {
                let page = page.map(|list| R::assemble(sessions, list));
                Outcome::Done(page.with_corrections(corrected))
            }),
            Outcome::Accepted(id) => Ok(Outcome::Accepted(id)),
            Outcome::Failed(failed) => Ok(Outcome::Failed(failed)),
        });
        assert_eq!(ahead, lazy);
    });
}

/// `decode` takes a success of the expected shape in one pass and leaves
/// anything else to `read`; whatever the body, it must end as `read` alone.
fn check_one_pass(status: u16, body: Vec<u8>) {
    one_pass_alike::<SessionListResult>(&operations::SESSION_LIST, status, &body);
    one_pass_alike::<ClientSessionListResult>(&operations::CLIENT_SESSION_LIST, status, &body);
    one_pass_alike::<EmptyResult>(&operations::CLIENT_SESSION_LOGOUT, status, &body);
}

fn one_pass_alike<R>(op: &Operation, status: u16, body: &[u8])
where
    R: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let status = StatusCode::from_u16(status).expect("status");
    with_redactor(|redactor| {
        let both = ending(Ok(decode::<R>(
            response(status, body, redactor),
            op,
            redactor,
        )));
        let slow = ending(Ok(read::<R>(
            response(status, body, redactor),
            op,
            redactor,
        )));
        assert_eq!(both, slow);
    });
}

/// A valid session with an active token, as the spec describes one.
fn valid_session(n: usize) -> Value {
    let token = json!({"id": format!("pmt_t{n}"), "type": "user", "life": 60,
        "expire": "2026-11-24T03:00:00Z", "identity": "pui_1", "email": "a@example.com",
        "profile": {}, "created_at": "2026-11-24T03:00:00Z"});
    json!({"id": format!("pmt_{n}"), "type": "session", "identity": "pui_1",
        "email": "a@example.com", "life": 10, "expire": "2026-11-24T03:00:00Z",
        "created_at": "2026-11-24T03:00:00Z", "profile": {"first_name": "A"},
        "scopes": ["s"], "active_token": token})
}

/// A valid page of `count` sessions in which one required field that is not
/// an id (of item `index`, or of its active token) is removed or `null`:
/// both walks' decodings keep every item and correct exactly that value.
fn one_odd_record<R>(op: &Operation, count: usize, index: usize, pick: usize, remove: bool)
where
    R: ListResult + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let index = index % count;
    let fields: Vec<(&[Step], &str)> = op
        .corrections
        .iter()
        .flat_map(|c| c.fields.iter().map(move |(f, _)| (c.at, *f)))
        .collect();
    let (at, field) = fields[pick % fields.len()];
    let mut sessions: Vec<Value> = (0..count).map(valid_session).collect();
    let record = match at {
        [Step::Field("sessions"), Step::Each] => &mut sessions[index],
        [Step::Field("sessions"), Step::Each, Step::Field(token)] => &mut sessions[index][*token],
        other => panic!("a list record at {other:?}"),
    };
    if remove {
        record.as_object_mut().expect("object").remove(field);
    } else {
        record[field] = Value::Null;
    }
    let inside = if at.len() == 3 { ".active_token" } else { "" };
    let expected = vec![format!("result.sessions[{index}]{inside}.{field}")];
    let body = json!({"request_id": "prq_e", "status": "Success",
        "result": {"sessions": sessions, "last": ""}});
    let body = serde_json::to_vec(&body).expect("encode");
    with_redactor(|redactor| {
        let lazy = decode::<R>(response(StatusCode::OK, &body, redactor), op, redactor);
        let Outcome::Done(page) = lazy else {
            panic!("{field} of item {index}: not decoded");
        };
        assert_eq!(page.corrections(), expected);
        assert_eq!(page.result.into_sessions().len(), count);
    });
    read_ahead_alike::<R>(op, 200, &body);
}

proptest! {
    #[test]
    fn one_odd_record_never_costs_the_page(count in 1usize..8, index in 0usize..8, pick in 0usize..64, remove in any::<bool>()) {
        one_odd_record::<SessionListResult>(&operations::SESSION_LIST, count, index, pick, remove);
        one_odd_record::<ClientSessionListResult>(&operations::CLIENT_SESSION_LIST, count, index, pick, remove);
    }

    #[test]
    fn arbitrary_bytes_never_panic(status in prop::sample::select(STATUSES), body in prop::collection::vec(any::<u8>(), 0..2048)) {
        check_all(status, body);
    }

    #[test]
    fn arbitrary_envelopes_never_panic(status in prop::sample::select(STATUSES), value in json_value()) {
        check_all(status, serde_json::to_vec(&value).expect("encode"));
    }

    #[test]
    fn reading_ahead_ends_as_the_lazy_decoding_does(status in prop::sample::select(STATUSES), value in json_value()) {
        check_read_ahead(status, serde_json::to_vec(&value).expect("encode"));
    }

    #[test]
    fn reading_ahead_ends_as_the_lazy_decoding_does_on_list_pages(status in prop::sample::select(&[200u16, 200, 200, 201, 500][..]), value in list_page()) {
        check_read_ahead(status, serde_json::to_vec(&value).expect("encode"));
    }

    #[test]
    fn one_pass_ends_as_the_full_reading_does(status in prop::sample::select(STATUSES), value in prop_oneof![json_value(), list_page()]) {
        check_one_pass(status, serde_json::to_vec(&value).expect("encode"));
    }

    #[test]
    fn sent_tokens_never_show_whatever_surrounds_them(status in prop::sample::select(STATUSES), before in ".{0,600}", after in ".{0,600}") {
        check_all(status, format!("{before}{SENT}{after}").into_bytes());
    }
}
