//! The `ordering` check: every `order_by` value in both orders, the page
//! checked for order, and how ties (equal keys) break.

use authn_session::{
    chrono::{DateTime, Utc},
    ItemOrder, ListOptions, SessionListOrderBy,
};
use serde_json::Value;

use super::{record, sessions, text, time, Check, CheckKind, Probe, Verdict, PAGE};

/// Every `order_by` value and the field of a session item it sorts by.
const ORDERS: [(SessionListOrderBy, &str); 7] = [
    (SessionListOrderBy::Id, "id"),
    (SessionListOrderBy::CreatedAt, "created_at"),
    (SessionListOrderBy::Expire, "expire"),
    (SessionListOrderBy::Identity, "identity"),
    (SessionListOrderBy::Email, "email"),
    (SessionListOrderBy::Type, "type"),
    (SessionListOrderBy::ActiveTokenId, "active_token_id"),
];

/// A session's key in the order a field names: times as times (an RFC 3339
/// text's order is not its time's), the rest as text.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Time(DateTime<Utc>),
    Text(&'a str),
}

fn key<'a>(session: &'a Value, field: &str) -> Option<Key<'a>> {
    match field {
        "created_at" | "expire" => time(session, field).map(Key::Time),
        "active_token_id" => session
            .get("active_token")?
            .get("id")?
            .as_str()
            .map(Key::Text),
        _ => text(session, field).map(Key::Text),
    }
}

pub(super) async fn check(probe: &mut Probe) -> Vec<Check> {
    let mut checks = Vec::new();
    for (order_by, field) in ORDERS {
        for (order, word) in [
            (ItemOrder::Asc, "ascending"),
            (ItemOrder::Desc, "descending"),
        ] {
            let case = format!("order_by {field}, {order}");
            let documented = format!("sorted by {field}, {word}");
            let options = ListOptions::new()
                .order_by(order_by)
                .order(order)
                .size(PAGE);
            let (observed, verdict) = match probe.page(options).await {
                Ok(page) => judge(&sessions(&page), field, order == ItemOrder::Asc),
                Err(none) => none,
            };
            checks.push(record(
                CheckKind::Ordering,
                &case,
                &documented,
                observed,
                verdict,
            ));
        }
    }
    checks
}

/// Whether a page is in order, and how its ties break. A session without the
/// key is left out (`fields` reports it).
fn judge(page: &[Value], field: &str, ascending: bool) -> (String, Verdict) {
    let keyed: Vec<(Key<'_>, Option<&str>)> = page
        .iter()
        .filter_map(|s| Some((key(s, field)?, text(s, "id"))))
        .collect();
    let (mut wrong, mut ties_up, mut ties_down) = (0, 0, 0);
    for pair in keyed.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let in_order = if ascending { a.0 <= b.0 } else { a.0 >= b.0 };
        if !in_order {
            wrong += 1;
        }
        if a.0 == b.0 {
            match (a.1, b.1) {
                (Some(x), Some(y)) if x < y => ties_up += 1,
                (Some(x), Some(y)) if x > y => ties_down += 1,
                _ => {}
            }
        }
    }
    let ties = match (ties_up, ties_down) {
        (0, 0) => "no ties".to_string(),
        (_, 0) => format!("{ties_up} ties, broken by id ascending"),
        (0, _) => format!("{ties_down} ties, broken by id descending"),
        _ => format!("{} ties, in no id order", ties_up + ties_down),
    };
    if wrong == 0 {
        (
            format!("{} sessions in order; {ties}", keyed.len()),
            Verdict::Match,
        )
    } else {
        let pairs = keyed.len().saturating_sub(1);
        (
            format!("{wrong} of {pairs} adjacent pairs out of order; {ties}"),
            Verdict::Differs,
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn page(rows: &[(&str, &str)]) -> Vec<Value> {
        rows.iter()
            .map(|(id, email)| json!({"id": id, "email": email, "created_at": "2026-01-01T00:00:00Z"}))
            .collect()
    }

    #[test]
    fn a_page_in_order_matches_and_its_ties_are_told() {
        let rows = page(&[("pmt_1", "a@x"), ("pmt_2", "b@x"), ("pmt_3", "b@x")]);
        assert_eq!(
            judge(&rows, "email", true),
            (
                "3 sessions in order; 1 ties, broken by id ascending".into(),
                Verdict::Match
            )
        );
        let rows = page(&[("pmt_3", "b@x"), ("pmt_2", "b@x"), ("pmt_1", "a@x")]);
        assert_eq!(
            judge(&rows, "email", false),
            (
                "3 sessions in order; 1 ties, broken by id descending".into(),
                Verdict::Match
            )
        );
        let rows = page(&[("pmt_2", "b@x"), ("pmt_1", "b@x"), ("pmt_3", "b@x")]);
        assert_eq!(
            judge(&rows, "email", true),
            (
                "3 sessions in order; 2 ties, in no id order".into(),
                Verdict::Match
            )
        );
    }

    #[test]
    fn a_session_listed_twice_is_no_tie() {
        let rows = page(&[("pmt_1", "a@x"), ("pmt_1", "a@x")]);
        assert_eq!(
            judge(&rows, "email", true),
            ("2 sessions in order; no ties".into(), Verdict::Match)
        );
    }

    #[test]
    fn a_page_out_of_order_differs_by_its_pairs() {
        let rows = page(&[("pmt_1", "b@x"), ("pmt_2", "a@x"), ("pmt_3", "c@x")]);
        assert_eq!(
            judge(&rows, "email", true),
            (
                "1 of 2 adjacent pairs out of order; no ties".into(),
                Verdict::Differs
            )
        );
        assert_eq!(judge(&rows, "email", false).1, Verdict::Differs);
    }

    #[test]
    fn times_compare_as_times_and_the_active_token_by_its_id() {
        // As text, "…T01:00:00+02:00" sorts after "…T00:00:00Z"; as times it is before.
        let rows = [
            json!({"id": "pmt_1", "expire": "2026-01-01T01:00:00+02:00"}),
            json!({"id": "pmt_2", "expire": "2026-01-01T00:00:00Z"}),
        ];
        assert_eq!(judge(&rows, "expire", true).1, Verdict::Match);
        let rows = [
            json!({"id": "pmt_1", "active_token": {"id": "pmt_b"}}),
            json!({"id": "pmt_2", "active_token": {"id": "pmt_a"}}),
        ];
        assert_eq!(judge(&rows, "active_token_id", false).1, Verdict::Match);
        assert_eq!(judge(&rows, "active_token_id", true).1, Verdict::Differs);
    }
}
