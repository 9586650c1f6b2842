//! The API digest: a short, line-per-fact summary of the spec, meant to be read
//! in a pull request. One field per line, so a diff names the change.

use std::fmt::Write;

use openapiv3::{
    AdditionalProperties, OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use crate::lint::ref_name;

/// Renders the digest of `spec`.
pub fn api_digest(spec: &OpenAPI) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} {} (OpenAPI {})",
        spec.info.title, spec.info.version, spec.openapi
    );
    for server in &spec.servers {
        let _ = writeln!(out, "server {}", server.url);
    }
    let _ = writeln!(out, "(`field?` is optional; `field` is required)");
    let _ = writeln!(out, "\n# operations");
    // A spec that does not lint has no digest worth reading; its records are
    // then left out rather than guessed.
    let corrected = crate::correct::records(spec).unwrap_or_default();
    for (path, item) in &spec.paths.paths {
        let Some(item) = item.as_item() else { continue };
        for (method, op) in item.iter() {
            let id = op.operation_id.as_deref().unwrap_or("?");
            let _ = writeln!(out, "{} {path} ({id})", method.to_uppercase());
            if let Some(class) = op.extensions.get(crate::lint::RETRY_EXTENSION) {
                let _ = writeln!(out, "  retry {}", class.as_str().unwrap_or("?"));
            }
            if let Some(body) = &op.request_body {
                let name = match body {
                    ReferenceOr::Reference { reference } => reference.clone(),
                    ReferenceOr::Item(b) => b
                        .content
                        .get("application/json")
                        .and_then(|m| m.schema.as_ref())
                        .map(type_of)
                        .unwrap_or_else(|| "?".into()),
                };
                let _ = writeln!(out, "  body {name}");
            }
            for (code, response) in &op.responses.responses {
                let code = match code {
                    StatusCode::Code(c) => c.to_string(),
                    StatusCode::Range(r) => format!("{r}XX"),
                };
                let _ = writeln!(out, "  {code} {}", response_type(spec, response));
            }
            for record in corrected.get(id).into_iter().flatten() {
                let fields: Vec<&str> = record.fields.iter().map(|(f, _)| f.as_str()).collect();
                let _ = writeln!(
                    out,
                    "  corrects result.{} ({}): {}",
                    record.place(),
                    record.schema,
                    fields.join(", ")
                );
            }
        }
    }
    let _ = writeln!(out, "\n# schemas");
    if let Some(components) = &spec.components {
        for (name, schema) in &components.schemas {
            match schema {
                ReferenceOr::Reference { reference } => {
                    let _ = writeln!(out, "{name} = {reference}");
                }
                ReferenceOr::Item(schema) => write_schema(&mut out, name, schema),
            }
        }
    }
    out
}

fn response_type(spec: &OpenAPI, response: &ReferenceOr<openapiv3::Response>) -> String {
    let resolved = match response {
        ReferenceOr::Item(r) => Some(r),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/responses/")
            .and_then(|n| spec.components.as_ref()?.responses.get(n)?.as_item()),
    };
    resolved
        .and_then(|r| r.content.get("application/json"))
        .and_then(|m| m.schema.as_ref())
        .map(type_of)
        .unwrap_or_else(|| "(no body)".into())
}

fn write_schema(out: &mut String, name: &str, schema: &Schema) {
    if let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind {
        let _ = writeln!(out, "{name}: object{}", nullable(schema));
        if let Some(marking) = schema.schema_data.extensions.get(crate::correct::EXTENSION) {
            let never: Vec<&str> = marking["never"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
                .collect();
            let _ = writeln!(
                out,
                "  (client error correction: a missing or null required field reads as its zero value, except {})",
                never.join(", ")
            );
        }
        for (field, property) in &object.properties {
            let required = if object.required.contains(field) {
                ""
            } else {
                "?"
            };
            let _ = writeln!(out, "  {field}{required}: {}", type_of_boxed(property));
        }
        match &object.additional_properties {
            Some(AdditionalProperties::Any(false)) => {
                let _ = writeln!(out, "  (no other fields)");
            }
            Some(AdditionalProperties::Any(true)) => {
                let _ = writeln!(out, "  [string]: any");
            }
            Some(AdditionalProperties::Schema(s)) => {
                let _ = writeln!(out, "  [string]: {}", type_of(s));
            }
            None => {}
        }
    } else {
        let _ = writeln!(out, "{name}: {}", describe(schema));
    }
}

fn nullable(schema: &Schema) -> &'static str {
    if schema.schema_data.nullable {
        " (nullable)"
    } else {
        ""
    }
}

