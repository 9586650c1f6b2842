//! Loads, lints and generates code from `openapi/authn-session.yaml`.
//!
//! This is the one place the generator settings live: `authn-session-gen`'s
//! `build.rs`, `cargo xtask codegen` and the drift tests all call [`generate`],
//! so the build, the `--check` and the snapshots cannot disagree.

mod client;
mod digest;
mod lint;
pub mod snapshot;
mod spec;

use std::path::{Path, PathBuf};

pub use client::generate_client;
pub use digest::api_digest;
pub use lint::lint;
pub use spec::load;

/// Why code could not be generated. Messages say which file and what to fix.
#[derive(Debug)]
pub struct CodegenError(pub String);

impl std::fmt::Display for CodegenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodegenError {}

/// Every artifact derived from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifacts {
    /// The raw client, pretty-printed: what `authn-session-gen` includes.
    pub generated_code: String,
    /// A short, reviewable summary of every operation and schema.
    pub api_digest: String,
}

/// The workspace root (where `openapi/` and `snapshots/` live).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen crate lives one level below the workspace root")
        .to_path_buf()
}

/// The spec every artifact is derived from.
pub fn spec_path() -> PathBuf {
    workspace_root().join("openapi").join("authn-session.yaml")
}

/// Loads and lints the spec at `path`, then derives every artifact from it.
pub fn generate(path: &Path) -> Result<Artifacts, CodegenError> {
    let spec = load(path)?;
    lint(&spec).map_err(|problems| {
        CodegenError(format!(
            "{} does not pass the spec lint:\n  - {}",
            path.display(),
            problems.join("\n  - ")
        ))
    })?;
    Ok(Artifacts {
        generated_code: generate_client(&spec)?,
        api_digest: api_digest(&spec),
    })
}
