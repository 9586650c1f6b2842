//! With the `schemars` feature, the generated types describe themselves as
//! the spec does: the JSON Schema of each names the required fields of its
//! component in `openapi/authn-session.yaml`.
#![cfg(feature = "schemars")]

use authn_session_gen::types::{
    ClientSessionListResult, ClientSessionRefreshResult, LoginToken, SessionItem,
    SessionListFilter, SessionListResult, SessionToken,
};
use schemars::{schema::RootSchema, schema_for};

fn spec_required(component: &str) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/authn-session.json");
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the packaged spec"))
            .expect("JSON");
    let mut required: Vec<String> = spec["components"]["schemas"][component]["required"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    required.sort();
    required
}

fn schema_required(schema: &RootSchema) -> Vec<String> {
    let object = schema.schema.object.as_ref().expect("an object schema");
    object.required.iter().cloned().collect()
}

#[test]
fn generated_schemas_require_what_the_spec_requires() {
    let cases = [
        ("SessionItem", schema_for!(SessionItem)),
        ("SessionToken", schema_for!(SessionToken)),
        ("LoginToken", schema_for!(LoginToken)),
        ("SessionListResult", schema_for!(SessionListResult)),
        (
            "ClientSessionListResult",
            schema_for!(ClientSessionListResult),
        ),
        (
            "ClientSessionRefreshResult",
            schema_for!(ClientSessionRefreshResult),
        ),
    ];
    for (component, schema) in cases {
        let required = spec_required(component);
        assert!(!required.is_empty(), "{component} requires something");
        assert_eq!(schema_required(&schema), required, "{component}");
    }
}

#[test]
fn tokens_are_passwords_and_filters_are_described() {
    let login = serde_json::to_value(schema_for!(LoginToken)).unwrap();
    let token = &login["definitions"]["SecretToken"];
    assert_eq!(
        (&token["type"], &token["format"]),
        (&"string".into(), &"password".into())
    );
    let filter = serde_json::to_value(schema_for!(SessionListFilter)).unwrap();
    assert_eq!(filter["properties"]["email__contains"]["type"], "array");
    assert_eq!(
        filter["properties"]["enabled"]["type"],
        serde_json::json!(["boolean", "null"])
    );
    // schemars 0.8 drops a flattened map from the schema: the profile keys
    // (`extra`) are described in the filter's text only.
    assert!(filter["description"]
        .as_str()
        .unwrap()
        .contains("profile_<Name>__exists"));
}
