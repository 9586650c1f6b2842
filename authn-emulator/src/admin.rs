//! The admin API under `/_emulator/`: reset, state export and import, the
//! clock, the journal, fault rules and quirks. Only the service token may use it (401 otherwise);
//! bad input gets a 400 `ValidationError` in the API's envelope, and nothing
//! is half-applied. It is not journaled.

use axum::{
    body::Bytes,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    body::parse,
    envelope::{Refused, Rejection},
    extract::Authorized,
    faults::FaultRule,
    field_code::{field_error, FieldCode},
    fixtures::{rfc3339, Fixtures},
    quirks::Quirk,
    state::Shared,
    store::Refusal,
};

pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/state", get(get_state).put(put_state))
        .route("/_emulator/state/save", post(save_state))
        .route("/_emulator/clock", get(get_clock).post(set_clock))
        .route("/_emulator/journal", get(get_journal).delete(clear_journal))
        .route(
            "/_emulator/faults",
            get(get_faults).post(add_faults).delete(clear_faults),
        )
        .route(
            "/_emulator/quirks",
            get(get_quirks).post(add_quirks).delete(clear_quirks),
        )
        // A state document holds every session: far past axum's 2 MB default.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}

/// Runs `action` for an authorized caller; its failures are answered in the
/// API's error envelope, its success as plain JSON (or 204 with no body).
fn admin(
    Authorized(meta): Authorized,
    action: impl FnOnce() -> Result<Option<serde_json::Value>, Rejection>,
) -> Response {
    match action() {
        Ok(Some(body)) => (StatusCode::OK, Json(body)).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(failure) => Refused(meta, failure).into_response(),
    }
}

fn json(value: impl Serialize) -> Result<Option<serde_json::Value>, Rejection> {
    Ok(Some(
        serde_json::to_value(value).expect("admin answers are plain data"),
    ))
}

async fn reset(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || {
        state.reset();
        Ok(None)
    })
}

async fn get_state(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || json(state.store().dump()))
}

async fn put_state(State(state): State<Shared>, caller: Authorized, body: Bytes) -> Response {
    admin(caller, || {
        let fixtures: Fixtures = parse(&body)?;
        state.load(fixtures).map_err(|problem| {
            Refusal::Invalid(vec![field_error(
                FieldCode::InvalidValue,
                "/users",
                problem,
            )])
        })?;
        Ok(None)
    })
}

/// `POST /_emulator/state/save`: the state written to `--state-file`.
async fn save_state(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || match state.save() {
        Ok(true) => Ok(None),
        Ok(false) => Err(Refusal::NotFound(
            "this emulator has no state file: start it with --state-file".into(),
        )
        .into()),
        Err(e) => Err(Rejection::Internal(e.to_string())),
    })
}

/// `GET /_emulator/clock`, and the answer of `POST`.
#[derive(Serialize)]
struct Now {
    now: String,
}

/// `POST /_emulator/clock`: exactly one of the two.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    advance_secs: Option<i64>,
    now: Option<DateTime<Utc>>,
}

async fn get_clock(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || {
        json(Now {
            now: rfc3339(state.clock.now()),
        })
    })
}

async fn set_clock(State(state): State<Shared>, caller: Authorized, body: Bytes) -> Response {
    admin(caller, || {
        let change: ClockChange = parse(&body)?;
        let invalid = |source: &str, detail: &str| {
            Rejection::from(Refusal::Invalid(vec![field_error(
                FieldCode::InvalidValue,
                source,
                detail,
            )]))
        };
        match (change.advance_secs, change.now) {
            (Some(secs), None) => {
                let secs = u64::try_from(secs)
                    .map_err(|_| invalid("/advance_secs", "must not be negative"))?;
                state.clock.advance(std::time::Duration::from_secs(secs));
            }
            (None, Some(now)) => state.clock.set(now),
            _ => return Err(invalid("/", "give exactly one of advance_secs and now")),
        }
        json(Now {
            now: rfc3339(state.clock.now()),
        })
    })
}

async fn get_journal(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || json(state.journal.entries()))
}

async fn clear_journal(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || {
        state.journal.clear();
        Ok(None)
    })
}

async fn get_faults(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || json(state.faults.list()))
}

/// One rule, or an array of rules; all are checked before any is added.
async fn add_faults(State(state): State<Shared>, caller: Authorized, body: Bytes) -> Response {
    admin(caller, || {
        let rules: Vec<FaultRule> = if body.trim_ascii_start().starts_with(b"[") {
            parse(&body)?
        } else {
            vec![parse(&body)?]
        };
        for (i, rule) in rules.iter().enumerate() {
            if let Some((pointer, reason)) = rule.problem() {
                let source = if body.trim_ascii_start().starts_with(b"[") {
                    format!("/{i}{}", pointer.trim_end_matches('/'))
                } else {
                    pointer.to_string()
                };
                return Err(Refusal::Invalid(vec![field_error(
                    FieldCode::InvalidValue,
                    &source,
                    reason,
                )])
                .into());
            }
        }
        state.faults.add_checked(rules);
        json(state.faults.list())
    })
}

async fn clear_faults(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || {
        state.faults.clear();
        Ok(None)
    })
}

/// The body of `POST /_emulator/quirks`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuirkList {
    quirks: Vec<serde_json::Value>,
}

async fn get_quirks(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || {
        json(serde_json::json!({"quirks": state.quirks.list()}))
    })
}

/// `{"quirks": [NAME, ...]}`: every name is checked before any is switched on.
async fn add_quirks(State(state): State<Shared>, caller: Authorized, body: Bytes) -> Response {
    admin(caller, || {
        let list: QuirkList = parse(&body)?;
        let mut quirks = Vec::new();
        for (i, name) in list.quirks.iter().enumerate() {
            let quirk = name
                .as_str()
                .ok_or_else(|| "a quirk is named by a string".to_string())
                .and_then(|name| name.parse::<Quirk>().map_err(|e| e.to_string()));
            match quirk {
                Ok(quirk) => quirks.push(quirk),
                Err(reason) => {
                    let source = format!("/quirks/{i}");
                    let refusal = Refusal::Invalid(vec![field_error(
                        FieldCode::InvalidValue,
                        &source,
                        reason,
                    )]);
                    return Err(refusal.into());
                }
            }
        }
        state.quirks.extend(quirks);
        json(serde_json::json!({"quirks": state.quirks.list()}))
    })
}

async fn clear_quirks(State(state): State<Shared>, caller: Authorized) -> Response {
    admin(caller, || {
        state.quirks.clear();
        Ok(None)
    })
}
