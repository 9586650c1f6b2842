//! Checks the spec for what progenitor cannot handle (it would panic or
//! silently mis-decode) and for this project's own rules, with clear messages.

use std::collections::{BTreeSet, HashSet};

use openapiv3::{
    OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

/// Name of the schema every secret token field must reference.
pub const SECRET_SCHEMA: &str = "SecretToken";
/// Property names that carry a secret token value.
const SECRET_FIELDS: &[&str] = &["token", "refresh_token", "user_token"];

/// Returns every problem found; an empty spec problem list means the generator is safe to run.
pub fn lint(spec: &OpenAPI) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    if !spec.openapi.starts_with("3.0.") {
        problems.push(format!(
            "openapi is {:?}; progenitor reads 3.0.x only",
            spec.openapi
        ));
    }
    lint_operations(spec, &mut problems);
    lint_secrets(spec, &mut problems);
    if let Err(correction) = crate::correct::records(spec) {
        problems.extend(correction);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn lint_operations(spec: &OpenAPI, problems: &mut Vec<String>) {
    let mut ids = HashSet::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            problems.push(format!("{path}: path items must be inline, not $ref"));
            continue;
        };
        for (method, op) in item.iter() {
            let at = format!("{} {path}", method.to_uppercase());
            match &op.operation_id {
                None => problems.push(format!("{at}: missing operationId")),
                Some(id) if !ids.insert(id.clone()) => {
                    problems.push(format!("{at}: operationId {id} is used twice"))
                }
                Some(_) => {}
            }
            if retry_class(op).is_none() {
                problems.push(format!(
                    "{at}: needs `{RETRY_EXTENSION}: idempotent` (may be repeated) or `once` (retried only when certainly not processed)"
                ));
            }
            if op.responses.default.is_some() {
                problems.push(format!(
                    "{at}: `default` response is counted as a success by progenitor; declare errors as 4XX/5XX"
                ));
            }
            let mut success = BTreeSet::new();
            let mut errors = BTreeSet::new();
            for (code, response) in &op.responses.responses {
                let schema = response_schema(spec, response);
                let Some(schema) = schema else {
                    problems.push(format!(
                        "{at}: response {code} must $ref a schema in components"
                    ));
                    continue;
                };
                match code {
                    StatusCode::Code(c) if (200..300).contains(c) => {
                        success.insert(schema);
                    }
                    StatusCode::Range(4) | StatusCode::Range(5) => {
                        errors.insert(schema);
                    }
                    other => problems.push(format!(
                        "{at}: response {other}: declare only one 2xx code and 4XX/5XX ranges"
                    )),
                }
            }
            if success.len() != 1 {
                problems.push(format!(
                    "{at}: needs exactly one success schema, found {success:?}"
                ));
            }
            if errors.len() != 1 {
                problems.push(format!(
                    "{at}: needs exactly one error schema for 4XX and 5XX, found {errors:?}"
                ));
            }
        }
    }
}

/// The spec extension that gives an operation's retry class.
pub const RETRY_EXTENSION: &str = "x-pangea-retry";

/// An operation's retry class: `idempotent` or `once`, as its
/// [`RETRY_EXTENSION`] says.
pub(crate) fn retry_class(op: &openapiv3::Operation) -> Option<&'static str> {
    match op.extensions.get(RETRY_EXTENSION)?.as_str()? {
        "idempotent" => Some("Idempotent"),
        "once" => Some("Once"),
        _ => None,
    }
}

/// The component schema name a response refers to, following one `$ref` to `components/responses`.
pub(crate) fn response_schema(
    spec: &OpenAPI,
    response: &ReferenceOr<openapiv3::Response>,
) -> Option<String> {
    let response = match response {
        ReferenceOr::Item(r) => r,
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/responses/")?;
            spec.components.as_ref()?.responses.get(name)?.as_item()?
        }
    };
    match &response.content.get("application/json")?.schema {
        Some(ReferenceOr::Reference { reference }) => ref_name(reference).map(str::to_string),
        _ => None,
    }
}

pub(crate) fn ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// Whether the component schema `name` holds a secret token anywhere inside it
/// (through properties, array items and `allOf`/`oneOf`/`anyOf`).
pub(crate) fn carries_secret(spec: &OpenAPI, name: &str) -> bool {
    fn walk(spec: &OpenAPI, name: &str, seen: &mut HashSet<String>) -> bool {
        if name == SECRET_SCHEMA {
            return true;
        }
        if !seen.insert(name.to_string()) {
            return false;
        }
        let schema = spec
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(name))
            .and_then(ReferenceOr::as_item);
        schema.is_some_and(|s| schema_carries(spec, s, seen))
    }
    fn reference<T>(
        spec: &OpenAPI,
        r: &ReferenceOr<T>,
        seen: &mut HashSet<String>,
    ) -> Option<bool> {
        match r {
            ReferenceOr::Reference { reference } => {
                Some(ref_name(reference).is_some_and(|n| walk(spec, n, seen)))
            }
            ReferenceOr::Item(_) => None,
        }
    }
    fn schema_carries(spec: &OpenAPI, schema: &Schema, seen: &mut HashSet<String>) -> bool {
        let boxed = |r: &ReferenceOr<Box<Schema>>, seen: &mut HashSet<String>| {
            reference(spec, r, seen).unwrap_or_else(|| match r {
                ReferenceOr::Item(s) => schema_carries(spec, s, seen),
                ReferenceOr::Reference { .. } => false,
            })
        };
        let plain = |r: &ReferenceOr<Schema>, seen: &mut HashSet<String>| {
            reference(spec, r, seen).unwrap_or_else(|| match r {
                ReferenceOr::Item(s) => schema_carries(spec, s, seen),
                ReferenceOr::Reference { .. } => false,
            })
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => o.properties.values().any(|p| boxed(p, seen)),
            SchemaKind::Type(Type::Array(a)) => a.items.as_ref().is_some_and(|i| boxed(i, seen)),
            SchemaKind::AllOf { all_of: list }
            | SchemaKind::OneOf { one_of: list }
            | SchemaKind::AnyOf { any_of: list } => list.iter().any(|s| plain(s, seen)),
            _ => false,
        }
    }
    walk(spec, name, &mut HashSet::new())
}

