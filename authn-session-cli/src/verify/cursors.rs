//! The `cursors` check: the first sessions walked one page at a time, the
//! same sessions as one page, and what a cursor sent a second time returns.

use std::collections::HashSet;

use authn_session::ListOptions;

use super::{ids, record, Check, CheckKind, Probe, Verdict};

/// Sessions walked with `size` 1.
const WALK: usize = 5;

pub(super) async fn check(probe: &mut Probe) -> Vec<Check> {
    let cursors = |case: &str, documented: &str, (observed, verdict): (String, Verdict)| {
        record(CheckKind::Cursors, case, documented, observed, verdict)
    };
    let walk_case = format!("the first {WALK} sessions, one page of size 1 at a time");
    let walk_documented = "every page served, no session twice";
    let mut walked: Vec<String> = Vec::new();
    let mut pages: Vec<String> = Vec::new();
    while walked.len() < WALK {
        let mut options = ListOptions::new().size(1);
        if let Some(last) = pages.last() {
            options = options.last(last.clone());
        }
        let page = match probe.page(options).await {
            Ok(page) => page,
            Err((observed, verdict)) => {
                let observed = format!("after {} pages: {observed}", pages.len());
                return vec![cursors(&walk_case, walk_documented, (observed, verdict))];
            }
        };
        walked.extend(ids(&page));
        match page["last"].as_str().filter(|last| !last.is_empty()) {
            Some(last) => pages.push(last.to_string()),
            None => break,
        }
    }
    let distinct = walked.iter().collect::<HashSet<_>>().len();
    let mut checks = vec![cursors(
        &walk_case,
        walk_documented,
        (
            format!("{} sessions, {distinct} distinct", walked.len()),
            if distinct == walked.len() {
                Verdict::Match
            } else {
                Verdict::Differs
            },
        ),
    )];

    let size = walked.len().max(1) as u64;
    let outcome = match probe.page(ListOptions::new().size(size)).await {
        Err(none) => none,
        Ok(page) if ids(&page) == walked => ("the same".into(), Verdict::Match),
        Ok(page) => (
            format!("{:?}, walked {walked:?}", ids(&page)),
            Verdict::Differs,
        ),
    };
    checks.push(cursors(
        "one page of the same size",
        "the same sessions, in the same order",
        outcome,
    ));

    // A cursor is documented as a position, not a one-time ticket: sent again,
    // it gives the page it gave the first time.
    let outcome = match (pages.first(), walked.get(1)) {
        (Some(cursor), Some(first_time)) => {
            let options = ListOptions::new().size(1).last(cursor.clone());
            match probe.page(options).await {
                Err(none) => none,
                Ok(page) => match ids(&page) {
                    again if again.first() == Some(first_time) => {
                        (format!("{first_time} again"), Verdict::Match)
                    }
                    again => (
                        format!("{again:?}; the first time {first_time}"),
                        Verdict::Differs,
                    ),
                },
            }
        }
        _ => ("not run: fewer than two sessions".into(), Verdict::Skipped),
    };
    checks.push(cursors(
        "the first cursor, sent a second time",
        "the page it gave the first time",
        outcome,
    ));
    checks
}
