//! Checks a request body against its operation's schema in the packaged spec
//! ([`authn_session_gen::OPENAPI_JSON`]) before serde reads it: each refusal
//! is a typed [`FieldCode`] at a JSON pointer, decided by the schema keyword
//! the value breaks, never by an error message's text.
//!
//! It reads the part of OpenAPI 3.0's schema language the request schemas
//! use; a test walks every request schema and fails on a keyword outside
//! that part, so a spec change cannot go silently unchecked.

use std::{collections::HashMap, sync::OnceLock};

use authn_session_gen::operations::Operation;
use regress::Regex;
use serde_json::{Map, Value};

use crate::field_code::FieldCode;

/// A value the schema refuses: its code, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub code: FieldCode,
    pub source: String,
    pub detail: String,
}

/// The spec, read once, with its patterns compiled.
struct Spec {
    document: Value,
    patterns: HashMap<String, Regex>,
}

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let document: Value = serde_json::from_str(authn_session_gen::OPENAPI_JSON)
            .expect("the packaged spec is JSON (cargo xtask codegen --check holds it so)");
        let mut patterns = HashMap::new();
        collect_patterns(&document, &mut patterns);
        Spec { document, patterns }
    })
}

// The schemas the check walks are reached through objects only (no
// `oneOf`/`allOf` lists: the keyword test holds that), so arrays hold none.
fn collect_patterns(node: &Value, into: &mut HashMap<String, Regex>) {
    let Value::Object(map) = node else { return };
    let compile = |pattern: &str| {
        Regex::new(pattern).expect("the spec's patterns are ECMA 262 regular expressions")
    };
    if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
        into.insert(pattern.into(), compile(pattern));
    }
    if let Some(Value::Object(by_pattern)) = map.get("x-pattern-properties") {
        for pattern in by_pattern.keys() {
            into.insert(pattern.clone(), compile(pattern));
        }
    }
    map.values().for_each(|v| collect_patterns(v, into));
}

/// The request body schema of `operation`.
pub(crate) fn request_schema(operation: &Operation) -> &'static Value {
    let method = operation.method.to_ascii_lowercase();
    &spec().document["paths"][operation.path][method]["requestBody"]["content"]["application/json"]
        ["schema"]
}

/// Every way `body` breaks the request schema of `operation`, in the order
/// met: required properties first, then each property by name.
pub(crate) fn check(operation: &Operation, body: &Value) -> Vec<Violation> {
    let mut found = Vec::new();
    walk(
        request_schema(operation),
        body,
        &mut String::new(),
        &mut found,
    );
    found
}

fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .expect("the spec's references are local");
            resolve(
                spec()
                    .document
                    .pointer(pointer)
                    .expect("every reference of the spec resolves"),
            )
        }
        None => schema,
    }
}

fn walk(schema: &Value, value: &Value, at: &mut String, found: &mut Vec<Violation>) {
    let schema = resolve(schema);
    if value.is_null() {
        return refuse(
            found,
            at,
            FieldCode::InvalidNull,
            "null is not allowed".into(),
        );
    }
    let kind = schema.get("type").and_then(Value::as_str);
    match (kind, value) {
        (Some("object"), Value::Object(map)) => object(schema, map, at, found),
        (Some("array"), Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                walk(&schema["items"], item, at, found);
                at.truncate(len);
            }
        }
        (Some("string"), Value::String(s)) => {
            if let Some((code, detail)) = string(schema, s) {
                refuse(found, at, code, detail);
            }
        }
        (Some("integer"), v) if v.is_i64() || v.is_u64() => {
            let n = v.as_f64().unwrap_or(f64::NAN);
            let min = schema.get("minimum").and_then(Value::as_f64);
            let max = schema.get("maximum").and_then(Value::as_f64);
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                let bound = |b: Option<f64>| b.map_or("-".into(), |b| b.to_string());
                let detail = format!("must be within {}..={}", bound(min), bound(max));
                refuse(found, at, FieldCode::NotWithinRange, detail);
            }
        }
        (Some("boolean"), Value::Bool(_)) | (None, _) => {}
        (Some(kind), _) => {
            let code = match kind {
                "object" => FieldCode::InvalidObject,
                "array" => FieldCode::InvalidArray,
                "integer" => FieldCode::InvalidInteger,
                "boolean" => FieldCode::InvalidBool,
                _ => FieldCode::InvalidString,
            };
            refuse(found, at, code, format!("must be of type {kind}"));
        }
    }
}

fn refuse(found: &mut Vec<Violation>, at: &str, code: FieldCode, detail: String) {
    found.push(Violation {
        code,
        source: if at.is_empty() { "/".into() } else { at.into() },
        detail,
    });
}

/// The string checks: enum, length, pattern, date-time.
fn string(schema: &Value, s: &str) -> Option<(FieldCode, String)> {
    if let Some(members) = schema.get("enum").and_then(Value::as_array) {
        if !members.iter().any(|m| m.as_str() == Some(s)) {
            return Some((
                FieldCode::NotEnumMember,
                format!("must be one of {}", Value::Array(members.clone())),
            ));
        }
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        // JSON Schema counts characters, not bytes.
        if (s.chars().count() as u64) < min {
            return Some((
                FieldCode::BelowMinLength,
                format!("must be at least {min} character(s) long"),
            ));
        }
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        if spec().patterns[pattern].find(s).is_none() {
            return Some((
                FieldCode::DoesNotMatchPattern,
                format!("must match {pattern}"),
            ));
        }
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time")
        && chrono::DateTime::parse_from_rfc3339(s).is_err()
    {
        return Some((
            FieldCode::BadFormatDateTime,
            "must be an RFC 3339 date-time, such as 2026-01-01T00:00:00Z".into(),
        ));
    }
    None
}

fn object(schema: &Value, map: &Map<String, Value>, at: &mut String, found: &mut Vec<Violation>) {
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if !map.contains_key(name) {
            let source = format!("{at}/{name}");
            refuse(
                found,
                &source,
                FieldCode::FieldRequired,
                "is required".into(),
            );
        }
    }
    let by_pattern = schema
        .get("x-pattern-properties")
        .and_then(Value::as_object);
    for (name, value) in map {
        let len = at.len();
        at.push('/');
        at.push_str(name);
        if let Some(property) = schema["properties"].get(name) {
            walk(property, value, at, found);
        } else if let Some(by_pattern) = by_pattern {
            // As Pangea's 3.1 spec gives it: patternProperties, and no other key.
            let mut matched = false;
            for (pattern, property) in by_pattern {
                if spec().patterns[pattern].find(name).is_some() {
                    matched = true;
                    walk(property, value, at, found);
                }
            }
            if !matched {
                unexpected(found, at, name);
            }
        } else {
            match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => unexpected(found, at, name),
                Some(additional @ Value::Object(_)) => walk(additional, value, at, found),
                _ => {}
            }
        }
        at.truncate(len);
    }
}

fn unexpected(found: &mut Vec<Violation>, at: &str, name: &str) {
    let detail = format!("{name:?} is not a property of this request");
    refuse(found, at, FieldCode::UnexpectedProperty, detail);
}

#[cfg(test)]
mod tests;
