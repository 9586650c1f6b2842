//! `authn-session`, the command line for Pangea AuthN sessions: list them,
//! end them by id or by user, and revoke everything a filter matches, built
//! on the `authn-session` SDK. This library is the binary's implementation;
//! [`main`] runs it and [`help_reference`] renders its `--help`.
//!
//! One module is for Rust callers too: [`verify`], the read-only probes of
//! `authn-session verify`. It lives here rather than in the SDK because it
//! parses the packaged spec and builds a report, code that every user of
//! `authn-session` would otherwise compile and never run.

mod args;
mod audit;
mod connect;
mod end;
mod failure;
mod filters;
mod list;
mod logs;
mod output;
mod revoke;
pub mod verify;
mod verify_cmd;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::{
    args::{Cli, Command},
    failure::Failure,
};

/// Runs `authn-session` with the process's arguments and environment.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     authn_session_cli::main()
/// }
/// ```
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "authn-session",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }
    if let Err(failure) = logs::to_stderr(&cli.global) {
        if let Some(message) = failure.message() {
            eprintln!("{message}");
        }
        return failure.exit_code();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`| head`): what it read is all it wanted.
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(failure) => {
            if let Some(message) = failure.message() {
                eprintln!("{message}");
            }
            failure.exit_code()
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    // Opened before anything is sent: a file that cannot be written ends nothing.
    let audit = match &cli.command {
        Command::Revoke(args) => args.audit.as_deref().map(audit::Audit::open).transpose()?,
        _ => None,
    }
    .map(std::sync::Arc::new);
    let target = connect::connect(&cli.global, audit.clone()).await?;
    let authn = &target.authn;
    match cli.command {
        Command::List(args) => list::list(authn, args).await,
        Command::Invalidate { session_ids } => end::invalidate(authn, &session_ids).await,
        Command::Logout { user_ids } => end::logout(authn, &user_ids).await,
        Command::Revoke(args) => revoke::revoke(authn, args, audit.as_deref()).await,
        Command::Verify(args) => verify_cmd::verify(authn, args).await,
        Command::Completions { .. } => Ok(()),
    }
}

/// The long `--help` of `authn-session` and of each command, as the
/// `cli-help` snapshot holds it: a change to the command line shows in
/// review like a change to the API.
///
/// ```
/// assert!(authn_session_cli::help_reference().contains("$ authn-session revoke --help"));
/// ```
pub fn help_reference() -> String {
    let mut command = Cli::command().term_width(100);
    command.build();
    let mut text = format!("$ authn-session --help\n{}", command.render_long_help());
    for sub in command.get_subcommands() {
        text.push_str(&format!(
            "\n$ authn-session {} --help\n{}",
            sub.get_name(),
            sub.clone().render_long_help()
        ));
    }
    text
}
