//! The redactor of one call: it owns what must never be quoted back (the
//! tokens the call sent, and the service token), and every piece of server
//! text passes through it before it is kept in an error or recorded in a span.

use authn_session_gen::SecretToken;
use secrecy::ExposeSecret;

use crate::error::DecodeError;

/// The longest excerpt of a body quoted in an error, before the ellipsis.
pub(crate) const EXCERPT_BYTES: usize = 512;
const REDACTED: &str = "[REDACTED]";

/// The secrets of one call.
pub(crate) struct Redactor<'a> {
    secrets: &'a [SecretToken],
    service_token: &'a SecretToken,
}

impl<'a> Redactor<'a> {
    pub(crate) fn new(secrets: &'a [SecretToken], service_token: &'a SecretToken) -> Self {
        Self {
            secrets,
            service_token,
        }
    }

    /// `text` with every token of the call replaced by `[REDACTED]`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self
            .secrets
            .iter()
            .chain([self.service_token])
            .map(|s| s.expose_secret())
        {
            if !secret.is_empty() && text.contains(secret) {
                text = text.replace(secret, REDACTED);
            }
        }
        text
    }

    /// Every string of `value`, and every key, redacted: for a result that
    /// is handed back as JSON rather than decoded into types.
    pub(crate) fn redact_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(text) => {
                let redacted = self.redact(text);
                *text = redacted;
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.redact_json(item)),
            Value::Object(fields) => {
                *fields = std::mem::take(fields)
                    .into_iter()
                    .map(|(key, mut field)| {
                        self.redact_json(&mut field);
                        (self.redact(&key), field)
                    })
                    .collect();
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// The start of a body, redacted first and cut after: a token that
    /// straddles the cut leaves no prefix behind.
    pub(crate) fn excerpt(&self, body: &[u8]) -> String {
        let text = self.redact(&String::from_utf8_lossy(body));
        if text.len() <= EXCERPT_BYTES {
            return text;
        }
        let mut cut = EXCERPT_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut excerpt = text[..cut].to_string();
        excerpt.push('…');
        excerpt
    }

    /// The decoder's message, which quotes values of the body: redacted, or
    /// dropped when the body may carry tokens the call did not send.
    pub(crate) fn sanitize(&self, mut detail: DecodeError, withhold: bool) -> DecodeError {
        detail.message = if withhold {
            None
        } else {
            detail.message.map(|m| self.redact(&m))
        };
        detail
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn raw_json_loses_the_token_in_every_string_and_key_and_keeps_the_rest() {
        let service = SecretToken::from("pts_service");
        let mut value = json!({
            "sessions": [{"email": "x pts_service y", "life": 3, "ok": true, "none": null}],
            "pts_service": ["pts_service", {"deep": "pts_servicepts_service"}],
        });
        Redactor::new(&[], &service).redact_json(&mut value);
        assert_eq!(
            value,
            json!({
                "sessions": [{"email": "x [REDACTED] y", "life": 3, "ok": true, "none": null}],
                "[REDACTED]": ["[REDACTED]", {"deep": "[REDACTED][REDACTED]"}],
            })
        );
    }
}
