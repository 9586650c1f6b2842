//! Sends one operation. This module is the retry loop: the attempts, the
//! backoff and `Retry-After`, the 429 hold-back shared by every call of a
//! client, and the deadline of the whole call. One attempt (the headers, the
//! size-capped read) is [`attempt`]; turning its response into a result or a
//! typed error is [`decode`], with every piece of server text going through
//! the call's [`redact::Redactor`]; polling a 202 is [`poll`]; what the
//! observer hook is told is [`observed`]. Whether a cause is
//! retried is the table of [`crate::retry`].
//!
//! The facade drives `reqwest` itself rather than the generated `Client`'s
//! methods, for three reasons (a per-attempt header is not one of them:
//! progenitor-client 0.15's `ClientHooks::exec` can set one):
//! - **typed errors**: a body that does not decode must still yield its HTTP
//!   status, its request id and a redacted excerpt. The generated methods
//!   return `InvalidResponsePayload(Bytes, serde_json::Error)`, which keeps
//!   the whole body (tokens included) and drops the status and headers;
//! - **the body cap**: the generated methods read every body whole, with no
//!   limit, before decoding it;
//! - **HTTP 202**: a queued request is not a response the spec declares, so
//!   the generated methods hand it back as `UnexpectedResponse`, outside the
//!   retry and polling loop.
//!
//! The generated `Client` stays available as an escape hatch
//! ([`crate::raw`]), tested against the emulator.

mod attempt;
mod call;
mod correct;
mod decode;
#[cfg(test)]
mod fuzz;
mod observed;
mod poll;
mod redact;
mod telemetry;

use std::{future::Future, sync::Arc, time::Duration};

use authn_session_gen::{
    operations::{self, Operation},
    types::ConfigId,
    SecretToken,
};

use reqwest::{
    header::{HeaderMap, HeaderValue},
    Method,
};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

pub(crate) use self::call::{build, Call};
use self::observed::{InFlight, Watch};
use self::redact::Redactor;
pub(crate) use self::telemetry::error_type;
use self::telemetry::Endpoint;
use crate::overrides::Checked;
use crate::{
    platform::{self, Instant, MaybeSend},
    retry::{backoff, should_retry, Cause},
    AttemptRecord, Config, Error, PangeaResponse,
};

const RETRIED_IDS_HEADER: &str = "x-pangea-retried-request-ids";

/// The pseudo-operation of [`crate::AuthN::poll_result`]: its result type is
/// the caller's, so it is treated as one that may carry tokens.
const POLL_RESULT: Operation = Operation {
    id: "poll_result",
    method: "GET",
    path: "/request/",
    secret_result: true,
    // Polling only reads.
    retry: operations::Retry::Idempotent,
    corrections: &[],
};

/// The HTTP side of a client: one connection pool, shared by all clones.
pub(crate) struct Transport {
    http: reqwest::Client,
    pub(crate) config: Config,
    /// `Bearer <service token>`, marked sensitive; set on every request so that
    /// a caller's own `reqwest::Client` needs no default headers.
    authorization: HeaderValue,
    user_agent: HeaderValue,
    service_token: SecretToken,
    /// The URL of every operation, parsed once rather than per call, and
    /// shared with the handles of [`crate::AuthN::with_overrides`].
    urls: Arc<[(&'static str, Url)]>,
    /// Headers of [`crate::Overrides`], sent with every request.
    extra_headers: HeaderMap,
    /// Until when every call of this client holds back: set by a 429, so one
    /// throttled call slows them all (a bulk run's workers included, and the
    /// handles of [`crate::AuthN::with_overrides`]).
    throttled_until: Arc<std::sync::Mutex<Option<Instant>>>,
}

/// What one attempt came to.
pub(crate) enum Outcome<R> {
    Done(PangeaResponse<R>),
    /// HTTP 202: queued under this request id.
    Accepted(String),
    Failed(Failed),
}

/// A failed attempt: the error (whose [`Cause`] decides a retry), the
/// request id to send back in the retried-ids header, and `Retry-After`.
pub(crate) struct Failed {
    error: Error,
    request_id: Option<String>,
    retry_after: Option<Duration>,
}

impl Failed {
    fn new(error: Error) -> Self {
        Self {
            error,
            request_id: None,
            retry_after: None,
        }
    }
}

impl Transport {
    pub(crate) fn new(
        service_token: SecretToken,
        config: Config,
        http: Option<reqwest::Client>,
    ) -> Result<Self, Error> {
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", service_token.expose_secret())).map_err(
                |_| Error::Config("the service token is not a valid header value".into()),
            )?;
        authorization.set_sensitive(true);
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| Error::Config("the user agent is not a valid header value".into()))?;
        let http = match http {
            Some(http) => http,
            None => crate::tls::client(&config)?,
        };
        let urls = operations::ALL
            .iter()
            .map(|op| Ok((op.id, join(&config.base_url, op.path)?)))
            .collect::<Result<_, Error>>()?;
        Ok(Self {
            http,
            config,
            authorization,
            user_agent,
            service_token,
            urls,
            extra_headers: HeaderMap::new(),
            throttled_until: Arc::default(),
        })
    }

