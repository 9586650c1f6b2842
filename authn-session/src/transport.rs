//! Sends one operation: the HTTP attempts with retries, the 202 polling, the
//! deadline of the whole call, the bounded body read and the envelope
//! decoding. Paths, methods and bodies come from the generated crate.
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

use std::time::Duration;

use authn_session_gen::{
    operations::{self, Operation},
    types::{ConfigId, ErrorResult},
    SecretToken,
};
use bytes::{Bytes, BytesMut};
use reqwest::{
    header::{self, HeaderMap, HeaderValue},
    Method, StatusCode,
};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::{field::Empty, Instrument};
use url::Url;

use crate::{
    error::DecodeError,
    response::Envelope,
    retry::{backoff, parse_retry_after, should_retry, Failure, Idempotency},
    ApiError, ApiErrorKind, Config, Error, PangeaResponse,
};

const RETRIED_IDS_HEADER: &str = "x-pangea-retried-request-ids";
const EXCERPT_BYTES: usize = 512;
/// The most a response buffer reserves before any byte arrives, whatever
/// `Content-Length` claims; it grows as bytes actually come.
const FIRST_RESERVATION: usize = 64 * 1024;
const REDACTED: &str = "[REDACTED]";

/// The pseudo-operation of [`crate::AuthN::poll_result`]: its result type is
/// the caller's, so it is treated as one that may carry tokens.
const POLL_RESULT: Operation = Operation {
    id: "poll_result",
    method: "GET",
    path: "/request/",
    secret_result: true,
};

/// One call to make: which operation, its encoded body, and the tokens in that
/// body (redacted from anything quoted back in errors).
pub(crate) struct Call {
    pub op: Operation,
    pub idempotency: Idempotency,
    pub body: Bytes,
    pub secrets: Vec<SecretToken>,
}

