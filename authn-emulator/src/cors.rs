//! CORS, so that a page served from another origin (a frontend's dev server,
//! the SDK's browser tests) can call the emulator: `--cors-origin`.

use axum::http::{header, HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::EmulatorError;

/// How long a browser may cache a preflight's answer.
const PREFLIGHT_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(600);

/// The CORS layer for `origins`: `None` when there are none (no CORS
/// headers are sent, as before); `["*"]` allows any origin. Every origin is
/// checked before the emulator starts.
pub(crate) fn layer(origins: &[String]) -> Result<Option<CorsLayer>, EmulatorError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o == "*") {
        if origins.len() > 1 {
            return Err(invalid("*", "`*` allows every origin: give it alone"));
        }
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .map(|o| origin(o))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            // `Authorization` must be named: a wildcard does not cover it.
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-pangea-retried-request-ids"),
            ])
            // What the SDK reads besides the body; a browser hides the rest.
            .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
            .max_age(PREFLIGHT_MAX_AGE),
    ))
}

/// An origin as browsers send it: `http://` or `https://`, a host, maybe a
/// port, and nothing after.
fn origin(text: &str) -> Result<HeaderValue, EmulatorError> {
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .ok_or_else(|| invalid(text, "an origin starts with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err(invalid(
            text,
            "an origin is scheme://host[:port], with no path (and no trailing /)",
        ));
    }
    HeaderValue::from_str(text).map_err(|_| invalid(text, "not a valid header value"))
}

fn invalid(origin: &str, reason: &'static str) -> EmulatorError {
    EmulatorError::CorsOrigin {
        origin: origin.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked_before_the_start() {
        assert!(layer(&[]).unwrap().is_none());
        assert!(layer(&["*".into()]).unwrap().is_some());
        assert!(layer(&["http://localhost:8080".into(), "https://app.example".into()]).is_ok());
        for bad in [
            "localhost:8080",
            "http://localhost:8080/",
            "http://",
            "ftp://x",
        ] {
            let err = layer(&[bad.into()]).unwrap_err();
            assert!(
                matches!(&err, EmulatorError::CorsOrigin { origin, .. } if origin == bad),
                "{bad}: {err}"
            );
        }
        assert!(matches!(
            layer(&["*".into(), "http://a".into()]),
            Err(EmulatorError::CorsOrigin { .. })
        ));
    }
}
