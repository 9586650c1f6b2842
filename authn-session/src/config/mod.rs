//! Client configuration: where to send requests, and the timeouts, retries and
//! polling that bound every call.

use std::time::Duration;

use url::Url;

use crate::Error;

mod builder;
mod env;

pub use builder::ConfigBuilder;
pub use env::{Env, BASE_URL_TEMPLATE_VAR, BASE_URL_VAR, CONFIG_ID_VAR, DOMAIN_VAR, TOKEN_VAR};

/// Pangea's default URL template; `{SERVICE_NAME}` becomes `authn`.
pub const DEFAULT_BASE_URL_TEMPLATE: &str = "https://{SERVICE_NAME}.aws.us.pangea.cloud";
pub(crate) const SERVICE_NAME: &str = "authn";

/// Settings shared by every call of an [`AuthN`](crate::AuthN) client.
///
/// Build one with [`Config::builder`] or [`Config::from_env`]; `build()` checks
/// everything and returns [`Error::Config`] instead of panicking.
///
/// ```
/// use std::time::Duration;
/// use authn_session::Config;
///
/// let config = Config::builder()
///     .domain("aws.us.pangea.cloud")
///     .request_retries(5)
///     .request_timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(config.base_url().as_str(), "https://authn.aws.us.pangea.cloud/");
/// # Ok::<(), authn_session::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) base_url: Url,
    pub(crate) config_id: Option<authn_session_gen::types::ConfigId>,
    pub(crate) user_agent: String,
    pub(crate) request_retries: u32,
    pub(crate) retry_backoff: Duration,
    pub(crate) max_retry_backoff: Duration,
    pub(crate) retry_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) operation_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) queued_retry_enabled: bool,
    pub(crate) poll_result_timeout: Duration,
    pub(crate) poll_interval: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) observer: Option<crate::observe::Observer>,
}

impl Config {
    /// A builder with Pangea's defaults.
    ///
    /// ```
    /// let config = authn_session::Config::builder().build()?;
    /// assert_eq!(config.base_url().as_str(), "https://authn.aws.us.pangea.cloud/");
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The configuration the environment names ([`Env`]): `PANGEA_BASE_URL`
    /// (a URL, or a template with `{SERVICE_NAME}`; `PANGEA_BASE_URL_TEMPLATE`
    /// is read too), else `PANGEA_DOMAIN`, and `PANGEA_AUTHN_CONFIG_ID`; a
    /// blank variable is unset. With no address, [`Error::Config`]. The
    /// `authn-session` command line reads the environment the same way.
    /// Everything else keeps its default.
    ///
    /// ```no_run
    /// let config = authn_session::Config::from_env()?;
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::builder_from_env()?.build()
    }

    /// Like [`Config::from_env`], but returns the builder to adjust further.
    ///
    /// ```
    /// # for var in ["PANGEA_BASE_URL", "PANGEA_BASE_URL_TEMPLATE", "PANGEA_AUTHN_CONFIG_ID"] {
    /// #     std::env::remove_var(var);
    /// # }
    /// std::env::set_var("PANGEA_DOMAIN", "aws.eu.pangea.cloud");
    /// let config = authn_session::Config::builder_from_env()?.request_retries(1).build()?;
    /// assert_eq!(config.base_url().as_str(), "https://authn.aws.eu.pangea.cloud/");
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn builder_from_env() -> Result<ConfigBuilder, Error> {
        Env::read().config()
    }

    /// The URL every request path is joined to (always ends with `/`).
    ///
    /// ```
    /// let config = authn_session::Config::builder()
    ///     .base_url_template("http://127.0.0.1:4010")
    ///     .build()?;
    /// assert_eq!(config.base_url().as_str(), "http://127.0.0.1:4010/");
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The `User-Agent` header sent with every request.
    ///
    /// ```
    /// let config = authn_session::Config::builder().custom_user_agent("my-app/1.2").build()?;
    /// assert!(config.user_agent().starts_with("pangea-rust/"));
    /// assert!(config.user_agent().ends_with(" my-app/1.2"));
    /// # Ok::<(), authn_session::Error>(())
    /// ```
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
}

pub(crate) fn parse_base_url(text: &str, allow_insecure_http: bool) -> Result<Url, Error> {
    let mut url = Url::parse(text.trim())
        .map_err(|e| Error::Config(format!("base URL {text:?} is not a valid URL: {e}")))?;
    if url.host_str().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL {text:?} must be scheme://host[:port][/path] with no query or fragment"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(format!(
                "base URL {text:?} uses plain http on a non-loopback host; tokens would travel \
                 unencrypted. Use https, or set allow_insecure_http(true) if you mean it"
            )))
        }
        other => {
            return Err(Error::Config(format!(
                "base URL scheme {other:?} is not http or https"
            )))
        }
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_and_template_resolve_like_the_official_sdks() {
        let c = Config::builder()
            .domain("aws.eu.pangea.cloud")
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), "https://authn.aws.eu.pangea.cloud/");
        let c = Config::builder()
            .domain("ignored.example")
            .base_url_template("https://{SERVICE_NAME}.dev.example/api")
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), "https://authn.dev.example/api/");
    }

    #[test]
    fn plain_http_only_for_loopback_unless_opted_in() {
        for ok in [
            "http://127.0.0.1:4010",
            "http://localhost:1",
            "http://[::1]:2",
        ] {
            Config::builder().base_url_template(ok).build().unwrap();
        }
        let err = Config::builder()
            .base_url_template("http://10.0.0.1")
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("allow_insecure_http")),
            "{err}"
        );
        Config::builder()
            .base_url_template("http://authn.internal")
            .allow_insecure_http(true)
            .build()
            .unwrap();
    }

    #[test]
    fn bad_settings_are_config_errors() {
        for bad in ["not a url", "ftp://x", "https://x/?q=1", "http://"] {
            let err = Config::builder()
                .base_url_template(bad)
                .build()
                .unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err}");
        }
        // Each of the domain's refusals on its own.
        for bad in ["https://x", "", " / ", "aws.us.pangea.cloud/authn"] {
            assert!(
                matches!(Config::builder().domain(bad).build(), Err(Error::Config(_))),
                "{bad:?}"
            );
        }
        assert!(Config::builder()
            .domain("aws.us.pangea.cloud/")
            .build()
            .is_ok());
        // The custom user agent: a control character, or a non-ASCII one.
        for bad in ["ops\u{7}", "opé"] {
            assert!(
                matches!(
                    Config::builder().custom_user_agent(bad).build(),
                    Err(Error::Config(_))
                ),
                "{bad:?}"
            );
        }
        for bad in [" ", "", "pci\u{7}"] {
            let err = Config::builder().config_id(bad).build().unwrap_err();
            assert!(
                matches!(&err, Error::Config(why) if why.starts_with("`config_id`")),
                "{bad:?}: {err:?}"
            );
        }
        assert!(matches!(
            Config::builder().request_timeout(Duration::ZERO).build(),
            Err(Error::Config(_))
        ));
    }
}
