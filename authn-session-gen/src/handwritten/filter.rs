//! Chainable constructors for the generated `SessionListFilter`, one per
//! field and operator, so filters read like the query they express.

use chrono::{DateTime, Utc};

use crate::types::{ProfileFilterValue, SessionListFilter};

macro_rules! string_ops {
    ($($field:ident, $contains:ident, $in_:ident, $name:literal;)*) => {$(
        #[doc = concat!("Matches sessions whose `", $name, "` equals `value`.")]
        pub fn $field(mut self, value: impl Into<String>) -> Self {
            self.$field = Some(value.into());
            self
        }
        #[doc = concat!("Matches sessions whose `", $name, "` includes **each** of `values` as a substring: all of them, not any (`", $name, "__contains`).")]
        pub fn $contains<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
            self.$contains = values.into_iter().map(Into::into).collect();
            self
        }
        #[doc = concat!("Matches sessions whose `", $name, "` is one of `values` (`", $name, "__in`).")]
        pub fn $in_<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
            self.$in_ = values.into_iter().map(Into::into).collect();
            self
        }
    )*};
}

macro_rules! time_ops {
    ($($field:ident, $gt:ident, $gte:ident, $lt:ident, $lte:ident, $name:literal;)*) => {$(
        #[doc = concat!("Matches sessions whose `", $name, "` is exactly `time`.")]
        pub fn $field(mut self, time: impl Into<DateTime<Utc>>) -> Self {
            self.$field = Some(time.into());
            self
        }
        #[doc = concat!("Matches sessions whose `", $name, "` is after `time`.")]
        pub fn $gt(mut self, time: impl Into<DateTime<Utc>>) -> Self {
            self.$gt = Some(time.into());
            self
        }
        #[doc = concat!("Matches sessions whose `", $name, "` is at or after `time`.")]
        pub fn $gte(mut self, time: impl Into<DateTime<Utc>>) -> Self {
            self.$gte = Some(time.into());
            self
        }
        #[doc = concat!("Matches sessions whose `", $name, "` is before `time`.")]
        pub fn $lt(mut self, time: impl Into<DateTime<Utc>>) -> Self {
            self.$lt = Some(time.into());
            self
        }
        #[doc = concat!("Matches sessions whose `", $name, "` is at or before `time`.")]
        pub fn $lte(mut self, time: impl Into<DateTime<Utc>>) -> Self {
            self.$lte = Some(time.into());
            self
        }
    )*};
}

/// Times take anything that converts into `DateTime<Utc>`, such as a
/// `std::time::SystemTime` or a `chrono::DateTime` of any time zone.
///
/// ```
/// use authn_session_gen::types::SessionListFilter;
///
/// let new_year: chrono::DateTime<chrono::Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
/// let filter = SessionListFilter::new()
///     .email_contains(["example.com"])
///     .created_at_gt(new_year);
/// assert_eq!(
///     serde_json::to_string(&filter).unwrap(),
///     r#"{"created_at__gt":"2026-01-01T00:00:00Z","email__contains":["example.com"]}"#
/// );
/// ```
impl SessionListFilter {
    /// An empty filter: matches every session.
    pub fn new() -> Self {
        Self::default()
    }

    string_ops! {
        id, id_contains, id_in, "id";
        type_, type_contains, type_in, "type";
        email, email_contains, email_in, "email";
        identity, identity_contains, identity_in, "identity";
        username, username_contains, username_in, "username";
        active_token_id, active_token_id_contains, active_token_id_in, "active_token_id";
    }

    time_ops! {
        created_at, created_at_gt, created_at_gte, created_at_lt, created_at_lte, "created_at";
        expire, expire_gt, expire_gte, expire_lt, expire_lte, "expire";
    }