fn type_of(schema: &ReferenceOr<Schema>) -> String {
    match schema {
        ReferenceOr::Reference { reference } => {
            ref_name(reference).unwrap_or(reference).to_string()
        }
        ReferenceOr::Item(schema) => describe(schema),
    }
}

fn type_of_boxed(schema: &ReferenceOr<Box<Schema>>) -> String {
    match schema {
        ReferenceOr::Reference { reference } => {
            ref_name(reference).unwrap_or(reference).to_string()
        }
        ReferenceOr::Item(schema) => describe(schema),
    }
}

/// One-line description of an inline schema.
fn describe(schema: &Schema) -> String {
    let base = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            let mut d = String::from("string");
            match &s.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::Password) => d.push_str(" (password)"),
                VariantOrUnknownOrEmpty::Item(f) => d.push_str(&format!(" ({f:?})")),
                VariantOrUnknownOrEmpty::Unknown(f) => d.push_str(&format!(" ({f})")),
                VariantOrUnknownOrEmpty::Empty => {}
            }
            if let Some(min) = s.min_length {
                d.push_str(&format!(", minLength {min}"));
            }
            if let Some(max) = s.max_length {
                d.push_str(&format!(", maxLength {max}"));
            }
            if let Some(pattern) = &s.pattern {
                d.push_str(&format!(", pattern {pattern}"));
            }
            if !s.enumeration.is_empty() {
                let values: Vec<_> = s.enumeration.iter().flatten().map(String::as_str).collect();
                d.push_str(&format!(" enum [{}]", values.join(", ")));
            }
            d
        }
        SchemaKind::Type(Type::Integer(i)) => {
            let mut d = String::from("integer");
            if let VariantOrUnknownOrEmpty::Item(f) = &i.format {
                d.push_str(&format!(" ({f:?})").to_lowercase());
            }
            if let Some(min) = i.minimum {
                d.push_str(&format!(", minimum {min}"));
            }
            if let Some(max) = i.maximum {
                d.push_str(&format!(", maximum {max}"));
            }
            d
        }
        SchemaKind::Type(Type::Number(_)) => "number".into(),
        SchemaKind::Type(Type::Boolean(_)) => "boolean".into(),
        SchemaKind::Type(Type::Array(a)) => {
            format!(
                "[{}]",
                a.items
                    .as_ref()
                    .map(type_of_boxed)
                    .unwrap_or_else(|| "any".into())
            )
        }
        SchemaKind::Type(Type::Object(o)) if o.properties.is_empty() => {
            match &o.additional_properties {
                Some(AdditionalProperties::Schema(s)) => format!("map<string, {}>", type_of(s)),
                _ => "object {}".into(),
            }
        }
        SchemaKind::Type(Type::Object(_)) => "object {..}".into(),
        SchemaKind::AllOf { all_of } => all_of.iter().map(type_of).collect::<Vec<_>>().join(" & "),
        SchemaKind::OneOf { one_of } => one_of.iter().map(type_of).collect::<Vec<_>>().join(" | "),
        SchemaKind::AnyOf { any_of } => any_of.iter().map(type_of).collect::<Vec<_>>().join(" | "),
        SchemaKind::Not { .. } => "not {..}".into(),
        SchemaKind::Any(_) => "any".into(),
    };
    format!("{base}{}", nullable(schema))
}
