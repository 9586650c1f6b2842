//! Reading the OpenAPI document. The build reads JSON only (the copy
//! `authn-session-gen` packages), so that users compile no YAML parser;
//! `cargo xtask codegen` writes that copy from the YAML source of truth.

use std::path::Path;

use crate::CodegenError;

/// Reads and parses the OpenAPI document (JSON) at `path`.
pub fn load(path: &Path) -> Result<openapiv3::OpenAPI, CodegenError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CodegenError(format!("cannot read {}: {e}", path.display())))?;
    parse(&text, &path.display().to_string())
}

/// Parses an OpenAPI document in JSON; `origin` names it in errors.
pub fn parse(json: &str, origin: &str) -> Result<openapiv3::OpenAPI, CodegenError> {
    serde_json::from_str(json)
        .map_err(|e| CodegenError(format!("{origin} is not a valid OpenAPI 3.0 document: {e}")))
}
