//! Decoding and error mapping under arbitrary bytes and structure-aware JSON.
//! `PROPTEST_CASES=1000000 cargo test -p authn-session fuzz --release` for a long run.

use authn_session_gen::types::{EmptyResult, SessionListResult};
use proptest::prelude::*;
use serde_json::{json, Value};

use authn_session_gen::{
    operations::{self, Operation},
    SecretToken,
};
use reqwest::{header::HeaderMap, StatusCode};

use super::{
    attempt::Raw,
    decode::decode,
    redact::{Redactor, EXCERPT_BYTES},
    Outcome,
};
use crate::Error;

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

fn check<R: serde::de::DeserializeOwned>(op: &Operation, status: u16, body: Vec<u8>) {
    let status = StatusCode::from_u16(status).expect("status");
    let secrets = [SecretToken::new(SENT)];
    let service = SecretToken::new("pts_fuzz");
    let raw = Raw {
        status,
        headers: HeaderMap::new(),
        header_id: Some("prq_h".into()),
        body: body.into(),
    };
    match decode::<R>(raw, op, &Redactor::new(&secrets, &service)) {
        Outcome::Done(r) => assert!(status.is_success() && r.status == "Success"),
        Outcome::Accepted(_) => assert_eq!(status, StatusCode::ACCEPTED),
        Outcome::Failed(f) => {
            let error = f.error;
            let printed = format!(
                "{error} {error:?} {:?}",
                std::error::Error::source(&error).map(ToString::to_string)
            );
            assert!(!printed.contains(SENT), "{printed}");
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

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(status in prop::sample::select(STATUSES), body in prop::collection::vec(any::<u8>(), 0..2048)) {
        check_all(status, body);
    }

    #[test]
    fn arbitrary_envelopes_never_panic(status in prop::sample::select(STATUSES), value in json_value()) {
        check_all(status, serde_json::to_vec(&value).expect("encode"));
    }

    #[test]
    fn sent_tokens_never_show_whatever_surrounds_them(status in prop::sample::select(STATUSES), before in ".{0,600}", after in ".{0,600}") {
        check_all(status, format!("{before}{SENT}{after}").into_bytes());
    }
}
