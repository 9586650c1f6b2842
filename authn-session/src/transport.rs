//! Sends one operation: the HTTP attempts with retries, the 202 polling, the
//! bounded body read and the envelope decoding. Paths come from the generated
//! operation table; bodies and results are the generated types.
//!
//! The facade drives `reqwest` itself rather than calling the generated
//! `Client` methods: those cannot add a header per attempt (the retried-ids
//! header), read every body whole with no size limit, and drop the HTTP status
//! when a body does not decode.

use std::time::{Duration, Instant};

use authn_session_gen::{
    operations::{self, Operation},
    types::{AcceptedResponse, ErrorResponse},
};
use bytes::{Bytes, BytesMut};
use reqwest::{
    header::{self, HeaderMap, HeaderValue},
    StatusCode,
};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::{field::Empty, Instrument};
use url::Url;

use crate::{
    response::Envelope,
    retry::{backoff, parse_retry_after, should_retry, Failure, Idempotency},
    ApiError, ApiErrorKind, Config, Error, PangeaResponse,
};

const RETRIED_IDS_HEADER: &str = "x-pangea-retried-request-ids";
const EXCERPT_BYTES: usize = 512;
const REDACTED: &str = "[REDACTED]";

/// One call to make: which operation, its encoded body, and the tokens in that
/// body (redacted from anything quoted back in errors).
pub(crate) struct Call<'a> {
    pub op: Operation,
    pub idempotency: Idempotency,
    pub body: Bytes,
    pub secrets: &'a [&'a str],
}

/// The HTTP side of a client: one connection pool, shared by all clones.
pub(crate) struct Transport {
    http: reqwest::Client,
    pub(crate) config: Config,
    service_token: SecretString,
    /// The URL of every operation, parsed once rather than per call.
    urls: Vec<(&'static str, Url)>,
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

impl Transport {
    pub(crate) fn new(service_token: &str, config: Config) -> Result<Self, Error> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {service_token}"))
            .map_err(|_| Error::Config("the service token is not a valid header value".into()))?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, auth);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(config.user_agent.clone())
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            // A redirect would carry the token elsewhere; Pangea never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let urls = operations::ALL
            .iter()
            .map(|op| Ok((op.id, join(&config.base_url, op.path)?)))
            .collect::<Result<_, Error>>()?;
        Ok(Self {
            http,
            config,
            service_token: SecretString::from(service_token.to_string()),
            urls,
        })
    }

