//! The `fields` check: a page's `result`, as the service wrote it, against
//! the list result's schema in the packaged spec: fields the spec does not
//! have, required fields missing, values of another type.

use std::{collections::BTreeMap, sync::OnceLock};

use serde_json::Value;

use super::{Check, CheckKind, Verdict};

/// What differs at one path, and in how many records.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Finding {
    /// A field the spec does not have, and the JSON type it came as.
    Unknown(&'static str),
    /// A field the spec requires, absent.
    Missing,
    /// A value of another type: what the spec says, what came.
    Type(String, &'static str),
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        serde_json::from_str(authn_session_gen::OPENAPI_JSON).expect("the packaged spec is JSON")
    })
}

/// `schema`, its `$ref` followed.
fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/")
            .map(|pointer| format!("/{pointer}"))
            .and_then(|pointer| spec().pointer(&pointer))
            .unwrap_or(&Value::Null),
        None => schema,
    }
}

pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn fits(schema: &Value, value: &Value) -> bool {
    let text = |s: &str| {
        let long_enough = schema
            .get("minLength")
            .and_then(Value::as_u64)
            .is_none_or(|min| s.chars().count() as u64 >= min);
        let formatted = schema.get("format").and_then(Value::as_str) != Some("date-time")
            || chrono::DateTime::parse_from_rfc3339(s).is_ok();
        long_enough && formatted
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.as_str().is_some_and(text),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    }
}

fn expected(schema: &Value) -> String {
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    match schema.get("format").and_then(Value::as_str) {
        Some(format) => format!("{kind} ({format})"),
        None => kind.to_string(),
    }
}

