//! A call, ready to send: the operation, its generated request encoded, and
//! the tokens it carries (redacted from anything quoted back in errors).

use authn_session_gen::{operations::Operation, SecretToken};
use bytes::Bytes;
use serde::Serialize;

use crate::{retry::Idempotency, Error};

/// One call to make: which operation, its encoded body, and the tokens in that
/// body (redacted from anything quoted back in errors).
pub(crate) struct Call {
    pub(super) op: Operation,
    pub(super) idempotency: Idempotency,
    pub(super) body: Bytes,
    pub(super) secrets: Vec<SecretToken>,
}

impl Call {
    /// The call of `op` with `body`, a generated request type, encoded.
    pub(crate) fn new<B: Serialize>(
        op: Operation,
        idempotency: Idempotency,
        body: &B,
        secrets: Vec<SecretToken>,
    ) -> Result<Call, Error> {
        let body = serde_json::to_vec(body).map_err(|e| Error::InvalidInput {
            field: "body",
            reason: format!("cannot be encoded as JSON: {e}"),
        })?;
        Ok(Call {
            op,
            idempotency,
            body: body.into(),
            secrets,
        })
    }
}

/// A generated request builder that could not build: a required field was
/// not set. The facade sets every required field, so this is a bug of ours,
/// reported rather than sent.
pub(crate) fn unbuildable(e: authn_session_gen::types::error::ConversionError) -> Error {
    Error::InvalidInput {
        field: "request",
        reason: e.to_string(),
    }
}
