//! `revoke --audit FILE`: one NDJSON line per session the revoke ended or
//! failed to end, appended as each call settles, from the SDK's observer hook
//! (`ConfigBuilder::observer`): the evidence an incident report needs.

use std::{
    collections::HashSet,
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    sync::{Mutex, PoisonError},
};

use authn_session::{AttemptRecord, InvalidateReport, Target};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use crate::failure::Failure;

/// The operation whose calls the audit records: `revoke` ends sessions by id.
const ENDS: &str = "session_invalidate";

/// An audit file, open for appending, and what has been written to it.
pub struct Audit {
    path: PathBuf,
    state: Mutex<State>,
}

struct State {
    file: File,
    /// The sessions with a line already.
    written: HashSet<String>,
    /// The first write that failed: the run goes on, and then says so.
    error: Option<std::io::Error>,
}

/// One line of the file.
#[derive(Serialize)]
struct Line<'a> {
    /// When the call settled, UTC.
    time: String,
    session_id: &'a str,
    /// `ended`, `already_gone` (ended before this run came to it) or `failed`.
    outcome: &'static str,
    /// The request id of the answer that settled it, when the service sent one.
    request_id: Option<&'a str>,
    http_status: Option<u16>,
    /// Attempts the call took (retries included).
    attempts: u32,
    /// Why it failed, for `failed`.
    error: Option<String>,
}

impl Audit {
    /// Opens `path` for appending (creating it), before anything is sent: a
    /// file that cannot be written is a usage error, and nothing is ended.
    pub fn open(path: &Path) -> Result<Audit, Failure> {
        let file = File::options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                Failure::usage(
                    format!("cannot open the audit file {}: {e}", path.display()),
                    "--audit FILE must be a file this user can create or append to",
                )
            })?;
        Ok(Audit {
            path: path.to_path_buf(),
            state: Mutex::new(State {
                file,
                written: HashSet::new(),
                error: None,
            }),
        })
    }

    /// The observer: writes the line of a session whose invalidate just
    /// settled (its last attempt).
    pub fn observe(&self, record: &AttemptRecord<'_>) {
        let (ENDS, true, Some(Target::Session(id))) =
            (record.operation, record.last, record.target)
        else {
            return;
        };
        let error = record.error;
        let outcome = match error {
            None => "ended",
            Some(e) if e.is_already_gone() => "already_gone",
            Some(_) => "failed",
        };
        self.write(&Line {
            time: now(),
            session_id: id.as_ref(),
            outcome,
            request_id: record.request_id,
            http_status: record.http_status,
            attempts: record.attempt,
            error: error
                .filter(|_| outcome == "failed")
                .map(ToString::to_string),
        });
    }

    /// After the run: a line from `report` for each session it settled with
    /// no last attempt seen (a call its deadline cut between attempts), so
    /// that every session the run tried to end has its line. Then what went
    /// wrong with the file, if anything did: the message for stderr.
    pub fn finish(&self, report: &InvalidateReport) -> Result<(), String> {
        if !report.is_dry_run() {
            let written = self.lock().written.clone();
            for id in report.matched_ids().iter().map(|id| id.as_ref()) {
                if written.contains(id) {
                    continue;
                }
                let failure = report.failed().iter().find(|f| f.session_id.as_ref() == id);
                self.write(&Line {
                    time: now(),
                    session_id: id,
                    outcome: if failure.is_some() { "failed" } else { "ended" },
                    request_id: failure.and_then(|f| f.request_id()),
                    http_status: failure.and_then(|f| f.error.http_status()),
                    attempts: 0,
                    error: failure.map(|f| f.error.to_string()),
                });
            }
        }
        match self.lock().error.take() {
            None => Ok(()),
            Some(e) => Err(format!(
                "error: the audit file {} is incomplete: {e}",
                self.path.display()
            )),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `line` whole, in one write, so that concurrent calls never
    /// interleave and a crash loses at most the line being written.
    fn write(&self, line: &Line<'_>) {
        let mut text = serde_json::to_string(line).expect("a line serializes");
        text.push('\n');
        let mut state = self.lock();
        let result = state.file.write_all(text.as_bytes());
        match result {
            Ok(()) => {
                state.written.insert(line.session_id.to_string());
            }
            Err(e) => {
                state.error.get_or_insert(e);
            }
        }
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use authn_emulator::{Emulator, FaultRule};
    use authn_session::{AuthN, Config, ListOptions};

    use super::*;

    fn lines(path: &Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// A run whose last attempts the file never saw is completed from its
    /// report: each session once, failures with their request id and error.
    #[tokio::test]
    async fn sessions_with_no_line_get_theirs_from_the_report() {
        let emulator = Emulator::builder().seed_users(1, 3).spawn().await.unwrap();
        emulator
            .faults()
            .add(FaultRule::new("session_invalidate").status(400))
            .unwrap();
        let path =
            std::env::temp_dir().join(format!("audit-backfill-{}.ndjson", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let audit = std::sync::Arc::new(Audit::open(&path).unwrap());
        let config = Config::builder()
            .base_url_template(emulator.base_url())
            .build()
            .unwrap();
        let authn = AuthN::new(emulator.service_token(), config).unwrap();
        let report = authn
            .session()
            .invalidate_all(ListOptions::new())
            .concurrency(1)
            .await
            .unwrap();
        let failed = &report.failed()[0];
        // One line was seen (as if the observer had it); the other two were not.
        let seen = report
            .matched_ids()
            .iter()
            .find(|id| **id != failed.session_id)
            .unwrap();
        audit.write(&Line {
            time: now(),
            session_id: seen.as_ref(),
            outcome: "ended",
            request_id: Some("prq_seen"),
            http_status: Some(200),
            attempts: 1,
            error: None,
        });
        audit.finish(&report).unwrap();
        let written = lines(&path);
        assert_eq!(written.len(), 3);
        assert_eq!(written[0]["request_id"], "prq_seen");
        let by_id = |id: &str| {
            written
                .iter()
                .find(|l| l["session_id"] == id)
                .unwrap()
                .clone()
        };
        let line = by_id(failed.session_id.as_ref());
        assert_eq!(line["outcome"], "failed");
        assert_eq!(line["request_id"].as_str(), failed.request_id());
        assert_eq!(line["http_status"], 400);
        assert_eq!(line["error"].as_str().unwrap(), failed.error.to_string());
        let rest: Vec<_> = written[1..]
            .iter()
            .filter(|l| l["outcome"] == "ended")
            .collect();
        assert_eq!(rest.len(), 1);
        assert_eq!(
            (&rest[0]["request_id"], &rest[0]["attempts"]),
            (&serde_json::Value::Null, &serde_json::json!(0))
        );
        // A dry run ends nothing, so it adds no line.
        let preview = authn
            .session()
            .invalidate_all(ListOptions::new())
            .dry_run()
            .await
            .unwrap();
        audit.finish(&preview).unwrap();
        assert_eq!(lines(&path).len(), 3);
        let _ = std::fs::remove_file(&path);
    }
}
