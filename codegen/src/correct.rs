//! Client error correction, as Smithy names it: which records of each
//! operation's result the SDK reads leniently, and the zero value of each of
//! their required fields. The spec marks such a schema with
//! `x-pangea-client-error-correction: {never: [...]}`; every required field
//! it does not list `never` may be filled in with its zero value when a
//! response lacks it or sends `null`. This module finds every place those
//! schemas take in a result, and refuses a field whose zero value would not
//! decode (a pattern, a minimum, an enum) or would be a secret.

use std::collections::BTreeMap;

use openapiv3::{
    OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use crate::lint::{ref_name, response_schema};

/// The spec extension that marks a record schema as correctable.
pub const EXTENSION: &str = "x-pangea-client-error-correction";

/// A step of the path from an operation's `result` to a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The named field of an object.
    Field(String),
    /// Every element of an array.
    Each,
}

/// The zero value a field is corrected to, by its type in the spec. The
/// generated `operations::Zero` is emitted from [`Zero::ALL`], so the two
/// cannot part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zero {
    String,
    DateTime,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

impl Zero {
    /// Every zero value, in the order the generated enum lists them.
    pub const ALL: [Zero; 7] = [
        Zero::String,
        Zero::DateTime,
        Zero::Integer,
        Zero::Number,
        Zero::Boolean,
        Zero::Array,
        Zero::Object,
    ];

    /// The variant's name and its doc, as the generated enum spells them.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Zero::String => ("String", "`\"\"`."),
            Zero::DateTime => ("DateTime", "The epoch, `1970-01-01T00:00:00Z`."),
            Zero::Integer => ("Integer", "`0`."),
            Zero::Number => ("Number", "`0`."),
            Zero::Boolean => ("Boolean", "`false`."),
            Zero::Array => ("Array", "`[]`."),
            Zero::Object => ("Object", "`{}`."),
        }
    }
}

/// One place of a correctable record in a result, and its correctable fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The record's schema.
    pub schema: String,
    /// Where it is, from the result down.
    pub at: Vec<Step>,
    /// Its required fields that may be corrected, in spec order.
    pub fields: Vec<(String, Zero)>,
}

impl Record {
    /// The record's place as the digest writes it: `sessions[].active_token`.
    pub fn place(&self) -> String {
        let mut out = String::new();
        for step in &self.at {
            match step {
                Step::Field(name) if out.is_empty() => out.push_str(name),
                Step::Field(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Step::Each => out.push_str("[]"),
            }
        }
        out
    }
}

/// The correctable records of every operation, by operationId; or every
/// reason the spec's markings cannot be honoured.
pub fn records(spec: &OpenAPI) -> Result<BTreeMap<String, Vec<Record>>, Vec<String>> {
    let mut problems = Vec::new();
    let mut all = BTreeMap::new();
    for item in spec.paths.paths.values() {
        let Some(item) = item.as_item() else { continue };
        for (_, op) in item.iter() {
            let id = op.operation_id.clone().unwrap_or_default();
            let success = op
                .responses
                .responses
                .iter()
                .filter(|(code, _)| matches!(code, StatusCode::Code(c) if (200..300).contains(c)))
                .find_map(|(_, response)| response_schema(spec, response));
            let mut found = Vec::new();
            if let Some(result) = success
                .as_deref()
                .and_then(|name| schema(spec, name))
                .and_then(|envelope| property(envelope, "result"))
            {
                walk(spec, result, Vec::new(), &mut found, &mut problems);
            }
            all.insert(id, found);
        }
    }
    // A marked schema that no result reaches is a marking nobody honours.
    if let Some(components) = &spec.components {
        for (name, s) in &components.schemas {
            let marked = s
                .as_item()
                .is_some_and(|s| s.schema_data.extensions.contains_key(EXTENSION));
            if marked && !all.values().flatten().any(|r| &r.schema == name) {
                problems.push(format!(
                    "{name} is marked {EXTENSION} but no operation's result holds it"
                ));
            }
        }
    }
    problems.sort();
    problems.dedup();
    if problems.is_empty() {
        Ok(all)
    } else {
        Err(problems)
    }
}

fn schema<'a>(spec: &'a OpenAPI, name: &str) -> Option<&'a Schema> {
    spec.components.as_ref()?.schemas.get(name)?.as_item()
}

