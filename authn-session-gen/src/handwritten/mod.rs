//! The hand-written part of this crate: the two types the generator
//! settings put in place of generated ones ([`SecretToken`], never printed;
//! [`UserId`], checked without a regex engine), and conveniences on
//! generated types (the filter's constructors, the ids' `Display`). Nothing
//! here is generated; nothing generated is here.

mod filter;
mod identity;
mod ids;
mod secret;

pub use filter::ProfileKey;
pub use identity::{UserId, IDENTITY_PATTERN};
pub use secret::SecretToken;
