//! Reading a request body into its generated type, refusing what Pangea
//! refuses with the field error codes of Pangea's own spec
//! (`FieldRequired`, `UnexpectedProperty`, `NotEnumMember`, `InvalidString`,
//! `BadFormatDateTime`, `DoesNotMatchPattern`, …), each pointing at the
//! offending field with a JSON pointer.

use authn_session_gen::{
    types::{FieldError, SessionListFilter},
    ProfileKey, SecretToken,
};
use axum::body::Bytes;
use secrecy::ExposeSecret;
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::Value;

use crate::{
    envelope::Rejection,
    store::{field_error, Refusal},
};

fn refuse(code: &str, source: &str, detail: impl Into<String>) -> Rejection {
    Rejection::Refused(Refusal::Invalid(vec![field_error(code, source, detail)]))
}

/// Decodes a body into its generated request type; failures become field
/// errors pointing at the offending field.
pub(crate) fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Rejection> {
    let mut value: Value = serde_json::from_slice(body).map_err(|e| {
        refuse(
            "InvalidObject",
            "/",
            format!("the body is not a JSON object: {e}"),
        )
    })?;
    integral(&mut value);
    if let Some(source) = find_null(&value, String::new()) {
        // No request field is nullable: an explicit null is refused, not read as absent.
        return Err(refuse("InvalidNull", &source, "null is not allowed"));
    }
    if let Some(filter) = value.get("filter").and_then(Value::as_object) {
        profile_keys(filter)?;
    }
    let typed = serde_path_to_error::deserialize::<_, T>(&value).map_err(|e| {
        let source: String = e
            .path()
            .iter()
            .map(|segment| format!("/{segment}"))
            .collect();
        Rejection::Refused(Refusal::Invalid(vec![field_error_of(
            &value,
            source,
            e.inner(),
        )]))
    })?;
    // A key the filter's named fields do not take lands in its profile map:
    // only profile keys may (checked above), any other is unexpected.
    if let Some(filter) = value.get("filter") {
        let filter = SessionListFilter::deserialize(filter).unwrap_or_default();
        if let Some(key) = filter.extra.keys().find(|k| !k.starts_with("profile_")) {
            return Err(refuse(
                "UnexpectedProperty",
                &format!("/filter/{key}"),
                format!("{key:?} is not a filter key"),
            ));
        }
    }
    Ok(typed)
}

/// The filter's profile keys, read as [`ProfileKey`] reads them, checked on
/// the raw JSON so that a wrong kind gets its official code.
fn profile_keys(filter: &serde_json::Map<String, Value>) -> Result<(), Rejection> {
    for (key, value) in filter.iter().filter(|(k, _)| k.starts_with("profile_")) {
        let source = format!("/filter/{key}");
        let Some((_, kind)) = ProfileKey::parse(key) else {
            return Err(refuse(
                "UnexpectedProperty",
                &source,
                "profile keys are profile_<Name>, profile_<Name>__contains or profile_<Name>__exists, <Name> letters only",
            ));
        };
        let (code, fits) = match kind {
            ProfileKey::Equals => ("InvalidString", value.is_string()),
            ProfileKey::Contains => (
                "InvalidArray",
                value
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string)),
            ),
            ProfileKey::Exists => ("InvalidBool", value.is_boolean()),
        };
        if !fits {
            return Err(refuse(
                code,
                &source,
                format!("takes {}", kind.takes_what()),
            ));
        }
    }
    Ok(())
}

/// The field error for a value the generated type refused: the code says
/// what the type expected, read from serde's message and the value itself.
fn field_error_of(body: &Value, mut source: String, error: &serde_json::Error) -> FieldError {
    let message = error.to_string();
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|m| m.split('`').next())
            .map(str::to_string)
    };
    let code = if let Some(field) = quoted("missing field `") {
        source = format!("{source}/{field}");
        "FieldRequired"
    } else if message.starts_with("unknown field") {
        "UnexpectedProperty"
    } else if message.starts_with("unknown variant") {
        "NotEnumMember"
    } else if message.contains("did not match any variant of untagged enum ProfileFilterValue") {
        "UnexpectedProperty"
    } else if message.contains("doesn't match pattern") {
        "DoesNotMatchPattern"
    } else if message.contains("shorter than") {
        "BelowMinLength"
    } else if message.contains("expected a string") {
        "InvalidString"
    } else if message.contains("expected a boolean") {
        "InvalidBool"
    } else if message.contains("expected a sequence") {
        "InvalidArray"
    } else if message.contains("expected struct") || message.contains("expected a map") {
        "InvalidObject"
    } else if message.contains("nonzero") || message.contains("expected u64") {
        if body
            .pointer(&source)
            .is_some_and(|v| v.is_i64() || v.is_u64())
        {
            "NotWithinRange"
        } else {
            "InvalidInteger"
        }
    } else if body.pointer(&source).is_some_and(Value::is_string) {
        // The only strings the types parse further are the filter's times.
        "BadFormatDateTime"
    } else {
        "InvalidString"
    };
    if source.is_empty() {
        source.push('/');
    }
    field_error(code, &source, message)
}

/// Numbers with no fraction become integers: in JSON Schema 2020-12, which
/// Pangea's spec is written in, `5.0` is an integer.
fn integral(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Within ±2^53 every integer is exact in an f64.
            if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral),
        Value::Object(map) => map.values_mut().for_each(integral),
        _ => {}
    }
}

/// JSON pointer of the first `null` in `value`.
fn find_null(value: &Value, at: String) -> Option<String> {
    match value {
        Value::Null => Some(if at.is_empty() { "/".into() } else { at }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_null(v, format!("{at}/{i}"))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| find_null(v, format!("{at}/{k}"))),
        _ => None,
    }
}

/// Tokens are `SecretToken`s, which the generated code does not check: a
/// token must not be empty (the spec's `minLength: 1`).
pub(crate) fn token<'a>(source: &str, token: &'a SecretToken) -> Result<&'a str, Rejection> {
    let value = token.expose_secret();
    if value.is_empty() {
        Err(refuse("BelowMinLength", source, "must not be empty"))
    } else {
        Ok(value)
    }
}
