//! Quirks: switches that make the emulator answer as a service that differs
//! from Pangea's documentation would, within what its spec and seeds leave
//! room for (a missing field, a lowercase status, a looser filter). Off by
//! default. Those that change a body's shape are applied to the JSON the
//! handlers wrote ([`reshape`]); those that change behaviour are read by the
//! handlers and the store.

use std::{
    fmt,
    num::NonZeroUsize,
    str::FromStr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, MutexGuard, PoisonError,
    },
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::Response,
};
use serde_json::Value;

use crate::state::Shared;

/// One way the emulator can differ from Pangea's documentation. Parsed from,
/// and printed as, its name (`--quirk NAME`, the admin API):
///
/// | name | what it imitates |
/// |---|---|
/// | `omit-field:NAME[:N]` | a session item (of either list) without its field `NAME`, in every `N`th session (default 1: all). The sessions are counted in the order they were loaded, so the same sessions lack it on every page and in every order. |
/// | `status-lowercase` | envelope statuses in lowercase (`success`, as one of Pangea's own examples writes it) |
/// | `contains-any` | a `__contains` filter (and `profile_<Name>__contains`) that matches any of its substrings instead of each |
/// | `unknown-session-400` | an invalidate of an unknown session answered 400 `ValidationError` (field error at `/session_id`) instead of 404 `NotFound` |
/// | `extra-fields` | fields the spec does not have, in every envelope, session item and token record |
/// | `refresh-without-active-token` | a refresh that rotates the refresh token only: the user token sent stays valid, and the result has no `active_token` (optional in the spec) |
///
/// ```
/// use authn_emulator::Quirk;
///
/// let quirk: Quirk = "omit-field:identity:7".parse().unwrap();
/// assert_eq!(quirk, Quirk::omit_field("identity", 7).unwrap());
/// assert_eq!(quirk.to_string(), "omit-field:identity:7");
/// assert!("no-such-quirk".parse::<Quirk>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quirk {
    /// `omit-field:NAME[:N]`: session items lack the field `field`, in every
    /// `every`th session.
    #[non_exhaustive]
    OmitField {
        /// The field of a session item that is left out.
        field: String,
        /// Every how many sessions (by load order) it is left out.
        every: NonZeroUsize,
    },
    /// `status-lowercase`: envelope statuses in lowercase.
    StatusLowercase,
    /// `contains-any`: `__contains` means any of the substrings.
    ContainsAny,
    /// `unknown-session-400`: an unknown session id is a 400 `ValidationError`.
    UnknownSession400,
    /// `extra-fields`: unknown fields in every envelope, item and token record.
    ExtraFields,
    /// `refresh-without-active-token`: a refresh rotates the refresh token only.
    RefreshWithoutActiveToken,
}

impl Quirk {
    /// The names of every quirk, as `--help` and the admin API list them.
    pub const NAMES: [&'static str; 6] = [
        "omit-field:NAME[:N]",
        "status-lowercase",
        "contains-any",
        "unknown-session-400",
        "extra-fields",
        "refresh-without-active-token",
    ];

    /// `omit-field:field:every`, checked as a parsed name is.
    ///
    /// ```
    /// assert!(authn_emulator::Quirk::omit_field("profile", 11).is_ok());
    /// assert!(authn_emulator::Quirk::omit_field("profile", 0).is_err());
    /// ```
    pub fn omit_field(field: &str, every: usize) -> Result<Self, QuirkError> {
        let bad = |reason: &str| QuirkError(format!("omit-field:{field}:{every}: {reason}"));
        if field.is_empty() || !field.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(bad("the field is a name of lowercase letters and `_`"));
        }
        let every = NonZeroUsize::new(every).ok_or_else(|| bad("N is at least 1"))?;
        Ok(Quirk::OmitField {
            field: field.to_string(),
            every,
        })
    }
}

/// Why a quirk name was refused: what it says, and the names there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} (quirks: {names})", names = Quirk::NAMES.join(", "))]
pub struct QuirkError(String);

impl FromStr for Quirk {
    type Err = QuirkError;

    fn from_str(name: &str) -> Result<Self, QuirkError> {
        if let Some(rest) = name.strip_prefix("omit-field:") {
            let (field, every) = match rest.split_once(':') {
                Some((field, n)) => {
                    let every = n.parse().map_err(|_| {
                        QuirkError(format!("{name}: N must be a whole number, at least 1"))
                    })?;
                    (field, every)
                }
                None => (rest, 1),
            };
            return Quirk::omit_field(field, every);
        }
        Ok(match name {
            "status-lowercase" => Quirk::StatusLowercase,
            "contains-any" => Quirk::ContainsAny,
            "unknown-session-400" => Quirk::UnknownSession400,
            "extra-fields" => Quirk::ExtraFields,
            "refresh-without-active-token" => Quirk::RefreshWithoutActiveToken,
            _ => return Err(QuirkError(format!("unknown quirk {name:?}"))),
        })
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quirk::OmitField { field, every } => write!(f, "omit-field:{field}:{every}"),
            Quirk::StatusLowercase => f.write_str("status-lowercase"),
            Quirk::ContainsAny => f.write_str("contains-any"),
            Quirk::UnknownSession400 => f.write_str("unknown-session-400"),
            Quirk::ExtraFields => f.write_str("extra-fields"),
            Quirk::RefreshWithoutActiveToken => f.write_str("refresh-without-active-token"),
        }
    }
}

