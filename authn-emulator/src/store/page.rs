//! One page of `list`: the sessions a filter names, or a walk of the order's
//! index from the cursor, and the filter every session on the page passes.

use std::{borrow::Cow, cmp::Ordering, ops::Bound};

use authn_session_gen::{
    types::{ProfileFilterValue, SessionItem, SessionListFilter, SessionListOrderBy},
    ProfileKey,
};
use chrono::{DateTime, Utc};

use super::{
    cursor, load::static_key, order::StaticKey, Refusal, Store, DEFAULT_PAGE_SIZE,
    MAX_SERVED_PAGE_SIZE, SESSION_TYPE,
};
use crate::fixtures::{micros, rfc3339};

impl Store {
    /// One page of live sessions, of one user when `only_user` is set.
    ///
    /// A page walks the index of its order from the cursor, so it costs
    /// O(log n + page size) plus whatever sessions the filter turns away on
    /// the way. A filter naming sessions (`id`, `id__in`) or users
    /// (`identity`, `identity__in`), and a client call, page through those
    /// sessions only, sorted per page. With `contains_any` (the quirk), a
    /// `__contains` matches any of its substrings instead of each.
    #[allow(clippy::too_many_arguments, reason = "the request's parts, one each")]
    pub(crate) fn list(
        &self,
        filter: Option<&SessionListFilter>,
        descending: bool,
        order_by: SessionListOrderBy,
        size: Option<u64>,
        last: Option<&str>,
        only_user: Option<usize>,
        contains_any: bool,
    ) -> Result<(Vec<SessionItem>, String), Refusal> {
        let now = self.clock.now();
        let times = filter.map(TimeBounds::parse);
        // The cursor is a keyset position, the sort key and the id of the last
        // session served: paging stays exact while sessions end. Any string is
        // a position, so a cursor is never an error.
        let after = last.filter(|l| !l.is_empty()).map(cursor::decode);
        let after = after.as_ref().map(|(key, id)| (key.as_str(), id.as_str()));
        let size = size.map_or(DEFAULT_PAGE_SIZE, |s| {
            (s.min(MAX_SERVED_PAGE_SIZE as u64) as usize).max(1)
        });
        let only_user = only_user.map(|u| u as u32);
        let admits = |n: u32| {
            let s = &self.sessions[n as usize];
            s.live(now)
                && only_user.is_none_or(|u| s.user == u)
                && filter.is_none_or(|f| {
                    let times = times.as_ref().expect("parsed with filter");
                    self.matches(n, f, times, contains_any)
                })
        };
        let mut page: Vec<u32> = match self.candidates(filter, only_user) {
            Some(candidates) => {
                let mut page: Vec<u32> = candidates
                    .into_iter()
                    .filter(|&n| admits(n) && self.beyond(n, order_by, descending, after))
                    .collect();
                page.sort_unstable_by(|&a, &b| {
                    let order = self.cmp_sessions(a, b, order_by);
                    if descending {
                        order.reverse()
                    } else {
                        order
                    }
                });
                page.truncate(size + 1);
                page
            }
            None => self
                .walk(order_by, descending, after)
                .filter(|&n| admits(n))
                .take(size + 1)
                .collect(),
        };
        let more = page.len() > size;
        page.truncate(size);
        let cursor = match (more, page.last()) {
            (true, Some(&n)) => {
                cursor::encode(&self.key_text(n, order_by), &self.sessions[n as usize].id)
            }
            _ => String::new(),
        };
        Ok((page.iter().map(|&n| self.item(n, now)).collect(), cursor))
    }

    /// The only sessions that can match, when the filter or the caller names
    /// them: a superset of the page, small enough to sort.
    fn candidates(
        &self,
        filter: Option<&SessionListFilter>,
        only_user: Option<u32>,
    ) -> Option<Vec<u32>> {
        let sessions = &self.sessions;
        let session = |id: &String| {
            self.session_ids
                .get(&self.hasher, id, |n| &sessions[n as usize].id)
        };
        let users = &self.users;
        let user = |id: &String| {
            self.user_ids
                .get(&self.hasher, id, |u| &users[u as usize].id)
        };
        let of_users = |mut users: Vec<u32>| {
            users.sort_unstable();
            users.dedup();
            users
                .into_iter()
                .flat_map(|u| self.users[u as usize].sessions.iter().copied())
                .collect()
        };
        if let Some(f) = filter {
            if let Some(id) = &f.id {
                return Some(session(id).into_iter().collect());
            }
            if !f.id_in.is_empty() {
                let mut found: Vec<u32> = f.id_in.iter().filter_map(session).collect();
                found.sort_unstable();
                found.dedup();
                return Some(found);
            }
        }
        if let Some(u) = only_user {
            return Some(of_users(vec![u]));
        }
        let f = filter?;
        if let Some(identity) = &f.identity {
            return Some(of_users(user(identity).into_iter().collect()));
        }
        if !f.identity_in.is_empty() {
            return Some(of_users(f.identity_in.iter().filter_map(user).collect()));
        }
        None
    }

