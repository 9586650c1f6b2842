//! `cargo xtask codegen` regenerates every artifact derived from the spec and
//! writes the reviewed snapshots; `--check` only compares and fails on drift.

use std::process::ExitCode;

use authn_session_codegen::{generate, snapshot, spec_path};

const USAGE: &str = "usage: cargo xtask codegen [--check]

  codegen          regenerate from openapi/authn-session.yaml and write snapshots/*.snap
  codegen --check  regenerate in memory; exit 1 with a diff if any snapshot differs";

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
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn codegen(check: bool) -> ExitCode {
    let artifacts = match generate(&spec_path()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut drifted = 0;
    for snap in snapshot::SNAPSHOTS {
        let Some(diff) = snapshot::drift(snap, &artifacts) else {
            println!("{:<18} up to date", snap.name);
            continue;
        };
        drifted += 1;
        if check {
            println!("{:<18} DRIFTED\n{diff}", snap.name);
        } else {
            let path = snapshot::path(snap.name);
            if let Err(e) = std::fs::create_dir_all(snapshot::dir()).and_then(|()| {
                std::fs::write(&path, snapshot::render(snap, (snap.get)(&artifacts)))
            }) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            println!("{:<18} updated {}", snap.name, path.display());
        }
    }
    if check && drifted > 0 {
        eprintln!(
            "\n{drifted} snapshot(s) differ from what openapi/authn-session.yaml generates.\n\
             Run `cargo xtask codegen`, review the diff of snapshots/, and commit it."
        );
        return ExitCode::FAILURE;
    }
    if !check && drifted > 0 {
        println!("\nReview the changes with `git diff snapshots/` and commit them with the spec.");
    }
    ExitCode::SUCCESS
}