fn property<'a>(object: &'a Schema, name: &str) -> Option<&'a ReferenceOr<Box<Schema>>> {
    match &object.schema_kind {
        SchemaKind::Type(Type::Object(o)) => o.properties.get(name),
        _ => None,
    }
}

/// A schema and the component name it was reached through, if any.
fn resolve<'a>(
    spec: &'a OpenAPI,
    r: &'a ReferenceOr<Box<Schema>>,
) -> Option<(Option<&'a str>, &'a Schema)> {
    match r {
        ReferenceOr::Item(s) => Some((None, s)),
        ReferenceOr::Reference { reference } => {
            let name = ref_name(reference)?;
            Some((Some(name), schema(spec, name)?))
        }
    }
}

/// Records every marked schema at or below `r`, which sits at `at`.
fn walk(
    spec: &OpenAPI,
    r: &ReferenceOr<Box<Schema>>,
    at: Vec<Step>,
    found: &mut Vec<Record>,
    problems: &mut Vec<String>,
) {
    // Results are shallow; a cycle of references would otherwise never end.
    if at.len() > 16 {
        return;
    }
    let Some((name, s)) = resolve(spec, r) else {
        return;
    };
    if let Some(marking) = s.schema_data.extensions.get(EXTENSION) {
        let name = name.unwrap_or("(inline schema)");
        match record(spec, name, s, marking, &at) {
            Ok(record) => found.push(record),
            Err(problem) => problems.push(problem),
        }
    }
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            for (field, p) in &o.properties {
                let mut below = at.clone();
                below.push(Step::Field(field.clone()));
                walk(spec, p, below, found, problems);
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(items) = &a.items {
                let mut below = at;
                below.push(Step::Each);
                walk(spec, items, below, found, problems);
            }
        }
        _ => {}
    }
}

/// The record of the marked schema `name` at `at`.
fn record(
    spec: &OpenAPI,
    name: &str,
    s: &Schema,
    marking: &serde_json::Value,
    at: &[Step],
) -> Result<Record, String> {
    let SchemaKind::Type(Type::Object(object)) = &s.schema_kind else {
        return Err(format!("{name}: {EXTENSION} marks object schemas only"));
    };
    let never: Vec<&str> = marking
        .get("never")
        .and_then(serde_json::Value::as_array)
        .map(|list| list.iter().filter_map(serde_json::Value::as_str).collect())
        .ok_or_else(|| {
            format!("{name}: {EXTENSION} must be {{never: [field, ...]}}, the required fields never corrected")
        })?;
    for field in &never {
        if !object.required.iter().any(|r| r == field) {
            return Err(format!(
                "{name}: {EXTENSION} lists {field:?} as never corrected, but it is not a required field"
            ));
        }
    }
    let mut fields = Vec::new();
    for field in &object.required {
        if never.contains(&field.as_str()) {
            continue;
        }
        let Some(p) = object.properties.get(field) else {
            return Err(format!(
                "{name}.{field} is required but has no property schema"
            ));
        };
        let zero = zero(spec, p).map_err(|why| {
            format!("{name}.{field} cannot be corrected ({why}): list it in {EXTENSION}'s `never`")
        })?;
        fields.push((field.clone(), zero));
    }
    Ok(Record {
        schema: name.to_string(),
        at: at.to_vec(),
        fields,
    })
}

/// The zero value of a field of schema `r`, if it decodes as that type.
fn zero(spec: &OpenAPI, r: &ReferenceOr<Box<Schema>>) -> Result<Zero, &'static str> {
    // The secret schema is a `password` string: refused below, as any is.
    let (_, s) = resolve(spec, r).ok_or("its reference does not resolve")?;
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            if t.min_length.is_some_and(|m| m > 0)
                || t.pattern.is_some()
                || !t.enumeration.is_empty()
            {
                return Err("an empty string is not a valid value");
            }
            Ok(match t.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Zero::DateTime,
                VariantOrUnknownOrEmpty::Item(StringFormat::Password) => {
                    return Err("a zero token would be a sentinel secret")
                }
                _ => Zero::String,
            })
        }
        SchemaKind::Type(Type::Integer(t)) if t.minimum.is_some_and(|m| m > 0) => {
            Err("0 is below its minimum")
        }
        SchemaKind::Type(Type::Integer(_)) => Ok(Zero::Integer),
        SchemaKind::Type(Type::Number(_)) => Ok(Zero::Number),
        SchemaKind::Type(Type::Boolean(_)) => Ok(Zero::Boolean),
        SchemaKind::Type(Type::Array(a)) if a.min_items.is_some_and(|m| m > 0) => {
            Err("an empty array is below its minItems")
        }
        SchemaKind::Type(Type::Array(_)) => Ok(Zero::Array),
        SchemaKind::Type(Type::Object(o)) if !o.required.is_empty() => {
            Err("an empty object lacks its own required fields")
        }
        SchemaKind::Type(Type::Object(_)) => Ok(Zero::Object),
        _ => Err("its type has no zero value"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(item: &str) -> OpenAPI {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: t, version: v}}
