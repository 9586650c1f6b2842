//! Cargo as a subprocess, for the artifacts that need a crate built: xtask
//! links no crate it regenerates, so a spec change that breaks a crate
//! still leaves the spec's own artifacts written, and the failure names the
//! crate and the place.

use std::process::Command;

use crate::workspace_root;

/// A crate that did not build, and cargo's errors, one `file:line: error` each.
#[derive(Debug)]
pub struct BuildFailure {
    /// What was being built, for example `authn-session-cli`.
    pub what: String,
    /// The error lines cargo printed (short message format).
    pub errors: String,
}

impl std::fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} does not build:\n{}", self.what, self.errors)
    }
}

/// A `cargo` command at the workspace root, with short error messages.
pub fn command(args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root())
        .arg(args[0])
        .arg("--message-format=short")
        .args(&args[1..]);
    command
}

/// Runs `command` and returns its standard output; when it fails, the error
/// lines of its standard error, attributed to `what`.
pub fn output(mut command: Command, what: &str) -> Result<String, BuildFailure> {
    let failure = |errors: String| BuildFailure {
        what: what.to_string(),
        errors,
    };
    let output = command
        .output()
        .map_err(|e| failure(format!("  cannot run cargo: {e}")))?;
    if output.status.success() {
        return String::from_utf8(output.stdout).map_err(|e| failure(format!("  {e}")));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("error"))
        .take(12)
        .collect();
    if errors.is_empty() {
        errors = stderr.lines().rev().take(12).collect();
        errors.reverse();
    }
    Err(failure(
        errors
            .iter()
            .map(|line| format!("  {line}"))
            .collect::<Vec<_>>()
            .join("\n"),
    ))
}
