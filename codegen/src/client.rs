//! The progenitor settings, plus a generated table of operations (method, path,
//! operationId) so that hand-written code never repeats a path by hand.

use openapiv3::OpenAPI;
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};

use crate::{lint::SECRET_SCHEMA, CodegenError};

fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq")
        // Deterministic key order for profiles: stable output and snapshots.
        .with_map_type("::std::collections::BTreeMap")
        // Token values become a type whose Debug never prints them.
        .with_replacement(
            SECRET_SCHEMA,
            "crate::SecretToken",
            [TypeImpl::FromStr].into_iter(),
        );
    settings
}

/// Generates the pretty-printed raw client: progenitor's output followed by the
/// `operations` table.
pub fn generate_client(spec: &OpenAPI) -> Result<String, CodegenError> {
    let tokens = Generator::new(&settings())
        .generate_tokens(spec)
        .map_err(|e| CodegenError(format!("progenitor failed: {e}")))?;
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| CodegenError(format!("progenitor emitted invalid Rust: {e}")))?;
    let table: syn::File = syn::parse_str(&operations_table(spec))
        .map_err(|e| CodegenError(format!("operations table is invalid Rust: {e}")))?;
    file.items.extend(table.items);
    Ok(prettyplease::unparse(&file))
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
            consts.push_str(&format!(
                "/// `{method} {path}`: {summary}.\npub const {name}: Operation = Operation {{ id: {id:?}, method: {m:?}, path: {path:?} }};\n",
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
    }}
    {consts}
    /// All operations, in spec order.
    pub const ALL: &[Operation] = &[{all}];
}}
"#,
        all = all.join(", ")
    )
}