paths:
  /x:
    post:
      operationId: x
      responses:
        '200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Envelope'}}}}}}}}
components:
  schemas:
    SecretToken: {{type: string, format: password}}
    Envelope:
      type: object
      properties:
        result:
          type: object
          properties:
            items: {{type: array, items: {{$ref: '#/components/schemas/Item'}}}}
    Item:
{item}
"#
        );
        serde_norway::from_str(&text).unwrap()
    }

    #[test]
    fn finds_each_place_and_the_zero_of_each_field() {
        let spec = spec(
            "      type: object
      x-pangea-client-error-correction: {never: [id]}
      required: [id, name, at, n, x, flags, tags, profile]
      properties:
        id: {type: string, minLength: 1}
        name: {type: string, minLength: 0}
        at: {type: string, format: date-time}
        n: {type: integer, minimum: 0}
        x: {type: number}
        flags: {type: boolean}
        tags: {type: array, minItems: 0, items: {type: string}}
        profile: {type: object, additionalProperties: {type: string}}
        optional: {type: string}",
        );
        let records = records(&spec).unwrap();
        let [record] = records["x"].as_slice() else {
            panic!("{records:?}")
        };
        assert_eq!(record.place(), "items[]");
        assert_eq!(
            record.fields,
            [
                ("name".to_string(), Zero::String),
                ("at".to_string(), Zero::DateTime),
                ("n".to_string(), Zero::Integer),
                ("x".to_string(), Zero::Number),
                ("flags".to_string(), Zero::Boolean),
                ("tags".to_string(), Zero::Array),
                ("profile".to_string(), Zero::Object),
            ]
        );
    }

    #[test]
    fn refuses_what_a_zero_value_would_break() {
        for (field, why) in [
            ("{type: string, minLength: 1}", "an empty string"),
            ("{type: string, enum: [a, b]}", "an empty string"),
            (
                "{$ref: '#/components/schemas/SecretToken'}",
                "sentinel secret",
            ),
            ("{type: integer, minimum: 1}", "below its minimum"),
            ("{type: string, format: password}", "sentinel secret"),
            (
                "{type: array, minItems: 1, items: {type: string}}",
                "below its minItems",
            ),
            (
                "{type: object, required: [a], properties: {a: {type: string}}}",
                "lacks its own required fields",
            ),
        ] {
            let spec = spec(&format!(
                "      type: object
      x-pangea-client-error-correction: {{never: []}}
      required: [f]
      properties:
        f: {field}"
            ));
            let problems = records(&spec).unwrap_err();
            assert!(
                problems
                    .iter()
                    .any(|p| p.contains("Item.f cannot be corrected") && p.contains(why)),
                "{field}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_record_that_holds_itself_is_followed_to_a_bounded_depth() {
        let spec = spec(
            "      type: object
      x-pangea-client-error-correction: {never: []}
      properties:
        children: {type: array, items: {$ref: '#/components/schemas/Item'}}",
        );
        let records = records(&spec).unwrap();
        // `items[]`, then `.children[]` below it, two steps a level, to 16 steps.
        let places: Vec<String> = records["x"].iter().map(Record::place).collect();
        assert_eq!(places.len(), 8, "{places:?}");
        assert_eq!(places[1], "items[].children[]");
        assert_eq!(records["x"].last().unwrap().at.len(), 16);
    }

    #[test]
    fn refuses_a_never_that_is_not_required_and_a_malformed_marking() {
        let base = "      type: object
      required: [id]
      properties:
        id: {type: string, minLength: 1}";
        let problems = records(&spec(&format!(
            "{base}\n      x-pangea-client-error-correction: {{never: [id, nope]}}"
        )))
        .unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("\"nope\"")),
            "{problems:?}"
        );
        let problems = records(&spec(&format!(
            "{base}\n      x-pangea-client-error-correction: true"
        )))
        .unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("must be {never")),
            "{problems:?}"
        );
    }
}