    /// This transport with `overrides`: the same connection pool, token and
    /// 429 hold-back; the overridden settings and headers added.
    pub(crate) fn overridden(&self, overrides: Checked) -> Self {
        let mut config = self.config.clone();
        if let Some(timeout) = overrides.operation_timeout {
            config.operation_timeout = timeout;
        }
        if let Some(retries) = overrides.request_retries {
            config.request_retries = retries;
        }
        let mut extra_headers = self.extra_headers.clone();
        extra_headers.extend(overrides.headers);
        Self {
            http: self.http.clone(),
            config,
            authorization: self.authorization.clone(),
            user_agent: self.user_agent.clone(),
            service_token: self.service_token.clone(),
            urls: self.urls.clone(),
            extra_headers,
            throttled_until: self.throttled_until.clone(),
        }
    }

    /// The `config_id` every request body carries, when the client has one.
    pub(crate) fn config_id(&self) -> Option<ConfigId> {
        self.config.config_id.clone()
    }

    /// The `'static` future of the call `request` is the body of: the one
    /// call path of every endpoint. Its operation, retry class, tokens and
    /// result type come from the generated table ([`operations::Request`]).
    pub(crate) fn send<Q>(
        self: &Arc<Self>,
        request: Result<Q, Error>,
    ) -> impl Future<Output = Result<PangeaResponse<Q::Result>, Error>> + MaybeSend + 'static
    where
        Q: operations::Request,
        Q::Result: Send + 'static,
    {
        self.run(request.and_then(|q| Call::of(&q)))
    }