fn walk(schema: &Value, value: &Value, path: &str, out: &mut BTreeMap<(String, Finding), usize>) {
    let schema = resolve(schema);
    if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return;
    }
    if !fits(schema, value) {
        *out.entry((
            path.to_string(),
            Finding::Type(expected(schema), json_type(value)),
        ))
        .or_default() += 1;
        return;
    }
    match value {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for required in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !fields.contains_key(required) {
                    *out.entry((format!("{path}.{required}"), Finding::Missing))
                        .or_default() += 1;
                }
            }
            for (name, field) in fields {
                let at = format!("{path}.{name}");
                match (
                    properties.and_then(|p| p.get(name)),
                    schema.get("additionalProperties"),
                ) {
                    (Some(property), _) => walk(property, field, &at, out),
                    (None, Some(Value::Bool(true))) => {}
                    (None, Some(Value::Object(any))) if any.is_empty() => {}
                    (None, Some(additional @ Value::Object(_))) => {
                        walk(additional, field, &at, out)
                    }
                    (None, _) => {
                        *out.entry((at, Finding::Unknown(json_type(field))))
                            .or_default() += 1;
                    }
                }
            }
        }
        Value::Array(items) => {
            let item = schema.get("items").unwrap_or(&Value::Null);
            for element in items {
                walk(item, element, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// The `fields` records of one page: one per difference, or one `match`.
pub(super) fn check(result: &Value) -> Vec<Check> {
    let schema = spec()
        .pointer("/components/schemas/SessionListResult")
        .unwrap_or(&Value::Null);
    let mut found = BTreeMap::new();
    walk(schema, result, "result", &mut found);
    let sessions = result["sessions"].as_array().map_or(0, Vec::len);
    if found.is_empty() {
        return vec![Check {
            check: CheckKind::Fields,
            case: format!("every field of a page of {sessions} sessions"),
            documented: "as the spec (openapi/authn-session.yaml) has them".into(),
            observed: "no field unknown, missing or of another type".into(),
            verdict: Verdict::Match,
        }];
    }
    found
        .into_iter()
        .map(|((path, finding), count)| {
            let (documented, observed) = match finding {
                Finding::Unknown(kind) => (
                    "not in the spec".to_string(),
                    format!("present ({kind}) in {}", records(count)),
                ),
                Finding::Missing => (
                    "required".to_string(),
                    format!("missing in {}", records(count)),
                ),
                Finding::Type(want, got) => (want, format!("{got} in {}", records(count))),
            };
            Check {
                check: CheckKind::Fields,
                case: path,
                documented,
                observed,
                verdict: Verdict::Differs,
            }
        })
        .collect()
}

fn records(count: usize) -> String {
    if count == 1 {
        "1 record".into()
    } else {
        format!("{count} records")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn session() -> Value {
        json!({
            "id": "pmt_1", "type": "session", "life": 10, "expire": "2026-01-01T00:00:00Z",
            "identity": "pui_1", "email": "a@x", "profile": {"first_name": "A"},
            "created_at": "2026-01-01T00:00:00Z",
            "active_token": {
                "id": "pmt_2", "type": "user", "life": 10, "expire": "2026-01-01T00:00:00Z",
                "identity": "pui_1", "email": "a@x", "profile": {}, "created_at": "2026-01-01T00:00:00Z",
                "audience": null, "claims": {"any": [1, {"x": true}]},
            },
        })
    }

    /// (case, documented, observed) of each record.
    fn findings(result: &Value) -> Vec<(String, String, String)> {
        check(result)
            .into_iter()
            .map(|c| {
                assert_eq!(c.check, CheckKind::Fields);
                (c.case, c.documented, c.observed)
            })
            .collect()
    }

    #[test]
    fn a_page_as_the_spec_has_it_is_one_match() {
        let checks = check(&json!({"sessions": [session(), session()], "last": "", "count": 2}));
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].verdict, Verdict::Match);
        assert_eq!(checks[0].case, "every field of a page of 2 sessions");
    }

    #[test]
    fn unknown_missing_and_mistyped_fields_each_have_a_path_and_a_count() {
        let mut odd = session();
        odd["x_new"] = json!([1]);
        odd.as_object_mut().unwrap().remove("identity");
        odd["life"] = json!(1.5);
        odd["expire"] = json!("yesterday");
        odd["active_token"]["enabled"] = json!("yes");
        odd["active_token"]["audience"] = json!([7]);
        let mut also = session();
        also.as_object_mut().unwrap().remove("identity");
        let result = json!({"sessions": [odd, also], "x_top": {"a": 1}, "last": null});
        let strings = |rows: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
            rows.iter()
                .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
                .collect()
        };
        assert_eq!(
            findings(&result),
            strings(&[
                ("result.last", "string", "null in 1 record"),
                (
                    "result.sessions[].active_token.audience[]",
                    "string",
                    "integer in 1 record"
                ),
                (
                    "result.sessions[].active_token.enabled",
                    "boolean",
                    "string in 1 record"
                ),
                (
                    "result.sessions[].expire",
                    "string (date-time)",
                    "string in 1 record"
                ),
                (
                    "result.sessions[].identity",
                    "required",
                    "missing in 2 records"
                ),
                (
                    "result.sessions[].life",
                    "integer (int64)",
                    "number in 1 record"
                ),
                (
                    "result.sessions[].x_new",
                    "not in the spec",
                    "present (array) in 1 record"
                ),
                (
                    "result.x_top",
                    "not in the spec",
                    "present (object) in 1 record"
                ),
            ])
        );
        assert!(check(&result).iter().all(|c| c.verdict == Verdict::Differs));
    }

    #[test]
    fn integers_of_either_sign_and_numbers_read_by_their_json_type() {
        let mut odd = session();
        odd["life"] = json!(u64::MAX);
        odd["active_token"]["life"] = json!(-1);
        odd["active_token"]["intelligence"] =
            json!({"ip_intel": {"geolocation": {"latitude": 48, "longitude": "east"}}});
        odd["profile"] = json!({"first_name": "A", "age": 7});
        assert_eq!(json_type(&json!(u64::MAX)), "integer");
        assert_eq!(json_type(&json!(-1)), "integer");
        assert_eq!(json_type(&json!(0.5)), "number");
        let path = "result.sessions[].active_token.intelligence.ip_intel.geolocation.longitude";
        assert_eq!(
            findings(&json!({ "sessions": [odd] })),
            vec![
                (
                    path.to_string(),
                    "number".to_string(),
                    "string in 1 record".to_string()
                ),
                (
                    "result.sessions[].profile.age".to_string(),
                    "string".to_string(),
                    "integer in 1 record".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_result_that_is_no_object_is_said_so() {
        assert_eq!(
            findings(&json!([])),
            vec![(
                "result".to_string(),
                "object".to_string(),
                "array in 1 record".to_string()
            )]
        );
        assert_eq!(
            findings(&json!({"sessions": "none"})),
            vec![(
                "result.sessions".to_string(),
                "array".to_string(),
                "string in 1 record".to_string()
            )]
        );
    }
}
