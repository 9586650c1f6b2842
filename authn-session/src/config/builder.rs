//! [`ConfigBuilder`]: every setting with its default, checked by `build()`.

use std::time::Duration;

use super::{parse_base_url, Config, DEFAULT_BASE_URL_TEMPLATE, SERVICE_NAME};
use crate::{observe::Observer, AttemptRecord, Error};

/// Builder of [`Config`]; every setter has the name of the setting.
///
/// ```
/// use std::time::Duration;
///
/// let config = authn_session::Config::builder()
///     .base_url_template("http://127.0.0.1:4010")
///     .config_id("pci_example")
///     .queued_retry_enabled(false)
///     .poll_result_timeout(Duration::from_secs(60))
///     .build()?;
/// # Ok::<(), authn_session::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ConfigBuilder {
    domain: Option<String>,
    base_url_template: Option<String>,
    allow_insecure_http: bool,
    config_id: Option<String>,
    custom_user_agent: Option<String>,
    request_retries: u32,
    retry_backoff: Duration,
    max_retry_backoff: Duration,
    retry_timeout: Duration,
    request_timeout: Duration,
    operation_timeout: Duration,
    connect_timeout: Duration,
    queued_retry_enabled: bool,
    poll_result_timeout: Duration,
    poll_interval: Duration,
    max_response_bytes: usize,
    observer: Option<Observer>,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self {
            domain: None,
            base_url_template: None,
            allow_insecure_http: false,
            config_id: None,
            custom_user_agent: None,
            request_retries: 3,
            retry_backoff: Duration::from_millis(500),
            max_retry_backoff: Duration::from_secs(8),
            retry_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            operation_timeout: Duration::from_secs(180),
            connect_timeout: Duration::from_secs(10),
            queued_retry_enabled: true,
            poll_result_timeout: Duration::from_secs(120),
            poll_interval: Duration::from_secs(1),
            max_response_bytes: 16 * 1024 * 1024,
            observer: None,
        }
    }
}