    /// The `'static` future of one call, as every API handle returns it: the
    /// input was checked and encoded when the call was made (a refusal is the
    /// future's output, and nothing is sent); the future owns a clone of the
    /// transport, so it can be spawned, joined or buffered.
    pub(crate) fn run<R: DeserializeOwned + Send + 'static>(
        self: &Arc<Self>,
        call: Result<Call, Error>,
    ) -> impl Future<Output = Result<PangeaResponse<R>, Error>> + MaybeSend + 'static {
        let transport = self.clone();
        async move { transport.call(call?).await }
    }

    /// `page` with the service token replaced wherever the service wrote it:
    /// a result handed back as raw JSON is held to the rule of an error's text.
    pub(crate) fn scrub(&self, page: &mut PangeaResponse<serde_json::Value>) {
        let redactor = Redactor::new(&[], &self.service_token);
        redactor.redact_json(&mut page.result);
        page.summary = redactor.redact(&page.summary);
        page.status = redactor.redact(&page.status);
    }

    /// Makes the call within `operation_timeout`, retrying as [`crate::retry`]
    /// allows and polling a 202.
    pub(crate) async fn call<R: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<PangeaResponse<R>, Error> {
        let (op, span) = (call.op.id, telemetry::call(call.op.id));
        let started = Instant::now();
        let deadline = started + self.config.operation_timeout;
        let in_flight = InFlight::new(self.config.observer.is_some());
        let url = self.url_of(&call.op)?;
        let endpoint = Endpoint::new(call.op.method, &url);
        let watch = self.watch(&call.op, &endpoint, call.target.as_ref());
        let result = self
            .within(
                deadline,
                self.attempts(&call, &url, &watch, deadline, &in_flight),
            )
            .instrument(span.clone())
            .await;
        match result {
            // The attempts were cut short, before they could say how they ended.
            Err(timeout @ Error::OperationTimeout { .. }) => {
                self.cut(&watch, &in_flight, &timeout);
                span.in_scope(|| telemetry::ended(op, started, in_flight.attempts(), Err(timeout)))
            }
            other => other,
        }
    }

    /// Polls a queued request within `operation_timeout` (for `AuthN::poll_result`).
    pub(crate) async fn poll_result<R: DeserializeOwned>(
        &self,
        request_id: &str,
    ) -> Result<PangeaResponse<R>, Error> {
        let span = telemetry::call(POLL_RESULT.id);
        span.record(telemetry::REQUEST_ID, request_id);
        let deadline = Instant::now() + self.config.operation_timeout;
        let url = self.poll_url(request_id)?;
        let endpoint = Endpoint::new("GET", &url);
        let watch = self.watch(&POLL_RESULT, &endpoint, None);
        let in_flight = InFlight::new(self.config.observer.is_some());
        let polled = self.poll(&POLL_RESULT, &url, request_id, &[], (&watch, 0, &in_flight));
        let result = self.within(deadline, polled).instrument(span).await;
        if let Err(timeout @ Error::OperationTimeout { .. }) = &result {
            self.cut(&watch, &in_flight, timeout);
        }
        result
    }

    async fn within<T>(
        &self,
        deadline: Instant,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        platform::timeout_at(deadline, work)
            .await
            .unwrap_or(Err(Error::OperationTimeout {
                timeout: self.config.operation_timeout,
            }))
    }

    /// The URL of `op`, parsed when the client was built.
    fn url_of(&self, op: &Operation) -> Result<Url, Error> {
        match self.urls.iter().find(|(id, _)| *id == op.id) {
            Some((_, url)) => Ok(url.clone()),
            None => join(&self.config.base_url, op.path),
        }
    }

    /// The attempts of `call`, to `url`; `in_flight` follows them.
    async fn attempts<R: DeserializeOwned>(
        &self,
        call: &Call,
        url: &Url,
        watch: &Watch<'_>,
        deadline: Instant,
        in_flight: &InFlight,
    ) -> Result<PangeaResponse<R>, Error> {
        let method = Method::from_bytes(call.op.method.as_bytes())
            .map_err(|_| Error::Config(format!("bad method {:?}", call.op.method)))?;
        let started = Instant::now();
        let mut retried_ids: Vec<String> = Vec::new();
        for attempt in 1u32.. {
            self.hold_back().await;
            let span = telemetry::attempt(watch.endpoint, call.op.id, attempt);
            let sent = in_flight.start(attempt, None);
            let outcome = self
                .attempt::<R>(&method, url, call, &retried_ids)
                .instrument(span.clone())
                .await;
            in_flight.ended();
            let op = call.op.id;
            let ended = |result| telemetry::ended(op, started, attempt, result);
            let failed = match outcome {
                Outcome::Done(response) => {
                    telemetry::attempted(op, sent, Some(response.http_status()), None);
                    watch.tell(|| AttemptRecord {
                        http_status: Some(response.http_status()),
                        request_id: Some(&response.request_id),
                        last: true,
                        ..watch.record(attempt, None, sent)
                    });
                    return ended(Ok(response));
                }
                Outcome::Accepted(request_id) => {
                    telemetry::attempted(op, sent, Some(202), None);
                    if !self.config.queued_retry_enabled {
                        let error = Error::Accepted { request_id };
                        watch.tell(|| AttemptRecord {
                            http_status: Some(202),
                            request_id: error.request_id(),
                            error: Some(&error),
                            last: true,
                            ..watch.record(attempt, None, sent)
                        });
                        return ended(Err(error));
                    }
                    watch.tell(|| AttemptRecord {
                        http_status: Some(202),
                        request_id: Some(&request_id),
                        ..watch.record(attempt, None, sent)
                    });
                    let url = self.poll_url(&request_id)?;
                    let polled = self.poll(
                        &call.op,
                        &url,
                        &request_id,
                        &call.secrets,
                        (watch, attempt, in_flight),
                    );
                    return ended(polled.await);
                }
                Outcome::Failed(failed) => failed,
            };
            let status = failed.error.http_status();
            telemetry::attempted(op, sent, status, Some(&failed.error));
            telemetry::failed(&span, &failed.error);
            let cause = failed.error.retry_cause();
            let error = with_attempts(failed.error, attempt);
            let resume =
                if attempt > self.config.request_retries || !should_retry(call.op.retry, cause) {
                    None
                } else {
                    // Waiting past either bound would only end in a timeout: say why now.
                    self.resume_at(attempt, cause, failed.retry_after)
                        .filter(|resume| !self.past_bounds(*resume, started, deadline))
                };
            watch.tell(|| AttemptRecord {
                http_status: status,
                request_id: failed.request_id.as_deref().or(error.request_id()),
                error: Some(&error),
                last: resume.is_none(),
                ..watch.record(attempt, None, sent)
            });
            let Some(resume) = resume else {
                return ended(Err(error));
            };
            retried_ids.extend(failed.request_id);
            tracing::debug!(operation = call.op.id, attempt, delay = ?(resume - Instant::now()), %error, "retrying");
            platform::sleep_until(resume).await;
        }
        unreachable!("the attempts end by returning")
    }

    /// Whether a retry starting at `resume` starts past the retry budget or
    /// the call's deadline. Exactly on a bound, either answer is right: no
    /// clock can arrange that instant (`.cargo/mutants.toml` says so).
    fn past_bounds(&self, resume: Instant, started: Instant, deadline: Instant) -> bool {
        resume - started > self.config.retry_timeout || resume >= deadline
    }

    /// When the retry after attempt number `attempt` may start: after
    /// `Retry-After`, or the backoff; `None` when the server asks for a wait
    /// beyond `max_retry_backoff`. A 429 holds back every call of the client.
    fn resume_at(
        &self,
        attempt: u32,
        cause: Cause,
        retry_after: Option<Duration>,
    ) -> Option<Instant> {
        let delay = match retry_after {
            Some(wait) if wait > self.config.max_retry_backoff => return None,
            Some(wait) => wait,
            None => backoff(
                attempt - 1,
                self.config.retry_backoff,
                self.config.max_retry_backoff,
            ),
        };
        let resume = Instant::now() + delay;
        if matches!(
            cause,
            Cause::Status {
                http_status: 429,
                ..
            }
        ) {
            self.throttle(resume);
        }
        Some(resume)
    }

    /// Every call of this client waits until `until` before its next attempt.
    fn throttle(&self, until: Instant) {
        let mut held = self
            .throttled_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.is_none_or(|t| t < until) {
            *held = Some(until);
        }
    }

    /// Waits while the client is throttled (see [`Transport::throttle`]).
    async fn hold_back(&self) {
        let until = *self
            .throttled_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(until) = until.filter(|t| *t > Instant::now()) {
            tracing::debug!(wait = ?(until - Instant::now()), "throttled: holding back");
            platform::sleep_until(until).await;
        }
    }

    /// One attempt of `call`, with the ids of the attempts before it.
    async fn attempt<R: DeserializeOwned>(
        &self,
        method: &Method,
        url: &Url,
        call: &Call,
        retried_ids: &[String],
    ) -> Outcome<R> {
        let mut request = self
            .request(method.clone(), url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(call.body.clone());
        if !retried_ids.is_empty() {
            request = request.header(RETRIED_IDS_HEADER, retried_ids.join(","));
        }
        self.exchange(request, url, &call.op, &call.secrets).await
    }

    /// Sends `request` and decodes its answer, with the call's secrets redacted.
    async fn exchange<R: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        url: &Url,
        op: &Operation,
        secrets: &[SecretToken],
    ) -> Outcome<R> {
        let redactor = Redactor::new(secrets, &self.service_token);
        match self.fetch(request, url, &redactor).await {
            Ok(raw) => decode::decode(raw, op, &redactor),
            Err(failed) => Outcome::Failed(failed),
        }
    }
}

impl Transport {
    /// `raw`, the JSON that `below` reaches in the result of a page read
    /// ahead, decoded as a whole body is (client error correction included,
    /// with the paths it corrected): a cause is [`Error::Decode`] with the
    /// JSON path, its excerpt redacted of the call's secrets.
    pub(crate) fn typed<T: DeserializeOwned, P>(
        &self,
        page: &PangeaResponse<P>,
        raw: &serde_json::value::RawValue,
        below: &[authn_session_gen::operations::Step],
        op: &Operation,
        secrets: &[SecretToken],
    ) -> Result<(T, Vec<String>), Error> {
        let redactor = Redactor::new(secrets, &self.service_token);
        decode::typed(page, raw, below, op, &redactor)
    }
}

fn join(base: &Url, path: &str) -> Result<Url, Error> {
    base.join(path.trim_start_matches('/'))
        .map_err(|e| Error::Config(format!("cannot join {path:?} to the base URL: {e}")))
}

fn with_attempts(error: Error, attempts: u32) -> Error {
    match error {
        Error::Api(mut api) => {
            api.attempts = attempts;
            Error::Api(api)
        }
        other => other,
    }
}
