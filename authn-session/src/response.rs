//! The Pangea envelope: [`PangeaResponse<T>`] around a typed `result` for a
//! successful call, and the one wire `Envelope` every response (success,
//! error, 202) is read through.

use chrono::{DateTime, Utc};
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
    /// When Pangea received the request. `None` when the envelope carried no
    /// time, or one that is not RFC 3339: Pangea's spec types the envelope's
    /// times as plain strings, so an odd one never fails a call whose result
    /// decoded.
    pub request_time: Option<DateTime<Utc>>,
    /// When Pangea answered; `None` as for
    /// [`request_time`](Self::request_time).
    pub response_time: Option<DateTime<Utc>>,
    /// `Success`, in the case the service wrote it (success is recognized
    /// in any case: `success` and `SUCCESS` too).
    pub status: String,
    /// Pangea's one-line summary of the outcome.
    pub summary: String,
    /// The typed result.
    pub result: T,
    http_status: StatusCode,
    headers: HeaderMap,
    corrections: Vec<String>,
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

    /// The JSON paths of the values that client error correction filled in
    /// (`result.sessions[3].identity`, say): required fields of a record that
    /// the response lacked, or sent as `null`, read as their zero value (`""`,
    /// 0, `false`, an empty list or map, the epoch) rather than failing the
    /// whole result, as Smithy specifies for every AWS SDK. Empty for a
    /// response that needed none; `.len()` counts them. Each one was also
    /// logged as a `tracing` warning with the operation and request id. A
    /// record's `id` (and a token record's `token`) is never filled in: a
    /// record without it is still [`Error::Decode`](crate::Error::Decode).
    ///
    /// ```
    /// # async fn demo(authn: authn_session::AuthN) -> Result<(), authn_session::Error> {
    /// let page = authn.session().list(authn_session::ListOptions::new()).await?;
    /// if !page.corrections().is_empty() {
    ///     eprintln!("{} values were missing: {:?} (request {})",
    ///         page.corrections().len(), page.corrections(), page.request_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn corrections(&self) -> &[String] {
        &self.corrections
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
            corrections: self.corrections,
        }
    }

    /// The same response, with the paths client error correction filled in.
    pub(crate) fn with_corrections(mut self, corrections: Vec<String>) -> Self {
        self.corrections.extend(corrections);
        self
    }

    pub(crate) fn new<R>(
        envelope: Envelope<R>,
        result: T,
        http_status: StatusCode,
        headers: HeaderMap,
    ) -> Self {
        PangeaResponse {
            request_id: envelope.request_id,
            request_time: envelope.request_time.as_deref().and_then(time),
            response_time: envelope.response_time.as_deref().and_then(time),
            status: envelope.status,
            summary: envelope.summary.unwrap_or_default(),
            result,
            http_status,
            headers,
            corrections: Vec::new(),
        }
    }
}

#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl<T> PangeaResponse<T> {
    /// A successful response around `result`, for your own tests: HTTP 200,
    /// status `Success`, request id `prq_test`, both times now. Its public
    /// fields can be changed afterwards. Only with the `test-util` feature.
    ///
    /// ```
    /// use authn_session::{types::EmptyResult, PangeaResponse};
    ///
    /// let mut response = PangeaResponse::for_test(EmptyResult(Default::default()));
    /// response.request_id = "prq_mine".into();
    /// assert_eq!(response.http_status(), 200);
    /// ```
    pub fn for_test(result: T) -> Self {
        let now = Utc::now();
        PangeaResponse {
            request_id: "prq_test".into(),
            request_time: Some(now),
            response_time: Some(now),
            status: "Success".into(),
            summary: "Success".into(),
            result,
            http_status: StatusCode::OK,
            headers: HeaderMap::new(),
            corrections: Vec::new(),
        }
    }
}

/// The envelope as it arrives, whatever the outcome: `Envelope<&RawValue>`
/// reads any response and keeps `result` raw until its type is known (the
/// call's result, field errors, or a 202's queue record); `Envelope<R>` reads
/// a success in one pass. Times stay text until a success is built, so an
/// odd time never turns an answer into a decoding failure.
#[derive(Deserialize)]
pub(crate) struct Envelope<R> {
    pub request_id: String,
    #[serde(default)]
    pub request_time: Option<String>,
    #[serde(default)]
    pub response_time: Option<String>,
    pub status: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default = "none")]
    pub result: Option<R>,
}

fn none<R>() -> Option<R> {
    None
}

/// An envelope time, when it is RFC 3339.
fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether an envelope's status says success. In any case: the service's
/// own examples write `Success` and `success`.
pub(crate) fn is_success(status: &str) -> bool {
    status.eq_ignore_ascii_case("Success")
}
