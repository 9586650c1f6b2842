//! Prints `authn-session --help` and every command's, as the reviewed
//! snapshot `snapshots/cli-help.snap` holds them: `cargo xtask codegen` runs
//! this as a subprocess, so that it needs the CLI to build but not to link it.

fn main() {
    print!("{}", authn_session_cli::help_reference());
}