/// The HTTP side of a client: one connection pool, shared by all clones.
pub(crate) struct Transport {
    http: reqwest::Client,
    pub(crate) config: Config,
    /// `Bearer <service token>`, marked sensitive; set on every request so that
    /// a caller's own `reqwest::Client` needs no default headers.
    authorization: HeaderValue,
    user_agent: HeaderValue,
    service_token: SecretToken,
    /// `config_id` of every body, parsed once.
    pub(crate) config_id: Option<ConfigId>,
    /// The URL of every operation, parsed once rather than per call.
    urls: Vec<(&'static str, Url)>,
    /// Until when every call of this client holds back: set by a 429, so one
    /// throttled call slows them all (a bulk run's workers included).
    throttled_until: std::sync::Mutex<Option<Instant>>,
}

enum Outcome<R> {
    Done(PangeaResponse<R>),
    Accepted(String),
    Failed(Failed),
}

struct Failed {
    error: Error,
    failure: Failure,
    request_id: Option<String>,
    retry_after: Option<Duration>,
}

impl Failed {
    fn new(error: Error, failure: Failure) -> Self {
        Self {
            error,
            failure,
            request_id: None,
            retry_after: None,
        }
    }
}

/// What `read` needs to know about the call whose response it reads.
struct Reading<'a> {
    op: &'a Operation,
    secrets: &'a [SecretToken],
    url: &'a Url,
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
        let config_id = config.config_id.as_deref().and_then(|id| id.parse().ok());
        Ok(Self {
            http,
            config_id,
            config,
            authorization,
            user_agent,
            service_token,
            urls,
            throttled_until: std::sync::Mutex::new(None),
        })
    }

    /// Makes the call within `operation_timeout`, retrying as [`crate::retry`]
    /// allows and polling a 202.
    pub(crate) async fn call<R: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<PangeaResponse<R>, Error> {
        let deadline = Instant::now() + self.config.operation_timeout;
        self.within(deadline, self.attempts(call, deadline)).await
    }

    /// Polls a queued request within `operation_timeout` (for `AuthN::poll_result`).
    pub(crate) async fn poll_result<R: DeserializeOwned>(
        &self,
        request_id: &str,
    ) -> Result<PangeaResponse<R>, Error> {
        let deadline = Instant::now() + self.config.operation_timeout;
        self.within(deadline, self.poll(&POLL_RESULT, request_id, &[]))
            .await
    }

    async fn within<T>(
        &self,
        deadline: Instant,
        work: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        tokio::time::timeout_at(deadline, work)
            .await
            .unwrap_or(Err(Error::OperationTimeout {
                timeout: self.config.operation_timeout,
            }))
    }

    async fn attempts<R: DeserializeOwned>(
        &self,
        call: Call,
        deadline: Instant,
    ) -> Result<PangeaResponse<R>, Error> {
        let url = match self.urls.iter().find(|(id, _)| *id == call.op.id) {
            Some((_, url)) => url.clone(),
            None => join(&self.config.base_url, call.op.path)?,
        };
        let method = Method::from_bytes(call.op.method.as_bytes())
            .map_err(|_| Error::Config(format!("bad method {:?}", call.op.method)))?;
        let started = Instant::now();
        let mut retried_ids: Vec<String> = Vec::new();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.hold_back().await;
            let span = tracing::info_span!(
                "pangea.request",
                operation = call.op.id,
                attempt,
                request_id = Empty,
                http_status = Empty
            );
            let outcome = self
                .attempt::<R>(&method, &url, &call, &retried_ids)
                .instrument(span)
                .await;
            let failed = match outcome {
                Outcome::Done(response) => return Ok(response),
                Outcome::Accepted(request_id) => {
                    if !self.config.queued_retry_enabled {
                        return Err(Error::Accepted { request_id });
                    }
                    return self.poll(&call.op, &request_id, &call.secrets).await;
                }
                Outcome::Failed(failed) => failed,
            };
            if let Some(id) = failed.request_id {
                retried_ids.push(id);
            }
            let error = with_attempts(failed.error, attempt);
            if attempt > self.config.request_retries
                || !should_retry(call.idempotency, failed.failure)
            {
                return Err(error);
            }
            let delay = match failed.retry_after {
                Some(wait) if wait > self.config.max_retry_backoff => return Err(error),
                Some(wait) => wait,
                None => backoff(
                    attempt - 1,
                    self.config.retry_backoff,
                    self.config.max_retry_backoff,
                ),
            };
            let resume = Instant::now() + delay;
            if matches!(
                failed.failure,
                Failure::Status {
                    http_status: 429,
                    ..
                }
            ) {
                self.throttle(resume);
            }
            // Waiting past either bound would only end in a timeout: say why now.
            if resume - started > self.config.retry_timeout || resume >= deadline {
                return Err(error);
            }
            tracing::debug!(operation = call.op.id, attempt, ?delay, %error, "retrying");
            tokio::time::sleep_until(resume).await;
        }
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
            tokio::time::sleep_until(until).await;
        }
    }

    /// Polls `GET /request/{request_id}` until the queued request is done, with
    /// delays of n² × `poll_interval`, for at most `poll_result_timeout`.
    async fn poll<R: DeserializeOwned>(
        &self,
        op: &Operation,
        request_id: &str,
        secrets: &[SecretToken],
    ) -> Result<PangeaResponse<R>, Error> {
        let mut url = join(&self.config.base_url, "request/")?;
        // Pushed as one encoded segment: an id can never reach another path.
        url.path_segments_mut()
            .map_err(|()| Error::Config("the base URL cannot take a path".into()))?
            .pop_if_empty()
            .push(request_id);
        let started = Instant::now();
        let mut last_error = None;
        for n in 1u32.. {
            let remaining = self
                .config
                .poll_result_timeout
                .saturating_sub(started.elapsed());
            if remaining.is_zero() {
                break;
            }
            tokio::time::sleep(
                self.config
                    .poll_interval
                    .saturating_mul(n.saturating_mul(n))
                    .min(remaining),
            )
            .await;
            let span = tracing::info_span!(
                "pangea.poll",
                operation = op.id,
                poll = n,
                request_id,
                http_status = Empty
            );
            let reading = Reading {
                op,
                secrets,
                url: &url,
            };
            let outcome = self
                .send::<R>(self.request(Method::GET, &url), &reading)
                .instrument(span)
                .await;
            match outcome {
                Outcome::Done(response) => return Ok(response),
                Outcome::Accepted(_) => {}
                // Polling only reads: any transient failure is worth another poll.
                Outcome::Failed(failed) if failed.error.is_retryable() => {
                    last_error = Some(failed.error)
                }
                Outcome::Failed(failed) => return Err(failed.error),
            }
        }
        if let Some(error) = last_error {
            tracing::debug!(%error, "last poll failed");
        }
        Err(Error::AcceptedTimeout {
            request_id: request_id.to_string(),
            waited: started.elapsed(),
        })
    }

    /// A request with the headers every call carries. The per-attempt timeout
    /// is set here, so it holds for a caller's own `reqwest::Client` too.
    fn request(&self, method: Method, url: &Url) -> reqwest::RequestBuilder {
        self.http
            .request(method, url.clone())
            .header(header::AUTHORIZATION, self.authorization.clone())
            .header(header::USER_AGENT, self.user_agent.clone())
            .timeout(self.config.request_timeout)
    }

    async fn attempt<R: DeserializeOwned>(
        &self,
        method: &Method,
        url: &Url,
        call: &Call,
        retried_ids: &[String],
    ) -> Outcome<R> {
        let mut request = self
            .request(method.clone(), url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(call.body.clone());
        if !retried_ids.is_empty() {
            request = request.header(RETRIED_IDS_HEADER, retried_ids.join(","));
        }
        let reading = Reading {
            op: &call.op,
            secrets: &call.secrets,
            url,
        };
        self.send(request, &reading).await
    }

    async fn send<R: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        reading: &Reading<'_>,
    ) -> Outcome<R> {
        match request.send().await {
            Ok(response) => self.read(response, reading).await,
            Err(e) => Outcome::Failed(send_error(e, self.config.request_timeout)),
        }
    }

    /// Reads the body within the size limit and decodes it.
    async fn read<R: DeserializeOwned>(
        &self,
        mut response: reqwest::Response,
        reading: &Reading<'_>,
    ) -> Outcome<R> {
        if response.url() != reading.url {
            // Only a caller's own client can get here: ours follows no redirect.
            return Outcome::Failed(Failed::new(
                Error::Config(
                    "the reqwest::Client given to AuthN::with_http_client followed a redirect; \
                     build it with .redirect(reqwest::redirect::Policy::none())"
                        .into(),
                ),
                Failure::Permanent,
            ));
        }
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        // Everything the server says is redacted before it is kept or traced:
        // a server may echo a token anywhere, an id and a status included.
        let header_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(|id| self.redact(id, reading.secrets));
        let span = tracing::Span::current();
        span.record("http_status", status.as_u16());
        if let Some(id) = &header_id {
            span.record("request_id", id.as_str());
        }
        let limit = self.config.max_response_bytes;
        let too_large = || {
            let error = Error::ResponseTooLarge {
                http_status: status.as_u16(),
                request_id: header_id.clone(),
                limit,
            };
            Outcome::Failed(Failed {
                request_id: header_id.clone(),
                ..Failed::new(error, Failure::Permanent)
            })
        };
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return too_large();
        }
        let mut body = BytesMut::with_capacity(first_reservation(response.content_length(), limit));
        loop {
            match response.chunk().await {
                // Stop reading at once: the rest of the body is never buffered.
                Ok(Some(chunk)) if body.len() + chunk.len() > limit => return too_large(),
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    let mut failed = send_error(e, self.config.request_timeout);
                    failed.failure = Failure::MaybeProcessed;
                    failed.request_id = header_id;
                    return Outcome::Failed(failed);
                }
            }
        }
        self.decode(status, headers, header_id, &body.freeze(), reading)
    }

    fn decode<R: DeserializeOwned>(
        &self,
        status: StatusCode,
        headers: HeaderMap,
        header_id: Option<String>,
        body: &[u8],
        reading: &Reading<'_>,
    ) -> Outcome<R> {
        let retry_after = parse_retry_after(headers.get(header::RETRY_AFTER));
        let status_failure = |envelope| {
            if status.is_client_error() || status.is_server_error() {
                Failure::Status {
                    http_status: status.as_u16(),
                    envelope,
                }
            } else {
                Failure::Permanent
            }
        };
        // A successful answer of an operation whose result carries tokens is
        // never quoted: whatever is wrong with it, it may hold new tokens.
        let withhold = reading.op.secret_result && status.is_success();
        let decode_failure = |request_id: Option<String>, detail: Option<DecodeError>| {
            let error = Error::Decode {
                http_status: status.as_u16(),
                request_id: request_id.clone(),
                excerpt: (!withhold).then(|| self.excerpt(body, reading.secrets)),
                source: detail.map(|d| self.sanitize(d, withhold, reading.secrets)),
            };
            Outcome::Failed(Failed {
                error,
                failure: status_failure(false),
                request_id,
                retry_after,
            })
        };
        // The common case in one pass: a success of the expected shape.
        if status.is_success() && status != StatusCode::ACCEPTED {
            if let Ok(mut envelope) = serde_json::from_slice::<Envelope<R>>(body) {
                if let (true, Some(result)) = (envelope.status == "Success", envelope.result.take())
                {
                    envelope.request_id = self.redact(&envelope.request_id, reading.secrets);
                    // Recorded again only when it differs: fmt layers print every record.
                    if header_id.as_deref() != Some(envelope.request_id.as_str()) {
                        tracing::Span::current().record("request_id", envelope.request_id.as_str());
                    }
                    return Outcome::Done(PangeaResponse::new(envelope, result, status, headers));
                }
            }
        }
        let mut envelope = match parse::<Envelope<&serde_json::value::RawValue>>(body) {
            Ok(envelope) => envelope,
            Err(detail) => return decode_failure(header_id, Some(detail)),
        };
        envelope.request_id = self.redact(&envelope.request_id, reading.secrets);
        let request_id = Some(envelope.request_id.clone());
        if header_id != request_id {
            tracing::Span::current().record("request_id", envelope.request_id.as_str());
        }
        // The header's id where there is one, as for bodies that are no envelope.
        let decode_id = header_id.or_else(|| request_id.clone());
        if status == StatusCode::ACCEPTED {
            return Outcome::Accepted(envelope.request_id);
        }
        if envelope.status == "Success" {
            if !status.is_success() {
                return decode_failure(decode_id, None);
            }
            let raw = envelope.result.map_or("null", |r| r.get());
            let decoded = parse::<R>(raw.as_bytes()).map_err(|d| d.within("result"));
            return match decoded {
                Ok(result) => Outcome::Done(PangeaResponse::new(envelope, result, status, headers)),
                Err(detail) => decode_failure(decode_id, Some(detail)),
            };
        }
        let field_errors = envelope
            .result
            .and_then(|raw| serde_json::from_str::<ErrorResult>(raw.get()).ok())
            .map(|r| r.errors)
            .unwrap_or_default()
            .into_iter()
            .map(|mut e| {
                e.detail = self.redact(&e.detail, reading.secrets);
                e
            })
            .collect();
        let api = ApiError {
            kind: ApiErrorKind::from_status(&envelope.status, status.as_u16()),
            http_status: status.as_u16(),
            summary: self.redact(
                envelope.summary.as_deref().unwrap_or_default(),
                reading.secrets,
            ),
            status: self.redact(&envelope.status, reading.secrets),
            request_id: envelope.request_id,
            field_errors,
            retry_after,
            attempts: 1,
        };
        Outcome::Failed(Failed {
            error: Error::Api(Box::new(api)),
            failure: status_failure(true),
            request_id,
            retry_after,
        })
    }

    /// The start of a body, with every token of the call redacted first, so
    /// that a token straddling the cut leaves no prefix behind.
    fn excerpt(&self, body: &[u8], secrets: &[SecretToken]) -> String {
        let text = self.redact(&String::from_utf8_lossy(body), secrets);
        if text.len() <= EXCERPT_BYTES {
            return text;
        }
        let mut cut = EXCERPT_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut excerpt = text[..cut].to_string();
        excerpt.push('…');
        excerpt
    }

    /// Drops or redacts the decoder's message: it quotes values of the body.
    fn sanitize(
        &self,
        mut detail: DecodeError,
        withhold: bool,
        secrets: &[SecretToken],
    ) -> DecodeError {
        detail.message = if withhold {
            None
        } else {
            detail.message.map(|m| self.redact(&m, secrets))
        };
        detail
    }

    /// Removes every token this call used from text quoted back to the caller.
    fn redact(&self, text: &str, secrets: &[SecretToken]) -> String {
        let mut text = text.to_string();
        for secret in secrets
            .iter()
            .chain([&self.service_token])
            .map(|s| s.expose_secret())
        {
            if !secret.is_empty() && text.contains(secret) {
                text = text.replace(secret, REDACTED);
            }
        }
        text
    }
}

