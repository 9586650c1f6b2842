//! Lazy pagination over `list`: follows the `last` cursor one page at a time,
//! only when the consumer asks for more, and never loops on a repeated cursor.
//! The server's cursors are passed back exactly as they came, unchecked: they
//! are not the caller's input.

use std::{
    collections::HashSet,
    future::Future,
    hash::{DefaultHasher, Hash, Hasher},
};

use authn_session_gen::types::{ClientSessionListResult, SessionItem, SessionListResult};
use futures::{stream, Stream, TryStreamExt};

use crate::{list::ListRequest, platform::BoxStream, Error, PangeaResponse};

/// The sessions of a list, across pages, fetched lazily. `Unpin` and `'static`:
/// keep it, pass it to another task, or poll it with `TryStreamExt::try_next`.
pub type SessionStream = BoxStream<'static, Result<SessionItem, Error>>;

/// The pages of a list, each with its envelope, fetched lazily: pages of
/// [`SessionListResult`] for the service list, of [`ClientSessionListResult`]
/// for a user's.
pub type PageStream<R = SessionListResult> = BoxStream<'static, Result<PangeaResponse<R>, Error>>;

/// What paging needs of a list result: its cursor and its sessions.
pub(crate) trait ListResult {
    fn last(&self) -> Option<&str>;
    fn into_sessions(self) -> Vec<SessionItem>;
}

macro_rules! list_result {
    ($($ty:ty),*) => {$(
        impl ListResult for $ty {
            fn last(&self) -> Option<&str> {
                self.last.as_deref()
            }
            fn into_sessions(self) -> Vec<SessionItem> {
                self.sessions
            }
        }
    )*};
}

list_result!(SessionListResult, ClientSessionListResult);

struct State<Q, F> {
    next: Option<Q>,
    /// Hashes of every cursor followed so far: 8 bytes a page, whatever the page size.
    seen: HashSet<u64>,
    pending: Option<Error>,
    fetch: F,
}

fn hash(cursor: &str) -> u64 {
    let mut h = DefaultHasher::new();
    cursor.hash(&mut h);
    h.finish()
}

/// Pages from `first` on. Ends after the page whose `last` is empty or absent,
/// after the first error, or with [`Error::RepeatedCursor`] when the server
/// sends a cursor it sent before.
pub(crate) fn pages<Q, F, Fut>(
    first: Q,
    fetch: F,
) -> impl Stream<Item = Result<PangeaResponse<Q::Result>, Error>>
where
    Q: ListRequest,
    F: FnMut(Q) -> Fut,
    Fut: Future<Output = Result<PangeaResponse<Q::Result>, Error>>,
{
    let mut seen = HashSet::new();
    if let Some(cursor) = first.last().filter(|c| !c.is_empty()) {
        seen.insert(hash(cursor));
    }
    let state = State {
        next: Some(first),
        seen,
        pending: None,
        fetch,
    };
    stream::unfold(state, |mut state| async move {
        if let Some(error) = state.pending.take() {
            return Some((Err(error), state));
        }
        let request = state.next.take()?;
        match (state.fetch)(request.clone()).await {
            Err(error) => Some((Err(error), state)),
            Ok(page) => {
                if let Some(cursor) = page.result.last().filter(|c| !c.is_empty()) {
                    if state.seen.insert(hash(cursor)) {
                        let mut next = request;
                        next.set_last(cursor.to_string());
                        state.next = Some(next);
                    } else {
                        state.pending = Some(Error::RepeatedCursor {
                            request_id: page.request_id.clone(),
                        });
                    }
                }
                Some((Ok(page), state))
            }
        }
    })
}

/// The sessions of every page, one by one.
pub(crate) fn items<R: ListResult>(
    pages: impl Stream<Item = Result<PangeaResponse<R>, Error>>,
) -> impl Stream<Item = Result<SessionItem, Error>> {
    pages
        .map_ok(|page| stream::iter(page.result.into_sessions().into_iter().map(Ok)))
        .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{executor::block_on, StreamExt};

    use crate::ListOptions;

    fn page(request_id: &str, cursor: Option<&str>) -> PangeaResponse<SessionListResult> {
        let text = serde_json::json!({
            "request_id": request_id, "status": "Success",
            "result": {"sessions": [], "last": cursor}
        })
        .to_string();
        let envelope: crate::response::Envelope<&serde_json::value::RawValue> =
            serde_json::from_str(&text).unwrap();
        let result = SessionListResult {
            sessions: Vec::new(),
            last: cursor.map(str::to_string),
            count: None,
        };
        PangeaResponse::new(
            envelope,
            result,
            reqwest::StatusCode::OK,
            Default::default(),
        )
    }

    fn request(options: ListOptions) -> authn_session_gen::types::SessionListRequest {
        options.service_request(None).unwrap()
    }

    #[test]
    fn follows_cursors_and_stops_on_an_empty_one() {
        let mut calls = Vec::new();
        let got: Vec<_> = block_on(
            pages(request(ListOptions::new().size(5)), |o| {
                calls.push((o.size, o.last.clone()));
                let next = match o.last.as_deref() {
                    None => Some("c1"),
                    Some("c1") => Some(""),
                    _ => unreachable!(),
                };
                async move { Ok(page("prq", next)) }
            })
            .collect::<Vec<_>>(),
        );
        assert_eq!(got.len(), 2);
        let five = std::num::NonZeroU64::new(5);
        assert_eq!(calls, [(five, None), (five, Some("c1".to_string()))]);
    }

    #[test]
    fn server_cursors_are_passed_back_unchecked() {
        // Longer than a caller's cursor may be, and with a control character.
        let odd = format!("{}\u{7}", "c".repeat(5000));
        let mut sent = Vec::new();
        let got: Vec<_> = block_on(
            pages(request(ListOptions::new()), |o| {
                sent.push(o.last.clone());
                let next = if o.last.is_none() {
                    Some(odd.clone())
                } else {
                    None
                };
                async move { Ok(page("prq", next.as_deref())) }
            })
            .collect::<Vec<_>>(),
        );
        assert!(got.iter().all(Result::is_ok), "{got:?}");
        assert_eq!(sent, [None, Some(odd.clone())]);
    }

    #[test]
    fn a_repeated_cursor_ends_with_an_error_instead_of_looping() {
        let got: Vec<_> = block_on(
            // The server answers every page with the same cursor.
            pages(request(ListOptions::new()), |_| async {
                Ok(page("prq_2", Some("c1")))
            })
            .collect::<Vec<_>>(),
        );
        assert_eq!(got.len(), 3);
        assert!(
            matches!(&got[2], Err(Error::RepeatedCursor { request_id }) if request_id == "prq_2")
        );
    }
}
