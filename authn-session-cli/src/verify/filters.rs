//! The `filters` check: filters built from the values of the sessions just
//! listed, every session of each answer checked locally against its filter.

use std::collections::BTreeSet;

use authn_session::{ListOptions, SessionListFilter};
use serde_json::Value;

use super::{record, sessions, text, time, Check, CheckKind, Probe, Verdict, PAGE};

/// A substring no email holds: the second of the two `email__contains` values.
const NO_SUCH_TEXT: &str = "zq-verify-no-such-text";

/// One case: its filter, the local reading of it (`None`: the session lacks
/// the field, which `fields` reports), and the session the value came from
/// with whether it must be listed.
struct Case<'a> {
    name: String,
    documented: String,
    filter: SessionListFilter,
    admits: Local<'a>,
    source: Option<(&'a str, bool)>,
    /// Another reading of the filter, named, to say when every listed
    /// session fits it instead (`__contains` read as "any").
    otherwise: Option<Reading<'a>>,
}

/// A named local reading of a filter.
type Reading<'a> = (&'a str, Local<'a>);

/// A filter read locally: whether a session fits it (`None`: it lacks the field).
type Local<'a> = Box<dyn Fn(&Value) -> Option<bool> + Send + 'a>;

async fn run(probe: &mut Probe, case: Case<'_>) -> Check {
    let options = ListOptions::new().filter(case.filter.clone()).size(PAGE);
    let (observed, verdict) = match probe.page(options).await {
        Ok(page) => judge(&sessions(&page), &case),
        Err(none) => none,
    };
    record(
        CheckKind::Filters,
        &case.name,
        &case.documented,
        observed,
        verdict,
    )
}

/// Whether every listed session fits the case's filter, and whether the
/// session its value came from is listed as it must (or must not) be.
fn judge(page: &[Value], case: &Case<'_>) -> (String, Verdict) {
    let outside: Vec<&str> = page
        .iter()
        .filter(|s| (case.admits)(s) == Some(false))
        .map(|s| text(s, "id").unwrap_or("a session without an id"))
        .collect();
    let listed = |id: &str| page.iter().any(|s| text(s, "id") == Some(id));
    let source = match case.source {
        Some((id, true)) if !listed(id) => {
            Some(format!("{id}, which the value came from, is not listed"))
        }
        Some((id, false)) if listed(id) => {
            Some(format!("{id}, whose own time is the bound, is listed"))
        }
        _ => None,
    };
    if outside.is_empty() && source.is_none() {
        return (
            format!("{} sessions, each matching", page.len()),
            Verdict::Match,
        );
    }
    let mut observed = format!("{} sessions, {} not matching", page.len(), outside.len());
    if let Some(first) = outside.first() {
        observed.push_str(&format!(" (the first: {first})"));
    }
    if let Some(source) = source {
        observed.push_str(&format!("; {source}"));
    }
    if let Some((name, fits)) = &case.otherwise {
        if page.iter().all(|s| fits(s) == Some(true)) {
            observed.push_str(&format!("; every listed session fits {name}"));
        }
    }
    (observed, Verdict::Differs)
}

fn skipped(name: &str, why: &str) -> Check {
    record(
        CheckKind::Filters,
        name,
        "",
        format!("not run: {why}"),
        Verdict::Skipped,
    )
}

/// The first listed session with a value `pick` finds, and its id.
fn first<'s, T>(
    sample: &'s [Value],
    pick: impl Fn(&'s Value) -> Option<T>,
) -> Option<(&'s str, T)> {
    sample.iter().find_map(|s| Some((text(s, "id")?, pick(s)?)))
}

pub(super) async fn check(probe: &mut Probe, sample: &[Value]) -> Vec<Check> {
    let mut checks = Vec::new();
    for planned in plan(sample) {
        checks.push(match planned {
            Ok(case) => run(probe, case).await,
            Err(skipped) => skipped,
        });
    }
    checks
}

