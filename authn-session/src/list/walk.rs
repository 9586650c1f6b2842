//! The walk over pages: follows the `last` cursor one page at a time, only
//! when the consumer asks for more (or one request ahead, when asked to read
//! ahead), and never loops on a repeated cursor. The server's cursors are
//! passed back exactly as they came, unchecked: they are not the caller's input.

use std::{
    collections::HashSet,
    future::Future,
    hash::{DefaultHasher, Hash, Hasher},
};

use authn_session_gen::types::{SessionItem, SessionListResult};
use futures::{future::join, stream, Stream};

use super::{
    request::ListRequest,
    result::{ListResult, RawPage},
};
use crate::{platform::BoxStream, Error, PangeaResponse};

/// The sessions of a list, across pages, fetched lazily. `Unpin` and `'static`:
/// keep it, pass it to another task, or poll it with `TryStreamExt::try_next`.
pub type SessionStream = BoxStream<'static, Result<SessionItem, Error>>;

/// The pages of a list, each with its envelope, fetched lazily: pages of
/// [`SessionListResult`] for the service list, of
/// [`ClientSessionListResult`](crate::ClientSessionListResult)
/// for a user's.
pub type PageStream<R = SessionListResult> = BoxStream<'static, Result<PangeaResponse<R>, Error>>;

/// The cursors followed so far: 8 bytes a page, whatever the page size. A
/// cursor the server sent before would loop forever, so it ends the walk
/// with [`Error::RepeatedCursor`].
struct Cursors(HashSet<u64>);

impl Cursors {
    fn new(first: &impl ListRequest) -> Self {
        let mut seen = HashSet::new();
        if let Some(cursor) = first.last().filter(|c| !c.is_empty()) {
            seen.insert(hash(cursor));
        }
        Self(seen)
    }

    /// `request` turned into the request for the page after the one that
    /// sent `cursor`: `None` after the last page (an empty or absent cursor).
    fn next<Q: ListRequest>(
        &mut self,
        mut request: Q,
        cursor: Option<&str>,
        request_id: &str,
    ) -> Result<Option<Q>, Error> {
        let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        if !self.0.insert(hash(cursor)) {
            return Err(Error::RepeatedCursor {
                request_id: request_id.to_string(),
            });
        }
        request.set_last(cursor.to_string());
        Ok(Some(request))
    }
}

fn hash(cursor: &str) -> u64 {
    let mut h = DefaultHasher::new();
    cursor.hash(&mut h);
    h.finish()
}

struct Lazy<Q, F> {
    next: Option<Q>,
    cursors: Cursors,
    pending: Option<Error>,
    fetch: F,
}

/// Pages from `first` on, each fetched when the consumer asks for it. Ends
/// after the page whose `last` is empty or absent, after the first error, or
/// with [`Error::RepeatedCursor`] when the server sends a cursor it sent before.
pub(crate) fn pages<Q, F, Fut>(
    first: Q,
    fetch: F,
) -> impl Stream<Item = Result<PangeaResponse<Q::Result>, Error>>
where
    Q: ListRequest,
    F: FnMut(Q) -> Fut,
    Fut: Future<Output = Result<PangeaResponse<Q::Result>, Error>>,
{
    let state = Lazy {
        cursors: Cursors::new(&first),
        next: Some(first),
        pending: None,
        fetch,
    };
    stream::unfold(state, |mut state| async move {
        if let Some(error) = state.pending.take() {
            return Some((Err(error), state));
        }
        let request = state.next.take()?;
        let page = match (state.fetch)(request.clone()).await {
            Ok(page) => page,
            Err(error) => return Some((Err(error), state)),
        };
        match state
            .cursors
            .next(request, page.result.last(), &page.request_id)
        {
            Ok(next) => state.next = next,
            Err(repeated) => state.pending = Some(repeated),
        }
        Some((Ok(page), state))
    })
}

struct Ahead<Q: ListRequest, F, D> {
    /// The request of the first page; the next ones differ by their cursor.
    request: Q,
    /// The first page's request, until it is sent.
    first: Option<Q>,
    /// The next page, fetched while the one before it was decoded.
    fetched: Option<Result<RawPage<Q::Result>, Error>>,
    cursors: Cursors,
    pending: Option<Error>,
    fetch: F,
    decode: D,
}

/// Pages from `first` on, one request ahead of the consumer (for
/// `ListOptions::read_ahead`): a page's cursor comes with its envelope, the
/// next page is requested at once, and the page's sessions are decoded (by
/// `decode`, off the async threads) while the server builds the next one. Ends as [`pages`] does; a page that fails to decode ends the walk
/// and the page read ahead is dropped.
pub(crate) fn pages_ahead<Q, F, Fut, D, DFut>(
    first: Q,
    fetch: F,
    decode: D,
) -> impl Stream<Item = Result<PangeaResponse<Q::Result>, Error>>
where
    Q: ListRequest,
    F: FnMut(Q) -> Fut,
    Fut: Future<Output = Result<RawPage<Q::Result>, Error>>,
    D: FnMut(RawPage<Q::Result>) -> DFut,
    DFut: Future<Output = Result<PangeaResponse<Q::Result>, Error>>,
{
    let state = Ahead {
        cursors: Cursors::new(&first),
        request: first.clone(),
        first: Some(first),
        fetched: None,
        pending: None,
        fetch,
        decode,
    };
    stream::unfold(state, |mut state| async move {
        if let Some(error) = state.pending.take() {
            return Some((Err(error), state));
        }
        let raw = match (state.fetched.take(), state.first.take()) {
            (Some(fetched), _) => fetched,
            (None, Some(first)) => (state.fetch)(first).await,
            (None, None) => return None,
        };
        let raw = match raw {
            Ok(raw) => raw,
            Err(error) => return Some((Err(error), state)),
        };
        let next = match state.cursors.next(
            state.request.clone(),
            raw.result.last.as_deref(),
            &raw.request_id,
        ) {
            Ok(next) => next,
            Err(repeated) => {
                state.pending = Some(repeated);
                None
            }
        };
        let page = match next {
            Some(next) => {
                let (page, fetched) = join((state.decode)(raw), (state.fetch)(next)).await;
                state.fetched = Some(fetched);
                page
            }
            None => (state.decode)(raw).await,
        };
        if page.is_err() {
            // The first error ends the walk.
            state.fetched = None;
            state.pending = None;
        }
        Some((page, state))
    })
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
