//! Loads, lints and generates code from the Pangea AuthN session spec
//! (`openapi/authn-session.yaml`).
//!
//! This is the one place the generator settings live: `authn-session-gen`'s
//! `build.rs`, `cargo xtask codegen` and the drift tests all call [`generate`],
//! so the build, the `--check` and the snapshots cannot disagree. It is a
//! build-time dependency of `authn-session-gen`, published for that reason only.
//!
//! Besides progenitor's client, it generates the `operations` table (each
//! operation's method, path, whether its result carries secrets, and the
//! records of its result that are read leniently: the schemas the spec marks
//! `x-pangea-client-error-correction`) and the `limits` module.
//!
//! ```no_run
//! let artifacts = authn_session_codegen::generate(std::path::Path::new("authn-session-gen/openapi/authn-session.json"))?;
//! println!("{} lines of generated client", artifacts.generated_code.lines().count());
//! # Ok::<(), authn_session_codegen::CodegenError>(())
//! ```

mod client;
mod correct;
mod digest;
mod lint;
mod spec;

use std::path::Path;

pub use client::generate_client;
pub use digest::api_digest;
pub use lint::lint;
pub use spec::{load, parse};

/// Why code could not be generated. Messages say which file and what to fix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CodegenError(pub String);

/// Every artifact derived from the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifacts {
    /// The raw client, pretty-printed or not as [`Options::pretty`] says:
    /// what `authn-session-gen` includes.
    pub generated_code: String,
    /// A short, reviewable summary of every operation and schema.
    pub api_digest: String,
}

/// How the code is generated: the build's settings are the default; the
/// reviewed snapshot is the same code with `pretty` on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Every generated type also derives `schemars::JsonSchema` (0.8): the
    /// `schemars` feature of `authn-session-gen`.
    pub json_schema: bool,
    /// The generated code pretty-printed, as the reviewed snapshot holds it
    /// (needs the `pretty` feature); the build compiles it unformatted.
    pub pretty: bool,
}

/// Loads (JSON) and lints the spec at `path`, then derives every artifact from it.
pub fn generate(path: &Path) -> Result<Artifacts, CodegenError> {
    generate_with(path, Options::default())
}

/// [`generate`], with what a build adds ([`Options`]).
pub fn generate_with(path: &Path, options: Options) -> Result<Artifacts, CodegenError> {
    generate_spec(load(path)?, &path.display().to_string(), options)
}

/// Lints `spec` (named `origin` in errors), then derives every artifact.
pub fn generate_spec(
    spec: openapiv3::OpenAPI,
    origin: &str,
    options: Options,
) -> Result<Artifacts, CodegenError> {
    lint(&spec).map_err(|problems| {
        CodegenError(format!(
            "{origin} does not pass the spec lint:\n  - {}",
            problems.join("\n  - ")
        ))
    })?;
    Ok(Artifacts {
        generated_code: generate_client(&spec, options)?,
        api_digest: api_digest(&spec),
    })
}
