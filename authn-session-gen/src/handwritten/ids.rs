//! `Display` and `AsRef<str>` for the generated ID newtypes, so an ID that came
//! out of a result prints as itself and goes straight back into a call.

use std::fmt;

use crate::types::{ConfigId, SessionId};

macro_rules! id_impls {
    ($($ty:ident),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self
            }
        }
    )*};
}

id_impls!(SessionId, ConfigId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_display_as_their_value() {
        let id: SessionId = "pmt_abc".parse().unwrap();
        assert_eq!(id.to_string(), "pmt_abc");
        assert_eq!(id.as_ref(), "pmt_abc");
        let user: crate::types::UserId = "pui_abc".parse().unwrap();
        assert_eq!(format!("{user}"), "pui_abc");
    }
}
