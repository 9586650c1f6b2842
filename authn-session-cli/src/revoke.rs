//! `authn-session revoke`: find every session the filters match, say what
//! would end, confirm, then end them all with `invalidate_all`, showing
//! progress on stderr and the report on stdout.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use authn_session::{AuthN, InvalidateReport, Progress};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::{
    args::{ReportFormat, RevokeArgs},
    audit::Audit,
    failure::Failure,
    output::note_corrections,
};

/// Session ids shown before the confirmation question.
const SHOWN: usize = 20;

pub async fn revoke(authn: &AuthN, args: RevokeArgs, audit: Option<&Audit>) -> Result<(), Failure> {
    if args.filters.is_empty() && !args.all {
        return Err(Failure::usage(
            "revoke needs a filter",
            "choose sessions with --user, --email, --email-contains, --session-id, … \
             (see --help); --all matches every session",
        ));
    }
    let options = args.filters.options();
    // With --yes there is nothing to preview: the run walks once.
    if args.dry_run || !args.yes {
        let searching = Reporter::new();
        let preview = authn
            .session()
            .invalidate_all(options.clone())
            .dry_run()
            .await;
        searching.clear();
        let preview = preview.map_err(|e| Failure::api("finding the matching sessions", e))?;
        note_corrections(preview.corrected());
        if args.dry_run {
            print_preview(&preview, args.output)?;
            return Ok(());
        }
        if preview.matched() == 0 {
            print_report(&preview, args.output)?;
            return Ok(());
        }
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        if !interactive {
            print_preview(&preview, args.output)?;
            return Err(Failure::usage(
                format!(
                    "refusing to end {} session(s) without confirmation",
                    preview.matched()
                ),
                "stdin is not a terminal, so I cannot ask: re-run with --yes",
            ));
        }
        if !confirm(&preview)? {
            return Err(Failure::Usage {
                message: "cancelled; nothing was ended".into(),
                hint: None,
            });
        }
    }
    let reporter = Arc::new(Reporter::new());
    let on_progress = reporter.clone();
    let report = authn
        .session()
        .invalidate_all(options)
        .concurrency(args.concurrency.get())
        .on_progress(move |p| on_progress.update(p))
        .await;
    reporter.finish();
    let report = report.map_err(|e| Failure::api("revoking", e))?;
    if args.yes && !args.dry_run {
        // Without --yes the preview's walk already said so.
        note_corrections(report.corrected());
    }
    // Every session tried has its line before the report says so.
    let audit_failed = audit
        .map(|audit| audit.finish(&report))
        .transpose()
        .err()
        .inspect(|message| eprintln!("{message}"))
        .is_some();
    print_report(&report, args.output)?;
    match (report.failed().is_empty(), report.ended()) {
        // The sessions ended, but the evidence of it is incomplete.
        (true, _) if audit_failed => Err(Failure::Reported(1)),
        (true, _) => Ok(()),
        // The report says what failed: exit 1 when nothing ended, 3 when some did.
        (false, 0) => Err(Failure::Reported(1)),
        (false, _) => Err(Failure::Reported(3)),
    }
}

/// Asks on the terminal; `true` for yes.
fn confirm(preview: &InvalidateReport) -> Result<bool, Failure> {
    let mut err = std::io::stderr().lock();
    writeln!(err, "These sessions match:")?;
    for id in preview.matched_ids().iter().take(SHOWN) {
        writeln!(err, "  {id}")?;
    }
    if preview.matched() > SHOWN {
        writeln!(err, "  … and {} more", preview.matched() - SHOWN)?;
    }
    write!(err, "End these {} session(s)? [y/N] ", preview.matched())?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// What a dry run found: every id.
fn print_preview(preview: &InvalidateReport, format: ReportFormat) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        ReportFormat::Table => {
            writeln!(out, "would end {} session(s):", preview.matched())?;
            for id in preview.matched_ids() {
                writeln!(out, "  {id}")?;
            }
        }
        ReportFormat::Json => {
            let body = JsonReport {
                matched: preview.matched(),
                ended: 0,
                failed: Vec::new(),
                corrected: preview.corrected(),
                dry_run: Some(true),
                session_ids: Some(preview.matched_ids().iter().map(|id| id.as_ref()).collect()),
            };
            writeln!(out, "{}", serde_json::to_string(&body)?)?;
        }
    }
    out.flush()
}

fn print_report(report: &InvalidateReport, format: ReportFormat) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        ReportFormat::Table => {
            writeln!(
                out,
                "matched {}, ended {}, failed {}",
                report.matched(),
                report.ended(),
                report.failed().len()
            )?;
            for failure in report.failed() {
                writeln!(
                    out,
                    "  failed {}: {} (request id {})",
                    failure.session_id,
                    failure.error,
                    failure.request_id().unwrap_or("none: not sent")
                )?;
            }
        }
        ReportFormat::Json => {
            let body = JsonReport {
                matched: report.matched(),
                ended: report.ended(),
                failed: report
                    .failed()
                    .iter()
                    .map(|f| JsonFailure {
                        session_id: f.session_id.as_ref(),
                        error: f.error.to_string(),
                        request_id: f.request_id(),
                    })
                    .collect(),
                corrected: report.corrected(),
                dry_run: None,
                session_ids: None,
            };
            writeln!(out, "{}", serde_json::to_string(&body)?)?;
        }
    }
    out.flush()
}

/// `--output json`: `{"matched", "ended", "failed"}`, `"corrected"` when the
/// walk filled in values the service's records lacked, and for a dry run
/// `"dry_run": true` and the `"session_ids"` that would end.
#[derive(Serialize)]
struct JsonReport<'a> {
    matched: usize,
    ended: usize,
    failed: Vec<JsonFailure<'a>>,
    #[serde(skip_serializing_if = "is_zero")]
    corrected: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_ids: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
struct JsonFailure<'a> {
    session_id: &'a str,
    error: String,
    request_id: Option<&'a str>,
}

/// Progress on stderr: on a terminal a spinner while the matching sessions
/// are found, then a bar; otherwise about ten plain lines.
enum Reporter {
    Bar(ProgressBar),
    Lines,
}

impl Reporter {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Reporter::Lines;
        }
        let spinner = ProgressBar::new_spinner();
        spinner.set_message("finding the matching sessions…");
        spinner.enable_steady_tick(std::time::Duration::from_millis(100));
        Reporter::Bar(spinner)
    }

    fn update(&self, p: Progress) {
        match self {
            Reporter::Bar(bar) => {
                if bar.length() != Some(p.matched as u64) {
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} [{bar:40}] {pos}/{len} sessions settled · {msg} · {elapsed}",
                        )
                        .expect("a valid template")
                        .progress_chars("=> "),
                    );
                    bar.set_length(p.matched as u64);
                }
                bar.set_position(p.done as u64);
                bar.set_message(format!("{} ended, {} failed", p.ended, p.failed));
            }
            Reporter::Lines => {
                let step = (p.matched / 10).max(1);
                if p.done.is_multiple_of(step) || p.done == p.matched {
                    eprintln!(
                        "revoke: {}/{} settled ({} ended, {} failed)",
                        p.done, p.matched, p.ended, p.failed
                    );
                }
            }
        }
    }

    fn finish(&self) {
        if let Reporter::Bar(bar) = self {
            bar.finish();
        }
    }

    fn clear(&self) {
        if let Reporter::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
