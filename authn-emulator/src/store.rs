//! The emulator's state: users, sessions and their current tokens, the
//! session operations on them, and the indexes that keep a `list` page cheap
//! at a million sessions. Callers hold one lock around each operation, so
//! every operation is atomic (one refresh token refreshes once). Time comes
//! from the emulator's [`Clock`].

mod cursor;
mod lookup;
mod order;

use std::{borrow::Cow, cmp::Ordering, collections::BTreeMap, hash::RandomState, ops::Bound};

use authn_session_gen::{
    types::{
        FieldError, LoginToken, Profile, SessionItem, SessionListFilter, SessionListOrderBy,
        SessionToken,
    },
    SecretToken,
};
use chrono::{DateTime, Utc};

use self::{
    lookup::Lookup,
    order::{Ordered, StaticKey},
};
use crate::{
    clock::Clock,
    fixtures::{micros, random_id, rfc3339, FixtureSession, FixtureUser, Fixtures},
};

/// Sessions per page when the request gives no `size`.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// Most sessions the emulator serves in one page: a larger `size` (the spec
/// allows up to `authn_session_gen::limits::LIST_SIZE_MAX`) is served this
/// many, with a cursor to the rest, as "the service may serve fewer" permits.
pub const MAX_SERVED_PAGE_SIZE: usize = 1000;
const TOKEN_TYPE: &str = "user";

/// Why an operation was refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// HTTP 400 `ValidationError` with field errors.
    Invalid(Vec<FieldError>),
    /// HTTP 404 `NotFound`.
    NotFound(String),
}

pub(crate) fn field_error(code: &str, source: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        code: code.into(),
        detail: detail.into(),
        source: source.into(),
        path: None,
    }
}

struct User {
    id: Box<str>,
    email: Box<str>,
    profile: BTreeMap<String, String>,
    /// Its sessions: the index client calls and identity filters page from.
    sessions: Vec<u32>,
    /// Rank of `id` among user ids.
    id_rank: u32,
    /// Rank of `email` among emails (equal emails, equal rank).
    email_rank: u32,
}

/// Times are kept to the microsecond, as Pangea writes them.
struct Session {
    id: Box<str>,
    user: u32,
    user_token: Box<str>,
    refresh_token: Box<str>,
    active_token_id: Box<str>,
    created_at: DateTime<Utc>,
    token_created_at: DateTime<Utc>,
    expire_at: DateTime<Utc>,
    /// When the current user token stops working (at the latest, `expire_at`).
    user_token_expire: DateTime<Utc>,
    scopes: Vec<String>,
    ended: bool,
}

impl Session {
    fn live(&self, now: DateTime<Utc>) -> bool {
        !self.ended && self.expire_at > now
    }

    /// Whether its current user token works now.
    fn user_token_live(&self, now: DateTime<Utc>) -> bool {
        self.live(now) && self.user_token_expire > now
    }
}

/// Users and sessions, indexed by every token and id the API takes and by
/// every order `list` serves.
pub(crate) struct Store {
    clock: Clock,
    /// How long a user token lives; `None`: as long as its session.
    user_token_life: Option<chrono::Duration>,
    hasher: RandomState,
    users: Vec<User>,
    user_ids: Lookup,
    sessions: Vec<Session>,
    /// Rank of each session's id among session ids: the tie-break of every order.
    id_rank: Vec<u32>,
    session_ids: Lookup,
    user_tokens: Lookup,
    refresh_tokens: Lookup,
    /// One per [`StaticKey`], in [`StaticKey::ALL`] order.
    ordered: Vec<Ordered>,
    /// Sessions not ended, by active token id (unique: a new one is drawn
    /// until it is).
    by_active_token: BTreeMap<Box<str>, u32>,
}

impl Store {
    pub(crate) fn new(clock: Clock, user_token_life: Option<chrono::Duration>) -> Self {
        let mut store = Store {
            clock,
            user_token_life,
            hasher: RandomState::new(),
            users: Vec::new(),
            user_ids: Lookup::default(),
            sessions: Vec::new(),
            id_rank: Vec::new(),
            session_ids: Lookup::default(),
            user_tokens: Lookup::default(),
            refresh_tokens: Lookup::default(),
            ordered: Vec::new(),
            by_active_token: BTreeMap::new(),
        };
        store.ordered = StaticKey::ALL.map(|_| Ordered::new(Vec::new())).into();
        store
    }

