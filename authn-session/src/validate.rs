//! Every check of caller input, made before any request is sent. Messages
//! never repeat the value: it may be a secret. Values that came from the
//! server (a `last` cursor while paging) are passed back unchecked.

use std::{num::NonZeroU64, str::FromStr};

use authn_session_gen::{
    limits::{LIST_SIZE_MAX, LIST_SIZE_MIN},
    SecretToken,
};
use secrecy::ExposeSecret;

use crate::Error;

/// Longest token or identifier accepted. Pangea's are about 36 characters.
pub(crate) const MAX_IDENTIFIER_BYTES: usize = 512;
/// Longest `last` cursor accepted.
pub(crate) const MAX_CURSOR_BYTES: usize = 4096;

/// A token or an ID: 1 to 512 printable ASCII characters, no spaces.
pub(crate) fn identifier<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    let invalid = |reason: String| Err(Error::InvalidInput { field, reason });
    if value.trim().is_empty() {
        return invalid("is empty or only whitespace".into());
    }
    if value.len() > MAX_IDENTIFIER_BYTES {
        return invalid(format!(
            "is {} bytes long; at most {MAX_IDENTIFIER_BYTES} are accepted",
            value.len()
        ));
    }
    if let Some(at) = value.bytes().position(|b| !b.is_ascii_graphic()) {
        return invalid(format!(
            "has a space, control or non-ASCII character at byte {at}; tokens and IDs are printable ASCII"
        ));
    }
    Ok(value)
}

/// The check every call makes of an ID argument before anything is sent: 1
/// to 512 printable ASCII characters. Check a whole batch of IDs with it
/// before sending any, so that a bad one does not leave the batch half done.
///
/// ```
/// let ids = ["pmt_zppkzrjguxyblaia6itbiesejn7jejnr", "pmt_alicephone00000000000000000000"];
/// assert!(ids.iter().try_for_each(authn_session::check_id).is_ok());
/// assert!(matches!(
///     authn_session::check_id("pmt_a b"),
///     Err(authn_session::Error::InvalidInput { .. })
/// ));
/// ```
pub fn check_id(value: impl AsRef<str>) -> Result<(), Error> {
    identifier("id", value.as_ref()).map(|_| ())
}

/// An ID argument, converted to its generated type.
pub(crate) fn id<T: FromStr>(field: &'static str, value: &str) -> Result<T, Error> {
    identifier(field, value)?
        .parse()
        .map_err(|_| Error::InvalidInput {
            field,
            reason: "is not a valid identifier".into(),
        })
}

/// A token argument (user, refresh or service token).
pub(crate) fn token(field: &'static str, value: SecretToken) -> Result<SecretToken, Error> {
    identifier(field, value.expose_secret())?;
    Ok(value)
}

/// A page size, within the spec's bounds.
pub(crate) fn size(size: u64) -> Result<NonZeroU64, Error> {
    NonZeroU64::new(size)
        .filter(|s| (LIST_SIZE_MIN..=LIST_SIZE_MAX).contains(&s.get()))
        .ok_or(Error::InvalidInput {
            field: "size",
            reason: format!("must be between {LIST_SIZE_MIN} and {LIST_SIZE_MAX}"),
        })
}

/// A pagination cursor given by the caller: no control characters, bounded length.
pub(crate) fn cursor(value: &str) -> Result<&str, Error> {
    let invalid = |reason: String| {
        Err(Error::InvalidInput {
            field: "last",
            reason,
        })
    };
    if value.len() > MAX_CURSOR_BYTES {
        return invalid(format!(
            "is {} bytes long; at most {MAX_CURSOR_BYTES} are accepted",
            value.len()
        ));
    }
    if value.chars().any(char::is_control) {
        return invalid("has a control character".into());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_printable_ascii_of_bounded_length() {
        assert!(identifier("token", "ptu_abc123").is_ok());
        let big = "a".repeat(MAX_IDENTIFIER_BYTES + 1);
        for bad in [
            "",
            "   ",
            "\t\n",
            "ptu_ab c",
            "ptu_\u{0}x",
            "ptu_é",
            big.as_str(),
        ] {
            let err = identifier("token", bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidInput { field: "token", .. }),
                "{bad:?}"
            );
            assert!(bad.is_empty() || bad.trim().is_empty() || !err.to_string().contains(bad));
        }
    }

    #[test]
    fn sizes_follow_the_spec() {
        assert!(size(0).is_err());
        assert_eq!(size(1).unwrap().get(), 1);
        assert!(size(LIST_SIZE_MAX).is_ok());
        assert!(size(LIST_SIZE_MAX + 1).is_err());
    }

    #[test]
    fn cursors_refuse_control_characters_and_huge_values() {
        assert!(cursor("").is_ok());
        assert!(cursor("opaque-cursor==").is_ok());
        assert!(cursor("a\u{7}b").is_err());
        assert!(cursor(&"c".repeat(MAX_CURSOR_BYTES + 1)).is_err());
    }
}
