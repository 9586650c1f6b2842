//! The emulator's state: users, sessions and their current tokens, and the
//! session operations on them. Callers hold one lock around each operation, so
//! every operation is atomic (one refresh token refreshes once). Time comes
//! from the emulator's [`Clock`].

use std::collections::{BTreeMap, HashMap};

use authn_session_gen::{
    types::{
        FieldError, LoginToken, Profile, SessionItem, SessionListFilter, SessionListOrderBy,
        SessionToken,
    },
    SecretToken,
};
use chrono::{DateTime, Utc};

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
    id: String,
    email: String,
    profile: BTreeMap<String, String>,
}

struct Session {
    id: String,
    user: usize,
    user_token: String,
    refresh_token: String,
    active_token_id: String,
    /// Normalised RFC 3339 (UTC, microseconds): sorts as text in time order.
    created_at: String,
    created_at_time: DateTime<Utc>,
    token_created_at: DateTime<Utc>,
    expire_at: DateTime<Utc>,
    expire: String,
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

/// Users and sessions, indexed by every token and id the API takes.
#[derive(Default)]
pub(crate) struct Store {
    clock: Clock,
    /// How long a user token lives; `None`: as long as its session.
    user_token_life: Option<chrono::Duration>,
    users: Vec<User>,
    user_index: HashMap<String, usize>,
    sessions: Vec<Session>,
    session_index: HashMap<String, usize>,
    by_user_token: HashMap<String, usize>,
    by_refresh_token: HashMap<String, usize>,
}

impl Store {
    pub(crate) fn new(clock: Clock, user_token_life: Option<chrono::Duration>) -> Self {
        Store {
            clock,
            user_token_life,
            ..Store::default()
        }
    }

    pub(crate) fn from_fixtures(
        fixtures: &Fixtures,
        clock: Clock,
        user_token_life: Option<chrono::Duration>,
    ) -> Result<Self, String> {
        let mut store = Store::new(clock, user_token_life);
        for user in &fixtures.users {
            if store.user_index.contains_key(&user.id) {
                return Err(format!("user {} appears twice", user.id));
            }
            let index = store.users.len();
            store.user_index.insert(user.id.clone(), index);
            store.users.push(User {
                id: user.id.clone(),
                email: user.email.clone(),
                profile: user.profile.clone(),
            });
            for session in &user.sessions {
                store.add_session(index, session)?;
            }
        }
        Ok(store)
    }