    /// A store holding `fixtures`, whose strings it takes over rather than
    /// copies.
    pub(crate) fn from_fixtures(
        fixtures: Fixtures,
        clock: Clock,
        user_token_life: Option<chrono::Duration>,
    ) -> Result<Self, String> {
        let mut store = Store::new(clock, user_token_life);
        let sessions: usize = fixtures.users.iter().map(|u| u.sessions.len()).sum();
        if u32::try_from(sessions).is_err() || u32::try_from(fixtures.users.len()).is_err() {
            return Err(format!(
                "{sessions} sessions are more than the emulator holds"
            ));
        }
        store.users.reserve_exact(fixtures.users.len());
        store.user_ids = Lookup::with_capacity(fixtures.users.len());
        store.sessions.reserve_exact(sessions);
        for user in fixtures.users {
            let FixtureUser {
                id,
                email,
                profile,
                sessions,
            } = user;
            let n = store.users.len() as u32;
            store.users.push(User {
                id: id.into_boxed_str(),
                email: email.into_boxed_str(),
                profile,
                sessions: Vec::with_capacity(sessions.len()),
                id_rank: 0,
                email_rank: 0,
            });
            let users = &store.users;
            if !store
                .user_ids
                .insert(&store.hasher, n, |u| &users[u as usize].id)
            {
                return Err(format!("user {} appears twice", users[n as usize].id));
            }
            for session in sessions {
                store.add_session(n, session)?;
            }
        }
        store.index()?;
        Ok(store)
    }

    /// Builds every index over the loaded sessions. The token and id
    /// lookups are built on a second thread while this one sorts the orders:
    /// both are bound by memory latency, and a million-session start takes
    /// about half as long.
    fn index(&mut self) -> Result<(), String> {
        let sessions = &self.sessions;
        let users = &self.users;
        let hasher = &self.hasher;
        let len = sessions.len() as u32;
        let lookup = |field: fn(&Session) -> &str| {
            Lookup::build(len, hasher, |m| field(&sessions[m as usize]))
        };
        let (ids, user_tokens, refresh_tokens, orders) = std::thread::scope(|scope| {
            let other = scope.spawn(move || (lookup(|s| &s.id), lookup(|s| &s.user_token)));
            let refresh_tokens = lookup(|s| &s.refresh_token);
            let orders = Orders::build(sessions, users);
            let (ids, user_tokens) = other.join().expect("building lookups does not panic");
            (ids, user_tokens, refresh_tokens, orders)
        });
        let unique = |lookup: Result<Lookup, u32>, what: &str| {
            lookup.map_err(|m| format!("session {}: {what} is not unique", sessions[m as usize].id))
        };
        self.session_ids = unique(ids, "session id")?;
        self.user_tokens = unique(user_tokens, "user token")?;
        self.refresh_tokens = unique(refresh_tokens, "refresh token")?;
        for (user, (id_rank, email_rank)) in self.users.iter_mut().zip(orders.user_ranks) {
            user.id_rank = id_rank;
            user.email_rank = email_rank;
        }
        self.id_rank = orders.id_rank;
        self.ordered = orders.ordered;
        self.by_active_token = orders.by_active_token;
        for m in orders.taken {
            self.sessions[m as usize].active_token_id = self.new_active_token_id(m);
        }
        Ok(())
    }

