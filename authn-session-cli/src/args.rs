//! The command line: commands, filters and global flags, as clap reads them.

use std::{
    num::{NonZeroU64, NonZeroUsize},
    path::PathBuf,
};

use chrono::{DateTime, Utc};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::filters::{parse_future, parse_past, parse_profile, parse_profile_name};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  an API or transport error (the request id is printed)
  2  a usage error or bad input; nothing was sent (PANGEA_AUTHN_TOKEN missing included)
  3  revoke ended some of the matched sessions, but not all

Environment (read as the SDK's `Env` reads it; a blank value is unset):
  PANGEA_AUTHN_TOKEN      service token with AuthN access (never taken from a flag)
  PANGEA_DOMAIN           e.g. aws.us.pangea.cloud (or --domain)
  PANGEA_BASE_URL         e.g. http://127.0.0.1:4010 for a local emulator (or --base-url)
  PANGEA_AUTHN_CONFIG_ID  the AuthN configuration id (or --config-id)
  RUST_LOG                what to log on stderr, e.g. authn_session=debug (wins over -v)

Try it without an account: authn-session --emulator list";

/// List, end and revoke Pangea AuthN sessions.
#[derive(Debug, Parser)]
#[command(name = "authn-session", version, after_long_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// AuthN's base URL (`{SERVICE_NAME}`: `authn`); wins over --domain. Else PANGEA_BASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Pangea domain, e.g. aws.us.pangea.cloud. Else PANGEA_DOMAIN.
    #[arg(long, global = true)]
    pub domain: Option<String>,
    /// AuthN configuration id to send with every request. Else PANGEA_AUTHN_CONFIG_ID.
    #[arg(long, global = true, value_name = "ID")]
    pub config_id: Option<String>,
    /// Run against an in-process emulator seeded with sample users (no account, no network).
    #[arg(long, global = true)]
    pub emulator: bool,
    /// Trace requests on stderr (-v: each request, -vv: everything); tokens are never shown.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Format of the logs on stderr; json alone logs as -v does.
    #[arg(long, global = true, value_enum, value_name = "FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object per line: level, target, fields, the span and its parents.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List sessions: every page, streamed.
    List(ListArgs),
    /// End sessions by id.
    Invalidate {
        /// Sessions to end (`pmt_…`).
        #[arg(required = true, value_name = "SESSION_ID")]
        session_ids: Vec<String>,
    },
    /// End every session of each user.
    Logout {
        /// Users whose sessions to end (`pui_…`; an identity may hold spaces: quote it).
        #[arg(required = true, value_name = "USER_ID")]
        user_ids: Vec<String>,
    },
    /// End every session that matches the filters (after a confirmation).
    Revoke(RevokeArgs),
    /// Read-only probes of the tenant: where it differs from what this SDK documents
    ///
    /// Checks: fields, filters, ordering, cursors, errors.
    ///
    /// It sends service-token lists, and exactly two other calls, which change nothing:
    ///   - an invalidate of the session pmt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    ///   - a client list with the user token ptu_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    ///
    /// No tenant holds either (a random id never repeats one letter 32 times), so there
    /// is nothing to end; they show how the tenant answers an unknown session or token.
    /// Each call may be retried as the SDK retries, honouring Retry-After.
    ///
    /// Exit 0: all as documented; 1: something differs; 2: it could not run (no token,
    /// no network, the first list refused).
    #[command(verbatim_doc_comment)]
    Verify(VerifyArgs),
    /// Print a completion script for a shell.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: Filters,
    /// Sort direction.
    #[arg(long, value_enum)]
    pub order: Option<Order>,
    /// Sort key.
    #[arg(long, value_enum, value_name = "FIELD")]
    pub order_by: Option<OrderBy>,
    /// Stop after this many sessions.
    #[arg(long, value_name = "N")]
    pub limit: Option<NonZeroU64>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// At most N calls; a check past the budget is recorded `skipped`
    #[arg(long, value_name = "N", default_value = "200")]
    pub max_requests: NonZeroUsize,
    /// Output format of the report.
    #[arg(long, short, value_enum, default_value_t = VerifyFormat::Table)]
    pub output: VerifyFormat,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub filters: Filters,
    /// Say what would end, and end nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, short)]
    pub yes: bool,
    /// Match every session: needed to revoke with no filter at all.
    #[arg(long)]
    pub all: bool,
    /// Sessions ended at once.
    #[arg(long, value_name = "N", default_value = "8")]
    pub concurrency: NonZeroUsize,
    /// Output format of the report.
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
    /// Append one JSON line per session to FILE as each settles, ended or not:
    /// time, session_id, outcome (ended, already_gone, failed), request_id,
    /// http_status, attempts, error. FILE is opened before anything is sent.
    #[arg(long, value_name = "FILE", verbatim_doc_comment)]
    pub audit: Option<PathBuf>,
}

