//! Reading the OpenAPI document from disk.

use std::path::Path;

use crate::CodegenError;

/// Reads and parses the OpenAPI document (YAML or JSON) at `path`.
pub fn load(path: &Path) -> Result<openapiv3::OpenAPI, CodegenError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CodegenError(format!("cannot read {}: {e}", path.display())))?;
    serde_norway::from_str(&text).map_err(|e| {
        CodegenError(format!(
            "{} is not a valid OpenAPI 3.0 document: {e}",
            path.display()
        ))
    })
}
