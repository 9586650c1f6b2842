//! The field error codes the emulator answers a `ValidationError` with, as
//! Pangea's spec names them: one enum, so that every code it can produce is
//! listed, and pinned by a test, in one place.

use authn_session_gen::types::FieldError;

/// Declares the codes once: the enum, its names as sent, and the list.
macro_rules! field_codes {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        /// A field error's `code`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum FieldCode {
            $($(#[doc = $doc])* $name,)*
        }

        impl FieldCode {
            /// The code as it is sent.
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(FieldCode::$name => stringify!($name),)*
                }
            }
        }

        /// Every field error `code` the emulator answers a `ValidationError`
        /// with, as Pangea's spec names them. No other code is ever sent.
        ///
        /// ```
        /// assert!(authn_emulator::FIELD_ERROR_CODES.contains(&"FieldRequired"));
        /// ```
        pub const FIELD_ERROR_CODES: &[&str] = &[$(stringify!($name),)*];
    };
}

field_codes! {
    /// A required property is absent.
    FieldRequired,
    /// A property the schema does not allow.
    UnexpectedProperty,
    /// `null` where the schema takes a value (no request field is nullable).
    InvalidNull,
    /// Not an object (or not JSON at all).
    InvalidObject,
    /// Not a string.
    InvalidString,
    /// Not an integer (`5.0` is one, as in JSON Schema 2020-12).
    InvalidInteger,
    /// Not a boolean.
    InvalidBool,
    /// Not an array.
    InvalidArray,
    /// A string that is none of the enum's members.
    NotEnumMember,
    /// A string shorter than the schema's `minLength`.
    BelowMinLength,
    /// A number outside the schema's `minimum`..`maximum` (or the service's
    /// own bound on a page's size).
    NotWithinRange,
    /// A string that does not match the schema's `pattern`.
    DoesNotMatchPattern,
    /// A string that is not an RFC 3339 date-time.
    BadFormatDateTime,
    /// A well-formed value the operation refuses (a token of another
    /// session, an unknown session under the `unknown-session-400` quirk, an
    /// emulator control body it cannot use).
    InvalidValue,
}

/// A field error: `code` at the JSON pointer `source`.
pub(crate) fn field_error(code: FieldCode, source: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        code: code.as_str().into(),
        detail: detail.into(),
        source: source.into(),
        path: None,
    }
}