/// Which sessions: the same flags on `list` and `revoke`. Different flags
/// must all match. An exact-value flag given several times (`--user`,
/// `--email`, `--username`, `--session-id`, `--type`, `--active-token-id`)
/// matches any of its values; a `--*-contains` or `--scope` flag given several
/// times must match all of its values.
#[derive(Debug, Default, Args)]
pub struct Filters {
    /// The user's id (identity).
    #[arg(long = "user", value_name = "USER_ID", help_heading = "Filters")]
    pub user: Vec<String>,
    /// The user's email, exactly.
    #[arg(long, help_heading = "Filters")]
    pub email: Vec<String>,
    /// Part of the user's email, e.g. @tenant.example; given twice, the
    /// email must contain both.
    #[arg(long, value_name = "TEXT", help_heading = "Filters")]
    pub email_contains: Vec<String>,
    /// The user's username, exactly.
    #[arg(long, value_name = "NAME", help_heading = "Filters")]
    pub username: Vec<String>,
    /// Part of the user's username; given twice, it must contain both.
    #[arg(long, value_name = "TEXT", help_heading = "Filters")]
    pub username_contains: Vec<String>,
    /// The session's id.
    #[arg(long, value_name = "SESSION_ID", help_heading = "Filters")]
    pub session_id: Vec<String>,
    /// The session's type.
    #[arg(long = "type", value_name = "TYPE", help_heading = "Filters")]
    pub type_: Vec<String>,
    /// The id of the session's active token.
    #[arg(long, value_name = "TOKEN_ID", help_heading = "Filters")]
    pub active_token_id: Vec<String>,
    /// Created after: RFC 3339, or a time ago such as 2h or 7d.
    #[arg(long, value_name = "TIME", value_parser = parse_past, help_heading = "Filters")]
    pub created_after: Option<DateTime<Utc>>,
    /// Created before: RFC 3339, or a time ago such as 2h or 7d.
    #[arg(long, value_name = "TIME", value_parser = parse_past, help_heading = "Filters")]
    pub created_before: Option<DateTime<Utc>>,
    /// Expires after: RFC 3339, or a time from now such as 2h or 7d.
    #[arg(long, value_name = "TIME", value_parser = parse_future, help_heading = "Filters")]
    pub expires_after: Option<DateTime<Utc>>,
    /// Expires before: RFC 3339, or a time from now such as 2h or 7d.
    #[arg(long, value_name = "TIME", value_parser = parse_future, help_heading = "Filters")]
    pub expires_before: Option<DateTime<Utc>>,
    /// A scope the session must have (all given must be present).
    #[arg(long, value_name = "SCOPE", help_heading = "Filters")]
    pub scope: Vec<String>,
    /// Only sessions whose active token is enabled.
    #[arg(long, conflicts_with = "disabled", help_heading = "Filters")]
    pub enabled: bool,
    /// Only sessions whose active token is disabled.
    #[arg(long, help_heading = "Filters")]
    pub disabled: bool,
    /// A profile field equals a value, e.g. department=ops (NAME is letters only).
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_profile, help_heading = "Filters")]
    pub profile: Vec<(String, String)>,
    /// A profile field contains a text; given twice for one NAME, it must contain both.
    #[arg(long, value_name = "NAME=TEXT", value_parser = parse_profile, help_heading = "Filters")]
    pub profile_contains: Vec<(String, String)>,
    /// The user's profile has this field.
    #[arg(long, value_name = "NAME", value_parser = parse_profile_name, help_heading = "Filters")]
    pub profile_exists: Vec<String>,
    /// The user's profile lacks this field.
    #[arg(long, value_name = "NAME", value_parser = parse_profile_name, help_heading = "Filters")]
    pub profile_missing: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum OrderBy {
    Id,
    CreatedAt,
    Expire,
    Identity,
    Email,
    Type,
    ActiveTokenId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// One JSON array of sessions, as the API returns them.
    Json,
    /// One JSON session a line.
    Ndjson,
    /// Comma-separated, with a header.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Lines for people.
    Table,
    /// `{"matched": N, "ended": N, "failed": [...]}`.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    /// A line per check, then each difference in full.
    Table,
    /// One record per check: `{"check", "case", "documented", "observed", "verdict"}`.
    Json,
}
