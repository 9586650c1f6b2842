//! The progenitor settings, plus a generated table of operations (method, path,
//! operationId, whether the result carries secrets) and the spec's numeric
//! bounds, so that hand-written code never repeats a path or a limit by hand.

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, StatusCode, Type};
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl, TypePatch};

use crate::{
    lint::{carries_secret, response_schema, SECRET_SCHEMA},
    CodegenError, Options,
};

fn settings(options: Options) -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    if options.json_schema {
        settings.with_derive("::schemars::JsonSchema");
    }
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_derive("PartialEq")
        // Deterministic key order for profiles: stable output and snapshots.
        .with_map_type("::std::collections::BTreeMap")
        // The filter's profile keys are a flattened map, which typify does not
        // count as defaultable: the empty filter is still the default.
        .with_patch(
            "SessionListFilter",
            TypePatch::default().with_derive("Default"),
        )
        // The identity pattern is checked without a regex engine at run time.
        .with_replacement(
            "UserId",
            "crate::UserId",
            [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
        )
        // Token values become a type whose Debug never prints them.
        .with_replacement(
            SECRET_SCHEMA,
            "crate::SecretToken",
            [TypeImpl::FromStr].into_iter(),
        );
    settings
}

/// Generates the raw client: progenitor's output followed by the
/// `operations` table. Pretty-printed (with the `pretty` feature, for the
/// reviewed snapshot), or as plain tokens (what the build compiles: the same
/// code, without a pretty-printer to build first).
pub fn generate_client(spec: &OpenAPI, options: Options) -> Result<String, CodegenError> {
    let tokens = Generator::new(&settings(options))
        .generate_tokens(spec)
        .map_err(|e| CodegenError(format!("progenitor failed: {e}")))?;
    let table = operations_table(spec) + &limits(spec)?;
    if !options.pretty {
        return Ok(format!("{tokens}\n{table}"));
    }
    pretty(tokens, &table)
}

#[cfg(feature = "pretty")]
fn pretty(tokens: proc_macro2::TokenStream, table: &str) -> Result<String, CodegenError> {
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| CodegenError(format!("progenitor emitted invalid Rust: {e}")))?;
    let table: syn::File = syn::parse_str(table)
        .map_err(|e| CodegenError(format!("operations table is invalid Rust: {e}")))?;
    file.items.extend(table.items);
    Ok(prettyplease::unparse(&file))
}

#[cfg(not(feature = "pretty"))]
fn pretty(_: proc_macro2::TokenStream, _: &str) -> Result<String, CodegenError> {
    Err(CodegenError(
        "pretty-printing needs the `pretty` feature of authn-session-codegen".into(),
    ))
}

fn operations_table(spec: &OpenAPI) -> String {
    let mut consts = String::new();
    let mut all = Vec::new();
    for (path, item) in &spec.paths.paths {
        let Some(item) = item.as_item() else { continue };
        for (method, op) in item.iter() {
            let id = op.operation_id.as_deref().unwrap_or_default();
            let name = id.to_uppercase();
            let summary = op.summary.as_deref().unwrap_or_default();
            let secret_result = op
                .responses
                .responses
                .iter()
                .filter(|(code, _)| matches!(code, StatusCode::Code(c) if (200..300).contains(c)))
                .filter_map(|(_, response)| response_schema(spec, response))
                .any(|schema| carries_secret(spec, &schema));
            consts.push_str(&format!(
                "/// `{method} {path}`: {summary}.\npub const {name}: Operation = Operation {{ id: {id:?}, method: {m:?}, path: {path:?}, secret_result: {secret_result} }};\n",
                method = method.to_uppercase(),
                m = method.to_uppercase(),
            ));
            all.push(name);
        }
    }
    format!(
        r#"
/// Every operation of the spec: method, path and operationId, generated so that
/// hand-written code never spells a path itself.
pub mod operations {{
    /// One operation of the spec.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Operation {{
        /// The spec's `operationId`.
        pub id: &'static str,
        /// The HTTP method, upper case.
        pub method: &'static str,
        /// The path below the base URL.
        pub path: &'static str,
        /// Whether a successful result carries a secret token (reaches the
        /// `SecretToken` schema): such a body is never quoted in an error.
        pub secret_result: bool,
    }}
    {consts}
    /// All operations, in spec order.
    pub const ALL: &[Operation] = &[{all}];
}}
"#,
        all = all.join(", ")
    )
}

/// The `limits` module: the bounds of `size` in the list requests, read from
/// the spec so that the facade and the emulator check the same numbers.
fn limits(spec: &OpenAPI) -> Result<String, CodegenError> {
    let size = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get("SessionListRequest"))
        .and_then(ReferenceOr::as_item)
        .and_then(|s| match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => o.properties.get("size"),
            _ => None,
        })
        .and_then(ReferenceOr::as_item)
        .and_then(|s| match &s.schema_kind {
            SchemaKind::Type(Type::Integer(i)) => Some((i.minimum, i.maximum)),
            _ => None,
        });
    let Some((Some(min), Some(max))) = size else {
        return Err(CodegenError(
            "SessionListRequest.size must be an integer with a minimum and a maximum".into(),
        ));
    };
    Ok(format!(
        r#"
/// Bounds the spec sets on request fields.
pub mod limits {{
    /// Smallest `size` of a list page (`SessionListRequest.size.minimum`).
    pub const LIST_SIZE_MIN: u64 = {min};
    /// Largest `size` of a list page (`SessionListRequest.size.maximum`).
    pub const LIST_SIZE_MAX: u64 = {max};
}}
"#
    ))
}
