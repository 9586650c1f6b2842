//! `invalidate_all`: revoke every session that matches a filter, safely. The
//! walk completes before anything is ended (so no page can shift under it),
//! each matching session is ended once, with bounded concurrency, and one
//! session's failure never stops the others.

use std::{collections::HashSet, future::IntoFuture, sync::Arc};

use authn_session_gen::{types::SessionId, SecretToken};
use futures::{stream, FutureExt, StreamExt, TryStreamExt};

use crate::{
    list::Scope,
    platform::{self, BoxFuture},
    AuthN, Error, ListOptions, PangeaResponse,
};

/// How far a run has got, for a progress bar: reported after the walk and
/// after each session is settled.
///
/// ```
/// # fn f(p: authn_session::Progress) {
/// println!("{}/{} ({} failed)", p.done, p.matched, p.failed);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Sessions that match (known once the walk is complete).
    pub matched: usize,
    /// Sessions settled so far: ended, already gone, or failed.
    pub done: usize,
    /// Sessions ended so far (already gone included).
    pub ended: usize,
    /// Sessions that could not be ended so far.
    pub failed: usize,
}

/// A session that could not be ended, and why.
///
/// ```
/// # fn f(report: authn_session::InvalidateReport) {
/// for failure in report.failed() {
///     eprintln!("{}: {} (request {:?})", failure.session_id, failure.error, failure.request_id());
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct InvalidateFailure {
    /// The session.
    pub session_id: SessionId,
    /// The last error, after the retries the SDK allows.
    pub error: Error,
}

impl InvalidateFailure {
    /// The request id of the failed call, when the server sent one.
    ///
    /// ```
    /// # fn f(failure: &authn_session::InvalidateFailure) { println!("{:?}", failure.request_id()); }
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        self.error.request_id()
    }
}

/// What an [`InvalidateAll`] run did.
///
/// ```
/// # fn f(report: authn_session::InvalidateReport) {
/// println!("{} matched, {} ended, {} failed", report.matched(), report.ended(), report.failed().len());
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct InvalidateReport {
    matched: Vec<SessionId>,
    ended: usize,
    already_gone: usize,
    failed: Vec<InvalidateFailure>,
    dry_run: bool,
    corrected: usize,
}

impl InvalidateReport {
    /// How many sessions matched.
    ///
    /// ```
    /// # fn f(r: authn_session::InvalidateReport) { assert!(r.ended() <= r.matched()); }
    /// ```
    pub fn matched(&self) -> usize {
        self.matched.len()
    }

    /// The matching sessions, in the order they were listed: what a dry run
    /// would end.
    ///
    /// ```
    /// # fn f(r: authn_session::InvalidateReport) { for id in r.matched_ids() { println!("{id}"); } }
    /// ```
    pub fn matched_ids(&self) -> &[SessionId] {
        &self.matched
    }

    /// How many sessions are ended: ended by this run, or already gone (a 404)
    /// when it came to them. 0 for a dry run.
    ///
    /// ```
    /// # fn f(r: authn_session::InvalidateReport) { println!("{}", r.ended()); }
    /// ```
    pub fn ended(&self) -> usize {
        self.ended
    }

    /// Of [`ended`](Self::ended), how many were already gone (404).
    ///
    /// ```
    /// # fn f(r: authn_session::InvalidateReport) { println!("{}", r.already_gone()); }
    /// ```
    pub fn already_gone(&self) -> usize {
        self.already_gone
    }

    /// The sessions that could not be ended, each with its error.
    ///
    /// ```
    /// # fn f(r: authn_session::InvalidateReport) { assert!(r.failed().len() <= r.matched()); }
    /// ```
    pub fn failed(&self) -> &[InvalidateFailure] {
        &self.failed
    }

    /// How many values client error correction filled in while the walk
    /// read the matching sessions: required fields the service's records
    /// lacked or sent as `null` (see [`PangeaResponse::corrections`]). Such a
    /// session is still matched and ended: its id is all it takes. Each
    /// value was also logged as a `tracing` warning with its JSON path.
    ///
    /// ```
    /// # fn f(r: authn_session::InvalidateReport) {
    /// if r.corrected() > 0 { eprintln!("{} values were missing from the listed sessions", r.corrected()); }
    /// # }
    /// ```
    pub fn corrected(&self) -> usize {
        self.corrected
    }

    /// Whether this was a dry run (nothing was ended).
    ///
    /// ```
    /// # fn f(r: authn_session::InvalidateReport) { println!("{}", r.is_dry_run()); }
    /// ```
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }
}

type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// A run of `invalidate_all`, to configure and then `.await`. Get one from
/// [`SessionApi::invalidate_all`](crate::SessionApi::invalidate_all) or
/// [`ClientSessionApi::invalidate_all`](crate::ClientSessionApi::invalidate_all).
/// It first walks every matching session, reading ahead
/// ([`ListOptions::read_ahead`]), then ends each one.
///
/// ```no_run
/// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
/// use authn_session::{ListOptions, SessionListFilter};
///
/// let filter = SessionListFilter::new().email_contains(["@tenant.example"]);
/// let preview = authn.session().invalidate_all(ListOptions::new().filter(filter.clone())).dry_run().await?;
/// println!("would end {}", preview.matched());
/// let report = authn
///     .session()
///     .invalidate_all(ListOptions::new().filter(filter))
///     .concurrency(16)
///     .on_progress(|p| eprintln!("{}/{}", p.done, p.matched))
///     .await?;
/// assert_eq!(report.ended() + report.failed().len(), report.matched());
/// # Ok(()) }
/// ```
#[must_use = "nothing happens until the run is awaited"]
pub struct InvalidateAll {
    authn: AuthN,
    scope: Result<Scope, Error>,
    options: ListOptions,
    concurrency: usize,
    dry_run: bool,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for InvalidateAll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvalidateAll")
            .field("options", &self.options)
            .field("concurrency", &self.concurrency)
            .field("dry_run", &self.dry_run)
            .finish()
    }
}

