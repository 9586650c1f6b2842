//! The orders `list` pages in, kept as indexes so that a page costs
//! O(log n + page size) however many sessions are stored.
//!
//! Sort keys that never change once sessions are loaded (id, created_at,
//! expire, identity, email) each get a sorted array of sessions and a B-tree
//! of the array positions whose session has not ended; the active token id,
//! which every refresh replaces, is a B-tree of its own in the store.

use std::collections::BTreeSet;
use std::ops::Bound;

use authn_session_gen::types::SessionListOrderBy;

/// A sort key fixed at load time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StaticKey {
    Id,
    CreatedAt,
    Expire,
    Identity,
    Email,
}

impl StaticKey {
    pub(super) const ALL: [StaticKey; 5] = [
        StaticKey::Id,
        StaticKey::CreatedAt,
        StaticKey::Expire,
        StaticKey::Identity,
        StaticKey::Email,
    ];

    /// The index an `order_by` pages through; `None`: the active token index.
    /// Every session has the same `type`, so that order is the id order.
    pub(super) fn serving(order_by: SessionListOrderBy) -> Option<StaticKey> {
        match order_by {
            SessionListOrderBy::Id | SessionListOrderBy::Type => Some(StaticKey::Id),
            SessionListOrderBy::CreatedAt => Some(StaticKey::CreatedAt),
            SessionListOrderBy::Expire => Some(StaticKey::Expire),
            SessionListOrderBy::Identity => Some(StaticKey::Identity),
            SessionListOrderBy::Email => Some(StaticKey::Email),
            SessionListOrderBy::ActiveTokenId => None,
        }
    }
}

/// Sessions sorted by one static key, and which of them have not ended.
pub(super) struct Ordered {
    /// Session numbers in key order.
    pub(super) sorted: Vec<u32>,
    /// Positions in `sorted` of the sessions not ended.
    live: BTreeSet<u32>,
}

impl Ordered {
    pub(super) fn new(sorted: Vec<u32>) -> Self {
        let live = (0..sorted.len() as u32).collect();
        Ordered { sorted, live }
    }

    /// Takes the session at `position` out of every page.
    pub(super) fn end(&mut self, position: usize) {
        self.live.remove(&(position as u32));
    }

    /// Sessions not ended, in key order: upwards from position `from`
    /// (ascending), or downwards from just below it (descending); from an end
    /// when `from` is `None`.
    pub(super) fn walk(
        &self,
        descending: bool,
        from: Option<usize>,
    ) -> Box<dyn Iterator<Item = u32> + '_> {
        let sessions = |p: &u32| self.sorted[*p as usize];
        let from = from.map(|p| p as u32);
        if descending {
            let end = from.map_or(Bound::Unbounded, Bound::Excluded);
            Box::new(self.live.range((Bound::Unbounded, end)).rev().map(sessions))
        } else {
            let start = from.map_or(Bound::Unbounded, Bound::Included);
            Box::new(self.live.range((start, Bound::Unbounded)).map(sessions))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ordered;

    #[test]
    fn an_ended_position_leaves_every_walk_in_both_directions() {
        let mut ordered = Ordered::new(vec![40, 10, 30, 20]);
        ordered.end(1);
        let walk = |descending, from| ordered.walk(descending, from).collect::<Vec<_>>();
        assert_eq!(walk(false, None), [40, 30, 20]);
        assert_eq!(walk(true, None), [20, 30, 40]);
        assert_eq!(walk(false, Some(1)), [30, 20]);
        assert_eq!(walk(true, Some(2)), [40]);
    }
}
