//! `UserId`: the Rust type of the spec's `UserId` schema, an identity in
//! Pangea's format (the schema's `pattern`, `^[a-zA-Z0-9 '.:/_-]+$`). It is
//! checked by a character class rather than a regular-expression engine, so
//! that users do not compile one for a single pattern; a test holds the two
//! to the same answers.

use std::{fmt, ops::Deref, str::FromStr};

use crate::types::error::ConversionError;

/// The spec's pattern for an identity, as `UserId` checks it.
pub const IDENTITY_PATTERN: &str = "^[a-zA-Z0-9 '.:/_-]+$";

/// The identity of a user or a service (`pui_…`): letters, digits, spaces
/// and `'.:/_-`, at least one.
///
/// ```
/// use authn_session_gen::types::UserId;
///
/// let bot: UserId = "svc:ops/o'brien bot".parse().unwrap();
/// assert_eq!(bot.to_string(), "svc:ops/o'brien bot");
/// assert!("alice\n".parse::<UserId>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct UserId(String);

/// Whether `value` matches [`IDENTITY_PATTERN`].
pub(crate) fn is_identity(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" '.:/_-".contains(&b))
}

impl FromStr for UserId {
    type Err = ConversionError;

    fn from_str(value: &str) -> Result<Self, ConversionError> {
        if is_identity(value) {
            Ok(Self(value.to_string()))
        } else {
            Err(format!("doesn't match pattern \"{IDENTITY_PATTERN}\"").into())
        }
    }
}

impl TryFrom<&str> for UserId {
    type Error = ConversionError;

    fn try_from(value: &str) -> Result<Self, ConversionError> {
        value.parse()
    }
}

impl TryFrom<String> for UserId {
    type Error = ConversionError;

    fn try_from(value: String) -> Result<Self, ConversionError> {
        if is_identity(&value) {
            Ok(Self(value))
        } else {
            value.parse()
        }
    }
}

impl<'de> serde::Deserialize<'de> for UserId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .try_into()
            .map_err(|e: ConversionError| <D::Error as serde::de::Error>::custom(e.to_string()))
    }
}

impl Deref for UserId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for UserId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<UserId> for String {
    fn from(value: UserId) -> Self {
        value.0
    }
}

/// An identity's schema is the spec's: a string of [`IDENTITY_PATTERN`].
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for UserId {
    fn schema_name() -> String {
        "UserId".into()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            string: Some(Box::new(schemars::schema::StringValidation {
                pattern: Some(IDENTITY_PATTERN.into()),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}
