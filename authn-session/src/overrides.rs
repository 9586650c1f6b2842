//! Settings for some calls only: a shorter deadline, fewer retries or none,
//! extra headers, on a handle that shares the client's connection pool and
//! 429 hold-back ([`AuthN::with_overrides`](crate::AuthN::with_overrides)).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::Error;

/// Headers the SDK sets itself, or that would change what a call means: an
/// override may not replace them.
const RESERVED: [&str; 6] = [
    "authorization",
    "content-type",
    "content-length",
    "host",
    "user-agent",
    "x-pangea-retried-request-ids",
];

/// What [`AuthN::with_overrides`](crate::AuthN::with_overrides) changes for
/// the calls made through the handle it returns. Anything not set stays as
/// the client's [`Config`](crate::Config) has it.
///
/// ```
/// use std::time::Duration;
/// use authn_session::Overrides;
///
/// let overrides = Overrides::new()
///     .operation_timeout(Duration::from_secs(5))
///     .request_retries(0)
///     .header("x-incident", "INC-4211");
/// assert_eq!(
///     format!("{overrides:?}"),
///     r#"Overrides { operation_timeout: Some(5s), request_retries: Some(0), headers: ["x-incident"] }"#
/// );
/// ```
#[derive(Clone, Default)]
pub struct Overrides {
    operation_timeout: Option<Duration>,
    request_retries: Option<u32>,
    headers: Vec<(String, String)>,
}

/// Header names only: a value may be a credential of the caller's.
impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Overrides")
            .field("operation_timeout", &self.operation_timeout)
            .field("request_retries", &self.request_retries)
            .field("headers", &names)
            .finish()
    }
}

impl Overrides {
    /// No override: the client's settings.
    ///
    /// ```
    /// let overrides = authn_session::Overrides::new();
    /// # let _ = overrides;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The deadline of each call, its attempts, waits and polls included
    /// (the client's `operation_timeout`, 180 s by default). Greater than zero.
    ///
    /// ```
    /// let overrides = authn_session::Overrides::new()
    ///     .operation_timeout(std::time::Duration::from_secs(2));
    /// # let _ = overrides;
    /// ```
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt, at most (the client's
    /// `request_retries`, 3 by default); 0: one attempt only. Whether a
    /// failure is retried at all stays the retry table's answer.
    ///
    /// ```
    /// let once = authn_session::Overrides::new().request_retries(0);
    /// # let _ = once;
    /// ```
    pub fn request_retries(mut self, retries: u32) -> Self {
        self.request_retries = Some(retries);
        self
    }

    /// A header sent with every request of the calls (a header given twice
    /// is sent twice). The name and value must be valid HTTP, and the name
    /// not one the SDK sets: `Authorization`, `Content-Type`,
    /// `Content-Length`, `Host`, `User-Agent` (see
    /// [`ConfigBuilder::custom_user_agent`](crate::ConfigBuilder::custom_user_agent))
    /// or `X-Pangea-Retried-Request-Ids`. A value is marked sensitive, so
    /// it never shows in a trace of the request.
    ///
    /// ```
    /// let tagged = authn_session::Overrides::new().header("x-incident", "INC-4211");
    /// # let _ = tagged;
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Every value checked: the settings a transport takes.
    pub(crate) fn check(&self) -> Result<Checked, Error> {
        let invalid = |field, reason: String| Error::InvalidInput { field, reason };
        if self.operation_timeout.is_some_and(|t| t.is_zero()) {
            return Err(invalid(
                "operation_timeout",
                "must be greater than zero".into(),
            ));
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid("header", format!("{name:?} is not a valid header name")))?;
            if RESERVED.contains(&name.as_str()) {
                return Err(invalid(
                    "header",
                    format!("{name} is set by the SDK and cannot be overridden"),
                ));
            }
            // The value is never quoted: it may be a credential of the caller's.
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                invalid(
                    "header",
                    format!("the value of {name} is not a valid header value"),
                )
            })?;
            value.set_sensitive(true);
            headers.append(name, value);
        }
        Ok(Checked {
            operation_timeout: self.operation_timeout,
            request_retries: self.request_retries,
            headers,
        })
    }
}

/// [`Overrides`], checked.
pub(crate) struct Checked {
    pub operation_timeout: Option<Duration>,
    pub request_retries: Option<u32>,
    pub headers: HeaderMap,
}
