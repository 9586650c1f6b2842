//! Client error correction, as Smithy specifies it for every AWS SDK: a
//! record of a result that lacks a required field, or sends it as `null`,
//! gets the field's zero value instead of failing the whole result, because
//! services evolve and one odd record must not cost a page. Which records
//! and fields is the spec's ([`Operation::corrections`]); a record's id (and
//! a token record's secret) is never filled in. Only a result that failed
//! to decode is corrected, so a well-formed page pays nothing for this.

use authn_session_gen::operations::{Correctable, Operation, Step, Zero};
use serde_json::Value;

/// The zero value of a field, as JSON.
fn zero(zero: Zero) -> Value {
    match zero {
        Zero::String => Value::String(String::new()),
        Zero::DateTime => Value::String("1970-01-01T00:00:00Z".into()),
        Zero::Integer | Zero::Number => Value::from(0),
        Zero::Boolean => Value::Bool(false),
        Zero::Array => Value::Array(Vec::new()),
        Zero::Object => Value::Object(serde_json::Map::new()),
    }
}

/// Fills in the zero value of every correctable field of `op`'s records
/// that `value` lacks or holds as `null`. `value` is the JSON at `base`
/// (`result`, or `result.sessions` for a page read ahead), which `below`
/// reaches from the result. Returns the JSON path of every value filled in,
/// in document order.
pub(crate) fn correct(
    value: &mut Value,
    op: &Operation,
    below: &[Step],
    base: &str,
) -> Vec<String> {
    let mut corrected = Vec::new();
    for record in op.corrections {
        if let Some(rest) = record.at.strip_prefix(below) {
            visit(value, rest, base.to_string(), record, &mut corrected);
        }
    }
    // Records nest (a session and its active token): one item's paths together.
    corrected.sort_by_key(|p| document_order(p));
    corrected
}

/// Corrects the record(s) at `steps` below `value`, which is at `path`.
/// Anything of another shape than the spec's is left for decoding to
/// report, with its path: a missing `sessions`, one that is not an array,
/// an item that is not an object.
fn visit(
    value: &mut Value,
    steps: &[Step],
    path: String,
    record: &Correctable,
    out: &mut Vec<String>,
) {
    match steps.split_first() {
        None => {
            let Value::Object(object) = value else { return };
            for (field, zero_value) in record.fields {
                let slot = object.entry(*field).or_insert(Value::Null);
                if slot.is_null() {
                    *slot = zero(*zero_value);
                    out.push(format!("{path}.{field}"));
                }
            }
        }
        Some((Step::Field(name), rest)) => {
            if let Some(child) = value.get_mut(*name) {
                visit(child, rest, format!("{path}.{name}"), record, out);
            }
        }
        Some((Step::Each, rest)) => {
            if let Value::Array(items) = value {
                for (i, item) in items.iter_mut().enumerate() {
                    visit(item, rest, format!("{path}[{i}]"), record, out);
                }
            }
        }
    }
}

/// A path's sort key: its array indices. A stable sort by it keeps each
/// item's paths together, in spec order, the item's own before its token's.
fn document_order(path: &str) -> Vec<usize> {
    path.split('[')
        .skip(1)
        .filter_map(|s| s.split(']').next()?.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use authn_session_gen::operations::{CLIENT_SESSION_REFRESH, SESSION_LIST};
    use serde_json::json;

    #[test]
    fn fills_missing_and_null_fields_of_every_item_and_names_each() {
        let mut result = json!({"sessions": [
            {"id": "pmt_a", "identity": null, "active_token": {"id": "pmt_t"}},
            {"id": "pmt_b"},
        ]});
        let paths = correct(&mut result, &SESSION_LIST, &[], "result");
        assert_eq!(result["sessions"][0]["identity"], "");
        assert_eq!(result["sessions"][1]["life"], 0);
        assert_eq!(result["sessions"][1]["expire"], "1970-01-01T00:00:00Z");
        assert_eq!(result["sessions"][1]["profile"], json!({}));
        assert_eq!(result["sessions"][0]["active_token"]["email"], "");
        // Optional fields stay absent; the id is never filled in.
        assert!(result["sessions"][1].get("scopes").is_none());
        assert!(result["sessions"][1].get("active_token").is_none());
        assert_eq!(paths.len(), 7 + 7 + 7);
        assert_eq!(paths[0], "result.sessions[0].type");
        assert_eq!(paths[3], "result.sessions[0].identity");
        assert_eq!(paths[7], "result.sessions[0].active_token.type");
        assert_eq!(paths[14], "result.sessions[1].type");
        assert_eq!(paths.last().unwrap(), "result.sessions[1].created_at");
    }

    #[test]
    fn below_a_prefix_corrects_the_part_read_ahead() {
        let mut sessions = json!([{"id": "pmt_a", "type": "session", "life": 1,
            "expire": "2030-01-01T00:00:00Z", "identity": "u", "email": "e",
            "created_at": "2030-01-01T00:00:00Z"}]);
        let below = [Step::Field("sessions")];
        let paths = correct(&mut sessions, &SESSION_LIST, &below, "result.sessions");
        assert_eq!(paths, ["result.sessions[0].profile"]);
    }

    #[test]
    fn leaves_other_shapes_and_other_fields_to_decoding() {
        for mut odd in [
            json!({"sessions": {"0": {}}}),
            json!({"sessions": [1, "x"]}),
            json!({}),
        ] {
            let before = odd.clone();
            assert!(correct(&mut odd, &SESSION_LIST, &[], "result").is_empty());
            assert_eq!(odd, before);
        }
        // A refresh token record lacking its token keeps lacking it.
        let mut refreshed = json!({"refresh_token": {"id": "pmt_r"}});
        let paths = correct(&mut refreshed, &CLIENT_SESSION_REFRESH, &[], "result");
        assert_eq!(paths.len(), 7);
        assert!(refreshed["refresh_token"].get("token").is_none());
    }

    #[test]
    fn indices_sort_as_numbers() {
        let mut paths = ["a[10].x", "a[9].x", "a[9].active_token.x"].map(str::to_string);
        paths.sort_by_key(|p| document_order(p));
        assert_eq!(paths, ["a[9].x", "a[9].active_token.x", "a[10].x"]);
    }
}
