//! Checks of caller input, made before any request is sent. Messages never
//! repeat the value: it may be a secret.

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

/// A pagination cursor: no control characters, bounded length.
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
    fn cursors_refuse_control_characters_and_huge_values() {
        assert!(cursor("").is_ok());
        assert!(cursor("opaque-cursor==").is_ok());
        assert!(cursor("a\u{7}b").is_err());
        assert!(cursor(&"c".repeat(MAX_CURSOR_BYTES + 1)).is_err());
    }
}