/// How much to reserve for a body: what `Content-Length` announces (already
/// checked against the limit), but never more than [`FIRST_RESERVATION`].
fn first_reservation(content_length: Option<u64>, limit: usize) -> usize {
    content_length
        .map_or(8 * 1024, |len| len.min(limit as u64) as usize)
        .min(FIRST_RESERVATION)
}

/// Decodes JSON; on failure, finds the path of the value that failed. The
/// path is only looked for then: tracking it costs as much as the decoding.
fn parse<'de, T: serde::Deserialize<'de>>(body: &'de [u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(body).map_err(|_| locate::<T>(body))
}

/// Decodes `body` again, tracking the path, to say where it fails.
fn locate<'de, T: serde::Deserialize<'de>>(body: &'de [u8]) -> DecodeError {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let Err(e) = serde_path_to_error::deserialize::<_, T>(&mut deserializer) else {
        return DecodeError {
            path: ".".into(),
            category: "unexpected value",
            message: None,
        };
    };
    {
        let path = e.path().to_string();
        let inner = e.into_inner();
        DecodeError {
            path,
            category: match inner.classify() {
                serde_json::error::Category::Io => "read error",
                serde_json::error::Category::Syntax => "not JSON",
                serde_json::error::Category::Eof => "truncated JSON",
                serde_json::error::Category::Data => "unexpected value",
            },
            message: Some(inner.to_string()),
        }
    }
}

