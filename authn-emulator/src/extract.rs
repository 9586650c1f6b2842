//! The extractors of the emulator's handlers: [`Authorized`] checks the
//! service token; [`ApiRequest`] also reads the body into its generated
//! request type, refusing it with field errors. Either refuses with the
//! API's error envelope ([`Refused`]).

use authn_session_gen::operations;
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    body::parse_request,
    envelope::{Meta, Refused, Rejection},
    state::Shared,
};

/// A request that carries the service token, and the envelope facts of its
/// answer.
pub(crate) struct Authorized(pub Meta);

impl FromRequestParts<Shared> for Authorized {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Refused> {
        let meta = Meta::new(&state.clock);
        if state.authorized(&parts.headers) {
            Ok(Authorized(meta))
        } else {
            Err(Refused(meta, Rejection::Unauthorized))
        }
    }
}

/// A request to one of the seven endpoints: authorized, its body decoded
/// into the generated request type `T`.
pub(crate) struct ApiRequest<T> {
    pub meta: Meta,
    pub body: T,
}

impl<T: operations::Request + DeserializeOwned> FromRequest<Shared> for ApiRequest<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Shared) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Authorized(meta) = Authorized::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let bytes = match Bytes::from_request(Request::from_parts(parts, body), state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(meta.failure(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PayloadTooLarge",
                    "the request body is larger than the emulator takes (--max-body-bytes)",
                    Vec::new(),
                ));
            }
            Err(rejection) => return Err(rejection.into_response()),
        };
        match parse_request::<T>(&bytes) {
            Ok(body) => Ok(ApiRequest { meta, body }),
            Err(failure) => Err(Refused(meta, failure).into_response()),
        }
    }
}

/// What an operation answers with when it succeeds: the envelope's summary
/// and the result.
pub(crate) struct Success<R> {
    pub summary: String,
    pub result: R,
}

impl<T> ApiRequest<T> {
    /// Runs the operation on the body and answers: the result in a success
    /// envelope, or the failure in an error envelope.
    pub(crate) fn answer<R: Serialize>(
        self,
        operation: impl FnOnce(T) -> Result<Success<R>, Rejection>,
    ) -> Response {
        match operation(self.body) {
            Ok(done) => self.meta.success(&done.summary, done.result),
            Err(failure) => Refused(self.meta, failure).into_response(),
        }
    }
}
