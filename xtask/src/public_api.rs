//! The public Rust API of the crates users depend on, as a reviewed snapshot:
//! every public item with its signature, one per line.
//!
//! It is read from rustdoc's JSON output, which is unstable: the one command
//! that asks for it sets `RUSTC_BOOTSTRAP=1` (nothing else in the workspace
//! does) and writes into its own target directory, `target/api-json`, so the
//! switch never touches the normal build's artifacts. `public-api` is pinned to
//! the release that reads the JSON format of the toolchain in use; a toolchain
//! update that changes the format shows up as a clear error here, and is fixed
//! by moving the pin.

use std::{path::PathBuf, process::Command};

use crate::workspace_root;

/// The crates whose public API is snapshotted, with their snapshot names.
pub const CRATES: &[(&str, &str)] = &[
    ("authn-session", "public-api-authn-session"),
    ("authn-emulator", "public-api-authn-emulator"),
];

/// The public API of `package`, one item per line.
pub fn public_api(package: &str) -> Result<String, String> {
    let root = workspace_root();
    let target = root.join("target").join("api-json");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTDOCFLAGS")
        .args([
            "rustdoc",
            "--quiet",
            "--lib",
            "--all-features",
            "-p",
            package,
        ])
        .arg("--target-dir")
        .arg(&target)
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .status()
        .map_err(|e| format!("cannot run cargo rustdoc: {e}"))?;
    if !status.success() {
        return Err(format!("cargo rustdoc -p {package} failed"));
    }
    let json: PathBuf = target
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_")));
    let api = public_api::Builder::from_rustdoc_json(&json)
        .omit_blanket_impls(true)
        .omit_auto_trait_impls(true)
        .omit_auto_derived_impls(true)
        .build()
        .map_err(|e| format!("cannot read {}: {e}", json.display()))?;
    Ok(api.to_string())
}
