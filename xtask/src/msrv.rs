//! Checks that the stated MSRV is true of the dependency tree: no dependency
//! that a user compiles (normal and build dependencies of the published
//! crates, on any platform) may declare a `rust-version` newer than ours.
//! Read with `cargo_metadata`; dev-dependencies and the workspace's own tools
//! are not a user's concern and are left out.

use std::collections::{BTreeSet, HashMap};

use cargo_metadata::{DependencyKind, MetadataCommand, Package, PackageId};

use crate::workspace_root;

/// Every dependency (name, version, rust-version) that needs a newer Rust than
/// the workspace states, and the workspace's own rust-version.
pub fn check() -> Result<(String, Vec<String>), String> {
    let metadata = MetadataCommand::new()
        .current_dir(workspace_root())
        .other_options(vec!["--locked".into()])
        .exec()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let packages: HashMap<&PackageId, &Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let ours = packages
        .values()
        .find(|p| p.name.as_str() == "authn-session")
        .and_then(|p| p.rust_version.clone())
        .ok_or("authn-session states no rust-version")?;
    let resolve = metadata
        .resolve
        .as_ref()
        .ok_or("cargo metadata resolved nothing")?;
    let nodes: HashMap<&PackageId, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    // Walk normal and build edges from every published workspace crate.
    let roots: Vec<&PackageId> = metadata
        .workspace_members
        .iter()
        .filter(|id| {
            packages[id]
                .publish
                .as_ref()
                .is_none_or(|to| !to.is_empty())
        })
        .collect();
    let mut todo = roots.clone();
    let mut seen = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.deps {
            let used = dep
                .dep_kinds
                .iter()
                .any(|k| matches!(k.kind, DependencyKind::Normal | DependencyKind::Build));
            if used {
                todo.push(&dep.pkg);
            }
        }
    }
    let mut newer: Vec<String> = seen
        .iter()
        .filter(|id| !roots.contains(id))
        .map(|id| packages[id])
        .filter(|p| p.rust_version.as_ref().is_some_and(|needs| *needs > ours))
        .map(|p| {
            format!(
                "{} {} needs Rust {}",
                p.name,
                p.version,
                p.rust_version.as_ref().expect("filtered above")
            )
        })
        .collect();
    newer.sort();
    Ok((ours.to_string(), newer))
}
