//! The two generated list requests, as the list path sees them: what the
//! generated table says of each (its operation, result type and tokens),
//! and its cursor.

use authn_session_gen::{
    operations::Request,
    types::{ClientSessionListRequest, SessionListRequest},
};

use super::result::ListResult;

/// A generated list request: besides what the generated table says of it
/// (its operation, result type and tokens), its cursor.
pub(crate) trait ListRequest:
    Request<Result: ListResult + Send + 'static> + Clone + Send + 'static
{
    fn last(&self) -> Option<&str>;
    fn set_last(&mut self, last: String);
}

macro_rules! list_request {
    ($($request:ty),*) => {$(
        impl ListRequest for $request {
            fn last(&self) -> Option<&str> {
                self.last.as_deref()
            }
            fn set_last(&mut self, last: String) {
                self.last = Some(last);
            }
        }
    )*};
}

list_request!(SessionListRequest, ClientSessionListRequest);