impl DecodeError {
    /// The same failure, inside the field `field` of the envelope.
    fn within(mut self, field: &str) -> Self {
        self.path = if self.path == "." {
            field.to_string()
        } else {
            format!("{field}.{}", self.path)
        };
        self
    }
}

fn join(base: &Url, path: &str) -> Result<Url, Error> {
    base.join(path.trim_start_matches('/'))
        .map_err(|e| Error::Config(format!("cannot join {path:?} to the base URL: {e}")))
}

fn send_error(e: reqwest::Error, timeout: Duration) -> Failed {
    if e.is_connect() {
        Failed::new(
            Error::Transport {
                source: e.without_url(),
                processed_maybe: false,
            },
            Failure::NotSent,
        )
    } else if e.is_timeout() {
        Failed::new(Error::Timeout { timeout }, Failure::MaybeProcessed)
    } else {
        Failed::new(
            Error::Transport {
                source: e.without_url(),
                processed_maybe: true,
            },
            Failure::MaybeProcessed,
        )
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reservation_never_takes_a_claimed_length() {
        assert_eq!(first_reservation(Some(100), 1 << 24), 100);
        assert_eq!(
            first_reservation(Some(16 << 20), 16 << 20),
            FIRST_RESERVATION
        );
        assert_eq!(
            first_reservation(Some(u64::MAX), 1 << 24),
            FIRST_RESERVATION
        );
        assert_eq!(first_reservation(None, 1 << 24), 8 * 1024);
    }
}

#[cfg(test)]
mod fuzz {
    //! Decoding and error mapping under arbitrary bytes and structure-aware JSON.
    //! `PROPTEST_CASES=1000000 cargo test -p authn-session fuzz --release` for a long run.

    use authn_session_gen::types::{EmptyResult, SessionListResult};
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;

    /// A token the call "sent": the generators put it into bodies, and no
    /// excerpt or message may ever show it.
    const SENT: &str = "ptu_sentFUZZtoken";

    const STATUSES: &[u16] = &[
        200, 201, 202, 204, 301, 307, 400, 401, 403, 404, 418, 429, 500, 502, 503, 504,
    ];
    const KEYS: &[&str] = &[
        "request_id",
        "request_time",
        "response_time",
        "status",
        "summary",
        "result",
        "sessions",
        "last",
        "errors",
        "code",
        "detail",
        "source",
        "id",
        "type",
        "life",
        "profile",
        "refresh_token",
        "token",
    ];

    fn transport() -> &'static Transport {
        static T: std::sync::OnceLock<Transport> = std::sync::OnceLock::new();
        T.get_or_init(|| {
            Transport::new(
                "pts_fuzz".into(),
                Config::builder().build().expect("config"),
                None,
            )
            .expect("transport")
        })
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            prop_oneof![
                Just("Success".to_string()),
                Just("ValidationError".to_string()),
                Just("2026-11-24T03:00:00Z".to_string()),
                Just(SENT.to_string()),
                ".{0,12}".prop_map(|s| format!("{s}{SENT}")),
                ".{0,12}"
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop::sample::select(KEYS).prop_map(str::to_string),
                    inner,
                    0..8
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn check<R: serde::de::DeserializeOwned>(
        t: &'static Transport,
        op: &Operation,
        status: u16,
        body: Vec<u8>,
    ) {
        let status = StatusCode::from_u16(status).expect("status");
        let url = Url::parse("http://127.0.0.1/").expect("url");
        let secrets = [SecretToken::new(SENT)];
        let reading = Reading {
            op,
            secrets: &secrets,
            url: &url,
        };
        match t.decode::<R>(
            status,
            HeaderMap::new(),
            Some("prq_h".into()),
            &body,
            &reading,
        ) {
            Outcome::Done(r) => assert!(status.is_success() && r.status == "Success"),
            Outcome::Accepted(_) => assert_eq!(status, StatusCode::ACCEPTED),
            Outcome::Failed(f) => {
                let error = f.error;
                let printed = format!(
                    "{error} {error:?} {:?}",
                    std::error::Error::source(&error).map(ToString::to_string)
                );
                assert!(!printed.contains(SENT), "{printed}");
                match error {
                    Error::Api(api) => assert_eq!(api.http_status, status.as_u16()),
                    Error::Decode {
                        http_status,
                        excerpt,
                        ..
                    } => {
                        assert_eq!(http_status, status.as_u16());
                        let excerpt = excerpt.unwrap_or_default();
                        assert!(excerpt.len() <= EXCERPT_BYTES + '…'.len_utf8());
                    }
                    other => panic!("unexpected error {other:?}"),
                }
            }
        }
    }

    fn check_all(status: u16, body: Vec<u8>) {
        let t = transport();
        check::<SessionListResult>(t, &operations::CLIENT_SESSION_LIST, status, body.clone());
        check::<EmptyResult>(t, &operations::CLIENT_SESSION_LOGOUT, status, body);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(status in prop::sample::select(STATUSES), body in prop::collection::vec(any::<u8>(), 0..2048)) {
            check_all(status, body);
        }

        #[test]
        fn arbitrary_envelopes_never_panic(status in prop::sample::select(STATUSES), value in json_value()) {
            check_all(status, serde_json::to_vec(&value).expect("encode"));
        }

        #[test]
        fn sent_tokens_never_show_whatever_surrounds_them(status in prop::sample::select(STATUSES), before in ".{0,600}", after in ".{0,600}") {
            check_all(status, format!("{before}{SENT}{after}").into_bytes());
        }
    }
}
