//! The reviewed snapshot files under `snapshots/`, in insta's file format, so
//! that `cargo xtask codegen` writes exactly what the insta drift test reads.

use std::path::{Path, PathBuf};

use crate::{workspace_root, Artifacts};

/// The test whose `assert_snapshot!` calls own these files (insta's `source:`).
pub const SOURCE: &str = "codegen/tests/drift.rs";

/// One reviewed artifact: its snapshot name and how to get it from [`Artifacts`].
pub struct Snapshot {
    /// Snapshot name; the file is `snapshots/<name>.snap`.
    pub name: &'static str,
    /// The expression insta records for it.
    pub expression: &'static str,
    /// The artifact's text.
    pub get: fn(&Artifacts) -> &str,
}

/// Every artifact that is reviewed as a snapshot.
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
pub fn render(snapshot: &Snapshot, contents: &str) -> String {
    format!(
        "---\nsource: {SOURCE}\nexpression: {}\n---\n{}\n",
        snapshot.expression,
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

/// A unified diff from the committed snapshot to what the spec produces now, or
/// `None` when they agree.
pub fn drift(snapshot: &Snapshot, artifacts: &Artifacts) -> Option<String> {
    let file = path(snapshot.name);
    let old = read_contents(&file).unwrap_or_default();
    let new = (snapshot.get)(artifacts).trim_end();
    if old == new {
        return None;
    }
    let diff = similar::TextDiff::from_lines(old.as_str(), new);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header(
                &format!("{} (committed)", file.display()),
                "regenerated from openapi/authn-session.yaml",
            )
            .to_string(),
    )
}