    /// Sessions not ended, in the order asked for, from just past the cursor.
    fn walk<'a>(
        &'a self,
        order_by: SessionListOrderBy,
        descending: bool,
        after: Option<(&'a str, &'a str)>,
    ) -> Box<dyn Iterator<Item = u32> + 'a> {
        if let Some(key) = StaticKey::serving(order_by) {
            let ordered = &self.ordered[key as usize];
            let from = after.map(|(key, id)| {
                ordered.sorted.partition_point(|&n| {
                    let order = self.cmp_cursor(n, order_by, key, id);
                    if descending {
                        order == Ordering::Less
                    } else {
                        order != Ordering::Greater
                    }
                })
            });
            return ordered.walk(descending, from);
        }
        // Active token ids are unique: only the entry equal to the cursor's
        // key can need the id to decide its side.
        let before = move |&n: &u32| !self.beyond(n, order_by, descending, after);
        let key = after.map_or(Bound::Unbounded, |(key, _)| Bound::Included(key));
        if descending {
            let range = self
                .by_active_token
                .range::<str, _>((Bound::Unbounded, key));
            Box::new(range.rev().map(|(_, &n)| n).skip_while(before))
        } else {
            let range = self
                .by_active_token
                .range::<str, _>((key, Bound::Unbounded));
            Box::new(range.map(|(_, &n)| n).skip_while(before))
        }
    }

    /// Whether session `n` comes after the cursor in the order of the page.
    fn beyond(
        &self,
        n: u32,
        order_by: SessionListOrderBy,
        descending: bool,
        after: Option<(&str, &str)>,
    ) -> bool {
        after.is_none_or(|(key, id)| {
            self.cmp_cursor(n, order_by, key, id)
                == if descending {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
        })
    }

    /// The key of session `n` in a static order.
    pub(super) fn static_key(&self, n: u32, key: StaticKey) -> (i64, u32) {
        let s = &self.sessions[n as usize];
        let user = &self.users[s.user as usize];
        static_key(
            s,
            (user.id_rank, user.email_rank),
            self.id_rank[n as usize],
            key,
        )
    }

    /// Session `n`'s sort key as the API writes it (and a cursor carries it).
    pub(super) fn key_text(&self, n: u32, order_by: SessionListOrderBy) -> Cow<'_, str> {
        let s = &self.sessions[n as usize];
        match order_by {
            SessionListOrderBy::CreatedAt => Cow::Owned(rfc3339(s.created_at)),
            SessionListOrderBy::Type => Cow::Borrowed(SESSION_TYPE),
            SessionListOrderBy::Identity => Cow::Borrowed(&self.users[s.user as usize].id),
            SessionListOrderBy::Email => Cow::Borrowed(&self.users[s.user as usize].email),
            SessionListOrderBy::Expire => Cow::Owned(rfc3339(s.expire_at)),
            SessionListOrderBy::ActiveTokenId => Cow::Borrowed(&s.active_token_id),
            SessionListOrderBy::Id => Cow::Borrowed(&s.id),
        }
    }

    /// Session `n` against a cursor position `(key, id)`, as text.
    pub(super) fn cmp_cursor(
        &self,
        n: u32,
        order_by: SessionListOrderBy,
        key: &str,
        id: &str,
    ) -> Ordering {
        (&*self.key_text(n, order_by), &*self.sessions[n as usize].id).cmp(&(key, id))
    }

    /// Two sessions in the order `order_by`, the same order `cmp_cursor` sees.
    fn cmp_sessions(&self, a: u32, b: u32, order_by: SessionListOrderBy) -> Ordering {
        match StaticKey::serving(order_by) {
            Some(key) => self.static_key(a, key).cmp(&self.static_key(b, key)),
            None => {
                let key = |n: u32| {
                    (
                        &self.sessions[n as usize].active_token_id,
                        self.id_rank[n as usize],
                    )
                };
                key(a).cmp(&key(b))
            }
        }
    }

    pub(super) fn matches(
        &self,
        n: u32,
        f: &SessionListFilter,
        times: &TimeBounds,
        contains_any: bool,
    ) -> bool {
        let s = &self.sessions[n as usize];
        let user = &self.users[s.user as usize];
        let contains =
            |value: &str, substrings: &[String]| substrings_match(value, substrings, contains_any);
        let text = |value: &str, eq: &Option<String>, substrings: &[String], one_of: &[String]| {
            eq.as_ref().is_none_or(|e| e == value)
                && contains(value, substrings)
                && (one_of.is_empty() || one_of.iter().any(|c| c == value))
        };
        text(&s.id, &f.id, &f.id_contains, &f.id_in)
            && text(SESSION_TYPE, &f.type_, &f.type_contains, &f.type_in)
            && text(&user.email, &f.email, &f.email_contains, &f.email_in)
            && text(&user.id, &f.identity, &f.identity_contains, &f.identity_in)
            && text(
                user.username(),
                &f.username,
                &f.username_contains,
                &f.username_in,
            )
            && text(
                &s.active_token_id,
                &f.active_token_id,
                &f.active_token_id_contains,
                &f.active_token_id_in,
            )
            && f.enabled.is_none_or(|e| e == user.enabled)
            && f.scopes.iter().all(|scope| s.scopes.contains(scope))
            && times.created_at.admits(s.created_at)
            && times.expire.admits(s.expire_at)
            && f.extra
                .iter()
                .all(|(key, value)| profile_matches(&user.profile, key, value, contains_any))
    }
}

