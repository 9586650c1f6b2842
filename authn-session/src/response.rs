//! `PangeaResponse<T>`: the Pangea envelope of a successful call, with its
//! typed `result` and the HTTP status and headers it came with.

use reqwest::{header::HeaderMap, StatusCode};
use serde::Deserialize;

/// A successful response: the Pangea envelope around a typed `result`.
///
/// ```
/// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
/// let page = authn.session().list(authn_session::ListOptions::new()).await?;
/// println!("{} ({}): {} sessions", page.request_id, page.status, page.result.sessions.len());
/// assert_eq!(page.http_status(), 200);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PangeaResponse<T> {
    /// Unique id of the request; quote it to Pangea support.
    pub request_id: String,
    /// When Pangea received the request (RFC 3339).
    pub request_time: String,
    /// When Pangea answered (RFC 3339).
    pub response_time: String,
    /// `Success`.
    pub status: String,
    /// Pangea's one-line summary of the outcome.
    pub summary: String,
    /// The typed result.
    pub result: T,
    http_status: StatusCode,
    headers: HeaderMap,
}

impl<T> PangeaResponse<T> {
    /// The HTTP status code (200, or the final status after 202 polling).
    ///
    /// ```
    /// # fn f(r: authn_session::PangeaResponse<()>) { assert!(r.http_status() < 300); }
    /// ```
    pub fn http_status(&self) -> u16 {
        self.http_status.as_u16()
    }

    /// The HTTP response headers.
    ///
    /// ```
    /// # fn f(r: authn_session::PangeaResponse<()>) {
    /// let id = r.headers().get("x-request-id");
    /// # }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Keeps the envelope, changes the result.
    ///
    /// ```
    /// # fn f(r: authn_session::PangeaResponse<Vec<u8>>) {
    /// let r = r.map(|bytes| bytes.len());
    /// # }
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> PangeaResponse<U> {
        PangeaResponse {
            request_id: self.request_id,
            request_time: self.request_time,
            response_time: self.response_time,
            status: self.status,
            summary: self.summary,
            result: f(self.result),
            http_status: self.http_status,
            headers: self.headers,
        }
    }
}

/// The envelope as it arrives; `result`'s type comes from the generated crate.
#[derive(Deserialize)]
pub(crate) struct Envelope<T> {
    pub request_id: String,
    #[serde(default)]
    pub request_time: String,
    #[serde(default)]
    pub response_time: String,
    pub status: String,
    #[serde(default)]
    pub summary: Option<String>,
    pub result: T,
}

impl<T> Envelope<T> {
    pub(crate) fn into_response(
        self,
        http_status: StatusCode,
        headers: HeaderMap,
    ) -> PangeaResponse<T> {
        PangeaResponse {
            request_id: self.request_id,
            request_time: self.request_time,
            response_time: self.response_time,
            status: self.status,
            summary: self.summary.unwrap_or_default(),
            result: self.result,
            http_status,
            headers,
        }
    }
}
