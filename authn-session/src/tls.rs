//! The TLS backend, chosen with Cargo features: `rustls` (the default: rustls
//! with the *ring* crypto provider, which builds in seconds, and the
//! platform's certificate roots) or `native-tls` (the system's TLS library).

use url::Url;

use crate::{Config, Error};

/// A `reqwest::ClientBuilder` set up as the SDK sets up its own: the TLS
/// backend of the enabled feature, redirects never followed, a 10 s connect
/// timeout. Start from it to give [`AuthN::with_http_client`](crate::AuthN::with_http_client)
/// a client with a proxy, extra root certificates or a client identity.
///
/// With the `rustls` feature, reqwest needs a process-wide rustls crypto
/// provider to build any client; this installs rustls' *ring* provider as
/// that default unless the program installed one already (install yours
/// first thing in `main` if you want another).
///
/// On `wasm32` it is a plain builder: the browser does TLS, connects (there
/// is no connect timeout) and follows redirects itself.
///
/// ```
/// let http = authn_session::http_client_builder()
///     .connect_timeout(std::time::Duration::from_secs(3))
///     .build()
///     .unwrap();
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    crate::platform::client_builder(std::time::Duration::from_secs(10))
}

/// The SDK's own client for `config`. With no TLS feature enabled, an
/// `https` base URL is refused here, before anything is sent, instead of
/// failing later with an obscure connect error.
pub(crate) fn client(config: &Config) -> Result<reqwest::Client, Error> {
    reachable(crate::platform::HAS_TLS, &config.base_url)?;
    crate::platform::client_builder(config.connect_timeout)
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

/// Whether a build with or without TLS can reach `base_url`; apart from
/// `client` so that both answers are tested in every build.
fn reachable(has_tls: bool, base_url: &Url) -> Result<(), Error> {
    if !has_tls && base_url.scheme() == "https" {
        return Err(Error::Config(format!(
            "base URL {base_url} uses https, but authn-session was built without TLS: enable \
             its `rustls` feature (the default) or its `native-tls` feature"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs with `cargo test -p authn-session --no-default-features --lib tls` (in CI).
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[test]
    fn without_tls_an_https_url_is_a_config_error_naming_the_feature() {
        let config = Config::builder().build().unwrap();
        let err = client(&config).unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("`rustls` feature")),
            "{err}"
        );
        let loopback = Config::builder()
            .base_url_template("http://127.0.0.1:4010")
            .build()
            .unwrap();
        assert!(client(&loopback).is_ok());
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn with_tls_an_https_url_gets_a_client() {
        assert!(client(&Config::builder().build().unwrap()).is_ok());
    }

    #[test]
    fn only_a_build_without_tls_refuses_https() {
        let https = Url::parse("https://authn.aws.us.pangea.cloud/").unwrap();
        let http = Url::parse("http://127.0.0.1:4010/").unwrap();
        let err = reachable(false, &https).unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("`rustls` feature")),
            "{err}"
        );
        assert!(reachable(false, &http).is_ok());
        assert!(reachable(true, &https).is_ok());
        assert!(reachable(true, &http).is_ok());
    }
}