/// `__contains`: the value includes each substring, as Pangea's spec says;
/// any of them with the `contains-any` quirk. No substrings: no condition.
fn substrings_match(value: &str, substrings: &[String], any: bool) -> bool {
    if any && !substrings.is_empty() {
        substrings.iter().any(|s| value.contains(s.as_str()))
    } else {
        substrings.iter().all(|s| value.contains(s.as_str()))
    }
}

/// A profile key of a filter against a profile; the keys were checked when
/// the request was read.
fn profile_matches(
    profile: &std::collections::BTreeMap<String, String>,
    key: &str,
    value: &ProfileFilterValue,
    contains_any: bool,
) -> bool {
    let Some((name, _)) = ProfileKey::parse(key) else {
        return false;
    };
    match value {
        ProfileFilterValue::String(want) => profile.get(name) == Some(want),
        ProfileFilterValue::Array(substrings) => profile
            .get(name)
            .is_some_and(|v| substrings_match(v, substrings, contains_any)),
        ProfileFilterValue::Boolean(exists) => profile.contains_key(name) == *exists,
    }
}

/// Time bounds of a filter, parsed once per request.
pub(super) struct TimeBounds {
    created_at: Bounds,
    expire: Bounds,
}

/// `eq`, `gt`, `gte`, `lt`, `lte`, to the microsecond like the stored times.
#[derive(Default)]
struct Bounds([Option<DateTime<Utc>>; 5]);

impl Bounds {
    fn admits(&self, value: DateTime<Utc>) -> bool {
        let [eq, gt, gte, lt, lte] = self.0;
        eq.is_none_or(|b| value == b)
            && gt.is_none_or(|b| value > b)
            && gte.is_none_or(|b| value >= b)
            && lt.is_none_or(|b| value < b)
            && lte.is_none_or(|b| value <= b)
    }
}

impl TimeBounds {
    pub(super) fn parse(f: &SessionListFilter) -> Self {
        let bounds = |values: [&Option<DateTime<Utc>>; 5]| Bounds(values.map(|v| v.map(micros)));
        Self {
            created_at: bounds([
                &f.created_at,
                &f.created_at_gt,
                &f.created_at_gte,
                &f.created_at_lt,
                &f.created_at_lte,
            ]),
            expire: bounds([
                &f.expire,
                &f.expire_gt,
                &f.expire_gte,
                &f.expire_lt,
                &f.expire_lte,
            ]),
        }
    }
}
