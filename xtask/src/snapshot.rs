//! The reviewed snapshot files under `snapshots/`, in insta's file format, so
//! that `cargo xtask codegen` writes exactly what the insta drift test reads.

use std::path::{Path, PathBuf};

use authn_session_codegen::Artifacts;

use crate::workspace_root;

/// The test whose `assert_snapshot!` calls own the spec snapshots (insta's `source:`).
pub const SOURCE: &str = "xtask/tests/drift.rs";

/// One reviewed artifact: its snapshot name and how to get it from [`Artifacts`].
pub struct Snapshot {
    /// Snapshot name; the file is `snapshots/<name>.snap`.
    pub name: &'static str,
    /// The expression insta records for it.
    pub expression: &'static str,
    /// The artifact's text.
    pub get: fn(&Artifacts) -> &str,
}

/// Every artifact of the spec that is reviewed as a snapshot.
pub const SNAPSHOTS: &[Snapshot] = &[
    Snapshot {
        name: "api-digest",
        expression: "artifacts.api_digest",
        get: |a| &a.api_digest,
    },
    Snapshot {
        name: "generated-client",
        expression: "artifacts.generated_code",
        get: |a| &a.generated_code,
    },
];

/// Folder of the reviewed snapshots.
pub fn dir() -> PathBuf {
    workspace_root().join("snapshots")
}

/// Path of snapshot `name`.
pub fn path(name: &str) -> PathBuf {
    dir().join(format!("{name}.snap"))
}

/// The file text insta would write for `contents`.
pub fn render(source: &str, expression: &str, contents: &str) -> String {
    format!(
        "---\nsource: {source}\nexpression: {expression}\n---\n{}\n",
        contents.trim_end()
    )
}

/// The contents of a snapshot file, without insta's header.
pub fn read_contents(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let body = text.strip_prefix("---\n")?;
    let end = body.find("\n---\n")?;
    Some(body[end + 5..].trim_end().to_string())
}

/// A unified diff from `old` (named `old_name`) to `new`, or `None` when they agree.
pub fn diff(old: &str, new: &str, old_name: &str, new_name: &str) -> Option<String> {
    if old == new {
        return None;
    }
    Some(
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(old_name, new_name)
            .to_string(),
    )
}

/// A diff from the committed snapshot `name` to `new`, or `None` when they agree.
pub fn drift_of(name: &str, new: &str, made_from: &str) -> Option<String> {
    let file = path(name);
    let old = read_contents(&file).unwrap_or_default();
    diff(
        &old,
        new.trim_end(),
        &format!("{} (committed)", file.display()),
        made_from,
    )
}

/// A diff from the committed snapshot to what the spec produces now.
pub fn drift(snapshot: &Snapshot, artifacts: &Artifacts) -> Option<String> {
    drift_of(
        snapshot.name,
        (snapshot.get)(artifacts),
        "regenerated from openapi/authn-session.yaml",
    )
}
