//! The logs on stderr: the SDK's spans and events, at the level `-v`/`-vv`
//! or `RUST_LOG` asks for, as text or JSON (`--log-format`). They carry no
//! token: the SDK's fields never hold one.

use tracing_subscriber::{
    filter::{EnvFilter, LevelFilter},
    fmt::format::FmtSpan,
};

use crate::{
    args::{Global, LogFormat},
    failure::Failure,
};

/// Starts logging on stderr, when anything is to be logged: `RUST_LOG` (when
/// set and not blank) decides what, else `-v` (INFO: a line per request) or
/// `-vv` (TRACE: everything, the HTTP library's traces included); JSON alone
/// is `-v`. A `RUST_LOG` that does not parse is a usage error.
pub fn to_stderr(global: &Global) -> Result<(), Failure> {
    let Some(filter) = filter(std::env::var("RUST_LOG").ok(), global)? else {
        return Ok(());
    };
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE);
    match global.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    Ok(())
}

/// What to log: `None` for nothing.
fn filter(rust_log: Option<String>, global: &Global) -> Result<Option<EnvFilter>, Failure> {
    if let Some(directives) = rust_log.filter(|d| !d.trim().is_empty()) {
        return EnvFilter::builder()
            .parse(&directives)
            .map(Some)
            .map_err(|e| {
                Failure::usage(
                    format!("RUST_LOG is not a valid filter: {e}"),
                    "for example RUST_LOG=authn_session=debug, or unset it and use -v / -vv",
                )
            });
    }
    let level = match (global.verbose, global.log_format) {
        (0, LogFormat::Text) => return Ok(None),
        (0 | 1, _) => LevelFilter::INFO,
        _ => LevelFilter::TRACE,
    };
    Ok(Some(
        EnvFilter::builder()
            .with_default_directive(level.into())
            .parse_lossy(""),
    ))
}