    fn add_session(&mut self, user: usize, s: &FixtureSession) -> Result<(), String> {
        let time = |what: &str, text: &str| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| format!("session {}: {what} {text:?} is not RFC 3339: {e}", s.id))
        };
        let created = time("created_at", &s.created_at)?;
        let expire = time("expire", &s.expire)?;
        let user_token_expire = match &s.user_token_expire {
            Some(text) => time("user_token_expire", text)?.min(expire),
            None => self.user_token_expiry(self.clock.now(), expire),
        };
        let index = self.sessions.len();
        for (map, key, what) in [
            (&mut self.session_index, &s.id, "session id"),
            (&mut self.by_user_token, &s.user_token, "user token"),
            (
                &mut self.by_refresh_token,
                &s.refresh_token,
                "refresh token",
            ),
        ] {
            if map.insert(key.clone(), index).is_some() {
                return Err(format!("session {}: {what} is not unique", s.id));
            }
        }
        self.sessions.push(Session {
            id: s.id.clone(),
            user,
            user_token: s.user_token.clone(),
            refresh_token: s.refresh_token.clone(),
            active_token_id: random_id("pmt_"),
            created_at: rfc3339(created),
            created_at_time: micros(created),
            token_created_at: micros(created),
            expire_at: expire,
            expire: rfc3339(expire),
            user_token_expire,
            scopes: s.scopes.clone(),
            ended: false,
        });
        Ok(())
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
        let mut users: Vec<FixtureUser> = self
            .users
            .iter()
            .map(|u| FixtureUser {
                id: u.id.clone(),
                email: u.email.clone(),
                profile: u.profile.clone(),
                sessions: Vec::new(),
            })
            .collect();
        for s in self.sessions.iter().filter(|s| s.live(now)) {
            users[s.user].sessions.push(FixtureSession {
                id: s.id.clone(),
                user_token: s.user_token.clone(),
                refresh_token: s.refresh_token.clone(),
                created_at: s.created_at.clone(),
                expire: s.expire.clone(),
                user_token_expire: (s.user_token_expire != s.expire_at)
                    .then(|| rfc3339(s.user_token_expire)),
                scopes: s.scopes.clone(),
            });
        }
        Fixtures { users }
    }

    /// The live session a user token belongs to.
    pub(crate) fn session_of_user_token(&self, token: &str) -> Result<usize, Refusal> {
        self.by_user_token
            .get(token)
            .copied()
            .filter(|&i| self.sessions[i].user_token_live(self.clock.now()))
            .ok_or_else(|| {
                Refusal::NotFound("the user token is unknown, expired or its session ended".into())
            })
    }

    /// The user a session belongs to.
    pub(crate) fn user_of(&self, session: usize) -> usize {
        self.sessions[session].user
    }

    /// One page of live sessions, of one user when `only_user` is set.
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
        let mut page: Vec<(&str, &str, usize)> = self
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.live(now) && only_user.is_none_or(|u| s.user == u))
            .filter(|(i, _)| {
                filter.is_none_or(|f| {
                    self.matches(*i, f, times.as_ref().expect("parsed with filter"))
                })
            })
            .map(|(i, s)| (self.key(i, order_by), s.id.as_str(), i))
            .filter(|(key, id, _)| match after {
                None => true,
                Some(after) if descending => (*key, *id) < after,
                Some(after) => (*key, *id) > after,
            })
            .collect();
        let size = size.map_or(DEFAULT_PAGE_SIZE, |s| {
            (s.min(MAX_SERVED_PAGE_SIZE as u64) as usize).max(1)
        });
        let more = page.len() > size;
        let cmp = |a: &(&str, &str, usize), b: &(&str, &str, usize)| (a.0, a.1).cmp(&(b.0, b.1));
        if more {
            // Only the first `size` need ordering.
            if descending {
                page.select_nth_unstable_by(size, |a, b| cmp(b, a));
            } else {
                page.select_nth_unstable_by(size, cmp);
            }
            page.truncate(size);
        }
        if descending {
            page.sort_unstable_by(|a, b| cmp(b, a));
        } else {
            page.sort_unstable_by(cmp);
        }
        let cursor = match (more, page.last()) {
            (true, Some(&(key, id, _))) => cursor::encode(key, id),
            _ => String::new(),
        };
        Ok((
            page.iter().map(|&(_, _, i)| self.item(i, now)).collect(),
            cursor,
        ))
    }

    /// Ends a live session; with `only_user`, only a session of that user.
    pub(crate) fn invalidate(
        &mut self,
        session_id: &str,
        only_user: Option<usize>,
    ) -> Result<(), Refusal> {
        let now = self.clock.now();
        let index = self
            .session_index
            .get(session_id)
            .copied()
            .filter(|&i| {
                self.sessions[i].live(now) && only_user.is_none_or(|u| self.sessions[i].user == u)
            })
            .ok_or_else(|| Refusal::NotFound(format!("no active session {session_id}")))?;
        self.end(index);
        Ok(())
    }

    /// Ends the session at `index`.
    pub(crate) fn end(&mut self, index: usize) {
        let session = &mut self.sessions[index];
        session.ended = true;
        self.by_user_token.remove(&session.user_token);
        self.by_refresh_token.remove(&session.refresh_token);
    }

    /// Ends every session of a user.
    pub(crate) fn logout_user(&mut self, user_id: &str) -> Result<usize, Refusal> {
        let user = *self
            .user_index
            .get(user_id)
            .ok_or_else(|| Refusal::NotFound(format!("no user {user_id}")))?;
        let now = self.clock.now();
        let ended: Vec<usize> = (0..self.sessions.len())
            .filter(|&i| self.sessions[i].user == user && self.sessions[i].live(now))
            .collect();
        for &i in &ended {
            self.end(i);
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
        let index = self
            .by_refresh_token
            .get(refresh_token)
            .copied()
            .filter(|&i| self.sessions[i].live(now))
            .ok_or_else(|| {
                Refusal::NotFound("the refresh token is unknown, spent or expired".into())
            })?;
        if let Some(user_token) = user_token {
            if self.sessions[index].user_token != user_token {
                return Err(Refusal::Invalid(vec![field_error(
                    "InvalidValue",
                    "/user_token",
                    "the user token does not belong to the session of the refresh token",
                )]));
            }
        }
        let session = &mut self.sessions[index];
        self.by_user_token.remove(&session.user_token);
        self.by_refresh_token.remove(&session.refresh_token);
        session.user_token = random_id("ptu_");
        session.refresh_token = random_id("ptr_");
        session.active_token_id = random_id("pmt_");
        session.token_created_at = micros(now);
        let expire_at = session.expire_at;
        let user_token_expire = self.user_token_expiry(now, expire_at);
        let session = &mut self.sessions[index];
        session.user_token_expire = user_token_expire;
        self.by_user_token.insert(session.user_token.clone(), index);
        self.by_refresh_token
            .insert(session.refresh_token.clone(), index);
        let session = &self.sessions[index];
        Ok((
            self.login_token(index, &session.refresh_token, now),
            self.login_token(index, &session.user_token, now),
        ))
    }

    fn key(&self, index: usize, order_by: SessionListOrderBy) -> &str {
        let s = &self.sessions[index];
        match order_by {
            SessionListOrderBy::CreatedAt => &s.created_at,
            SessionListOrderBy::Type => TOKEN_TYPE,
            SessionListOrderBy::Identity => &self.users[s.user].id,
            SessionListOrderBy::Email => &self.users[s.user].email,
            SessionListOrderBy::Expire => &s.expire,
            SessionListOrderBy::ActiveTokenId => &s.active_token_id,
            SessionListOrderBy::Id => &s.id,
        }
    }

    fn matches(&self, index: usize, f: &SessionListFilter, times: &TimeBounds) -> bool {
        let s = &self.sessions[index];
        let user = &self.users[s.user];
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
            && times.created_at.admits(&s.created_at)
            && times.expire.admits(&s.expire)
    }

    fn item(&self, index: usize, now: DateTime<Utc>) -> SessionItem {
        let s = &self.sessions[index];
        let user = &self.users[s.user];
        SessionItem {
            id: s.id.parse().expect("session ids are non-empty"),
            type_: TOKEN_TYPE.into(),
            life: seconds_left(s.expire_at, now),
            expire: micros(s.expire_at),
            email: user.email.clone(),
            identity: Some(user.id.clone()),
            scopes: s.scopes.clone(),
            profile: Profile(user.profile.clone()),
            created_at: s.created_at_time,
            active_token: Some(self.session_token(index, now)),
        }
    }

    /// The active token of a session, without its secret.
    fn session_token(&self, index: usize, now: DateTime<Utc>) -> SessionToken {
        let s = &self.sessions[index];
        let user = &self.users[s.user];
        SessionToken {
            id: s.active_token_id.parse().expect("token ids are non-empty"),
            type_: TOKEN_TYPE.into(),
            life: seconds_left(s.user_token_expire, now),
            expire: micros(s.user_token_expire),
            identity: user.id.clone(),
            email: user.email.clone(),
            scopes: s.scopes.clone(),
            profile: Profile(user.profile.clone()),
            created_at: s.token_created_at,
            intelligence: None,
        }
    }

    /// The active token of a session with `token` as its secret value.
    fn login_token(&self, index: usize, token: &str, now: DateTime<Utc>) -> LoginToken {
        let t = self.session_token(index, now);
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

/// Whole seconds from `now` until `until`, never negative.
fn seconds_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (until - now).num_seconds().max(0)
}

/// Time bounds of a filter, parsed once per request.
struct TimeBounds {
    created_at: Bounds,
    expire: Bounds,
}

/// `eq`, `gt`, `gte`, `lt`, `lte`, as normalised RFC 3339 text.
#[derive(Default)]
struct Bounds([Option<String>; 5]);

impl Bounds {
    fn admits(&self, value: &str) -> bool {
        let [eq, gt, gte, lt, lte] = &self.0;
        eq.as_deref().is_none_or(|b| value == b)
            && gt.as_deref().is_none_or(|b| value > b)
            && gte.as_deref().is_none_or(|b| value >= b)
            && lt.as_deref().is_none_or(|b| value < b)
            && lte.as_deref().is_none_or(|b| value <= b)
    }
}

impl TimeBounds {
    fn parse(f: &SessionListFilter) -> Self {
        let bounds = |values: [&Option<DateTime<Utc>>; 5]| Bounds(values.map(|v| v.map(rfc3339)));
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

/// The keyset cursor: `hex(key).hex(id)`, so that any key and any id (one
/// holding `.` or `|` included) make a cursor that decodes to exactly them.
mod cursor {
    pub(super) fn encode(key: &str, id: &str) -> String {
        format!("{}.{}", hex(key), hex(id))
    }

    /// The position a cursor names; a string this emulator did not issue is
    /// taken as a bare key, a position like any other.
    pub(super) fn decode(cursor: &str) -> (String, String) {
        cursor
            .split_once('.')
            .and_then(|(key, id)| Some((unhex(key)?, unhex(id)?)))
            .unwrap_or_else(|| (cursor.to_string(), String::new()))
    }

    fn hex(text: &str) -> String {
        text.bytes().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Option<String> {
        if !text.len().is_multiple_of(2) {
            return None;
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        String::from_utf8(bytes).ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn any_key_and_id_round_trip() {
            for (key, id) in [
                ("2026-11-24T00:00:00Z", "pmt_a|b"),
                ("a.b|c", "é.|"),
                ("", ""),
            ] {
                assert_eq!(decode(&encode(key, id)), (key.to_string(), id.to_string()));
            }
            assert_eq!(
                decode("not-a-cursor"),
                ("not-a-cursor".to_string(), String::new())
            );
        }
    }
}