impl InvalidateAll {
    pub(crate) fn new(authn: AuthN, scope: Result<Scope, Error>, options: ListOptions) -> Self {
        Self {
            authn,
            scope,
            options,
            concurrency: 8,
            dry_run: false,
            progress: None,
        }
    }

    /// At most `n` invalidations in flight at once (default 8; at least 1).
    ///
    /// ```no_run
    /// # async fn f(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.session().invalidate_all(Default::default()).concurrency(32).await?;
    /// # Ok(()) }
    /// ```
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Only walk and count: nothing is ended.
    ///
    /// ```no_run
    /// # async fn f(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let preview = authn.session().invalidate_all(Default::default()).dry_run().await?;
    /// assert_eq!(preview.ended(), 0);
    /// # Ok(()) }
    /// ```
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Calls `report` after the walk and after each session is settled.
    ///
    /// ```no_run
    /// # async fn f(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// authn.session().invalidate_all(Default::default())
    ///     .on_progress(|p| eprint!("\r{}/{}", p.done, p.matched))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_progress(mut self, report: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    async fn run(self) -> Result<InvalidateReport, Error> {
        let scope = self.scope?;
        // 1. The whole walk first: invalidating while paging could let pages
        //    shift under a server's cursor and skip sessions.
        let mut report = InvalidateReport {
            matched: Vec::new(),
            ended: 0,
            already_gone: 0,
            failed: Vec::new(),
            dry_run: self.dry_run,
            corrected: 0,
        };
        let mut seen = HashSet::new();
        let mut pages = scope.pages(&self.authn, self.options.read_ahead(true));
        while let Some(page) = pages.try_next().await? {
            report.corrected += page.corrections().len();
            let fresh = page.result.into_iter().map(|s| s.id);
            report
                .matched
                .extend(fresh.filter(|id| seen.insert(id.clone())));
        }
        let progress = |report: &InvalidateReport, done: usize| {
            if let Some(notify) = &self.progress {
                notify(Progress {
                    matched: report.matched.len(),
                    done,
                    ended: report.ended,
                    failed: report.failed.len(),
                });
            }
        };
        progress(&report, 0);
        if !self.dry_run {
            // 2. Each matching session once, `concurrency` at a time.
            let unsure =
                end_each(&self.authn, &scope, self.concurrency, &mut report, progress).await;
            if !unsure.is_empty() {
                settle_unsure(&self.authn, &scope, unsure, &mut report).await;
                progress(&report, report.matched.len());
            }
        }
        Ok(report)
    }
}

/// Ends every matched session once, `concurrency` at a time, counting into
/// `report`. With a user token, a 404 may mean the token died (its own
/// session was ended by this run), not that the session is gone: those are
/// returned, to be settled.
async fn end_each(
    authn: &AuthN,
    scope: &Scope,
    concurrency: usize,
    report: &mut InvalidateReport,
    progress: impl Fn(&InvalidateReport, usize),
) -> Vec<(SessionId, Error)> {
    let calls = report.matched.clone().into_iter().map(|id| {
        let call = invalidate(authn, scope, &id);
        call.map(move |outcome| (id, outcome))
    });
    let mut settled = stream::iter(calls).buffer_unordered(concurrency);
    let mut unsure = Vec::new();
    let mut done = 0;
    while let Some((session_id, outcome)) = settled.next().await {
        match outcome {
            Ok(_) => report.ended += 1,
            Err(error) if error.is_already_gone() => match scope {
                Scope::Service => {
                    report.ended += 1;
                    report.already_gone += 1;
                }
                Scope::User(_) => unsure.push((session_id, error)),
            },
            Err(error) => report.failed.push(InvalidateFailure { session_id, error }),
        }
        done += 1;
        progress(report, done);
    }
    unsure
}

/// Settles the 404s of a user-token run: a session still listed was not
/// ended; one no longer listed was. When the token itself is dead (the run
/// ended its own session), what became of the rest cannot be known: they are
/// reported failed, with the 404 they got.
async fn settle_unsure(
    authn: &AuthN,
    scope: &Scope,
    unsure: Vec<(SessionId, Error)>,
    report: &mut InvalidateReport,
) {
    let listed: Result<HashSet<SessionId>, Error> = scope
        .items(authn, ListOptions::new())
        .map_ok(|s| s.id)
        .try_collect()
        .await;
    for (session_id, error) in unsure {
        match &listed {
            Ok(listed) if !listed.contains(&session_id) => {
                report.ended += 1;
                report.already_gone += 1;
            }
            _ => report.failed.push(InvalidateFailure { session_id, error }),
        }
    }
}

fn invalidate(
    authn: &AuthN,
    scope: &Scope,
    id: &SessionId,
) -> BoxFuture<'static, Result<PangeaResponse<authn_session_gen::types::EmptyResult>, Error>> {
    match scope {
        Scope::Service => platform::boxed(authn.session().invalidate(id)),
        Scope::User(token) => platform::boxed(
            authn
                .client()
                .session()
                .invalidate(SecretToken::from(token), id),
        ),
    }
}

impl IntoFuture for InvalidateAll {
    type Output = Result<InvalidateReport, Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        platform::boxed(self.run())
    }
}
