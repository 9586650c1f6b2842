//! The one reading of the environment: the variables that [`AuthN::from_env`],
//! [`Config::from_env`], the `authn-session` command line and the examples
//! read, with one rule for all of them (a blank value is unset).
//!
//! [`AuthN::from_env`]: crate::AuthN::from_env

use authn_session_gen::SecretToken;

use super::{Config, ConfigBuilder};
use crate::Error;

/// The service token.
pub const TOKEN_VAR: &str = "PANGEA_AUTHN_TOKEN";
/// The address: a URL, or a template with `{SERVICE_NAME}`. Wins over the domain.
pub const BASE_URL_VAR: &str = "PANGEA_BASE_URL";
/// An older name of [`BASE_URL_VAR`], still read when that one is unset.
pub const BASE_URL_TEMPLATE_VAR: &str = "PANGEA_BASE_URL_TEMPLATE";
/// The Pangea domain, such as `aws.us.pangea.cloud`.
pub const DOMAIN_VAR: &str = "PANGEA_DOMAIN";
/// The AuthN configuration id, for projects with several configurations.
pub const CONFIG_ID_VAR: &str = "PANGEA_AUTHN_CONFIG_ID";

/// What the environment says about reaching AuthN, read once. A variable
/// that is unset, empty or only whitespace is `None`. `Debug` never prints
/// the token.
///
/// | variable | field |
/// |---|---|
/// | `PANGEA_AUTHN_TOKEN` | [`token`](Self::token) |
/// | `PANGEA_BASE_URL`, else `PANGEA_BASE_URL_TEMPLATE` | [`base_url`](Self::base_url) |
/// | `PANGEA_DOMAIN` | [`domain`](Self::domain) |
/// | `PANGEA_AUTHN_CONFIG_ID` | [`config_id`](Self::config_id) |
///
/// ```
/// use authn_session::Env;
///
/// let env = Env::from_lookup(|name| match name {
///     "PANGEA_AUTHN_TOKEN" => Some("  ".into()),
///     "PANGEA_DOMAIN" => Some("aws.us.pangea.cloud".into()),
///     _ => None,
/// });
/// assert!(env.token.is_none(), "a blank value is unset");
/// let config = env.config()?.build()?;
/// assert_eq!(config.base_url().as_str(), "https://authn.aws.us.pangea.cloud/");
/// # Ok::<(), authn_session::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Env {
    /// `PANGEA_AUTHN_TOKEN`: the service token.
    pub token: Option<SecretToken>,
    /// `PANGEA_BASE_URL` (or `PANGEA_BASE_URL_TEMPLATE`).
    pub base_url: Option<String>,
    /// `PANGEA_DOMAIN`.
    pub domain: Option<String>,
    /// `PANGEA_AUTHN_CONFIG_ID`.
    pub config_id: Option<String>,
}

impl Env {
    /// The process's environment.
    ///
    /// ```
    /// let env = authn_session::Env::read();
    /// println!("token set: {}", env.token.is_some());
    /// ```
    pub fn read() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The environment `lookup` gives (a test's, a configuration file's).
    ///
    /// ```
    /// let env = authn_session::Env::from_lookup(|_| None);
    /// assert_eq!(env, authn_session::Env::default());
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Self {
            token: var(TOKEN_VAR).map(SecretToken::from),
            base_url: var(BASE_URL_VAR).or_else(|| var(BASE_URL_TEMPLATE_VAR)),
            domain: var(DOMAIN_VAR),
            config_id: var(CONFIG_ID_VAR),
        }
    }

    /// A [`ConfigBuilder`] for this environment's address (the base URL, else
    /// the domain) and config id; everything else keeps its default. With
    /// neither address, [`Error::Config`] naming the variables: a token is
    /// never sent to an address nobody chose. (`Config::builder()` itself
    /// defaults to Pangea's production URL.)
    ///
    /// ```
    /// let env = authn_session::Env::from_lookup(|_| None);
    /// assert!(matches!(env.config(), Err(authn_session::Error::Config(_))));
    /// ```
    pub fn config(&self) -> Result<ConfigBuilder, Error> {
        let mut builder = match (&self.base_url, &self.domain) {
            (Some(url), _) => Config::builder().base_url_template(url),
            (None, Some(domain)) => Config::builder().domain(domain),
            (None, None) => {
                return Err(Error::Config(format!(
                    "no AuthN address: set {DOMAIN_VAR} (for example aws.us.pangea.cloud) \
                     or {BASE_URL_VAR}"
                )))
            }
        };
        if let Some(id) = &self.config_id {
            builder = builder.config_id(id);
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn blank_is_unset_for_every_variable() {
        let blank = [
            (TOKEN_VAR, ""),
            (BASE_URL_VAR, " "),
            (BASE_URL_TEMPLATE_VAR, "\t"),
            (DOMAIN_VAR, "\n"),
            (CONFIG_ID_VAR, "  "),
        ];
        assert_eq!(env(&blank), Env::default());
    }

    #[test]
    fn the_base_url_wins_over_the_domain_and_the_newer_name_over_the_older() {
        let both = env(&[
            (BASE_URL_VAR, "http://127.0.0.1:4010"),
            (BASE_URL_TEMPLATE_VAR, "http://127.0.0.1:9"),
            (DOMAIN_VAR, "aws.us.pangea.cloud"),
        ]);
        let config = both.config().unwrap().build().unwrap();
        assert_eq!(config.base_url().as_str(), "http://127.0.0.1:4010/");
        let older = env(&[(BASE_URL_TEMPLATE_VAR, "http://{SERVICE_NAME}.local:9")]);
        assert_eq!(
            older.base_url.as_deref(),
            Some("http://{SERVICE_NAME}.local:9")
        );
        let domain = env(&[(DOMAIN_VAR, "aws.eu.pangea.cloud")]);
        let config = domain.config().unwrap().build().unwrap();
        assert_eq!(
            config.base_url().as_str(),
            "https://authn.aws.eu.pangea.cloud/"
        );
    }

    #[test]
    fn the_token_and_config_id_are_read_and_checked_where_they_are_used() {
        let read = env(&[
            (TOKEN_VAR, "pts_from_the_environment"),
            (DOMAIN_VAR, "aws.us.pangea.cloud"),
            (CONFIG_ID_VAR, "pci_one"),
        ]);
        assert_eq!(
            read.token.as_ref().map(|t| t.expose_secret().to_string()),
            Some("pts_from_the_environment".into())
        );
        assert!(!format!("{read:?}").contains("pts_from"), "Debug hides it");
        let config = read.config().unwrap().build().unwrap();
        assert_eq!(
            config.config_id.as_deref().map(|c| c.as_str()),
            Some("pci_one")
        );
        let bad = env(&[(DOMAIN_VAR, "x.y"), (CONFIG_ID_VAR, "pci\u{7}")]);
        let err = bad.config().unwrap().build().unwrap_err();
        assert!(
            matches!(&err, Error::Config(why) if why.starts_with("`config_id`")),
            "{err:?}"
        );
    }

    #[test]
    fn no_address_is_a_config_error_naming_the_variables() {
        let err = env(&[(TOKEN_VAR, "pts_x")]).config().unwrap_err();
        let Error::Config(why) = err else {
            panic!("{err:?}")
        };
        assert!(
            why.contains(DOMAIN_VAR) && why.contains(BASE_URL_VAR),
            "{why}"
        );
    }
}
