//! Every check of caller input, made before any request is sent. Messages
//! never repeat the value: it may be a secret. Values that came from the
//! server (a `last` cursor while paging) are passed back unchecked.
//!
//! The checks are never stricter than Pangea's own formats: a token may be a
//! JWT, an identity may hold spaces. They refuse what cannot be right
//! whatever the format: empty values, control characters, absurd sizes.

use std::{num::NonZeroU64, str::FromStr};

use authn_session_gen::{
    limits::{LIST_SIZE_MAX, LIST_SIZE_MIN},
    types::{SessionListFilter, UserId},
    ProfileKey, SecretToken,
};
use secrecy::ExposeSecret;

use crate::Error;

/// Longest token accepted: 16 KiB. A user token may be a JWT, which with
/// custom claims is commonly 800 bytes to several kilobytes long.
pub(crate) const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Longest session ID, user identity or other ID accepted. Pangea's are about
/// 36 characters.
pub(crate) const MAX_ID_BYTES: usize = 1024;
/// Longest `last` cursor accepted.
pub(crate) const MAX_CURSOR_BYTES: usize = 4096;

fn invalid<T>(field: &'static str, reason: impl Into<String>) -> Result<T, Error> {
    Err(Error::InvalidInput {
        field,
        reason: reason.into(),
    })
}

/// Not empty, not only whitespace, at most `max` bytes.
fn sized<'a>(field: &'static str, value: &'a str, max: usize) -> Result<&'a str, Error> {
    if value.trim().is_empty() {
        return invalid(field, "is empty or only whitespace");
    }
    if value.len() > max {
        return invalid(
            field,
            format!("is {} bytes long; at most {max} are accepted", value.len()),
        );
    }
    Ok(value)
}

/// A token or an ID: printable ASCII with no spaces, of bounded length.
fn printable<'a>(field: &'static str, value: &'a str, max: usize) -> Result<&'a str, Error> {
    sized(field, value, max)?;
    if let Some(at) = value.bytes().position(|b| !b.is_ascii_graphic()) {
        return invalid(
            field,
            format!(
                "has a space, control or non-ASCII character at byte {at}; tokens and IDs are printable ASCII"
            ),
        );
    }
    Ok(value)
}

/// An ID that is not a user identity (a session ID, a request ID, a
/// configuration ID): 1 to [`MAX_ID_BYTES`] printable ASCII characters.
pub(crate) fn identifier<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    printable(field, value, MAX_ID_BYTES)
}

/// The check every call makes of a session ID argument before anything is
/// sent: 1 to 1,024 printable ASCII characters. Check a whole batch of IDs
/// with it before sending any, so that a bad one does not leave the batch
/// half done. For user identities, use [`check_user_id`].
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

/// The check [`SessionApi::logout`](crate::SessionApi::logout) makes of a
/// user identity before anything is sent: Pangea's identity format
/// (letters, digits, spaces and `'.:/_-`), not only whitespace, at most 1,024
/// bytes.
///
/// ```
/// let users = ["pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5", "svc:ops/o'brien bot"];
/// assert!(users.iter().try_for_each(authn_session::check_user_id).is_ok());
/// assert!(authn_session::check_user_id("alice\n").is_err());
/// ```
pub fn check_user_id(value: impl AsRef<str>) -> Result<(), Error> {
    user_id(value.as_ref()).map(|_| ())
}

/// A user identity, converted to its generated type, which checks the
/// spec's pattern.
pub(crate) fn user_id(value: &str) -> Result<UserId, Error> {
    sized("user_id", value, MAX_ID_BYTES)?.parse().or_else(|_| {
        invalid(
            "user_id",
            "is not an identity: letters, digits, spaces and ' . : / _ - only",
        )
    })
}

/// An ID argument, converted to its generated type.
pub(crate) fn id<T: FromStr>(field: &'static str, value: &str) -> Result<T, Error> {
    identifier(field, value)?
        .parse()
        .or_else(|_| invalid(field, "is not a valid identifier"))
}

/// A token argument (user, refresh or service token): printable ASCII of at
/// most [`MAX_TOKEN_BYTES`], so a JWT passes.
pub(crate) fn token(field: &'static str, value: SecretToken) -> Result<SecretToken, Error> {
    printable(field, value.expose_secret(), MAX_TOKEN_BYTES)?;
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
    if value.len() > MAX_CURSOR_BYTES {
        return invalid(
            "last",
            format!(
                "is {} bytes long; at most {MAX_CURSOR_BYTES} are accepted",
                value.len()
            ),
        );
    }
    if value.chars().any(char::is_control) {
        return invalid("last", "has a control character");
    }
    Ok(value)
}

