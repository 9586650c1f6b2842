//! The `errors` check: the two calls that change nothing (an invalidate of
//! a session no tenant holds, a client list with a user token no tenant
//! holds), their answers, and how the SDK classifies each.

use authn_session::{Error, ListOptions};

use super::{record, CheckKind, Probe, Verdict, SPENT};

/// A session id of the right shape (`pmt_` and 32 base32 characters) that
/// no tenant holds: a random id never repeats one letter 32 times. The
/// `errors` check invalidates it.
///
/// ```
/// assert_eq!(authn_session_cli::verify::UNKNOWN_SESSION.len(), 36);
/// ```
pub const UNKNOWN_SESSION: &str = "pmt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A user token of the right shape that no tenant holds, for the same
/// reason. The `errors` check lists the sessions of it.
///
/// ```
/// assert!(authn_session_cli::verify::UNKNOWN_USER_TOKEN.starts_with("ptu_"));
/// ```
pub const UNKNOWN_USER_TOKEN: &str = "ptu_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

const DOCUMENTED: &str = "HTTP 404, status NotFound (kind NotFound, not retryable, already gone)";

pub(super) async fn check(probe: &mut Probe) -> Vec<super::Check> {
    let mut checks = Vec::new();
    for (case, client) in [
        ("invalidate of an unknown session", false),
        ("client list with an unknown user token", true),
    ] {
        if !probe.take() {
            checks.push(record(
                CheckKind::Errors,
                case,
                DOCUMENTED,
                SPENT.into(),
                Verdict::Skipped,
            ));
            continue;
        }
        let answer = if client {
            probe
                .authn
                .client()
                .session()
                .list(UNKNOWN_USER_TOKEN, ListOptions::new().size(1))
                .await
                .map(|r| (r.http_status(), r.status.clone()))
        } else {
            probe
                .authn
                .session()
                .invalidate(UNKNOWN_SESSION)
                .await
                .map(|r| (r.http_status(), r.status.clone()))
        };
        let (observed, verdict) = read(answer);
        checks.push(record(
            CheckKind::Errors,
            case,
            DOCUMENTED,
            observed,
            verdict,
        ));
    }
    checks
}

/// What the answer was and how the SDK reads it.
fn read(answer: Result<(u16, String), Error>) -> (String, Verdict) {
    let error = match answer {
        Ok((http, status)) => {
            return (
                format!("HTTP {http}, status {status}: a success"),
                Verdict::Differs,
            )
        }
        Err(error) => error,
    };
    let classified = format!(
        "kind {}, {}retryable, {}already gone",
        error
            .api()
            .map_or_else(|| "none".to_string(), |api| format!("{:?}", api.kind)),
        if error.is_retryable() { "" } else { "not " },
        if error.is_already_gone() { "" } else { "not " },
    );
    match error.api() {
        Some(api) => (
            format!(
                "HTTP {}, status {}, summary {:?} ({classified})",
                api.http_status, api.status, api.summary
            ),
            if api.http_status == 404 && api.status == "NotFound" {
                Verdict::Match
            } else {
                Verdict::Differs
            },
        ),
        None => (format!("{error} ({classified})"), Verdict::Differs),
    }
}
