//! What the list path needs of the two list results: the cursor, the
//! sessions, and, for a page read ahead, the result put back together.

use authn_session_gen::types::{ClientSessionListResult, SessionItem, SessionListResult};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;

use crate::PangeaResponse;

/// What paging needs of a list result: its cursor and its sessions, and,
/// for a page read ahead, the result put back together from its parts.
pub(crate) trait ListResult {
    /// How a page read ahead decodes `count`: as the result type does. The
    /// service list's is a number; a user's list has none, so a `count` there
    /// is an unknown field, ignored whatever it holds.
    type Count: DeserializeOwned + Default + Send + 'static;
    fn last(&self) -> Option<&str>;
    fn into_sessions(self) -> Vec<SessionItem>;
    /// The result of a page read ahead, once its sessions are decoded. A
    /// field the spec adds to the list results fails to compile here until
    /// [`RawList`] reads it too, so reading ahead never drops it.
    fn assemble(sessions: Vec<SessionItem>, list: RawList<Self::Count>) -> Self;
}

impl ListResult for SessionListResult {
    type Count = Option<i64>;
    fn last(&self) -> Option<&str> {
        self.last.as_deref()
    }
    fn into_sessions(self) -> Vec<SessionItem> {
        self.sessions
    }
    fn assemble(sessions: Vec<SessionItem>, list: RawList<Self::Count>) -> Self {
        Self {
            count: list.count,
            last: list.last,
            sessions,
        }
    }
}

impl ListResult for ClientSessionListResult {
    type Count = IgnoredAny;
    fn last(&self) -> Option<&str> {
        self.last.as_deref()
    }
    fn into_sessions(self) -> Vec<SessionItem> {
        self.sessions
    }
    fn assemble(sessions: Vec<SessionItem>, list: RawList<Self::Count>) -> Self {
        // A user's list has no `count`.
        Self {
            last: list.last,
            sessions,
        }
    }
}

/// A list result read ahead: its cursor (and `count`, as [`ListResult::Count`]
/// says) decoded in the same pass as the envelope, its sessions kept as raw
/// JSON to decode off the async threads while the next page is fetched.
#[derive(serde::Deserialize)]
pub(crate) struct RawList<C> {
    #[serde(default)]
    pub(crate) last: Option<String>,
    #[serde(default)]
    pub(crate) count: C,
    pub(crate) sessions: Box<RawValue>,
}

/// A page of `R` read ahead, its sessions not decoded yet.
pub(crate) type RawPage<R> = PangeaResponse<RawList<<R as ListResult>::Count>>;