/// The filter's profile keys (the only keys its type cannot check), read as
/// [`ProfileKey`] reads them.
pub(crate) fn filter(filter: &SessionListFilter) -> Result<(), Error> {
    for (key, value) in &filter.extra {
        let (_, kind) = ProfileKey::parse(key).ok_or_else(|| Error::InvalidInput {
            field: "filter",
            reason: format!(
                "{key:?} is not a filter key; profile keys are profile_<Name>, \
                 profile_<Name>__contains or profile_<Name>__exists, <Name> letters only"
            ),
        })?;
        if !kind.takes(value) {
            return invalid("filter", format!("{key:?} takes {}", kind.takes_what()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use authn_session_gen::types::ProfileFilterValue;

    #[test]
    fn ids_are_printable_ascii_of_bounded_length() {
        assert!(identifier("session_id", "pmt_abc123").is_ok());
        let big = "a".repeat(MAX_ID_BYTES + 1);
        for bad in [
            "",
            "   ",
            "\t\n",
            "pmt_ab c",
            "pmt_\u{0}x",
            "pmt_é",
            big.as_str(),
        ] {
            let err = identifier("session_id", bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidInput {
                        field: "session_id",
                        ..
                    }
                ),
                "{bad:?}"
            );
            assert!(bad.is_empty() || bad.trim().is_empty() || !err.to_string().contains(bad));
        }
    }

    #[test]
    fn tokens_may_be_jwts_up_to_the_bound() {
        let segment = |n| "eyJ".to_string() + &"a".repeat(n);
        let jwt = format!("{}.{}.{}", segment(40), segment(3000), segment(340));
        assert!(jwt.len() > 3000);
        assert!(token("token", SecretToken::new(jwt.as_str())).is_ok());
        let at_bound = "t".repeat(MAX_TOKEN_BYTES);
        assert!(token("token", SecretToken::new(at_bound)).is_ok());
        for bad in [
            String::new(),
            " ".into(),
            "ptu_a\nb".into(),
            "ptu_a b".into(),
            "t".repeat(MAX_TOKEN_BYTES + 1),
        ] {
            let err = token("token", SecretToken::new(bad.as_str())).unwrap_err();
            assert!(matches!(err, Error::InvalidInput { field: "token", .. }));
        }
    }

    #[test]
    fn user_ids_follow_the_official_identity_pattern() {
        for good in [
            "pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5",
            "svc:ops/o'brien bot",
            "a.b-c_d",
        ] {
            assert_eq!(&*user_id(good).unwrap(), good);
        }
        for bad in [
            "",
            "   ",
            "alice\n",
            "al\u{7}ice",
            "alicé",
            "a@b",
            &"a".repeat(MAX_ID_BYTES + 1),
        ] {
            assert!(
                matches!(
                    user_id(bad),
                    Err(Error::InvalidInput {
                        field: "user_id",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn profile_keys_are_checked_by_name_and_kind() {
        let ok = SessionListFilter::new()
            .profile("department", "ops")
            .profile_contains("Title", ["lead"])
            .profile_exists("phone", true);
        assert!(filter(&ok).is_ok());
        for bad in [
            SessionListFilter::new().profile("first_name", "Alice"),
            SessionListFilter::new().profile("", "x"),
            SessionListFilter::new().profile_exists("a1", true),
            SessionListFilter::new().profile_contains("dé", ["x"]),
        ] {
            assert!(
                matches!(
                    filter(&bad),
                    Err(Error::InvalidInput {
                        field: "filter",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        let mut wrong_kind = SessionListFilter::new();
        wrong_kind.extra.insert(
            "profile_phone__exists".into(),
            ProfileFilterValue::String("yes".into()),
        );
        assert!(filter(&wrong_kind).is_err());
        let mut unknown = SessionListFilter::new();
        unknown
            .extra
            .insert("nickname".into(), ProfileFilterValue::String("al".into()));
        assert!(filter(&unknown).is_err());
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
        assert!(cursor(&"c".repeat(MAX_CURSOR_BYTES)).is_ok());
        assert!(cursor(&"c".repeat(MAX_CURSOR_BYTES + 1)).is_err());
    }
}