fn lint_secrets(spec: &OpenAPI, problems: &mut Vec<String>) {
    let Some(components) = &spec.components else {
        problems.push("no components".into());
        return;
    };
    match components
        .schemas
        .get(SECRET_SCHEMA)
        .and_then(ReferenceOr::as_item)
    {
        Some(Schema {
            schema_kind: SchemaKind::Type(Type::String(s)),
            ..
        }) if s.format == VariantOrUnknownOrEmpty::Item(StringFormat::Password) => {}
        _ => problems.push(format!(
            "components/schemas/{SECRET_SCHEMA} must be a string with format: password"
        )),
    }
    for (name, schema) in &components.schemas {
        let Some(Schema {
            schema_kind: SchemaKind::Type(Type::Object(object)),
            ..
        }) = schema.as_item()
        else {
            continue;
        };
        for (field, property) in &object.properties {
            if !SECRET_FIELDS.contains(&field.as_str()) {
                continue;
            }
            // A token field either is the secret string or an object holding one (LoginToken).
            let ok = match property {
                ReferenceOr::Reference { reference } => match ref_name(reference) {
                    Some(SECRET_SCHEMA) => true,
                    Some(other) => matches!(
                        components.schemas.get(other).and_then(ReferenceOr::as_item),
                        Some(Schema {
                            schema_kind: SchemaKind::Type(Type::Object(_)),
                            ..
                        })
                    ),
                    None => false,
                },
                ReferenceOr::Item(_) => false,
            };
            if !ok {
                problems.push(format!(
                    "{name}.{field} carries a token: it must be `$ref: '#/components/schemas/{SECRET_SCHEMA}'` so it is never printed"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with(responses: &str, token_field: &str) -> OpenAPI {
        let text = format!(
            r#"
openapi: 3.0.3
info: {{title: t, version: v}}
paths:
  /x:
    post:
      operationId: x
      x-pangea-retry: idempotent
      responses:
{responses}
components:
  schemas:
    SecretToken: {{type: string, format: password}}
    R:
      type: object
      properties:
        token: {token_field}
"#
        );
        serde_norway::from_str(&text).unwrap()
    }

    const GOOD: &str = "        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/R'}}}}\n        4XX: {description: e, content: {application/json: {schema: {$ref: '#/components/schemas/R'}}}}\n        5XX: {description: e, content: {application/json: {schema: {$ref: '#/components/schemas/R'}}}}";
    const SECRET: &str = "{$ref: '#/components/schemas/SecretToken'}";

    #[test]
    fn accepts_a_well_formed_operation() {
        assert_eq!(lint(&spec_with(GOOD, SECRET)), Ok(()));
    }

    #[test]
    fn finds_secrets_through_references() {
        assert!(carries_secret(&spec_with(GOOD, SECRET), "R"));
        assert!(!carries_secret(&spec_with(GOOD, "{type: integer}"), "R"));
    }

    #[test]
    fn refuses_default_responses_and_plain_token_strings() {
        let responses = format!("{GOOD}\n        default: {{description: e}}");
        let problems = lint(&spec_with(&responses, "{type: string}")).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("`default` response")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("R.token carries a token")),
            "{problems:?}"
        );
    }

    #[test]
    fn refuses_an_operation_without_a_retry_class() {
        let mut spec = spec_with(GOOD, SECRET);
        let op = spec.paths.paths["/x"]
            .as_item()
            .unwrap()
            .post
            .clone()
            .unwrap();
        for class in [None, Some("twice")] {
            let mut op = op.clone();
            match class {
                None => op.extensions.shift_remove(RETRY_EXTENSION),
                Some(c) => op.extensions.insert(RETRY_EXTENSION.into(), c.into()),
            };
            if let ReferenceOr::Item(item) = &mut spec.paths.paths["/x"] {
                item.post = Some(op);
            }
            let problems = lint(&spec).unwrap_err();
            assert!(
                problems.iter().any(|p| p.contains("x-pangea-retry")),
                "{class:?}: {problems:?}"
            );
        }
    }

    #[test]
    fn refuses_inline_response_schemas_and_two_success_schemas() {
        let responses = "        '200': {description: ok, content: {application/json: {schema: {type: object}}}}\n        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/R'}}}}";
        let problems = lint(&spec_with(responses, SECRET)).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("response 200 must $ref")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("one error schema")),
            "{problems:?}"
        );
    }
}