    /// Matches sessions that have all of `scopes`.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Matches sessions whose active token is enabled (`true`) or disabled
    /// (`false`) (`enabled`).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Matches sessions whose user's profile field `name` equals `value`
    /// (`profile_<name>`).
    ///
    /// Pangea takes profile field names of letters only (`[A-Za-z]+`); the
    /// `authn-session` client refuses any other name with
    /// `Error::InvalidInput` before sending.
    ///
    /// ```
    /// use authn_session_gen::types::SessionListFilter;
    ///
    /// let filter = SessionListFilter::new()
    ///     .profile("department", "ops")
    ///     .profile_contains("title", ["lead", "security"])
    ///     .profile_exists("phone", false);
    /// assert_eq!(
    ///     serde_json::to_string(&filter).unwrap(),
    ///     r#"{"profile_department":"ops","profile_phone__exists":false,"profile_title__contains":["lead","security"]}"#
    /// );
    /// ```
    pub fn profile(mut self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        self.extra.insert(
            format!("profile_{}", name.as_ref()),
            ProfileFilterValue::String(value.into()),
        );
        self
    }

    /// Matches sessions whose user's profile field `name` includes **each** of
    /// `substrings` (`profile_<name>__contains`). Names as for
    /// [`profile`](Self::profile).
    pub fn profile_contains<S: Into<String>>(
        mut self,
        name: impl AsRef<str>,
        substrings: impl IntoIterator<Item = S>,
    ) -> Self {
        self.extra.insert(
            format!("profile_{}__contains", name.as_ref()),
            ProfileFilterValue::Array(substrings.into_iter().map(Into::into).collect()),
        );
        self
    }

    /// Matches sessions whose user's profile has the field `name` (`true`) or
    /// has not (`false`) (`profile_<name>__exists`). Names as for
    /// [`profile`](Self::profile).
    pub fn profile_exists(mut self, name: impl AsRef<str>, exists: bool) -> Self {
        self.extra.insert(
            format!("profile_{}__exists", name.as_ref()),
            ProfileFilterValue::Boolean(exists),
        );
        self
    }
}

/// The three kinds of profile key the filter takes, `profile_<Name>`,
/// `profile_<Name>__contains` and `profile_<Name>__exists`, where `<Name>` is
/// letters only (`[A-Za-z]+`): the one reading of those keys that the SDK's
/// check, the emulator and the command line share.
///
/// ```
/// use authn_session_gen::{types::ProfileFilterValue, ProfileKey};
///
/// assert_eq!(ProfileKey::parse("profile_title__contains"), Some(("title", ProfileKey::Contains)));
/// assert_eq!(ProfileKey::parse("profile_first_name"), None); // not letters only
/// assert!(ProfileKey::Exists.takes(&ProfileFilterValue::Boolean(true)));
/// assert!(!ProfileKey::Equals.takes(&ProfileFilterValue::Boolean(true)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKey {
    /// `profile_<Name>`: the field equals a string.
    Equals,
    /// `profile_<Name>__contains`: the field includes each of an array of substrings.
    Contains,
    /// `profile_<Name>__exists`: the field exists (`true`) or not (`false`).
    Exists,
}

impl ProfileKey {
    /// The profile field name of `key` and its kind; `None` when `key` is no
    /// profile key Pangea takes.
    pub fn parse(key: &str) -> Option<(&str, ProfileKey)> {
        let rest = key.strip_prefix("profile_")?;
        let (name, kind) = if let Some(name) = rest.strip_suffix("__contains") {
            (name, ProfileKey::Contains)
        } else if let Some(name) = rest.strip_suffix("__exists") {
            (name, ProfileKey::Exists)
        } else {
            (rest, ProfileKey::Equals)
        };
        Self::is_name(name).then_some((name, kind))
    }

    /// Whether `name` can be a profile field name in a filter key: letters only.
    pub fn is_name(name: &str) -> bool {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphabetic())
    }

    /// Whether `value` is the kind of value this key takes.
    pub fn takes(self, value: &ProfileFilterValue) -> bool {
        matches!(
            (self, value),
            (ProfileKey::Equals, ProfileFilterValue::String(_))
                | (ProfileKey::Contains, ProfileFilterValue::Array(_))
                | (ProfileKey::Exists, ProfileFilterValue::Boolean(_))
        )
    }

    /// What this key takes, in words: "a string", "an array of strings" or "a boolean".
    pub fn takes_what(self) -> &'static str {
        match self {
            ProfileKey::Equals => "a string",
            ProfileKey::Contains => "an array of strings",
            ProfileKey::Exists => "a boolean",
        }
    }
}
