//! `authn-session verify`: runs [`crate::verify`] and prints its report, a
//! table or a JSON array of records. The report holds no token: the SDK
//! scrubs the service token from whatever the service wrote.

use std::io::Write;

use authn_session::AuthN;

use crate::{
    args::{VerifyArgs, VerifyFormat},
    failure::Failure,
    verify::{Report, Verdict, Verify},
};

/// Exit 0 when every record matches, 1 when one differs, 2 when the first
/// list failed (nothing could be checked).
pub async fn verify(authn: &AuthN, args: VerifyArgs) -> Result<(), Failure> {
    let report = Verify::new(authn.clone())
        .max_requests(args.max_requests.get())
        .run()
        .await
        .map_err(|e| Failure::could_not_run("verify: the first list", e))?;
    let text = match args.output {
        VerifyFormat::Json => serde_json::to_string_pretty(&report.checks).expect("plain data"),
        VerifyFormat::Table => table(&report),
    };
    writeln!(std::io::stdout().lock(), "{text}")?;
    if report.differs() {
        Err(Failure::Reported(1))
    } else {
        Ok(())
    }
}

fn table(report: &Report) -> String {
    let mut out = format!("{:<8} {:<9} {:<52} OBSERVED\n", "VERDICT", "CHECK", "CASE");
    for c in &report.checks {
        out.push_str(&format!(
            "{:<8} {:<9} {:<52} {}\n",
            c.verdict.name(),
            c.check.name(),
            c.case,
            c.observed
        ));
    }
    for c in report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Differs)
    {
        out.push_str(&format!(
            "\ndiffers: {} {}\n  documented: {}\n  observed:   {}\n",
            c.check.name(),
            c.case,
            c.documented,
            c.observed
        ));
    }
    let count = |v| report.checks.iter().filter(|c| c.verdict == v).count();
    out.push_str(&format!(
        "\n{} checks: {} match, {} differ, {} skipped; {} requests",
        report.checks.len(),
        count(Verdict::Match),
        count(Verdict::Differs),
        count(Verdict::Skipped),
        report.requests
    ));
    out
}
