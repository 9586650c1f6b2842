//! The fixture file: users and their sessions, as JSON. The emulator loads it,
//! generates it (`--seed-users`), and writes it back (`--dump-fixtures`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// `{"users": [...]}`.
///
/// ```
/// let fixtures: authn_emulator::Fixtures = serde_json::from_str(r#"{"users": [{
///     "id": "pui_alice", "email": "alice@example.com", "profile": {"first_name": "Alice"},
///     "sessions": [{"id": "pmt_a1", "user_token": "ptu_a1", "refresh_token": "ptr_a1",
///                   "created_at": "2026-11-23T08:00:00Z", "expire": "2036-11-23T08:00:00Z", "scopes": []}]
/// }]}"#).unwrap();
/// assert_eq!(fixtures.users[0].sessions[0].id, "pmt_a1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixtures {
    /// Every user.
    pub users: Vec<FixtureUser>,
}

/// One user. `Default` is a user with no id, email or session, enabled, so
/// a literal can name only what it needs: `FixtureUser { id, email, ..Default::default() }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureUser {
    /// The identity, `pui_…`: letters, digits, spaces and `'.:/_-`.
    pub id: String,
    /// The user's email.
    pub email: String,
    /// The username the `username` filters match; absent: the email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Whether the user's tokens are enabled (`enabled` in token records and
    /// filters); absent: `true`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// Profile fields.
    #[serde(default)]
    pub profile: BTreeMap<String, String>,
    /// The user's sessions.
    #[serde(default)]
    pub sessions: Vec<FixtureSession>,
}

/// One session with its current tokens. `Default` leaves every field empty,
/// so a literal can name only what it needs.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureSession {
    /// `pmt_…`.
    pub id: String,
    /// The current user token, `ptu_…`.
    pub user_token: String,
    /// The current refresh token, `ptr_…`.
    pub refresh_token: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub expire: String,
    /// RFC 3339: when the current user token stops working, when that is
    /// before `expire` (absent: at `expire`, or per the emulator's user token
    /// life, counted from when the fixtures are loaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_token_expire: Option<String>,
    /// Scopes of the session.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The audiences its tokens were issued for (`audience`); absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Vec<String>>,
    /// The service account its tokens were issued through, `psa_…` (`client_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Custom claims of its tokens: any JSON values (`claims`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl Default for FixtureUser {
    fn default() -> Self {
        Self {
            id: String::new(),
            email: String::new(),
            username: None,
            enabled: true,
            profile: BTreeMap::new(),
            sessions: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

impl std::fmt::Debug for FixtureSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FixtureSession")
            .field("id", &self.id)
            .field("user_token", &"[REDACTED]")
            .field("refresh_token", &"[REDACTED]")
            .field("created_at", &self.created_at)
            .field("expire", &self.expire)
            .field("user_token_expire", &self.user_token_expire)
            .field("scopes", &self.scopes)
            .field("audience", &self.audience)
            .field("client_id", &self.client_id)
            .field("claims", &self.claims)
            .finish()
    }
}

/// A random lower-case alphanumeric id with Pangea's `prefix` (`ptu_`, `pmt_`, …).
pub fn random_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut id = String::with_capacity(prefix.len() + 32);
    id.push_str(prefix);
    // 5 random bits a character, 12 characters from each 64-bit draw.
    for _ in 0..3 {
        let mut bits = fastrand::u64(..);
        for _ in 0..12 {
            if id.len() == prefix.len() + 32 {
                break;
            }
            id.push(ALPHABET[(bits & 31) as usize] as char);
            bits >>= 5;
        }
    }
    id
}

/// RFC 3339 with microseconds, as Pangea writes times.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `time` to the microsecond, Pangea's precision (the wire shows 6 digits).
pub(crate) fn micros(time: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    time.trunc_subsecs(6)
}

const FIRST_NAMES: &[&str] = &[
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
];

impl Fixtures {
    /// `users` random users with `sessions_per_user` live sessions each, created
    /// over the last days and expiring in two days.
    ///
    /// ```
    /// let fixtures = authn_emulator::Fixtures::random(3, 2);
    /// assert_eq!(fixtures.users.len(), 3);
    /// assert!(fixtures.users.iter().all(|u| u.sessions.len() == 2));
    /// ```
    pub fn random(users: usize, sessions_per_user: usize) -> Self {
        let now = Utc::now();
        let expire = rfc3339(now + Duration::days(2));
        let users = (0..users)
            .map(|n| {
                let name = FIRST_NAMES[n % FIRST_NAMES.len()];
                let sessions = (0..sessions_per_user)
                    .map(|_| FixtureSession {
                        id: random_id("pmt_"),
                        user_token: random_id("ptu_"),
                        refresh_token: random_id("ptr_"),
                        created_at: rfc3339(
                            now - Duration::seconds(fastrand::i64(60..7 * 24 * 3600)),
                        ),
                        expire: expire.clone(),
                        ..FixtureSession::default()
                    })
                    .collect();
                FixtureUser {
                    id: random_id("pui_"),
                    email: format!("{}{n}@example.com", name.to_lowercase()),
                    profile: BTreeMap::from([("first_name".to_string(), name.to_string())]),
                    sessions,
                    ..FixtureUser::default()
                }
            })
            .collect();
        Self { users }
    }
}
