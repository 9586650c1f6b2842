//! `authn-session verify`, callable from Rust: read-only probes of where a
//! tenant differs from what this SDK documents (fields, filters, ordering,
//! cursors, and the answer to an unknown session or token).
//!
//! It lives in the command line's library, not in `authn-session`: the
//! probes parse the spec's text and build a report, which an SDK user who
//! never runs them should not pay to compile. A Rust user adds
//! `authn-session-cli` as a dependency and calls [`Verify`] with the
//! [`AuthN`] they already have.

mod cursors;
mod errors;
mod fields;
mod filters;
mod ordering;

pub use errors::{UNKNOWN_SESSION, UNKNOWN_USER_TOKEN};

use authn_session::{
    chrono::{DateTime, Utc},
    AuthN, Error, ListOptions,
};
use serde::Serialize;
use serde_json::Value;

/// Which of the five checks a record belongs to.
///
/// ```
/// use authn_session_cli::verify::CheckKind;
///
/// assert_eq!(serde_json::to_value(CheckKind::Filters).unwrap(), "filters");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// A page's fields against the spec's schema.
    Fields,
    /// Each filter, every listed session checked locally against it.
    Filters,
    /// Each `order_by`, in both orders; how ties break.
    Ordering,
    /// A walk with `size` 1, a page of the same size, a cursor sent twice.
    Cursors,
    /// The answers to an unknown session and an unknown user token.
    Errors,
}

impl CheckKind {
    /// The name in the report (`fields`, `filters`, …).
    ///
    /// ```
    /// assert_eq!(authn_session_cli::verify::CheckKind::Cursors.name(), "cursors");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Fields => "fields",
            CheckKind::Filters => "filters",
            CheckKind::Ordering => "ordering",
            CheckKind::Cursors => "cursors",
            CheckKind::Errors => "errors",
        }
    }
}

/// A record's verdict.
///
/// ```
/// use authn_session_cli::verify::Verdict;
///
/// assert_eq!(serde_json::to_value(Verdict::Differs).unwrap(), "differs");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The service did as documented.
    Match,
    /// The service did otherwise: the record says how.
    Differs,
    /// Not run: no listed session had the value to build it from, or the
    /// request budget was spent.
    Skipped,
}

impl Verdict {
    /// The name in the report (`match`, `differs`, `skipped`).
    ///
    /// ```
    /// assert_eq!(authn_session_cli::verify::Verdict::Skipped.name(), "skipped");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Differs => "differs",
            Verdict::Skipped => "skipped",
        }
    }
}

/// One record of the report: `--output json` prints one object per record,
/// with these five keys.
///
/// ```
/// use authn_session_cli::verify::{Check, CheckKind, Verdict};
///
/// let check = Check {
///     check: CheckKind::Errors,
///     case: "invalidate of an unknown session".into(),
///     documented: "HTTP 404, status NotFound".into(),
///     observed: "HTTP 400, status ValidationError".into(),
///     verdict: Verdict::Differs,
/// };
/// assert_eq!(serde_json::to_value(&check).unwrap()["verdict"], "differs");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Which check.
    pub check: CheckKind,
    /// What was asked: a filter, an order, a JSON path.
    pub case: String,
    /// What this SDK documents for it.
    pub documented: String,
    /// What the service answered.
    pub observed: String,
    /// Whether the two agree.
    pub verdict: Verdict,
}

/// Every record, and how many calls were sent (retries not counted).
///
/// ```
/// use authn_session_cli::verify::Report;
///
/// let report = Report { checks: vec![], requests: 0 };
/// assert!(!report.differs());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The records, in the order the checks ran.
    pub checks: Vec<Check>,
    /// Calls sent, at most the budget.
    pub requests: usize,
}

impl Report {
    /// Whether any record differs (the command's exit code 1).
    ///
    /// ```
    /// use authn_session_cli::verify::{Check, CheckKind, Report, Verdict};
    ///
    /// let skipped = Check {
    ///     check: CheckKind::Filters,
    ///     case: "scopes".into(),
    ///     documented: String::new(),
    ///     observed: "not run: no listed session has a scope".into(),
    ///     verdict: Verdict::Skipped,
    /// };
    /// assert!(!Report { checks: vec![skipped], requests: 1 }.differs());
    /// ```
    pub fn differs(&self) -> bool {
        self.checks.iter().any(|c| c.verdict == Verdict::Differs)
    }
}

