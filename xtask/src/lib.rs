//! Project automation behind `cargo xtask`: regenerating and checking every
//! artifact derived from the spec or from the crates' public API, and the
//! MSRV check. Not published.

pub mod cargo;
pub mod msrv;
pub mod public_api;
pub mod snapshot;

use std::path::{Path, PathBuf};

/// The workspace root (where `openapi/` and `snapshots/` live).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The spec every artifact is derived from.
pub fn spec_path() -> PathBuf {
    workspace_root().join("openapi").join("authn-session.yaml")
}

/// The copy of the spec that `authn-session-gen` builds from, in JSON so that
/// no YAML parser is compiled at build time; it is also in the package.
pub fn packaged_spec_path() -> PathBuf {
    workspace_root()
        .join("authn-session-gen")
        .join("openapi")
        .join("authn-session.json")
}

/// The spec (`openapi/authn-session.yaml`) as the JSON the build reads: read
/// into the OpenAPI types and written back, so that its order is the YAML's.
pub fn spec_json() -> Result<String, authn_session_codegen::CodegenError> {
    let path = spec_path();
    let error = |e: String| authn_session_codegen::CodegenError(format!("{}: {e}", path.display()));
    let text = std::fs::read_to_string(&path).map_err(|e| error(e.to_string()))?;
    let spec: openapiv3::OpenAPI = serde_norway::from_str(&text)
        .map_err(|e| error(format!("not a valid OpenAPI 3.0 document: {e}")))?;
    let json = serde_json::to_string_pretty(&spec).map_err(|e| error(e.to_string()))?;
    Ok(json + "\n")
}

/// Every artifact of the spec, generated as the build generates it.
pub fn artifacts() -> Result<authn_session_codegen::Artifacts, authn_session_codegen::CodegenError>
{
    let spec = authn_session_codegen::parse(&spec_json()?, "openapi/authn-session.yaml")?;
    let options = authn_session_codegen::Options {
        pretty: true,
        ..Default::default()
    };
    authn_session_codegen::generate_spec(spec, "openapi/authn-session.yaml", options)
}
