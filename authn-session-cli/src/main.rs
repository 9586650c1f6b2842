//! `authn-session`: list, end and revoke Pangea AuthN sessions.

fn main() -> std::process::ExitCode {
    authn_session_cli::main()
}
