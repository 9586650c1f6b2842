//! `cargo xtask codegen` regenerates every reviewed artifact and writes it;
//! `--check` only compares and fails on drift. First what the spec alone
//! makes (the generated client, the API digest, the spec copy
//! `authn-session-gen` packages), then what the crates make (their public
//! Rust API, the CLI's `--help`), each built by a cargo subprocess: xtask
//! links no crate it regenerates, so a spec change that breaks a crate still
//! leaves its own diff written, and the error says where the build broke.
//! `cargo xtask msrv` checks the stated MSRV against the dependency tree.

use std::process::ExitCode;

use xtask::{msrv, packaged_spec_path, public_api, snapshot};

const USAGE: &str = "usage: cargo xtask codegen [--check] | cargo xtask msrv

  codegen          regenerate from openapi/authn-session.yaml, the crates' public
                   API and the CLI's --help; write snapshots/*.snap and
                   authn-session-gen/openapi/
  codegen --check  regenerate in memory; exit 1 with a diff if anything differs
  msrv             exit 1 if a dependency users compile needs a newer Rust than
                   the workspace's rust-version

The public-API step runs `cargo rustdoc` with RUSTC_BOOTSTRAP=1 (rustdoc's JSON
output is unstable) in its own target directory, target/api-json.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["msrv"] => check_msrv(),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// One artifact to compare or write.
struct Artifact {
    label: String,
    path: std::path::PathBuf,
    /// The whole file text to write.
    file: String,
    /// A diff from the file on disk, when it differs.
    drift: Option<String>,
}

fn codegen(check: bool) -> ExitCode {
    // 1. What the spec alone makes: written (or compared) before any crate
    //    is built, so a spec change that breaks a crate still shows its diff.
    let spec = match spec_artifacts() {
        Ok(artifacts) => artifacts,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(spec_drift) = settle(spec, check) else {
        return ExitCode::FAILURE;
    };
    // 2. What the crates make, each built by a cargo subprocess.
    let mut crates = Vec::new();
    let mut failures = Vec::new();
    for (package, name) in public_api::CRATES {
        match public_api::public_api(package) {
            Ok(api) => crates.push(Artifact {
                label: name.to_string(),
                path: snapshot::path(name),
                file: snapshot::render("xtask/src/public_api.rs", "public_api", &api),
                drift: snapshot::drift_of(name, &api, &format!("public API of {package} now")),
            }),
            Err(failure) => failures.push(failure),
        }
    }
    match public_api::cli_help() {
        Ok(help) => crates.push(Artifact {
            label: "cli-help".into(),
            path: snapshot::path("cli-help"),
            file: snapshot::render(
                "authn-session-cli/tests/help.rs",
                "authn_session_cli::help_reference()",
                &help,
            ),
            drift: snapshot::drift_of("cli-help", &help, "authn-session --help now"),
        }),
        Err(failure) => failures.push(failure),
    }
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("error: {failure}");
        }
        if spec_drift > 0 && !check {
            eprintln!(
                "\nThe spec's own artifacts are written: review them with \
                 `git diff snapshots/ authn-session-gen/openapi/`. Then make the crates \
                 above build against the regenerated client, and run `cargo xtask codegen` \
                 again for their public API and --help snapshots."
            );
        }
        return ExitCode::FAILURE;
    }
    let Some(crate_drift) = settle(crates, check) else {
        return ExitCode::FAILURE;
    };
    let drifted = spec_drift + crate_drift;
    if check && drifted > 0 {
        eprintln!(
            "\n{drifted} artifact(s) differ from what the spec and the crates produce.\n\
             Run `cargo xtask codegen`, review the diff of snapshots/, and commit it."
        );
        return ExitCode::FAILURE;
    }
    if !check && drifted > 0 {
        println!("\nReview the changes with `git diff` and commit them with the change that caused them.");
    }
    ExitCode::SUCCESS
}

/// The artifacts of the spec: its digest, the generated client, the copy
/// the gen crate packages.
fn spec_artifacts() -> Result<Vec<Artifact>, authn_session_codegen::CodegenError> {
    let artifacts = xtask::artifacts()?;
    let mut all: Vec<Artifact> = snapshot::SNAPSHOTS
        .iter()
        .map(|snap| Artifact {
            label: snap.name.to_string(),
            path: snapshot::path(snap.name),
            file: snapshot::render(snapshot::SOURCE, snap.expression, (snap.get)(&artifacts)),
            drift: snapshot::drift(snap, &artifacts),
        })
        .collect();
    let spec_text = xtask::spec_json()?;
    let copy = packaged_spec_path();
    let old_copy = std::fs::read_to_string(&copy).unwrap_or_default();
    all.push(Artifact {
        label: "packaged spec".into(),
        path: copy.clone(),
        drift: snapshot::diff(
            &old_copy,
            &spec_text,
            &copy.display().to_string(),
            "openapi/authn-session.yaml, as JSON",
        ),
        file: spec_text,
    });
    Ok(all)
}

/// Writes (or, with `check`, prints the diff of) every artifact that
/// drifted; how many did, or `None` when one could not be written.
fn settle(artifacts: Vec<Artifact>, check: bool) -> Option<usize> {
    let mut drifted = 0;
    for artifact in artifacts {
        let Some(diff) = artifact.drift else {
            println!("{:<28} up to date", artifact.label);
            continue;
        };
        drifted += 1;
        if check {
            println!("{:<28} DRIFTED\n{diff}", artifact.label);
        } else if let Err(e) = std::fs::write(&artifact.path, &artifact.file) {
            eprintln!("error: cannot write {}: {e}", artifact.path.display());
            return None;
        } else {
            println!("{:<28} updated {}", artifact.label, artifact.path.display());
        }
    }
    Some(drifted)
}

fn check_msrv() -> ExitCode {
    match msrv::check() {
        Ok((ours, newer)) if newer.is_empty() => {
            println!("rust-version {ours} holds for every dependency users compile");
            ExitCode::SUCCESS
        }
        Ok((ours, newer)) => {
            eprintln!(
                "rust-version {ours} is not true: these dependencies need a newer Rust:\n  {}",
                newer.join("\n  ")
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