/// The probes, bounded by a request budget. Every call is a list, except
/// two that change nothing: an invalidate of a session id no tenant holds,
/// and a client list with a user token no tenant holds.
///
/// Against the emulator with one of its quirks on, the report names the
/// one check the quirk breaks:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use authn_emulator::{Emulator, Quirk};
/// use authn_session::{AuthN, Config};
/// use authn_session_cli::verify::{CheckKind, Verdict, Verify};
///
/// let emulator = Emulator::builder()
///     .seed_users(3, 2)
///     .quirk("contains-any".parse::<Quirk>()?)
///     .spawn()
///     .await?;
/// let config = Config::builder().base_url_template(emulator.base_url()).build()?;
/// let authn = AuthN::new(emulator.service_token(), config)?;
///
/// let report = Verify::new(authn).max_requests(100).run().await?;
/// let differing: Vec<CheckKind> = report
///     .checks
///     .iter()
///     .filter(|c| c.verdict == Verdict::Differs)
///     .map(|c| c.check)
///     .collect();
/// assert_eq!(differing, [CheckKind::Filters]);
/// assert!(report.requests <= 100);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Verify {
    authn: AuthN,
    max_requests: usize,
}

impl Verify {
    /// The probes of the service `authn` talks to, with a budget of 200 calls.
    ///
    /// ```
    /// # fn demo(authn: authn_session::AuthN) {
    /// let verify = authn_session_cli::verify::Verify::new(authn);
    /// # }
    /// ```
    pub fn new(authn: AuthN) -> Self {
        Verify {
            authn,
            max_requests: 200,
        }
    }

    /// At most `n` calls (at least 1: the first list). A check the budget
    /// does not reach is recorded `skipped`. Each call may be retried as the
    /// SDK retries, honouring `Retry-After`.
    ///
    /// ```
    /// # fn demo(authn: authn_session::AuthN) {
    /// let verify = authn_session_cli::verify::Verify::new(authn).max_requests(50);
    /// # }
    /// ```
    pub fn max_requests(mut self, n: usize) -> Self {
        self.max_requests = n;
        self
    }

    /// Runs every check. `Err` when the first list fails: then nothing could
    /// be checked (the command's exit code 2).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), authn_session::Error> {
    /// let authn = authn_session::AuthN::from_env()?;
    /// let report = authn_session_cli::verify::Verify::new(authn).run().await?;
    /// println!("{}", serde_json::to_string_pretty(&report.checks).unwrap());
    /// # Ok(()) }
    /// ```
    pub async fn run(self) -> Result<Report, Error> {
        let mut probe = Probe {
            authn: self.authn,
            left: self.max_requests.max(1),
            sent: 0,
        };
        let first = match probe.list(ListOptions::new().size(SAMPLE)).await {
            Some(page) => page?,
            None => unreachable!("the budget is at least one call"),
        };
        let sample = sessions(&first);
        let mut checks = fields::check(&first);
        checks.extend(filters::check(&mut probe, &sample).await);
        checks.extend(ordering::check(&mut probe).await);
        checks.extend(cursors::check(&mut probe).await);
        checks.extend(errors::check(&mut probe).await);
        Ok(Report {
            checks,
            requests: probe.sent,
        })
    }
}

/// Sessions in the first page, whose values the filters are built from.
const SAMPLE: u64 = 50;

/// The size of every other page: large enough that a wrong filter or order
/// shows on one page.
const PAGE: u64 = 100;

/// What a record says when the budget ran out before it.
const SPENT: &str = "not run: the request budget (--max-requests) is spent";

/// Calls made through the budget.
struct Probe {
    authn: AuthN,
    left: usize,
    sent: usize,
}

impl Probe {
    /// Takes one call from the budget; `false` once it is spent.
    fn take(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        self.sent += 1;
        true
    }

    /// A page's `result` as the service wrote it; `None` once the budget is spent.
    async fn list(&mut self, options: ListOptions) -> Option<Result<Value, Error>> {
        if !self.take() {
            return None;
        }
        Some(
            self.authn
                .session()
                .list_json(options)
                .await
                .map(|page| page.result),
        )
    }

    /// A page's `result`, or what a case that got none observed: `skipped`
    /// once the budget is spent, `differs` when the service refused the list.
    async fn page(&mut self, options: ListOptions) -> Result<Value, (String, Verdict)> {
        match self.list(options).await {
            None => Err((SPENT.to_string(), Verdict::Skipped)),
            Some(Err(e)) => Err((format!("refused: {e}"), Verdict::Differs)),
            Some(Ok(page)) => Ok(page),
        }
    }
}

/// The record of one case; every check builds its records through it.
fn record(
    check: CheckKind,
    case: &str,
    documented: &str,
    observed: String,
    verdict: Verdict,
) -> Check {
    Check {
        check,
        case: case.to_string(),
        documented: documented.to_string(),
        observed,
        verdict,
    }
}

/// A page's sessions; none when `sessions` is not an array (`fields` says so).
fn sessions(result: &Value) -> Vec<Value> {
    result["sessions"].as_array().cloned().unwrap_or_default()
}

fn text<'a>(session: &'a Value, field: &str) -> Option<&'a str> {
    session.get(field)?.as_str()
}

fn time(session: &Value, field: &str) -> Option<DateTime<Utc>> {
    text(session, field)?.parse().ok()
}

/// The ids of a page's sessions, in order.
fn ids(result: &Value) -> Vec<String> {
    sessions(result)
        .iter()
        .filter_map(|s| text(s, "id"))
        .map(str::to_string)
        .collect()
}
