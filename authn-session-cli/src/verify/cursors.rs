//! The `cursors` check: the first sessions walked one page at a time, the
//! same sessions as one page, and what a cursor sent a second time returns.

use std::collections::HashSet;

use authn_session::ListOptions;

use super::{ids, record, Check, CheckKind, Probe, Verdict, SPENT};

/// Sessions walked with `size` 1.
const WALK: usize = 5;

pub(super) async fn check(probe: &mut Probe) -> Vec<Check> {
    let walk_case = format!("the first {WALK} sessions, one page of size 1 at a time");
    let mut walked: Vec<String> = Vec::new();
    let mut cursors: Vec<String> = Vec::new();
    while walked.len() < WALK {
        let mut options = ListOptions::new().size(1);
        if let Some(last) = cursors.last() {
            options = options.last(last.clone());
        }
        let page = match probe.list(options).await {
            None => {
                return vec![record(
                    CheckKind::Cursors,
                    &walk_case,
                    "",
                    SPENT.into(),
                    Verdict::Skipped,
                )]
            }
            Some(Err(e)) => {
                let observed = format!("refused after {} pages: {e}", cursors.len());
                return vec![record(
                    CheckKind::Cursors,
                    &walk_case,
                    "every page served",
                    observed,
                    Verdict::Differs,
                )];
            }
            Some(Ok(page)) => page,
        };
        walked.extend(ids(&page));
        match page["last"].as_str().filter(|last| !last.is_empty()) {
            Some(last) => cursors.push(last.to_string()),
            None => break,
        }
    }
    let mut checks = Vec::new();
    let distinct = walked.iter().collect::<HashSet<_>>().len();
    checks.push(record(
        CheckKind::Cursors,
        &walk_case,
        "no session twice",
        format!("{} sessions, {distinct} distinct", walked.len()),
        if distinct == walked.len() {
            Verdict::Match
        } else {
            Verdict::Differs
        },
    ));
    let case = "one page of the same size";
    let documented = "the same sessions, in the same order";
    let size = walked.len().max(1) as u64;
    checks.push(match probe.list(ListOptions::new().size(size)).await {
        None => record(
            CheckKind::Cursors,
            case,
            documented,
            SPENT.into(),
            Verdict::Skipped,
        ),
        Some(Err(e)) => record(
            CheckKind::Cursors,
            case,
            documented,
            format!("refused: {e}"),
            Verdict::Differs,
        ),
        Some(Ok(page)) => {
            let one_page = ids(&page);
            if one_page == walked {
                record(
                    CheckKind::Cursors,
                    case,
                    documented,
                    "the same".into(),
                    Verdict::Match,
                )
            } else {
                let observed = format!("{one_page:?}, walked {walked:?}");
                record(
                    CheckKind::Cursors,
                    case,
                    documented,
                    observed,
                    Verdict::Differs,
                )
            }
        }
    });
    // A cursor is documented as a position, not a one-time ticket: sent again,
    // it gives the page it gave the first time.
    let case = "the first cursor, sent a second time";
    let documented = "the page it gave the first time";
    checks.push(match (cursors.first(), walked.get(1)) {
        (Some(cursor), Some(first_time)) => match probe
            .list(ListOptions::new().size(1).last(cursor.clone()))
            .await
        {
            None => record(
                CheckKind::Cursors,
                case,
                documented,
                SPENT.into(),
                Verdict::Skipped,
            ),
            Some(Err(e)) => record(
                CheckKind::Cursors,
                case,
                documented,
                format!("refused: {e}"),
                Verdict::Differs,
            ),
            Some(Ok(page)) => {
                let again = ids(&page);
                if again.first() == Some(first_time) {
                    record(
                        CheckKind::Cursors,
                        case,
                        documented,
                        format!("{first_time} again"),
                        Verdict::Match,
                    )
                } else {
                    let observed = format!("{again:?}; the first time {first_time}");
                    record(
                        CheckKind::Cursors,
                        case,
                        documented,
                        observed,
                        Verdict::Differs,
                    )
                }
            }
        },
        _ => record(
            CheckKind::Cursors,
            case,
            documented,
            "not run: fewer than two sessions".into(),
            Verdict::Skipped,
        ),
    });
    checks
}