/// Every case, built from the values of `sample`; a case no listed session
/// has a value for is its `skipped` record.
fn plan(sample: &[Value]) -> Vec<Result<Case<'_>, Check>> {
    let mut plan = Vec::new();

    match first(sample, |s| text(s, "email").filter(|e| !e.is_empty())) {
        None => {
            let why = "no listed session has an email";
            plan.push(Err(skipped("email (exact)", why)));
            plan.push(Err(skipped("email__contains, two substrings", why)));
        }
        Some((id, email)) => {
            plan.push(Ok(Case {
                name: "email (exact)".into(),
                documented: format!("only sessions whose email is {email:?}"),
                filter: SessionListFilter::new().email(email),
                admits: Box::new(move |s| text(s, "email").map(|v| v == email)),
                source: Some((id, true)),
                otherwise: None,
            }));
            // One substring every email of that domain holds, one none holds:
            // "each" lists nothing, "any" lists the domain.
            let part = email.split_once('@').map_or(email, |(_, domain)| domain);
            plan.push(Ok(Case {
                name: "email__contains, two substrings".into(),
                documented: format!(
                    "each: only emails holding both {part:?} and {NO_SUCH_TEXT:?}, so none"
                ),
                filter: SessionListFilter::new().email_contains([part, NO_SUCH_TEXT]),
                admits: Box::new(move |s| {
                    text(s, "email").map(|v| v.contains(part) && v.contains(NO_SUCH_TEXT))
                }),
                source: None,
                otherwise: Some((
                    "\"any\": its email holds one of the substrings",
                    Box::new(move |s| {
                        text(s, "email").map(|v| v.contains(part) || v.contains(NO_SUCH_TEXT))
                    }),
                )),
            }));
        }
    }

    // Two distinct identities: `__in` is then tested as "either".
    let identities: BTreeSet<&str> = sample
        .iter()
        .filter_map(|s| text(s, "identity"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(2)
        .collect();
    if identities.is_empty() {
        plan.push(Err(skipped(
            "identity__in",
            "no listed session has an identity",
        )));
    } else {
        plan.push(Ok(Case {
            name: "identity__in".into(),
            documented: format!("only sessions of {identities:?}"),
            filter: SessionListFilter::new().identity_in(identities.iter().copied()),
            admits: Box::new(move |s| text(s, "identity").map(|v| identities.contains(v))),
            source: None,
            otherwise: None,
        }));
    }

    // The median time, so that both bounds list sessions when there are several.
    let mut times: Vec<_> = sample
        .iter()
        .filter_map(|s| Some((text(s, "id")?, time(s, "created_at")?)))
        .collect();
    times.sort_by_key(|(_, at)| *at);
    let (after, before) = (
        "created_at__gt, at a listed session's own time",
        "created_at__lt, at a listed session's own time",
    );
    match times.get(times.len() / 2).copied() {
        None => {
            let why = "no listed session has a created_at";
            plan.push(Err(skipped(after, why)));
            plan.push(Err(skipped(before, why)));
        }
        Some((id, at)) => {
            plan.push(Ok(Case {
                name: after.into(),
                documented: format!("strictly after {at}: that session is not listed"),
                filter: SessionListFilter::new().created_at_gt(at),
                admits: Box::new(move |s| time(s, "created_at").map(|t| t > at)),
                source: Some((id, false)),
                otherwise: None,
            }));
            plan.push(Ok(Case {
                name: before.into(),
                documented: format!("strictly before {at}: that session is not listed"),
                filter: SessionListFilter::new().created_at_lt(at),
                admits: Box::new(move |s| time(s, "created_at").map(|t| t < at)),
                source: Some((id, false)),
                otherwise: None,
            }));
        }
    }

    plan.push(match first(sample, scope_of) {
        None => Err(skipped("scopes", "no listed session has a scope")),
        Some((id, scope)) => Ok(Case {
            name: "scopes".into(),
            documented: format!("only sessions with the scope {scope:?}"),
            filter: SessionListFilter::new().scopes([scope]),
            admits: Box::new(move |s| {
                let scopes = s.get("scopes")?.as_array()?;
                Some(scopes.iter().any(|v| v.as_str() == Some(scope)))
            }),
            source: Some((id, true)),
            otherwise: None,
        }),
    });

    plan.push(match first(sample, enabled_of) {
        None => Err(skipped(
            "enabled",
            "no listed session's active token says whether it is enabled",
        )),
        Some((id, enabled)) => Ok(Case {
            name: "enabled".into(),
            documented: format!("only sessions whose active token has enabled {enabled}"),
            filter: SessionListFilter::new().enabled(enabled),
            admits: Box::new(move |s| enabled_of(s).map(|v| v == enabled)),
            source: Some((id, true)),
            otherwise: None,
        }),
    });

    plan.push(match first(sample, profile_of) {
        None => Err(skipped(
            "profile_<Name>",
            "no listed session has a profile field named by letters only",
        )),
        Some((id, (name, value))) => Ok(Case {
            name: format!("profile_{name}"),
            documented: format!("only sessions whose profile field {name:?} is {value:?}"),
            filter: SessionListFilter::new().profile(name, value),
            admits: Box::new(move |s| {
                let profile = s.get("profile")?.as_object()?;
                Some(profile.get(name).and_then(Value::as_str) == Some(value))
            }),
            source: Some((id, true)),
            otherwise: None,
        }),
    });
    plan
}

fn scope_of(session: &Value) -> Option<&str> {
    session
        .get("scopes")?
        .as_array()?
        .iter()
        .find_map(Value::as_str)
}

fn enabled_of(session: &Value) -> Option<bool> {
    session.get("active_token")?.get("enabled")?.as_bool()
}

/// A profile field with a text value whose name a filter key can carry
/// (letters only).
fn profile_of(session: &Value) -> Option<(&str, &str)> {
    session
        .get("profile")?
        .as_object()?
        .iter()
        .find_map(|(name, value)| {
            let letters = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic());
            Some((name.as_str(), value.as_str()?)).filter(|_| letters)
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn case(
        source: Option<(&'static str, bool)>,
        otherwise: Option<Reading<'static>>,
    ) -> Case<'static> {
        Case {
            name: "email (exact)".into(),
            documented: String::new(),
            filter: SessionListFilter::new(),
            admits: Box::new(|s| text(s, "email").map(|v| v == "a@x")),
            source,
            otherwise,
        }
    }

    fn page() -> Vec<Value> {
        vec![
            json!({"id": "pmt_1", "email": "a@x"}),
            json!({"id": "pmt_2"}),
            json!({"id": "pmt_3", "email": "a@x"}),
        ]
    }

    #[test]
    fn a_page_that_fits_matches_and_a_session_without_the_field_is_left_to_fields() {
        assert_eq!(
            judge(&page(), &case(Some(("pmt_3", true)), None)),
            ("3 sessions, each matching".into(), Verdict::Match)
        );
    }

    #[test]
    fn a_session_outside_the_filter_differs_and_is_named() {
        let mut rows = page();
        rows.push(json!({"id": "pmt_4", "email": "b@x"}));
        rows.push(json!({"email": "c@x"}));
        assert_eq!(
            judge(&rows, &case(None, None)),
            (
                "5 sessions, 2 not matching (the first: pmt_4)".into(),
                Verdict::Differs
            )
        );
    }

    #[test]
    fn the_source_session_must_be_listed_or_not_as_the_case_says() {
        assert_eq!(
            judge(&page(), &case(Some(("pmt_9", true)), None)),
            (
                "3 sessions, 0 not matching; pmt_9, which the value came from, is not listed"
                    .into(),
                Verdict::Differs
            )
        );
        assert_eq!(
            judge(&page(), &case(Some(("pmt_1", false)), None)),
            (
                "3 sessions, 0 not matching; pmt_1, whose own time is the bound, is listed".into(),
                Verdict::Differs
            )
        );
        assert_eq!(
            judge(&page(), &case(Some(("pmt_9", false)), None)).1,
            Verdict::Match
        );
    }

    #[test]
    fn another_reading_is_named_only_when_every_listed_session_fits_it() {
        let any = || -> Reading<'static> { ("any", Box::new(|s| Some(text(s, "id").is_some()))) };
        let rows = vec![
            json!({"id": "pmt_1", "email": "b@x"}),
            json!({"id": "pmt_2", "email": "a@x"}),
        ];
        assert_eq!(
            judge(&rows, &case(None, Some(any()))).0,
            "2 sessions, 1 not matching (the first: pmt_1); every listed session fits any"
        );
        let mut rows = rows;
        rows.push(json!({"email": "b@x"}));
        assert_eq!(
            judge(&rows, &case(None, Some(any()))).0,
            "3 sessions, 2 not matching (the first: pmt_1)"
        );
    }

    fn sample() -> Vec<Value> {
        vec![
            json!({"id": "pmt_0", "identity": "pui_1"}),
            json!({"id": "pmt_1", "identity": "pui_1", "email": "a@example.com",
                   "created_at": "2026-01-01T00:00:00Z", "scopes": ["mobile"],
                   "active_token": {"enabled": true}, "profile": {"department": "ops"}}),
            json!({"id": "pmt_2", "identity": "pui_2", "email": "b@example.com",
                   "created_at": "2026-01-03T00:00:00Z"}),
            json!({"id": "pmt_3", "identity": "pui_3", "email": "c@example.com",
                   "created_at": "2026-01-02T00:00:00Z"}),
            json!({"id": "pmt_4", "created_at": "2026-01-04T00:00:00Z"}),
        ]
    }

    /// The case named `name` of `plan`, read locally on `session`.
    fn reads(plan: &[Result<Case<'_>, Check>], name: &str, session: Value) -> Option<bool> {
        let case = plan.iter().flatten().find(|c| c.name == name).expect(name);
        (case.admits)(&session)
    }

    #[test]
    fn each_case_is_built_from_a_listed_value_and_read_as_documented() {
        let sample = sample();
        let plan = plan(&sample);
        let names: Vec<&str> = plan.iter().flatten().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "email (exact)",
                "email__contains, two substrings",
                "identity__in",
                "created_at__gt, at a listed session's own time",
                "created_at__lt, at a listed session's own time",
                "scopes",
                "enabled",
                "profile_department",
            ]
        );
        let sources: Vec<_> = plan.iter().flatten().map(|c| c.source).collect();
        assert_eq!(
            sources,
            [
                Some(("pmt_1", true)),
                None,
                None,
                // The median of the four times (the third) is pmt_2's.
                Some(("pmt_2", false)),
                Some(("pmt_2", false)),
                Some(("pmt_1", true)),
                Some(("pmt_1", true)),
                Some(("pmt_1", true)),
            ]
        );
        let email = "email (exact)";
        assert_eq!(
            reads(&plan, email, json!({"email": "a@example.com"})),
            Some(true)
        );
        assert_eq!(
            reads(&plan, email, json!({"email": "b@example.com"})),
            Some(false)
        );
        assert_eq!(reads(&plan, email, json!({})), None);
        let contains = "email__contains, two substrings";
        assert_eq!(
            reads(&plan, contains, json!({"email": "a@example.com"})),
            Some(false)
        );
        let both = format!("example.com{NO_SUCH_TEXT}");
        assert_eq!(reads(&plan, contains, json!({ "email": both })), Some(true));
        let case = plan.iter().flatten().find(|c| c.name == contains).unwrap();
        let any = &case.otherwise.as_ref().unwrap().1;
        assert_eq!(any(&json!({"email": "z@example.com"})), Some(true));
        assert_eq!(any(&json!({"email": "z@other.org"})), Some(false));
        assert_eq!(any(&json!({ "email": NO_SUCH_TEXT })), Some(true));
        let within = "identity__in";
        assert_eq!(
            reads(&plan, within, json!({"identity": "pui_2"})),
            Some(true)
        );
        assert_eq!(
            reads(&plan, within, json!({"identity": "pui_3"})),
            Some(false)
        );
        // Strict at the bound: another session of that very time is outside.
        let (after, before) = (
            "created_at__gt, at a listed session's own time",
            "created_at__lt, at a listed session's own time",
        );
        let at = |t: &str| json!({ "id": "pmt_9", "created_at": t });
        assert_eq!(reads(&plan, after, at("2026-01-03T00:00:00Z")), Some(false));
        assert_eq!(reads(&plan, after, at("2026-01-03T00:00:01Z")), Some(true));
        assert_eq!(reads(&plan, after, at("2026-01-02T23:59:59Z")), Some(false));
        assert_eq!(
            reads(&plan, before, at("2026-01-03T00:00:00Z")),
            Some(false)
        );
        assert_eq!(reads(&plan, before, at("2026-01-02T23:59:59Z")), Some(true));
        assert_eq!(
            reads(&plan, before, at("2026-01-03T00:00:01Z")),
            Some(false)
        );
        assert_eq!(
            reads(&plan, "scopes", json!({"scopes": ["x", "mobile"]})),
            Some(true)
        );
        assert_eq!(
            reads(&plan, "scopes", json!({"scopes": ["x"]})),
            Some(false)
        );
        assert_eq!(reads(&plan, "scopes", json!({})), None);
        let token = |enabled: bool| json!({"active_token": {"enabled": enabled}});
        assert_eq!(reads(&plan, "enabled", token(true)), Some(true));
        assert_eq!(reads(&plan, "enabled", token(false)), Some(false));
        let profile = "profile_department";
        assert_eq!(
            reads(&plan, profile, json!({"profile": {"department": "ops"}})),
            Some(true)
        );
        assert_eq!(
            reads(&plan, profile, json!({"profile": {"department": "x"}})),
            Some(false)
        );
        assert_eq!(reads(&plan, profile, json!({"profile": {}})), Some(false));
        assert_eq!(reads(&plan, profile, json!({})), None);
    }

    #[test]
    fn a_case_without_a_listed_value_is_skipped_and_says_why() {
        let sample = [json!({"id": "pmt_1", "email": ""})];
        let skipped: Vec<(String, String)> = plan(&sample)
            .into_iter()
            .map(|p| p.err().expect("every case is skipped"))
            .map(|c| {
                assert_eq!((c.check, c.verdict), (CheckKind::Filters, Verdict::Skipped));
                (c.case, c.observed)
            })
            .collect();
        let why = |case: &str, why: &str| (case.to_string(), format!("not run: {why}"));
        assert_eq!(
            skipped,
            [
                why("email (exact)", "no listed session has an email"),
                why(
                    "email__contains, two substrings",
                    "no listed session has an email"
                ),
                why("identity__in", "no listed session has an identity"),
                why(
                    "created_at__gt, at a listed session's own time",
                    "no listed session has a created_at"
                ),
                why(
                    "created_at__lt, at a listed session's own time",
                    "no listed session has a created_at"
                ),
                why("scopes", "no listed session has a scope"),
                why(
                    "enabled",
                    "no listed session's active token says whether it is enabled"
                ),
                why(
                    "profile_<Name>",
                    "no listed session has a profile field named by letters only"
                ),
            ]
        );
    }

    #[test]
    fn the_values_a_filter_is_built_from() {
        let session = json!({
            "id": "pmt_1",
            "scopes": [3, "mobile"],
            "active_token": {"enabled": false},
            "profile": {"first_name": "Al", "department": "ops", "Level": 3},
        });
        assert_eq!(scope_of(&session), Some("mobile"));
        assert_eq!(enabled_of(&session), Some(false));
        assert_eq!(
            enabled_of(&json!({"active_token": {"enabled": true}})),
            Some(true)
        );
        assert_eq!(profile_of(&session), Some(("department", "ops")));
        assert_eq!(profile_of(&json!({"profile": {"": "x", "a_b": "y"}})), None);
        assert_eq!(
            first(&[json!({"scopes": ["x"]}), session.clone()], scope_of),
            Some(("pmt_1", "mobile"))
        );
    }
}