    fn add_session(&mut self, user: u32, s: FixtureSession) -> Result<(), String> {
        let time = |what: &str, text: &str| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| micros(t.with_timezone(&Utc)))
                .map_err(|e| format!("session {}: {what} {text:?} is not RFC 3339: {e}", s.id))
        };
        let created_at = time("created_at", &s.created_at)?;
        let expire_at = time("expire", &s.expire)?;
        let user_token_expire = match &s.user_token_expire {
            Some(text) => time("user_token_expire", text)?.min(expire_at),
            None => self.user_token_expiry(self.clock.now(), expire_at),
        };
        let n = self.sessions.len() as u32;
        // Entered in the active token index by `build_orders`, in bulk.
        let active_token_id = random_id("pmt_").into_boxed_str();
        self.sessions.push(Session {
            id: s.id.into_boxed_str(),
            user,
            user_token: s.user_token.into_boxed_str(),
            refresh_token: s.refresh_token.into_boxed_str(),
            active_token_id,
            created_at,
            token_created_at: created_at,
            expire_at,
            user_token_expire,
            scopes: s.scopes,
            ended: false,
        });
        self.users[user as usize].sessions.push(n);
        Ok(())
    }

    /// A fresh active token id for session `n`, entered in the active token index.
    fn new_active_token_id(&mut self, n: u32) -> Box<str> {
        loop {
            let id: Box<str> = random_id("pmt_").into();
            if let std::collections::btree_map::Entry::Vacant(entry) =
                self.by_active_token.entry(id.clone())
            {
                entry.insert(n);
                return id;
            }
        }
    }

    /// When a user token issued at `now` expires.
    fn user_token_expiry(
        &self,
        now: DateTime<Utc>,
        session_expire: DateTime<Utc>,
    ) -> DateTime<Utc> {
        match self.user_token_life {
            Some(life) => micros(now + life).min(session_expire),
            None => session_expire,
        }
    }

    /// The current state as a fixture file (ended and expired sessions left out).
    pub(crate) fn dump(&self) -> Fixtures {
        let now = self.clock.now();
        let users = self
            .users
            .iter()
            .map(|u| FixtureUser {
                id: u.id.to_string(),
                email: u.email.to_string(),
                profile: u.profile.clone(),
                sessions: u
                    .sessions
                    .iter()
                    .map(|&n| &self.sessions[n as usize])
                    .filter(|s| s.live(now))
                    .map(|s| FixtureSession {
                        id: s.id.to_string(),
                        user_token: s.user_token.to_string(),
                        refresh_token: s.refresh_token.to_string(),
                        created_at: rfc3339(s.created_at),
                        expire: rfc3339(s.expire_at),
                        user_token_expire: (s.user_token_expire != s.expire_at)
                            .then(|| rfc3339(s.user_token_expire)),
                        scopes: s.scopes.clone(),
                    })
                    .collect(),
            })
            .collect();
        Fixtures { users }
    }

    /// The live session a user token belongs to.
    pub(crate) fn session_of_user_token(&self, token: &str) -> Result<usize, Refusal> {
        let sessions = &self.sessions;
        self.user_tokens
            .get(&self.hasher, token, |n| &sessions[n as usize].user_token)
            .map(|n| n as usize)
            .filter(|&n| sessions[n].user_token_live(self.clock.now()))
            .ok_or_else(|| {
                Refusal::NotFound("the user token is unknown, expired or its session ended".into())
            })
    }

    /// The user a session belongs to.
    pub(crate) fn user_of(&self, session: usize) -> usize {
        self.sessions[session].user as usize
    }

    /// One page of live sessions, of one user when `only_user` is set.
    ///
    /// A page walks the index of its order from the cursor, so it costs
    /// O(log n + page size) plus whatever sessions the filter turns away on
    /// the way. A filter naming sessions (`id`, `id__in`) or users
    /// (`identity`, `identity__in`), and a client call, page through those
    /// sessions only, sorted per page.
    pub(crate) fn list(
        &self,
        filter: Option<&SessionListFilter>,
        descending: bool,
        order_by: SessionListOrderBy,
        size: Option<u64>,
        last: Option<&str>,
        only_user: Option<usize>,
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
                && filter
                    .is_none_or(|f| self.matches(n, f, times.as_ref().expect("parsed with filter")))
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
        let beyond = move |&n: &u32| self.beyond(n, order_by, descending, after);
        let key = after.map_or(Bound::Unbounded, |(key, _)| Bound::Included(key));
        if descending {
            let range = self
                .by_active_token
                .range::<str, _>((Bound::Unbounded, key));
            Box::new(range.rev().map(|(_, &n)| n).filter(beyond))
        } else {
            let range = self
                .by_active_token
                .range::<str, _>((key, Bound::Unbounded));
            Box::new(range.map(|(_, &n)| n).filter(beyond))
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
    fn static_key(&self, n: u32, key: StaticKey) -> (i64, u32) {
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
    fn key_text(&self, n: u32, order_by: SessionListOrderBy) -> Cow<'_, str> {
        let s = &self.sessions[n as usize];
        match order_by {
            SessionListOrderBy::CreatedAt => Cow::Owned(rfc3339(s.created_at)),
            SessionListOrderBy::Type => Cow::Borrowed(TOKEN_TYPE),
            SessionListOrderBy::Identity => Cow::Borrowed(&self.users[s.user as usize].id),
            SessionListOrderBy::Email => Cow::Borrowed(&self.users[s.user as usize].email),
            SessionListOrderBy::Expire => Cow::Owned(rfc3339(s.expire_at)),
            SessionListOrderBy::ActiveTokenId => Cow::Borrowed(&s.active_token_id),
            SessionListOrderBy::Id => Cow::Borrowed(&s.id),
        }
    }

    /// Session `n` against a cursor position `(key, id)`, as text.
    fn cmp_cursor(&self, n: u32, order_by: SessionListOrderBy, key: &str, id: &str) -> Ordering {
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

    /// Ends a live session; with `only_user`, only a session of that user.
    pub(crate) fn invalidate(
        &mut self,
        session_id: &str,
        only_user: Option<usize>,
    ) -> Result<(), Refusal> {
        let now = self.clock.now();
        let sessions = &self.sessions;
        let n = self
            .session_ids
            .get(&self.hasher, session_id, |n| &sessions[n as usize].id)
            .map(|n| n as usize)
            .filter(|&n| {
                sessions[n].live(now) && only_user.is_none_or(|u| sessions[n].user as usize == u)
            })
            .ok_or_else(|| Refusal::NotFound(format!("no active session {session_id}")))?;
        self.end(n);
        Ok(())
    }

    /// Ends session `n`: its tokens stop working and it leaves every order.
    pub(crate) fn end(&mut self, n: usize) {
        if self.sessions[n].ended {
            return;
        }
        self.unindex_tokens(n);
        for key in StaticKey::ALL {
            let at = self.static_key(n as u32, key);
            let position = self.ordered[key as usize]
                .sorted
                .binary_search_by_key(&at, |&m| self.static_key(m, key))
                .expect("every session is in every order");
            self.ordered[key as usize].end(position);
        }
        self.by_active_token
            .remove(&self.sessions[n].active_token_id);
        self.sessions[n].ended = true;
    }

    /// Takes session `n`'s user and refresh tokens out of the token lookups.
    fn unindex_tokens(&mut self, n: usize) {
        let sessions = &self.sessions;
        let s = &sessions[n];
        self.user_tokens.remove(&self.hasher, &s.user_token, |m| {
            &sessions[m as usize].user_token
        });
        self.refresh_tokens
            .remove(&self.hasher, &s.refresh_token, |m| {
                &sessions[m as usize].refresh_token
            });
    }

    /// Ends every session of a user.
    pub(crate) fn logout_user(&mut self, user_id: &str) -> Result<usize, Refusal> {
        let users = &self.users;
        let user = self
            .user_ids
            .get(&self.hasher, user_id, |u| &users[u as usize].id)
            .ok_or_else(|| Refusal::NotFound(format!("no user {user_id}")))?;
        let now = self.clock.now();
        let ended: Vec<u32> = self.users[user as usize]
            .sessions
            .iter()
            .copied()
            .filter(|&n| self.sessions[n as usize].live(now))
            .collect();
        for &n in &ended {
            self.end(n as usize);
        }
        Ok(ended.len())
    }

    /// Rotates a session's tokens. The refresh token sent is spent.
    pub(crate) fn refresh(
        &mut self,
        refresh_token: &str,
        user_token: Option<&str>,
    ) -> Result<(LoginToken, LoginToken), Refusal> {
        let now = self.clock.now();
        let sessions = &self.sessions;
        let n = self
            .refresh_tokens
            .get(&self.hasher, refresh_token, |m| {
                &sessions[m as usize].refresh_token
            })
            .map(|n| n as usize)
            .filter(|&n| sessions[n].live(now))
            .ok_or_else(|| {
                Refusal::NotFound("the refresh token is unknown, spent or expired".into())
            })?;
        if let Some(user_token) = user_token {
            if &*self.sessions[n].user_token != user_token {
                return Err(Refusal::Invalid(vec![field_error(
                    "InvalidValue",
                    "/user_token",
                    "the user token does not belong to the session of the refresh token",
                )]));
            }
        }
        self.unindex_tokens(n);
        self.by_active_token
            .remove(&self.sessions[n].active_token_id);
        let active_token_id = self.new_active_token_id(n as u32);
        let user_token_expire = self.user_token_expiry(now, self.sessions[n].expire_at);
        let user_token = self.fresh_token("ptu_", |s| &s.user_token);
        let refresh_token = self.fresh_token("ptr_", |s| &s.refresh_token);
        let session = &mut self.sessions[n];
        session.user_token = user_token;
        session.refresh_token = refresh_token;
        session.active_token_id = active_token_id;
        session.token_created_at = micros(now);
        session.user_token_expire = user_token_expire;
        let sessions = &self.sessions;
        self.user_tokens
            .insert(&self.hasher, n as u32, |m| &sessions[m as usize].user_token);
        self.refresh_tokens.insert(&self.hasher, n as u32, |m| {
            &sessions[m as usize].refresh_token
        });
        let session = &self.sessions[n];
        Ok((
            self.login_token(n, &session.refresh_token, now),
            self.login_token(n, &session.user_token, now),
        ))
    }

    /// A random token no live session holds in the place `field` reads.
    fn fresh_token(&self, prefix: &str, field: fn(&Session) -> &str) -> Box<str> {
        let lookup = if prefix == "ptu_" {
            &self.user_tokens
        } else {
            &self.refresh_tokens
        };
        loop {
            let token = random_id(prefix);
            if lookup
                .get(&self.hasher, &token, |m| field(&self.sessions[m as usize]))
                .is_none()
            {
                return token.into_boxed_str();
            }
        }
    }

    fn matches(&self, n: u32, f: &SessionListFilter, times: &TimeBounds) -> bool {
        let s = &self.sessions[n as usize];
        let user = &self.users[s.user as usize];
        let text = |value: &str, eq: &Option<String>, contains: &[String], one_of: &[String]| {
            eq.as_ref().is_none_or(|e| e == value)
                && (contains.is_empty() || contains.iter().any(|c| value.contains(c.as_str())))
                && (one_of.is_empty() || one_of.iter().any(|c| c == value))
        };
        text(&s.id, &f.id, &f.id_contains, &f.id_in)
            && text(TOKEN_TYPE, &f.type_, &f.type_contains, &f.type_in)
            && text(&user.email, &f.email, &f.email_contains, &f.email_in)
            && text(&user.id, &f.identity, &f.identity_contains, &f.identity_in)
            && text(
                &s.active_token_id,
                &f.active_token_id,
                &f.active_token_id_contains,
                &f.active_token_id_in,
            )
            && f.scopes.iter().all(|scope| s.scopes.contains(scope))
            && times.created_at.admits(s.created_at)
            && times.expire.admits(s.expire_at)
    }

    fn item(&self, n: u32, now: DateTime<Utc>) -> SessionItem {
        let s = &self.sessions[n as usize];
        let user = &self.users[s.user as usize];
        SessionItem {
            id: s.id.parse().expect("session ids are non-empty"),
            type_: TOKEN_TYPE.into(),
            life: seconds_left(s.expire_at, now),
            expire: s.expire_at,
            email: user.email.to_string(),
            identity: Some(user.id.to_string()),
            scopes: s.scopes.clone(),
            profile: Profile(user.profile.clone()),
            created_at: s.created_at,
            active_token: Some(self.session_token(n as usize, now)),
        }
    }

    /// The active token of a session, without its secret.
    fn session_token(&self, n: usize, now: DateTime<Utc>) -> SessionToken {
        let s = &self.sessions[n];
        let user = &self.users[s.user as usize];
        SessionToken {
            id: s.active_token_id.parse().expect("token ids are non-empty"),
            type_: TOKEN_TYPE.into(),
            life: seconds_left(s.user_token_expire, now),
            expire: s.user_token_expire,
            identity: user.id.to_string(),
            email: user.email.to_string(),
            scopes: s.scopes.clone(),
            profile: Profile(user.profile.clone()),
            created_at: s.token_created_at,
            intelligence: None,
        }
    }

    /// The active token of a session with `token` as its secret value.
    fn login_token(&self, n: usize, token: &str, now: DateTime<Utc>) -> LoginToken {
        let t = self.session_token(n, now);
        LoginToken {
            token: SecretToken::new(token),
            id: t.id,
            type_: t.type_,
            life: t.life,
            expire: t.expire,
            identity: t.identity,
            email: t.email,
            scopes: t.scopes,
            profile: t.profile,
            created_at: t.created_at,
            intelligence: t.intelligence,
        }
    }
}

/// The key of a session in a static order, as numbers: the ranks and
/// microseconds order exactly as the keys' text does, and the id rank breaks
/// ties.
fn static_key(s: &Session, user_ranks: (u32, u32), id_rank: u32, key: StaticKey) -> (i64, u32) {
    let first = match key {
        StaticKey::Id => 0,
        StaticKey::CreatedAt => s.created_at.timestamp_micros(),
        StaticKey::Expire => s.expire_at.timestamp_micros(),
        StaticKey::Identity => i64::from(user_ranks.0),
        StaticKey::Email => i64::from(user_ranks.1),
    };
    (first, id_rank)
}

/// The ranks and orders of a freshly loaded store.
struct Orders {
    id_rank: Vec<u32>,
    /// Per user: rank of its id, rank of its email.
    user_ranks: Vec<(u32, u32)>,
    ordered: Vec<Ordered>,
    by_active_token: BTreeMap<Box<str>, u32>,
    /// Sessions whose random active token id another already has.
    taken: Vec<u32>,
}

impl Orders {
    /// Sorting keys gathered into one array, rather than comparing through
    /// a million records, keeps a million-session start within seconds.
    fn build(sessions: &[Session], users: &[User]) -> Self {
        let n = sessions.len() as u32;
        let mut by_id = sort_by_text(0..n, |m| &sessions[m as usize].id);
        let mut id_rank = vec![0; n as usize];
        for (rank, &m) in by_id.iter().enumerate() {
            id_rank[m as usize] = rank as u32;
        }
        let mut user_ranks = vec![(0, 0); users.len()];
        let by_user_id = sort_by_text(0..users.len() as u32, |u| &users[u as usize].id);
        for (rank, &u) in by_user_id.iter().enumerate() {
            user_ranks[u as usize].0 = rank as u32;
        }
        let by_email = sort_by_text(0..users.len() as u32, |u| &users[u as usize].email);
        let mut rank = 0;
        for (i, &u) in by_email.iter().enumerate() {
            if i > 0 && users[by_email[i - 1] as usize].email != users[u as usize].email {
                rank += 1;
            }
            user_ranks[u as usize].1 = rank;
        }
        let ordered = StaticKey::ALL
            .map(|key| {
                if key == StaticKey::Id {
                    return Ordered::new(std::mem::take(&mut by_id));
                }
                let mut keyed: Vec<((i64, u32), u32)> = sessions
                    .iter()
                    .zip(0..n)
                    .map(|(s, m)| {
                        let user = user_ranks[s.user as usize];
                        (static_key(s, user, id_rank[m as usize], key), m)
                    })
                    .collect();
                keyed.sort_unstable();
                Ordered::new(keyed.into_iter().map(|(_, m)| m).collect())
            })
            .into();
        let by_token = sort_by_text(0..n, |m| &sessions[m as usize].active_token_id);
        let mut taken = Vec::new();
        let by_active_token = by_token
            .iter()
            .enumerate()
            .filter_map(|(i, &m)| {
                let id = &sessions[m as usize].active_token_id;
                if i > 0 && sessions[by_token[i - 1] as usize].active_token_id == *id {
                    taken.push(m);
                    return None;
                }
                Some((id.clone(), m))
            })
            .collect();
        Orders {
            id_rank,
            user_ranks,
            ordered,
            by_active_token,
            taken,
        }
    }
}

/// `items` in the order of their `text` (as `str` orders): by a 16-byte
/// prefix kept in the array, then, only among equal prefixes, by the whole text.
fn sort_by_text<'a>(items: impl Iterator<Item = u32>, text: impl Fn(u32) -> &'a str) -> Vec<u32> {
    fn prefix(text: &str) -> u128 {
        let mut bytes = [0; 16];
        let len = text.len().min(16);
        bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        u128::from_be_bytes(bytes)
    }
    let mut keyed: Vec<(u128, u32)> = items.map(|m| (prefix(text(m)), m)).collect();
    keyed.sort_unstable();
    for run in keyed.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_by(|a, b| text(a.1).cmp(text(b.1)));
        }
    }
    keyed.into_iter().map(|(_, m)| m).collect()
}

/// Whole seconds from `now` until `until`, never negative.
fn seconds_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (until - now).num_seconds().max(0)
}

/// Time bounds of a filter, parsed once per request.
struct TimeBounds {
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
    fn parse(f: &SessionListFilter) -> Self {
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

#[cfg(test)]
mod tests;
