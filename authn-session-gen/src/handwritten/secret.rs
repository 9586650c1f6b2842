//! `SecretToken`: the Rust type of the spec's `SecretToken` schema, so that no
//! generated type can print a token through `Debug`.

use std::{convert::Infallible, fmt, str::FromStr};

use secrecy::{ExposeSecret, SecretString};

/// A secret token value (user token `ptu_…`, refresh token `ptr_…`).
///
/// `Debug` prints `SecretToken([REDACTED])`; there is no `Display`. The value is
/// reachable only through [`ExposeSecret::expose_secret`], and is zeroed on drop.
///
/// ```
/// use authn_session_gen::SecretToken;
/// use secrecy::ExposeSecret;
///
/// let token = SecretToken::new("ptu_example");
/// assert_eq!(format!("{token:?}"), "SecretToken([REDACTED])");
/// assert_eq!(token.expose_secret(), "ptu_example");
/// ```
#[derive(Clone)]
pub struct SecretToken(SecretString);

impl SecretToken {
    /// Wraps a token value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }
}

impl ExposeSecret<str> for SecretToken {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken([REDACTED])")
    }
}

impl PartialEq for SecretToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl Eq for SecretToken {}

impl From<String> for SecretToken {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&SecretToken> for SecretToken {
    fn from(value: &SecretToken) -> Self {
        value.clone()
    }
}

impl From<&String> for SecretToken {
    fn from(value: &String) -> Self {
        Self::new(value.as_str())
    }
}

impl From<&str> for SecretToken {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl FromStr for SecretToken {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

impl serde::Serialize for SecretToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> serde::Deserialize<'de> for SecretToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_as_a_plain_json_string_and_never_debug_prints() {
        let token: SecretToken = serde_json::from_str("\"ptu_sentinel\"").unwrap();
        assert_eq!(serde_json::to_string(&token).unwrap(), "\"ptu_sentinel\"");
        assert!(!format!("{token:?} {token:#?}").contains("sentinel"));
    }
}

/// A token's schema is a string marked as a password (`format: password`),
/// as the spec's `SecretToken` is.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for SecretToken {
    fn schema_name() -> String {
        "SecretToken".into()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("password".into()),
            ..Default::default()
        }
        .into()
    }
}
