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

/// The copy of the spec that `authn-session-gen` carries in its package, so
/// that a registry build (which has no `openapi/` beside it) can generate.
pub fn packaged_spec_path() -> PathBuf {
    workspace_root()
        .join("authn-session-gen")
        .join("openapi")
        .join("authn-session.yaml")
}
