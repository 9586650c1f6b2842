//! `authn-session invalidate` and `logout`: end sessions by id, or every
//! session of users, one line per id; the others go on when one fails.

use std::io::Write;

use authn_session::AuthN;

use crate::failure::Failure;

pub async fn invalidate(authn: &AuthN, session_ids: &[String]) -> Result<(), Failure> {
    each(
        session_ids,
        authn_session::check_id,
        "ended session",
        |id| authn.session().invalidate(id),
    )
    .await
}

pub async fn logout(authn: &AuthN, user_ids: &[String]) -> Result<(), Failure> {
    each(
        user_ids,
        authn_session::check_user_id,
        "ended every session of user",
        |id| authn.session().logout(id),
    )
    .await
}

/// Calls `call` for every id in turn. Every id is checked first with the
/// SDK's own `check` (bad input sends nothing at all); a failure is printed
/// and the rest go on.
async fn each<'a, F, T>(
    ids: &'a [String],
    check: fn(&'a String) -> Result<(), authn_session::Error>,
    done: &str,
    call: impl Fn(&'a str) -> F,
) -> Result<(), Failure>
where
    F: std::future::Future<Output = Result<T, authn_session::Error>>,
{
    for (n, id) in ids.iter().enumerate() {
        check(id).map_err(|e| Failure::api(format!("argument {}", n + 1), e))?;
    }
    let mut failed = false;
    let mut out = std::io::stdout().lock();
    for id in ids {
        match call(id).await {
            Ok(_) => writeln!(out, "{done} {id}")?,
            Err(error) => {
                let failure = Failure::api(id.clone(), error);
                if let Some(message) = failure.message() {
                    eprintln!("{message}");
                }
                failed = true;
            }
        }
    }
    // Every id was checked above, so what failed was the API or the network.
    if failed {
        Err(Failure::Reported(1))
    } else {
        Ok(())
    }
}
