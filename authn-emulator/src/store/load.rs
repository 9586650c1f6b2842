//! Loading fixtures into a store: taking their strings over, checking ids
//! and tokens are unique, and building every index once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{
    lookup::Lookup,
    order::{Ordered, StaticKey},
    Session, Store, TokenExtras, User,
};
use crate::{
    clock::Clock,
    fixtures::{micros, random_id, FixtureSession, FixtureUser, Fixtures},
};

impl Store {
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
                username,
                enabled,
                profile,
                sessions,
            } = user;
            let n = store.users.len() as u32;
            store.users.push(User {
                id: id.into_boxed_str(),
                email: email.into_boxed_str(),
                username: username.map(String::into_boxed_str),
                enabled,
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
            extras: (s.audience.is_some() || s.client_id.is_some() || !s.claims.is_empty()).then(
                || {
                    Box::new(TokenExtras {
                        audience: s.audience,
                        client_id: s.client_id,
                        claims: s.claims,
                    })
                },
            ),
            ended: false,
        });
        self.users[user as usize].sessions.push(n);
        Ok(())
    }
}

/// The key of a session in a static order, as numbers: the ranks and
/// microseconds order exactly as the keys' text does, and the id rank breaks
/// ties.
pub(super) fn static_key(
    s: &Session,
    user_ranks: (u32, u32),
    id_rank: u32,
    key: StaticKey,
) -> (i64, u32) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_active_token_id_drawn_twice_is_drawn_again_for_one_session_only() {
        let fixtures = Fixtures::random(3, 2);
        let mut store = Store::from_fixtures(fixtures, Clock::default(), None).unwrap();
        let shared = store.sessions[1].active_token_id.clone();
        store.sessions[4].active_token_id = shared.clone();
        let before: Vec<Box<str>> = store
            .sessions
            .iter()
            .map(|s| s.active_token_id.clone())
            .collect();
        store.index().unwrap();
        let after: Vec<&str> = store.sessions.iter().map(|s| &*s.active_token_id).collect();
        let redrawn: Vec<usize> = (0..6).filter(|&n| *before[n] != *after[n]).collect();
        assert!(redrawn == [1] || redrawn == [4], "redrawn: {redrawn:?}");
        assert_eq!(store.by_active_token.len(), 6);
        for (n, id) in after.iter().enumerate() {
            assert_eq!(store.by_active_token[*id], n as u32, "{id}");
        }
    }
}
