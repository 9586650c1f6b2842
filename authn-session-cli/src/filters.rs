//! Filter flags to the API's filter, and the time values they take.

use authn_session::{ItemOrder, ListOptions, SessionListFilter, SessionListOrderBy};
use chrono::{DateTime, Duration, Utc};
use clap::ValueEnum;

use crate::args::{Filters, Order, OrderBy};

impl Filters {
    /// Whether no filter flag was given (every session would match).
    pub fn is_empty(&self) -> bool {
        self.to_filter() == SessionListFilter::new()
    }

    /// The API filter: one value of an exact-value flag is an equality,
    /// several a `__in`; the values of a `--*-contains` flag all go into one
    /// `__contains`, which Pangea matches when the field includes each.
    pub fn to_filter(&self) -> SessionListFilter {
        let mut f = SessionListFilter::new();
        macro_rules! one_or_in {
            ($values:expr, $eq:ident, $in_:ident) => {
                match $values.as_slice() {
                    [] => {}
                    [one] => f = f.$eq(one.clone()),
                    many => f = f.$in_(many.iter().cloned()),
                }
            };
        }
        one_or_in!(self.user, identity, identity_in);
        one_or_in!(self.email, email, email_in);
        one_or_in!(self.session_id, id, id_in);
        one_or_in!(self.type_, type_, type_in);
        one_or_in!(self.active_token_id, active_token_id, active_token_id_in);
        one_or_in!(self.username, username, username_in);
        if !self.email_contains.is_empty() {
            f = f.email_contains(self.email_contains.iter().cloned());
        }
        if !self.username_contains.is_empty() {
            f = f.username_contains(self.username_contains.iter().cloned());
        }
        if self.enabled || self.disabled {
            f = f.enabled(self.enabled);
        }
        for (name, value) in &self.profile {
            f = f.profile(name, value.clone());
        }
        let mut contains: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
        for (name, text) in &self.profile_contains {
            contains.entry(name).or_default().push(text.clone());
        }
        for (name, texts) in contains {
            f = f.profile_contains(name, texts);
        }
        for name in &self.profile_exists {
            f = f.profile_exists(name, true);
        }
        for name in &self.profile_missing {
            f = f.profile_exists(name, false);
        }
        if let Some(t) = self.created_after {
            f = f.created_at_gt(t);
        }
        if let Some(t) = self.created_before {
            f = f.created_at_lt(t);
        }
        if let Some(t) = self.expires_after {
            f = f.expire_gt(t);
        }
        if let Some(t) = self.expires_before {
            f = f.expire_lt(t);
        }
        if !self.scope.is_empty() {
            f = f.scopes(self.scope.iter().cloned());
        }
        f
    }

    /// List options with this filter (none when no flag was given).
    pub fn options(&self) -> ListOptions {
        let options = ListOptions::new();
        if self.is_empty() {
            options
        } else {
            options.filter(self.to_filter())
        }
    }
}

/// The spec's value named like the flag's: the CLI's names are the spec's
/// strings, so no second mapping can drift (a unit test parses every one).
fn spec_value<T: std::str::FromStr>(value: impl ValueEnum) -> T {
    let name = value.to_possible_value().expect("no value is skipped");
    name.get_name()
        .parse()
        .unwrap_or_else(|_| panic!("{} is not a value of the spec", name.get_name()))
}

impl From<Order> for ItemOrder {
    fn from(order: Order) -> Self {
        spec_value(order)
    }
}

impl From<OrderBy> for SessionListOrderBy {
    fn from(by: OrderBy) -> Self {
        spec_value(by)
    }
}

/// `NAME=VALUE` of a profile flag; NAME is letters only, as Pangea's profile
/// filter keys take.
pub fn parse_profile(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))?;
    Ok((parse_profile_name(name)?, value.to_string()))
}

/// A profile field name: letters only (`[A-Za-z]+`).
pub fn parse_profile_name(name: &str) -> Result<String, String> {
    if authn_session::ProfileKey::is_name(name) {
        Ok(name.to_string())
    } else {
        Err(format!(
            "{name:?} is not a profile field name Pangea can filter on: letters only (A-Z, a-z)"
        ))
    }
}

