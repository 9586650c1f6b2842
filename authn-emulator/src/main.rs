//! `authn-emulator`: run the local AuthN session emulator.

use std::{io::Write, net::SocketAddr, path::PathBuf, process::ExitCode};

use authn_emulator::{Emulator, Fixtures};
use clap::Parser;

/// A local, stateful emulator of the Pangea AuthN session API.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4010")]
    addr: SocketAddr,
    /// Service token clients must send (generated and printed when absent).
    #[arg(long, env = "AUTHN_EMULATOR_SERVICE_TOKEN", hide_env_values = true)]
    service_token: Option<String>,
    /// Fixture file: {"users": [{"id", "email", "profile", "sessions": [...]}]}.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// Generate this many random users.
    #[arg(long, default_value_t = 0)]
    seed_users: usize,
    /// Sessions per generated user.
    #[arg(long, default_value_t = 2)]
    sessions_per_user: usize,
    /// Write the seeded users and sessions (with their tokens) to this file.
    #[arg(long)]
    dump_fixtures: Option<PathBuf>,
    /// How long a user token lives once issued, in seconds (default: as long as its session).
    #[arg(long, value_name = "SECS")]
    user_token_life: Option<u64>,
    /// Start the emulator's clock at this RFC 3339 time instead of now (it ticks from there).
    #[arg(long, value_name = "RFC3339")]
    clock: Option<chrono::DateTime<chrono::Utc>>,
    /// Keep the state in this file: start from it when it exists (else from
    /// the fixture and seed flags), and write it atomically on SIGTERM,
    /// SIGINT and `POST /_emulator/state/save`.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,
    /// Connections open at once; more wait, and an idle kept-alive one is
    /// closed to make room.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_connections: usize,
    /// Seconds a client may take to send a request's headers (idle time on a
    /// kept-alive connection included) before its connection is closed.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    header_read_timeout: u64,
    /// Largest request body of the API, in bytes (larger: 413).
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Requests the journal keeps; older ones are forgotten first.
    #[arg(long, value_name = "N", default_value_t = authn_emulator::Journal::DEFAULT_LIMIT)]
    journal_limit: usize,
    /// Let pages from this origin call the emulator from a browser (CORS),
    /// e.g. http://localhost:5173; repeat for more, or `*` for any origin.
    #[arg(long, value_name = "ORIGIN")]
    cors_origin: Vec<String>,
    /// Answer as a service that differs from Pangea's documentation: one of
    /// omit-field:NAME[:N] (session items lack NAME, in every Nth session),
    /// status-lowercase, contains-any, unknown-session-400, extra-fields,
    /// refresh-without-active-token. Repeat for more; off by default.
    #[arg(long, value_name = "NAME")]
    quirk: Vec<authn_emulator::Quirk>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // What the library says of its serving (the connection cap, accept
    // failures), on stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .without_time()
        .with_target(false)
        .with_ansi(false)
        .init();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut fixtures = match &args.fixtures {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("{} is not a fixture file: {e}", path.display()))?
        }
        None => Fixtures::default(),
    };
    if args.seed_users > 0 {
        let seeded = Fixtures::random(args.seed_users, args.sessions_per_user);
        fixtures.users.extend(seeded.users);
    }
    if let Some(path) = &args.dump_fixtures {
        let text = serde_json::to_string_pretty(&fixtures)?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let users = fixtures.users.len();
    let sessions: usize = fixtures.users.iter().map(|u| u.sessions.len()).sum();
    // The store takes the fixtures over; no copy is kept (the state is at
    // GET /_emulator/state).
    let mut builder = Emulator::builder()
        .addr(args.addr)
        .fixtures(fixtures)
        .keep_fixtures(false)
        .max_connections(args.max_connections)
        .header_read_timeout(std::time::Duration::from_secs(args.header_read_timeout))
        .max_body_bytes(args.max_body_bytes)
        .journal_limit(args.journal_limit);
    for origin in &args.cors_origin {
        builder = builder.cors_origin(origin);
    }
    for quirk in args.quirk {
        builder = builder.quirk(quirk);
    }
    let resumed = args.state_file.as_ref().filter(|path| path.exists());
    if let Some(path) = &args.state_file {
        builder = builder.state_file(path);
    }
    if let Some(secs) = args.user_token_life {
        builder = builder.user_token_life(std::time::Duration::from_secs(secs));
    }
    if let Some(now) = args.clock {
        builder = builder.clock(now);
    }
    let generated = args.service_token.is_none();
    if let Some(token) = args.service_token {
        builder = builder.service_token(token);
    }
    let stop = install_stop_signal()?;
    let emulator = builder.spawn().await?;
    if let Some(path) = resumed {
        let state = emulator.dump();
        let sessions: usize = state.users.iter().map(|u| u.sessions.len()).sum();
        println!(
            "{} users, {sessions} sessions (the state in {})",
            state.users.len(),
            path.display()
        );
    } else {
        println!(
            "{users} users, {sessions} sessions{}",
            args.dump_fixtures
                .as_ref()
                .map(|p| format!(" (written to {})", p.display()))
                .unwrap_or_default()
        );
    }
    if generated {
        println!("service token: {}", emulator.service_token());
    }
    println!("listening on {}", emulator.base_url());
    stop.await;
    // Whoever started us may have closed our stdout by now: do not fail on it.
    let _ = writeln!(std::io::stdout(), "shutting down");
    // Stops accepting, lets in-flight requests finish, then writes the state file.
    if emulator.shutdown_and_save().await? {
        let _ = writeln!(std::io::stdout(), "state written");
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM (what process managers send) on Unix. The handlers are
/// installed when this is called, so call it before saying where we listen:
/// a signal sent right after that line must not find the default action.
fn install_stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