    /// Makes the call, retrying as [`crate::retry`] allows and polling a 202.
    pub(crate) async fn call<R: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<PangeaResponse<R>, Error> {
        let url = match self.urls.iter().find(|(id, _)| *id == call.op.id) {
            Some((_, url)) => url.clone(),
            None => join(&self.config.base_url, call.op.path)?,
        };
        let started = Instant::now();
        let mut retried_ids: Vec<String> = Vec::new();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let span = tracing::info_span!(
                "pangea.request",
                operation = call.op.id,
                attempt,
                request_id = Empty,
                http_status = Empty
            );
            let outcome = self
                .attempt::<R>(&url, &call, &retried_ids)
                .instrument(span)
                .await;
            let failed = match outcome {
                Outcome::Done(response) => return Ok(response),
                Outcome::Accepted(request_id) => {
                    if !self.config.queued_retry_enabled {
                        return Err(Error::Accepted { request_id });
                    }
                    return self.poll(call.op.id, &request_id, call.secrets).await;
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
            if started.elapsed() + delay > self.config.retry_timeout {
                return Err(error);
            }
            tracing::debug!(operation = call.op.id, attempt, ?delay, %error, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Polls `GET /request/{request_id}` until the queued request is done, with
    /// delays of n² × `poll_interval`, for at most `poll_result_timeout`.
    pub(crate) async fn poll<R: DeserializeOwned>(
        &self,
        operation: &'static str,
        request_id: &str,
        secrets: &[&str],
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
                operation,
                poll = n,
                request_id,
                http_status = Empty
            );
            let response = self
                .http
                .get(url.clone())
                .send()
                .instrument(span.clone())
                .await;
            let outcome = match response {
                Ok(response) => self.read::<R>(response, secrets).instrument(span).await,
                Err(e) => Outcome::Failed(send_error(e, self.config.request_timeout)),
            };
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

    async fn attempt<R: DeserializeOwned>(
        &self,
        url: &Url,
        call: &Call<'_>,
        retried_ids: &[String],
    ) -> Outcome<R> {
        let mut request = self
            .http
            .post(url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(call.body.clone());
        if !retried_ids.is_empty() {
            request = request.header(RETRIED_IDS_HEADER, retried_ids.join(","));
        }
        match request.send().await {
            Ok(response) => self.read(response, call.secrets).await,
            Err(e) => Outcome::Failed(send_error(e, self.config.request_timeout)),
        }
    }

    /// Reads the body within the size limit and decodes it.
    async fn read<R: DeserializeOwned>(
        &self,
        mut response: reqwest::Response,
        secrets: &[&str],
    ) -> Outcome<R> {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let header_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
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
        let mut body = BytesMut::with_capacity(
            response
                .content_length()
                .map_or(8 * 1024, |len| len as usize),
        );
        loop {
            match response.chunk().await {
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
        self.decode(status, headers, header_id, body.freeze(), secrets)
    }

    fn decode<R: DeserializeOwned>(
        &self,
        status: StatusCode,
        headers: HeaderMap,
        header_id: Option<String>,
        body: Bytes,
        secrets: &[&str],
    ) -> Outcome<R> {
        if status == StatusCode::ACCEPTED {
            if let Ok(accepted) = serde_json::from_slice::<AcceptedResponse>(&body) {
                tracing::Span::current().record("request_id", accepted.request_id.as_str());
                return Outcome::Accepted(accepted.request_id);
            }
        } else if status.is_success() {
            match serde_json::from_slice::<Envelope<R>>(&body) {
                Ok(envelope) if envelope.status == "Success" => {
                    tracing::Span::current().record("request_id", envelope.request_id.as_str());
                    return Outcome::Done(envelope.into_response(status, headers));
                }
                Ok(_) | Err(_) => {}
            }
        }
        let retry_after = parse_retry_after(headers.get(header::RETRY_AFTER));
        let envelope = serde_json::from_slice::<ErrorResponse>(&body);
        let failure = |envelope| {
            if status.is_client_error() || status.is_server_error() {
                Failure::Status {
                    http_status: status.as_u16(),
                    envelope,
                }
            } else {
                Failure::Permanent
            }
        };
        match envelope {
            Ok(envelope) if envelope.status != "Success" => {
                tracing::Span::current().record("request_id", envelope.request_id.as_str());
                let api = ApiError {
                    kind: ApiErrorKind::from_status(&envelope.status, status.as_u16()),
                    http_status: status.as_u16(),
                    status: envelope.status,
                    summary: self.redact(envelope.summary.as_deref().unwrap_or_default(), secrets),
                    request_id: envelope.request_id.clone(),
                    field_errors: envelope
                        .result
                        .map(|r| r.errors)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|mut e| {
                            e.detail = self.redact(&e.detail, secrets);
                            e
                        })
                        .collect(),
                    retry_after,
                    attempts: 1,
                };
                Outcome::Failed(Failed {
                    error: Error::Api(Box::new(api)),
                    failure: failure(true),
                    request_id: Some(envelope.request_id),
                    retry_after,
                })
            }
            _ => {
                let source = if status.is_success() || status == StatusCode::ACCEPTED {
                    serde_json::from_slice::<Envelope<R>>(&body).err()
                } else {
                    envelope.err()
                };
                let error = Error::Decode {
                    http_status: status.as_u16(),
                    request_id: header_id.clone(),
                    excerpt: self.excerpt(&body, secrets),
                    source,
                };
                Outcome::Failed(Failed {
                    error,
                    failure: failure(false),
                    request_id: header_id,
                    retry_after,
                })
            }
        }
    }

    fn excerpt(&self, body: &[u8], secrets: &[&str]) -> String {
        let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]);
        let mut excerpt = self.redact(&text, secrets);
        if body.len() > EXCERPT_BYTES {
            excerpt.push('…');
        }
        excerpt
    }

    /// Removes every token this call used from text quoted back to the caller.
    fn redact(&self, text: &str, secrets: &[&str]) -> String {
        let mut text = text.to_string();
        for secret in secrets
            .iter()
            .copied()
            .chain([self.service_token.expose_secret()])
        {
            if !secret.is_empty() && text.contains(secret) {
                text = text.replace(secret, REDACTED);
            }
        }
        text
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
mod fuzz {
    //! Decoding and error mapping under arbitrary bytes and structure-aware JSON.
    //! `PROPTEST_CASES=1000000 cargo test -p authn-session fuzz --release` for a long run.

    use authn_session_gen::types::{EmptyResult, SessionListResult};
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;

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
            Transport::new("pts_fuzz", Config::builder().build().expect("config"))
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

    fn check<R: serde::de::DeserializeOwned>(t: &'static Transport, status: u16, body: Vec<u8>) {
        let status = StatusCode::from_u16(status).expect("status");
        match t.decode::<R>(
            status,
            HeaderMap::new(),
            Some("prq_h".into()),
            Bytes::from(body),
            &["ptu_secret"],
        ) {
            Outcome::Done(r) => assert!(status.is_success() && r.status == "Success"),
            Outcome::Accepted(_) => assert_eq!(status, StatusCode::ACCEPTED),
            Outcome::Failed(f) => match f.error {
                Error::Api(api) => assert_eq!(api.http_status, status.as_u16()),
                Error::Decode {
                    http_status,
                    excerpt,
                    ..
                } => {
                    assert_eq!(http_status, status.as_u16());
                    assert!(excerpt.len() <= EXCERPT_BYTES + '…'.len_utf8() + REDACTED.len() * 64);
                    assert!(!excerpt.contains("ptu_secret"));
                }
                other => panic!("unexpected error {other:?}"),
            },
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(status in prop::sample::select(STATUSES), body in prop::collection::vec(any::<u8>(), 0..2048)) {
            let t = transport();
            check::<SessionListResult>(t, status, body.clone());
            check::<EmptyResult>(t, status, body);
        }

        #[test]
        fn arbitrary_envelopes_never_panic(status in prop::sample::select(STATUSES), value in json_value()) {
            let t = transport();
            let body = serde_json::to_vec(&value).expect("encode");
            check::<SessionListResult>(t, status, body.clone());
            check::<EmptyResult>(t, status, body);
        }
    }
}
