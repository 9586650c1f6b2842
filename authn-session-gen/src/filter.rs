//! Chainable constructors for the generated `SessionListFilter`, one per
//! field and operator, so filters read like the query they express.

use chrono::{DateTime, Utc};

use crate::types::SessionListFilter;

macro_rules! string_ops {
    ($($field:ident, $contains:ident, $in_:ident, $name:literal;)*) => {$(
        #[doc = concat!("Matches sessions whose `", $name, "` equals `value`.")]
        pub fn $field(mut self, value: impl Into<String>) -> Self {
            self.$field = Some(value.into());
            self
        }
        #[doc = concat!("Matches sessions whose `", $name, "` contains any of `values` (`", $name, "__contains`).")]
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
}
