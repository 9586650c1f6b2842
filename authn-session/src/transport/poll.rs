//! Polling a queued request (HTTP 202): `GET /request/{id}` with growing
//! delays until it is done, within `poll_result_timeout`.

use authn_session_gen::{operations::Operation, SecretToken};
use reqwest::Method;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use super::{
    join,
    observed::{InFlight, Watch},
    telemetry::{self, Endpoint},
    Outcome, Transport,
};
use crate::{
    platform::{self, Instant},
    AttemptRecord, Error, PangeaResponse,
};

impl Transport {
    /// `GET /request/{request_id}`: the id pushed as one encoded segment, so
    /// that it can never reach another path.
    pub(super) fn poll_url(&self, request_id: &str) -> Result<Url, Error> {
        let mut url = join(&self.config.base_url, "request/")?;
        url.path_segments_mut()
            .map_err(|()| Error::Config("the base URL cannot take a path".into()))?
            .pop_if_empty()
            .push(request_id);
        Ok(url)
    }

    /// Polls `url`, the queued request `request_id`, until it is done, with
    /// delays of n² × `poll_interval`, for at most `poll_result_timeout`.
    /// The polls are records of `attempt`, the attempt that was queued.
    pub(super) async fn poll<R: DeserializeOwned>(
        &self,
        op: &Operation,
        url: &Url,
        request_id: &str,
        secrets: &[SecretToken],
        (watch, attempt, in_flight): (&Watch<'_>, u32, &InFlight),
    ) -> Result<PangeaResponse<R>, Error> {
        let endpoint = Endpoint::new("GET", url);
        let watch = &Watch {
            endpoint: &endpoint,
            ..*watch
        };
        let started = Instant::now();
        let remaining = || {
            self.config
                .poll_result_timeout
                .saturating_sub(started.elapsed())
        };
        let timed_out = || Error::AcceptedTimeout {
            request_id: request_id.to_string(),
            waited: started.elapsed(),
        };
        for n in 1u32.. {
            if remaining().is_zero() {
                return Err(timed_out());
            }
            let wait = self
                .config
                .poll_interval
                .saturating_mul(n.saturating_mul(n));
            platform::sleep(wait.min(remaining())).await;
            let span = telemetry::poll(watch.endpoint, op.id, n, request_id);
            let request = self.request(Method::GET, url);
            let sent = in_flight.start(attempt, Some((n, url)));
            let outcome = self
                .exchange::<R>(request, url, op, secrets)
                .instrument(span.clone())
                .await;
            in_flight.ended();
            let record = |status, id, error, last| AttemptRecord {
                http_status: status,
                request_id: id,
                error,
                last,
                ..watch.record(attempt, Some(n), sent)
            };
            let error = match outcome {
                Outcome::Done(response) => {
                    let (status, id) = (Some(response.http_status()), &response.request_id);
                    watch.tell(|| record(status, Some(id), None, true));
                    return Ok(response);
                }
                Outcome::Accepted(_) => None,
                Outcome::Failed(failed) => {
                    telemetry::failed(&span, &failed.error);
                    Some(failed)
                }
            };
            let status = error.as_ref().map_or(Some(202), |f| f.error.http_status());
            match error {
                // Polling only reads: any transient cause is worth another poll.
                Some(failed) if !failed.error.is_retryable() => {
                    let id = failed.request_id.as_deref().or(failed.error.request_id());
                    watch.tell(|| record(status, id, Some(&failed.error), true));
                    return Err(failed.error);
                }
                transient if remaining().is_zero() => {
                    if let Some(failed) = &transient {
                        tracing::debug!(error = %failed.error, "last poll failed");
                    }
                    let timeout = timed_out();
                    watch.tell(|| record(status, Some(request_id), Some(&timeout), true));
                    return Err(timeout);
                }
                transient => {
                    let error = transient.as_ref().map(|f| &f.error);
                    watch.tell(|| record(status, Some(request_id), error, false));
                }
            }
        }
        unreachable!("the polls end by returning")
    }
}
