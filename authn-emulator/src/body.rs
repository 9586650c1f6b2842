//! Reading a request body into its generated type, refusing what Pangea
//! refuses with the field error codes of Pangea's own spec, each pointing at
//! the offending field with a JSON pointer: the codes come from the schema
//! check ([`crate::schema`]), never from an error message's text.

use authn_session_gen::operations::Request;
use axum::body::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    envelope::Rejection,
    field_code::{field_error, FieldCode},
    schema,
    store::Refusal,
};

fn refuse(code: FieldCode, source: &str, detail: impl Into<String>) -> Rejection {
    Rejection::Refused(Refusal::Invalid(vec![field_error(code, source, detail)]))
}

/// Decodes the body of one of the seven endpoints: checked against its
/// operation's request schema in the spec (every violation a field error
/// with its official code), then read into the generated type.
pub(crate) fn parse_request<T: Request + DeserializeOwned>(body: &Bytes) -> Result<T, Rejection> {
    let value = json(body)?;
    let violations = schema::check(&T::OP, &value);
    if !violations.is_empty() {
        let errors = violations
            .into_iter()
            .map(|v| field_error(v.code, &v.source, v.detail))
            .collect();
        return Err(Rejection::Refused(Refusal::Invalid(errors)));
    }
    typed(&value)
}

/// Decodes a body of the emulator's own control endpoints, which the spec
/// does not describe: what serde refuses is an `InvalidValue` at its path.
pub(crate) fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Rejection> {
    typed(&json(body)?)
}

fn json(body: &Bytes) -> Result<Value, Rejection> {
    let mut value: Value = serde_json::from_slice(body).map_err(|e| {
        refuse(
            FieldCode::InvalidObject,
            "/",
            format!("the body is not a JSON object: {e}"),
        )
    })?;
    integral(&mut value);
    Ok(value)
}

/// The value read into `T`. The code comes from the path alone: serde's
/// message is only the detail.
fn typed<T: DeserializeOwned>(value: &Value) -> Result<T, Rejection> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let source: String = e
            .path()
            .iter()
            .map(|segment| format!("/{segment}"))
            .collect();
        let source = if source.is_empty() {
            "/".into()
        } else {
            source
        };
        refuse(FieldCode::InvalidValue, &source, e.inner().to_string())
    })
}

/// Numbers with no fraction become integers: in JSON Schema 2020-12, which
/// Pangea's spec is written in, `5.0` is an integer.
fn integral(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Within ±2^53 every integer is exact in an f64.
            if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral),
        Value::Object(map) => map.values_mut().for_each(integral),
        _ => {}
    }
}
