//! Checks that the stated MSRV is true of the dependency tree: no dependency
//! that a user compiles (normal and build dependencies of the published
//! crates, on any platform) may declare a `rust-version` newer than ours.
//! Read from `cargo metadata`; dev-dependencies and the workspace's own tools
//! are not a user's concern and are left out.

use std::process::Command;

use crate::workspace_root;

/// `(major, minor, patch)` of a version such as `1.85` or `1.85.1`.
fn parse(version: &str) -> Option<(u32, u32, u32)> {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// Every dependency (name, version, rust-version) that needs a newer Rust than
/// the workspace states, and the workspace's own rust-version.
pub fn check() -> Result<(String, Vec<String>), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let by_id = |id: &str| packages.iter().find(|p| p["id"] == id);
    let ours = packages
        .iter()
        .find(|p| p["name"] == "authn-session")
        .and_then(|p| p["rust_version"].as_str())
        .ok_or("authn-session states no rust-version")?
        .to_string();
    let limit = parse(&ours).ok_or(format!("cannot read rust-version {ours}"))?;
    // Walk normal and build edges from every published workspace crate.
    let nodes = metadata["resolve"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut todo: Vec<String> = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str())
        .filter(|id| by_id(id).is_some_and(|p| p["publish"] != serde_json::json!([])))
        .map(str::to_string)
        .collect();
    let roots = todo.clone();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(node) = nodes.iter().find(|n| n["id"] == id.as_str()) else {
            continue;
        };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let used = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if used {
                if let Some(pkg) = dep["pkg"].as_str() {
                    todo.push(pkg.to_string());
                }
            }
        }
    }
    let mut newer = Vec::new();
    for id in seen.iter().filter(|id| !roots.contains(id)) {
        let Some(package) = by_id(id) else { continue };
        if let Some(needs) = package["rust_version"].as_str() {
            if parse(needs).is_some_and(|v| v > limit) {
                newer.push(format!(
                    "{} {} needs Rust {needs}",
                    package["name"].as_str().unwrap_or("?"),
                    package["version"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    newer.sort();
    Ok((ours, newer))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn versions_compare_numerically() {
        assert!(parse("1.100").unwrap() > parse("1.88").unwrap());
        assert_eq!(parse("1.85.1"), Some((1, 85, 1)));
        assert_eq!(parse("nightly"), None);
    }
}