/// RFC 3339, or a duration (`90s`, `15m`, `2h`, `7d`, `2w`) ago.
pub fn parse_past(text: &str) -> Result<DateTime<Utc>, String> {
    parse_time(text, -1)
}

/// RFC 3339, or a duration (`90s`, `15m`, `2h`, `7d`, `2w`) from now.
pub fn parse_future(text: &str) -> Result<DateTime<Utc>, String> {
    parse_time(text, 1)
}

fn parse_time(text: &str, sign: i32) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let invalid = || {
        format!(
            "{text:?} is neither an RFC 3339 time (2026-11-24T03:00:00Z) nor a duration \
             such as 90s, 15m, 2h, 7d or 2w"
        )
    };
    let unit_at = text
        .find(|c: char| !c.is_ascii_digit())
        .filter(|&i| i > 0)
        .ok_or_else(invalid)?;
    let (number, unit) = text.split_at(unit_at);
    let number: i64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(invalid()),
    };
    let span = number
        .checked_mul(seconds)
        .and_then(Duration::try_seconds)
        .ok_or_else(invalid)?;
    let now = Utc::now();
    let time = if sign < 0 {
        now.checked_sub_signed(span)
    } else {
        now.checked_add_signed(span)
    };
    time.ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_count_back_for_created_and_forward_for_expires() {
        let before = Utc::now();
        let past = parse_past("2h").unwrap();
        let future = parse_future("7d").unwrap();
        let after = Utc::now();
        assert!(past >= before - Duration::hours(2) && past <= after - Duration::hours(2));
        assert!(future >= before + Duration::days(7) && future <= after + Duration::days(7));
        assert_eq!(
            parse_past("2026-11-24T03:00:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-24T02:00:00+00:00"
        );
        for bad in [
            "",
            "h",
            "2",
            "2y",
            "-2h",
            "2h30m",
            "99999999999999w",
            "yesterday",
        ] {
            assert!(parse_past(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_order_flag_value_is_the_spec_value_of_that_name() {
        for by in OrderBy::value_variants() {
            let spec = SessionListOrderBy::from(*by);
            assert_eq!(spec.to_string(), by.to_possible_value().unwrap().get_name());
        }
        for order in Order::value_variants() {
            let spec = ItemOrder::from(*order);
            assert_eq!(
                spec.to_string(),
                order.to_possible_value().unwrap().get_name()
            );
        }
    }

    #[test]
    fn one_value_is_an_equality_and_several_an_in() {
        let filters = Filters {
            user: vec!["pui_a".into()],
            email: vec!["a@x".into(), "b@x".into()],
            scope: vec!["admin".into()],
            ..Filters::default()
        };
        assert_eq!(
            filters.to_filter(),
            SessionListFilter::new()
                .identity("pui_a")
                .email_in(["a@x", "b@x"])
                .scopes(["admin"])
        );
        assert!(Filters::default().is_empty());
        assert!(!filters.is_empty());
    }

    #[test]
    fn contains_flags_given_twice_must_all_match() {
        let filters = Filters {
            email_contains: vec!["@acme".into(), ".de".into()],
            username: vec!["alice".into()],
            disabled: true,
            profile: vec![("department".into(), "ops".into())],
            profile_contains: vec![
                ("title".into(), "lead".into()),
                ("title".into(), "security".into()),
            ],
            profile_exists: vec!["phone".into()],
            profile_missing: vec!["pager".into()],
            ..Filters::default()
        };
        assert_eq!(
            filters.to_filter(),
            SessionListFilter::new()
                .email_contains(["@acme", ".de"])
                .username("alice")
                .enabled(false)
                .profile("department", "ops")
                .profile_contains("title", ["lead", "security"])
                .profile_exists("phone", true)
                .profile_exists("pager", false)
        );
    }

    #[test]
    fn profile_flags_take_letter_only_names() {
        assert_eq!(
            parse_profile("department=ops=1").unwrap(),
            ("department".into(), "ops=1".into())
        );
        for bad in ["first_name=Al", "=x", "nameonly", "dé=x"] {
            assert!(parse_profile(bad).is_err(), "{bad}");
        }
        assert!(parse_profile_name("phone").is_ok());
        assert!(parse_profile_name("phone2").is_err());
    }
}
