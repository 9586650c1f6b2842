//! Lazy pagination over `list`: follows the `last` cursor one page at a time,
//! only when the consumer asks for more, and never loops on a repeated cursor.

use std::{
    collections::HashSet,
    future::Future,
    hash::{DefaultHasher, Hash, Hasher},
};

use authn_session_gen::types::{SessionItem, SessionListResult};
use futures::{stream, stream::BoxStream, Stream, TryStreamExt};

use crate::{Error, ListOptions, PangeaResponse};

/// One page of a session list.
pub(crate) type Page = PangeaResponse<SessionListResult>;

/// The sessions of a list, across pages, fetched lazily. `Unpin` and `'static`:
/// keep it, pass it to another task, or poll it with `TryStreamExt::try_next`.
pub type SessionStream = BoxStream<'static, Result<SessionItem, Error>>;

/// The pages of a list, each with its envelope, fetched lazily.
pub type PageStream = BoxStream<'static, Result<PangeaResponse<SessionListResult>, Error>>;

struct State<F> {
    next: Option<ListOptions>,
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
pub(crate) fn pages<F, Fut>(first: ListOptions, fetch: F) -> impl Stream<Item = Result<Page, Error>>
where
    F: FnMut(ListOptions) -> Fut,
    Fut: Future<Output = Result<Page, Error>>,
{
    let mut seen = HashSet::new();
    if let Some(cursor) = first.last.as_deref().filter(|c| !c.is_empty()) {
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
        let options = state.next.take()?;
        match (state.fetch)(options.clone()).await {
            Err(error) => Some((Err(error), state)),
            Ok(page) => {
                if let Some(cursor) = page.result.last.as_deref().filter(|c| !c.is_empty()) {
                    if state.seen.insert(hash(cursor)) {
                        state.next = Some(options.last(cursor));
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
pub(crate) fn items(
    pages: impl Stream<Item = Result<Page, Error>>,
) -> impl Stream<Item = Result<SessionItem, Error>> {
    pages
        .map_ok(|page| stream::iter(page.result.sessions.into_iter().map(Ok)))
        .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{executor::block_on, StreamExt};

    fn page(request_id: &str, cursor: Option<&str>) -> Page {
        let envelope: crate::response::Envelope<SessionListResult> =
            serde_json::from_value(serde_json::json!({
                "request_id": request_id, "status": "Success",
                "result": {"sessions": [], "last": cursor}
            }))
            .unwrap();
        envelope.into_response(reqwest::StatusCode::OK, Default::default())
    }

    #[test]
    fn follows_cursors_and_stops_on_an_empty_one() {
        let mut calls = Vec::new();
        let got: Vec<_> = block_on(
            pages(ListOptions::new().size(5), |o| {
                calls.push(o.clone());
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
        assert_eq!(
            calls,
            [
                ListOptions::new().size(5),
                ListOptions::new().size(5).last("c1")
            ]
        );
    }

    #[test]
    fn a_repeated_cursor_ends_with_an_error_instead_of_looping() {
        let got: Vec<_> = block_on(
            // The server answers every page with the same cursor.
            pages(ListOptions::new(), |_| async {
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
