//! A call, ready to send: the operation, its generated request encoded, and
//! the tokens it carries (redacted from anything quoted back in errors).

use authn_session_gen::{
    operations::{Operation, Request, Target},
    SecretToken,
};
use bytes::Bytes;

use crate::Error;

/// One call to make: which operation, its encoded body, the tokens in that
/// body (redacted from anything quoted back in errors), and the session or
/// user it ends (for the observer).
pub(crate) struct Call {
    pub(super) op: Operation,
    pub(super) body: Bytes,
    pub(super) secrets: Vec<SecretToken>,
    pub(super) target: Option<Target>,
}

impl Call {
    /// The call `request` is the body of: its operation (and so its retry
    /// class) and its tokens come from the generated table.
    pub(crate) fn of<Q: Request>(request: &Q) -> Result<Call, Error> {
        let body = serde_json::to_vec(request).map_err(|e| Error::InvalidInput {
            field: "body",
            reason: format!("cannot be encoded as JSON: {e}"),
        })?;
        Ok(Call {
            op: Q::OP,
            body: body.into(),
            secrets: request.secrets(),
            target: request.target(),
        })
    }
}

/// The generated request `Q` from its builder. The facade sets every required
/// field, so a builder that cannot build is a bug of ours, reported rather
/// than sent.
pub(crate) fn build<Q, B>(builder: B) -> Result<Q, Error>
where
    Q: TryFrom<B, Error = authn_session_gen::types::error::ConversionError>,
{
    Q::try_from(builder).map_err(|e| Error::InvalidInput {
        field: "request",
        reason: e.to_string(),
    })
}