impl serde::Serialize for Quirk {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Quirk {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The quirks of a running emulator, switched on and off while it runs.
/// Clones share them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use authn_emulator::{Emulator, Quirk};
///
/// let emulator = Emulator::builder().seed_users(1, 1).spawn().await.unwrap();
/// emulator.quirks().add(Quirk::ContainsAny);
/// assert_eq!(emulator.quirks().list(), [Quirk::ContainsAny]);
/// emulator.quirks().clear();
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Quirks {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    on: Mutex<Vec<Quirk>>,
    /// Whether any quirk reshapes bodies: without one, answers pass untouched.
    reshaping: AtomicBool,
}

impl fmt::Debug for Quirks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.list()).finish()
    }
}

impl Quirks {
    /// Switches `quirk` on (once: adding it again changes nothing).
    ///
    /// ```
    /// let quirks = authn_emulator::Quirks::default();
    /// quirks.add(authn_emulator::Quirk::StatusLowercase);
    /// ```
    pub fn add(&self, quirk: Quirk) {
        self.extend([quirk]);
    }

    /// Switches every quirk of `quirks` on, at once.
    pub(crate) fn extend(&self, quirks: impl IntoIterator<Item = Quirk>) {
        let mut on = self.lock();
        for quirk in quirks {
            if !on.contains(&quirk) {
                on.push(quirk);
            }
        }
        self.inner
            .reshaping
            .store(on.iter().any(reshapes), Ordering::Relaxed);
    }

    /// The quirks that are on, in the order they were switched on.
    ///
    /// ```
    /// assert!(authn_emulator::Quirks::default().list().is_empty());
    /// ```
    pub fn list(&self) -> Vec<Quirk> {
        self.lock().clone()
    }

    /// Switches every quirk off.
    ///
    /// ```
    /// authn_emulator::Quirks::default().clear();
    /// ```
    pub fn clear(&self) {
        self.lock().clear();
        self.inner.reshaping.store(false, Ordering::Relaxed);
    }

    /// Whether `quirk` is on.
    pub(crate) fn has(&self, quirk: &Quirk) -> bool {
        self.lock().contains(quirk)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Quirk>> {
        self.inner.on.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether a quirk is applied to bodies by [`reshape`].
fn reshapes(quirk: &Quirk) -> bool {
    matches!(
        quirk,
        Quirk::OmitField { .. } | Quirk::StatusLowercase | Quirk::ExtraFields
    )
}

/// The field `extra-fields` adds: one no version of the spec has.
const EXTRA_FIELD: &str = "x_emulator_extra";

/// The layer that applies the quirks that reshape bodies to each answer.
pub(crate) async fn reshape(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if !state.quirks.inner.reshaping.load(Ordering::Relaxed) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut envelope) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let quirks = state.quirks.list();
    for quirk in &quirks {
        match quirk {
            Quirk::StatusLowercase => {
                if let Some(Value::String(status)) = envelope.get_mut("status") {
                    *status = status.to_lowercase();
                }
            }
            Quirk::ExtraFields => {
                each_record(&mut envelope, &mut |record| {
                    let extra =
                        serde_json::json!({"added": "by a later version", "n": [1, 2.5, null]});
                    record.insert(EXTRA_FIELD.into(), extra);
                });
            }
            Quirk::OmitField { field, every } => {
                let store = state.store();
                for item in items(&mut envelope) {
                    let position = item
                        .get("id")
                        .and_then(Value::as_str)
                        .and_then(|id| store.position(id));
                    if position.is_some_and(|p| (p + 1) % every.get() == 0) {
                        item.remove(field);
                    }
                }
            }
            _ => {}
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(envelope.to_string()))
}

/// The session items of a list result.
fn items(envelope: &mut Value) -> impl Iterator<Item = &mut serde_json::Map<String, Value>> {
    envelope
        .pointer_mut("/result/sessions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// Calls `f` on every record of a body, innermost first: each session item's
/// active token and the item, the token records of a refresh, the result,
/// and the envelope itself.
fn each_record(envelope: &mut Value, f: &mut impl FnMut(&mut serde_json::Map<String, Value>)) {
    let Some(root) = envelope.as_object_mut() else {
        return;
    };
    if let Some(result) = root.get_mut("result").and_then(Value::as_object_mut) {
        if let Some(items) = result.get_mut("sessions").and_then(Value::as_array_mut) {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(token) = item.get_mut("active_token").and_then(Value::as_object_mut) {
                    f(token);
                }
                f(item);
            }
        }
        for key in ["refresh_token", "active_token"] {
            if let Some(token) = result.get_mut(key).and_then(Value::as_object_mut) {
                f(token);
            }
        }
        f(result);
    }
    f(root);
}
