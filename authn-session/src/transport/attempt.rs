//! One HTTP attempt: the request with the headers every call carries, sent,
//! and its response read within `max_response_bytes` while it streams (on
//! `wasm32`, once the browser has read it: see [`crate::platform`]).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use reqwest::{
    header::{self, HeaderMap},
    Method, StatusCode,
};
use url::Url;

use super::{redact::Redactor, telemetry, Failed, Transport};
use crate::{platform, Error};

/// The most a response buffer reserves before any byte arrives, whatever
/// `Content-Length` claims; it grows as bytes actually come.
const FIRST_RESERVATION: usize = 64 * 1024;

/// A response, read whole within the size limit.
pub(crate) struct Raw {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// `x-request-id`, redacted.
    pub header_id: Option<String>,
    pub body: Bytes,
}

impl Transport {
    /// A request with the headers every call carries. The per-attempt timeout
    /// is set here, so it holds for a caller's own `reqwest::Client` too.
    pub(super) fn request(&self, method: Method, url: &Url) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, url.clone())
            .header(header::AUTHORIZATION, self.authorization.clone())
            .header(header::USER_AGENT, self.user_agent.clone())
            .timeout(self.config.request_timeout);
        if self.extra_headers.is_empty() {
            request
        } else {
            request.headers(self.extra_headers.clone())
        }
    }

    /// Sends `request` and reads its response within the size limit.
    pub(super) async fn fetch(
        &self,
        request: reqwest::RequestBuilder,
        url: &Url,
        redactor: &Redactor<'_>,
    ) -> Result<Raw, Failed> {
        let timeout = self.config.request_timeout;
        let mut response = request
            .send()
            .await
            .map_err(|e| Failed::new(send_error(e, timeout)))?;
        if response.url() != url {
            // Only a caller's own client can get here: ours follows no redirect.
            return Err(Failed::new(Error::Config(platform::REDIRECTED.into())));
        }
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        // Everything the server says is redacted before it is kept or traced:
        // a server may echo a token anywhere, an id and a status included.
        let header_id = header_request_id(&headers, redactor);
        let span = tracing::Span::current();
        span.record(telemetry::STATUS_CODE, status.as_u16());
        if let Some(id) = &header_id {
            span.record(telemetry::REQUEST_ID, id.as_str());
        }
        let body = self.read_capped(response, status, &header_id).await?;
        Ok(Raw {
            status,
            headers,
            header_id,
            body,
        })
    }

    /// The body, read while it streams and refused as soon as it passes
    /// `max_response_bytes`: the rest is never buffered.
    async fn read_capped(
        &self,
        response: reqwest::Response,
        status: StatusCode,
        header_id: &Option<String>,
    ) -> Result<Bytes, Failed> {
        let limit = self.config.max_response_bytes;
        // Never retried (`Cause::Unusable`), so no retry needs its id.
        let too_large = || {
            Failed::new(Error::ResponseTooLarge {
                http_status: status.as_u16(),
                request_id: header_id.clone(),
                limit,
            })
        };
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(too_large());
        }
        let mut body = BytesMut::with_capacity(first_reservation(response.content_length(), limit));
        let mut chunks = std::pin::pin!(platform::body(response));
        loop {
            match chunks.next().await.transpose() {
                Ok(Some(chunk)) if body.len() + chunk.len() > limit => return Err(too_large()),
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => return Ok(body.freeze()),
                Err(e) => {
                    // The request was sent: a body cut short may follow its processing.
                    let error = match send_error(e, self.config.request_timeout) {
                        Error::Transport { source, .. } => Error::Transport {
                            source,
                            may_have_been_processed: true,
                        },
                        other => other,
                    };
                    return Err(Failed {
                        request_id: header_id.clone(),
                        ..Failed::new(error)
                    });
                }
            }
        }
    }
}

/// The response's `x-request-id`, redacted like everything the server says.
pub(super) fn header_request_id(headers: &HeaderMap, redactor: &Redactor<'_>) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|id| redactor.redact(id))
}

/// How much to reserve for a body: what `Content-Length` announces (already
/// checked against the limit), but never more than [`FIRST_RESERVATION`].
fn first_reservation(content_length: Option<u64>, limit: usize) -> usize {
    content_length
        .map_or(8 * 1024, |len| len.min(limit as u64) as usize)
        .min(FIRST_RESERVATION)
}

/// A failure of `reqwest`: a connection that could not be opened sent
/// nothing; a timeout or any later failure may follow processing.
fn send_error(e: reqwest::Error, timeout: Duration) -> Error {
    let not_connected = platform::not_connected(&e);
    if e.is_timeout() && !not_connected {
        return Error::Timeout { timeout };
    }
    Error::Transport {
        may_have_been_processed: !not_connected,
        source: e.without_url(),
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
