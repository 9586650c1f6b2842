//! Generates the raw client from the spec into `OUT_DIR/client.rs`.
//!
//! The source of truth is `openapi/authn-session.yaml` at the workspace root.
//! The build reads `openapi/authn-session.json` in this crate, the same spec
//! in JSON that `cargo xtask codegen` writes and `--check` keeps identical:
//! a packaged crate (crates.io) has no workspace root beside it, and JSON
//! needs no YAML parser compiled on every user's machine.

use std::path::PathBuf;

fn main() {
    let dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let spec = dir.join("openapi/authn-session.json");
    println!("cargo:rerun-if-changed={}", spec.display());
    // The `schemars` feature: every generated type derives `JsonSchema`.
    let options = authn_session_codegen::Options {
        json_schema: std::env::var_os("CARGO_FEATURE_SCHEMARS").is_some(),
        // Unformatted: the reviewed snapshot is the same code, pretty-printed.
        pretty: false,
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
