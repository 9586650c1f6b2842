//! The emulator's state: users, sessions and their current tokens, the
//! session operations on them, and the indexes that keep a `list` page cheap
//! at a million sessions. Callers hold one lock around each operation, so
//! every operation is atomic (one refresh token refreshes once). Time comes
//! from the emulator's [`Clock`].

mod cursor;
mod load;
mod lookup;
mod order;
mod page;
mod records;

use std::{collections::BTreeMap, hash::RandomState};

use authn_session_gen::types::{FieldError, LoginToken};
use chrono::{DateTime, Utc};

use self::{
    lookup::Lookup,
    order::{Ordered, StaticKey},
};
use crate::{
    clock::Clock,
    field_code::{field_error, FieldCode},
    fixtures::{micros, random_id, rfc3339, FixtureSession, FixtureUser, Fixtures},
};

/// Sessions per page when the request gives no `size`.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// Most sessions the emulator serves in one page: a larger `size` (the spec
/// allows up to `authn_session_gen::limits::LIST_SIZE_MAX`) is served this
/// many, with a cursor to the rest, as "the service may serve fewer" permits.
pub const MAX_SERVED_PAGE_SIZE: usize = 1000;
/// The `type` of a session, as Pangea writes it.
const SESSION_TYPE: &str = "session";
/// The `type` of a session's active token.
const TOKEN_TYPE: &str = "user";

/// Why an operation was refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// HTTP 400 `ValidationError` with field errors.
    Invalid(Vec<FieldError>),
    /// HTTP 404 `NotFound`.
    NotFound(String),
}

struct User {
    id: Box<str>,
    email: Box<str>,
    /// `None`: the email.
    username: Option<Box<str>>,
    enabled: bool,
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
    /// Boxed: most sessions have none, and a million sessions stay small.
    extras: Option<Box<TokenExtras>>,
    ended: bool,
}

/// The optional facts of a session's tokens.
#[derive(Default)]
struct TokenExtras {
    audience: Option<Vec<String>>,
    client_id: Option<String>,
    claims: serde_json::Map<String, serde_json::Value>,
}

impl User {
    fn username(&self) -> &str {
        self.username.as_deref().unwrap_or(&self.email)
    }
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
                username: u.username.as_deref().map(str::to_string),
                enabled: u.enabled,
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
                        audience: s.extras.as_ref().and_then(|e| e.audience.clone()),
                        client_id: s.extras.as_ref().and_then(|e| e.client_id.clone()),
                        claims: s
                            .extras
                            .as_ref()
                            .map(|e| e.claims.clone())
                            .unwrap_or_default(),
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

    /// Where the session `id` is in the store: the order sessions were
    /// loaded (or created) in, ended ones included. Stable for the store's life.
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        let sessions = &self.sessions;
        self.session_ids
            .get(&self.hasher, id, |n| &sessions[n as usize].id)
            .map(|n| n as usize)
    }

    /// The user a session belongs to.
    pub(crate) fn user_of(&self, session: usize) -> usize {
        self.sessions[session].user as usize
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

    /// Rotates a session's tokens and returns the new refresh token and the
    /// new active token. The refresh token sent is spent. Without
    /// `rotate_user_token` (the `refresh-without-active-token` quirk), the
    /// user token stays as it is and no active token is returned.
    pub(crate) fn refresh(
        &mut self,
        refresh_token: &str,
        user_token: Option<&str>,
        rotate_user_token: bool,
    ) -> Result<(LoginToken, Option<LoginToken>), Refusal> {
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
                    FieldCode::InvalidValue,
                    "/user_token",
                    "the user token does not belong to the session of the refresh token",
                )]));
            }
        }
        if !rotate_user_token {
            let sessions = &self.sessions;
            self.refresh_tokens
                .remove(&self.hasher, &sessions[n].refresh_token, |m| {
                    &sessions[m as usize].refresh_token
                });
            let refresh_token =
                self.fresh_token("ptr_", &self.refresh_tokens, |s| &s.refresh_token);
            self.sessions[n].refresh_token = refresh_token;
            let sessions = &self.sessions;
            self.refresh_tokens.insert(&self.hasher, n as u32, |m| {
                &sessions[m as usize].refresh_token
            });
            let refresh = self.login_token(n, &self.sessions[n].refresh_token, now);
            return Ok((refresh, None));
        }
        self.unindex_tokens(n);
        self.by_active_token
            .remove(&self.sessions[n].active_token_id);
        let active_token_id = self.new_active_token_id(n as u32);
        let user_token_expire = self.user_token_expiry(now, self.sessions[n].expire_at);
        let user_token = self.fresh_token("ptu_", &self.user_tokens, |s| &s.user_token);
        let refresh_token = self.fresh_token("ptr_", &self.refresh_tokens, |s| &s.refresh_token);
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
            Some(self.login_token(n, &session.user_token, now)),
        ))
    }

    /// A random token that no session holds in `lookup` (the tokens `field` reads).
    fn fresh_token(&self, prefix: &str, lookup: &Lookup, field: fn(&Session) -> &str) -> Box<str> {
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
}

#[cfg(test)]
mod tests;