impl ConfigBuilder {
    /// Pangea domain, for example `aws.us.pangea.cloud`: requests go to
    /// `https://authn.<domain>`. Ignored when a base URL template is set.
    ///
    /// ```
    /// let config = authn_session::Config::builder().domain("aws.eu.pangea.cloud").build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Full base URL, where `{SERVICE_NAME}` (if present) becomes `authn`:
    /// `https://{SERVICE_NAME}.aws.eu.pangea.cloud`, or `http://127.0.0.1:4010`
    /// for the local emulator. Plain `http` is accepted for loopback hosts only,
    /// unless [`allow_insecure_http`](Self::allow_insecure_http) is set.
    ///
    /// ```
    /// let config = authn_session::Config::builder().base_url_template("http://127.0.0.1:4010").build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn base_url_template(mut self, template: impl Into<String>) -> Self {
        self.base_url_template = Some(template.into());
        self
    }

    /// Allows a plain-`http` base URL on a non-loopback host (tokens then travel
    /// unencrypted). Off by default.
    ///
    /// ```
    /// let config = authn_session::Config::builder().base_url_template("http://authn.internal").allow_insecure_http(true).build()?;
    /// assert_eq!(config.base_url().as_str(), "http://authn.internal/");
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The AuthN configuration ID, sent as `config_id` in every request body.
    ///
    /// ```
    /// let config = authn_session::Config::builder().config_id("pci_someconfiguration").build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn config_id(mut self, config_id: impl Into<String>) -> Self {
        self.config_id = Some(config_id.into());
        self
    }

    /// Appended to the `User-Agent` header after `pangea-rust/<version>`.
    ///
    /// ```
    /// let config = authn_session::Config::builder().custom_user_agent("my-service/1.0").build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn custom_user_agent(mut self, agent: impl Into<String>) -> Self {
        self.custom_user_agent = Some(agent.into());
        self
    }

    /// How many times a failed call may be retried (default 3; 0 disables
    /// retries). Which failures are retried depends on the call: see
    /// [`crate::retry`].
    ///
    /// ```
    /// let config = authn_session::Config::builder().request_retries(5).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn request_retries(mut self, retries: u32) -> Self {
        self.request_retries = retries;
        self
    }

    /// Delay before the first retry (default 500 ms); it doubles on each retry,
    /// with jitter, up to [`max_retry_backoff`](Self::max_retry_backoff).
    ///
    /// ```
    /// let config = authn_session::Config::builder().retry_backoff(std::time::Duration::from_millis(200)).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// Longest delay between two attempts (default 8 s). A server's
    /// `Retry-After` longer than this ends the retries instead.
    ///
    /// ```
    /// let config = authn_session::Config::builder().max_retry_backoff(std::time::Duration::from_secs(2)).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn max_retry_backoff(mut self, max: Duration) -> Self {
        self.max_retry_backoff = max;
        self
    }

    /// No retry starts once this much time has passed since the first attempt
    /// (default 60 s).
    ///
    /// ```
    /// let config = authn_session::Config::builder().retry_timeout(std::time::Duration::from_secs(20)).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn retry_timeout(mut self, timeout: Duration) -> Self {
        self.retry_timeout = timeout;
        self
    }

    /// Timeout of one attempt, from sending to the last byte of the response
    /// (default 30 s). See also [`operation_timeout`](Self::operation_timeout).
    ///
    /// ```
    /// let config = authn_session::Config::builder().request_timeout(std::time::Duration::from_secs(5)).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Deadline of a whole call: every attempt, the waits between retries and
    /// any HTTP 202 polling (default 180 s). When it passes, the call ends with
    /// [`Error::OperationTimeout`]; a retry whose wait would pass it is not
    /// started, and the call ends with the last attempt's error instead. This
    /// is aws-sdk-rust's split: `request_timeout` bounds one attempt,
    /// `operation_timeout` the call. Each page of a `list_all` is one call.
    ///
    /// ```
    /// let config = authn_session::Config::builder().operation_timeout(std::time::Duration::from_secs(20)).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Timeout to open a connection (default 10 s).
    ///
    /// ```
    /// let config = authn_session::Config::builder()
    ///     .base_url_template("http://127.0.0.1:4010")
    ///     .connect_timeout(std::time::Duration::from_secs(2))
    ///     .build()?;
    /// assert_eq!(config.base_url().as_str(), "http://127.0.0.1:4010/");
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Whether an HTTP 202 (queued request) is followed up by polling for its
    /// result (default true). When false, a 202 returns [`Error::Accepted`].
    ///
    /// ```
    /// let config = authn_session::Config::builder().queued_retry_enabled(false).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn queued_retry_enabled(mut self, enabled: bool) -> Self {
        self.queued_retry_enabled = enabled;
        self
    }

    /// How long to poll a queued request before giving up with
    /// [`Error::AcceptedTimeout`] (default 120 s).
    ///
    /// ```
    /// let config = authn_session::Config::builder().poll_result_timeout(std::time::Duration::from_secs(30)).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn poll_result_timeout(mut self, timeout: Duration) -> Self {
        self.poll_result_timeout = timeout;
        self
    }

    /// Unit of the polling delay: the n-th poll waits n² × this (default 1 s).
    ///
    /// ```
    /// let config = authn_session::Config::builder().poll_interval(std::time::Duration::from_millis(500)).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Largest response body accepted (default 16 MiB); a larger one is
    /// refused with [`Error::ResponseTooLarge`] without being read whole.
    ///
    /// ```
    /// let config = authn_session::Config::builder().max_response_bytes(1 << 20).build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Registers the one observer that sees every attempt of every call
    /// ([`AttemptRecord`]): the operation, method, URL, status, request id,
    /// duration and error, and for a call that ends sessions the session or
    /// user it targets. It never sees a token. A second call replaces the
    /// first observer.
    ///
    /// It runs inline, on the task making the call, after each attempt and
    /// before any retry: keep it quick (send the record down a channel for
    /// slow work). A panic in it is a panic of the call.
    ///
    /// ```
    /// let config = authn_session::Config::builder()
    ///     .observer(|attempt| {
    ///         eprintln!("{} {} -> {:?} in {:?}", attempt.method, attempt.url, attempt.http_status, attempt.duration)
    ///     })
    ///     .build()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn observer(
        mut self,
        observer: impl Fn(&AttemptRecord<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Observer(std::sync::Arc::new(observer)));
        self
    }

    /// Checks the settings and builds the [`Config`].
    ///
    /// ```
    /// let err = authn_session::Config::builder().base_url_template("ftp://x").build().unwrap_err();
    /// assert!(matches!(err, authn_session::Error::Config(_)));
    /// ```
    pub fn build(self) -> Result<Config, Error> {
        let base_url = parse_base_url(
            &self.template()?.replace("{SERVICE_NAME}", SERVICE_NAME),
            self.allow_insecure_http,
        )?;
        // Parsed here once, into the type every request body holds.
        let config_id = match &self.config_id {
            Some(id) => Some(
                crate::validate::identifier("config_id", id)
                    .map_err(|e| match e {
                        Error::InvalidInput { field, reason } => {
                            Error::Config(format!("`{field}` {reason}"))
                        }
                        other => other,
                    })?
                    .parse()
                    .map_err(|e| Error::Config(format!("`config_id` {e}")))?,
            ),
            None => None,
        };
        let user_agent = self.user_agent()?;
        for (name, value) in [
            ("request_timeout", self.request_timeout),
            ("operation_timeout", self.operation_timeout),
            ("connect_timeout", self.connect_timeout),
            ("poll_interval", self.poll_interval),
        ] {
            if value.is_zero() {
                return Err(Error::Config(format!("{name} must be greater than zero")));
            }
        }
        if self.max_response_bytes == 0 {
            return Err(Error::Config(
                "max_response_bytes must be greater than zero".into(),
            ));
        }
        Ok(Config {
            base_url,
            config_id,
            user_agent,
            request_retries: self.request_retries,
            retry_backoff: self.retry_backoff,
            max_retry_backoff: self.max_retry_backoff.max(self.retry_backoff),
            retry_timeout: self.retry_timeout,
            request_timeout: self.request_timeout,
            operation_timeout: self.operation_timeout,
            connect_timeout: self.connect_timeout,
            queued_retry_enabled: self.queued_retry_enabled,
            poll_result_timeout: self.poll_result_timeout,
            poll_interval: self.poll_interval,
            max_response_bytes: self.max_response_bytes,
            observer: self.observer,
        })
    }

    /// The URL template: given, made from the domain, or Pangea's default.
    fn template(&self) -> Result<String, Error> {
        match (&self.base_url_template, &self.domain) {
            (Some(template), _) => Ok(template.clone()),
            (None, Some(domain)) => {
                let domain = domain.trim().trim_end_matches('/');
                if domain.is_empty() || domain.contains("://") || domain.contains('/') {
                    return Err(Error::Config(format!(
                        "domain {domain:?} must be a bare host name such as `aws.us.pangea.cloud`; \
                         use base_url_template for a full URL"
                    )));
                }
                Ok(format!("https://{{SERVICE_NAME}}.{domain}"))
            }
            (None, None) => Ok(DEFAULT_BASE_URL_TEMPLATE.to_string()),
        }
    }

    /// `pangea-rust/<version>`, then the caller's agent when there is one.
    fn user_agent(&self) -> Result<String, Error> {
        let mut user_agent = format!("pangea-rust/{}", env!("CARGO_PKG_VERSION"));
        if let Some(custom) = self
            .custom_user_agent
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if custom.chars().any(|c| c.is_control() || !c.is_ascii()) {
                return Err(Error::Config(
                    "custom_user_agent must be printable ASCII".into(),
                ));
            }
            user_agent.push(' ');
            user_agent.push_str(custom);
        }
        Ok(user_agent)
    }
}
