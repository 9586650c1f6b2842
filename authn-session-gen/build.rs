//! Generates the raw client from the spec into `OUT_DIR/client.rs`.
//!
//! In the workspace the spec is `openapi/authn-session.yaml` at the root, the
//! single source of truth. A packaged crate (crates.io) has no root beside it,
//! so it carries a copy in `openapi/` that `cargo xtask codegen` writes and
//! `--check` keeps identical.

use std::path::PathBuf;

fn main() {
    let dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = dir.join("../openapi/authn-session.yaml");
    let spec = if workspace.is_file() {
        workspace
    } else {
        dir.join("openapi/authn-session.yaml")
    };
    println!("cargo:rerun-if-changed={}", spec.display());
    // The `schemars` feature: every generated type derives `JsonSchema`.
    let options = authn_session_codegen::Options {
        json_schema: std::env::var_os("CARGO_FEATURE_SCHEMARS").is_some(),
    };
    let artifacts = match authn_session_codegen::generate_with(&spec, options) {
        Ok(artifacts) => artifacts,
        Err(e) => {
            // A readable failure instead of a generator panic deep in a build log.
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("client.rs");
    std::fs::write(&out, artifacts.generated_code).expect("write generated client");
}
