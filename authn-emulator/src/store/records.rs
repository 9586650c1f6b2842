//! The records the API answers with, built from a session: its list item,
//! its active token, and a token record with its secret (a refresh result).

use authn_session_gen::{
    types::{LoginToken, Profile, ServiceAccountId, SessionItem, SessionToken},
    SecretToken,
};
use chrono::{DateTime, Utc};

use super::{Store, SESSION_TYPE, TOKEN_TYPE};

impl Store {
    pub(super) fn item(&self, n: u32, now: DateTime<Utc>) -> SessionItem {
        let s = &self.sessions[n as usize];
        let user = &self.users[s.user as usize];
        SessionItem {
            id: s.id.parse().expect("session ids are non-empty"),
            type_: SESSION_TYPE.into(),
            life: seconds_left(s.expire_at, now),
            expire: s.expire_at,
            email: user.email.to_string(),
            identity: user.id.to_string(),
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
        let extras = s.extras.as_deref();
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
            enabled: Some(user.enabled),
            intelligence: None,
            audience: extras.and_then(|e| e.audience.clone()),
            client_id: extras
                .and_then(|e| e.client_id.as_deref())
                .map(|id| ServiceAccountId(id.to_string())),
            claims: extras.map(|e| e.claims.clone()).unwrap_or_default(),
        }
    }

    /// The active token of a session with `token` as its secret value.
    pub(super) fn login_token(&self, n: usize, token: &str, now: DateTime<Utc>) -> LoginToken {
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
            enabled: t.enabled,
            intelligence: t.intelligence,
            audience: t.audience,
            client_id: t.client_id,
            claims: t.claims,
        }
    }
}

/// Seconds from `now` until `until`, rounded up and at least 1: Pangea's
/// `life` is never below 1, and a session is listed only while it lives.
fn seconds_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let micros = (until - now).num_microseconds().unwrap_or(i64::MAX);
    (micros.saturating_add(999_999) / 1_000_000).max(1)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::seconds_left;

    #[test]
    fn life_is_the_seconds_left_rounded_up_and_never_below_one() {
        let now: chrono::DateTime<chrono::Utc> = "2026-11-23T08:00:00Z".parse().unwrap();
        let micros = Duration::microseconds;
        for (left, life) in [
            (Duration::hours(1), 3600),
            (Duration::hours(1) + micros(1), 3601),
            (Duration::seconds(1) + micros(1), 2),
            (Duration::seconds(1), 1),
            (micros(1), 1),
            (Duration::zero(), 1),
            (-Duration::hours(1), 1),
        ] {
            assert_eq!(seconds_left(now + left, now), life, "{left}");
        }
    }
}
