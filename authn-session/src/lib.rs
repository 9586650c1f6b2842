//! Rust SDK for the Pangea AuthN session API.
pub use authn_session_gen::types;
