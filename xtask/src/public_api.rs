//! What users meet of the crates, as reviewed snapshots: the public Rust API
//! (every public item with its signature, one per line) and the CLI's help.
//! Both come from cargo subprocesses ([`crate::cargo`]).
//!
//! It is read from rustdoc's JSON output, which is unstable: the one command
//! that asks for it sets `RUSTC_BOOTSTRAP=1` (nothing else in the workspace
//! does) and writes into its own target directory, `target/api-json` (below
//! `CARGO_TARGET_DIR` when set), so the
//! switch never touches the normal build's artifacts. `public-api` is pinned to
//! the release that reads the JSON format of the toolchain in use; a toolchain
//! update that changes the format shows up as a clear error here, and is fixed
//! by moving the pin.

use std::path::PathBuf;

use crate::{cargo, workspace_root};

/// The crates whose public API is snapshotted, with their snapshot names.
pub const CRATES: &[(&str, &str)] = &[
    ("authn-session", "public-api-authn-session"),
    ("authn-emulator", "public-api-authn-emulator"),
];

/// The public API of `package`, one item per line.
pub fn public_api(package: &str) -> Result<String, cargo::BuildFailure> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
        .join("api-json");
    let mut command = cargo::command(&[
        "rustdoc",
        "--quiet",
        "--lib",
        "--all-features",
        "-p",
        package,
    ]);
    command
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTDOCFLAGS")
        .arg("--target-dir")
        .arg(&target)
        .args(["--", "-Z", "unstable-options", "--output-format", "json"]);
    cargo::output(command, package)?;
    let json: PathBuf = target
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_")));
    let api = public_api::Builder::from_rustdoc_json(&json)
        .omit_blanket_impls(true)
        .omit_auto_trait_impls(true)
        .omit_auto_derived_impls(true)
        .build()
        .map_err(|e| cargo::BuildFailure {
            what: package.to_string(),
            errors: format!("  cannot read {}: {e}", json.display()),
        })?;
    Ok(api.to_string())
}

/// `authn-session --help` and every command's, from the CLI's
/// `help-reference` example run as a subprocess.
pub fn cli_help() -> Result<String, cargo::BuildFailure> {
    let command = cargo::command(&[
        "run",
        "--quiet",
        "-p",
        "authn-session-cli",
        "--example",
        "help-reference",
    ]);
    cargo::output(
        command,
        "authn-session-cli (its --help, and every crate it builds on)",
    )
}
