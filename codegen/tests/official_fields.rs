//! Every request and response field that Pangea's own AuthN spec gives the
//! seven session paths (`../shared/reference/pangea-official-spec.md`),
//! held against `openapi/authn-session.yaml`: a field the official spec
//! has and ours lacks fails here. Field names are facts, copied from there.

use serde_json::Value;

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/authn-session.yaml");
    let text = std::fs::read_to_string(path).expect("read the spec");
    serde_norway::from_str(&text).expect("the spec is YAML")
}

/// Follows `$ref`s (and a single-`allOf` wrapper) to the schema itself.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference.trim_start_matches('#');
        return resolve(
            spec,
            spec.pointer(pointer)
                .unwrap_or_else(|| panic!("{reference}")),
        );
    }
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return resolve(spec, only);
    }
    schema
}

/// The schema of `property` inside `schema`.
fn property<'a>(spec: &'a Value, schema: &'a Value, property: &str) -> &'a Value {
    let schema = resolve(spec, schema);
    resolve(
        spec,
        schema["properties"]
            .get(property)
            .unwrap_or_else(|| panic!("no property {property} in {schema}")),
    )
}

fn operation<'a>(spec: &'a Value, path: &str) -> &'a Value {
    &spec["paths"][path]["post"]
}

fn request<'a>(spec: &'a Value, path: &str) -> &'a Value {
    resolve(
        spec,
        &operation(spec, path)["requestBody"]["content"]["application/json"]["schema"],
    )
}

fn response<'a>(spec: &'a Value, path: &str) -> &'a Value {
    let response = resolve(spec, &operation(spec, path)["responses"]["200"]);
    resolve(spec, &response["content"]["application/json"]["schema"])
}

/// The names of `schema`'s properties that `expected` lists and it lacks.
fn missing(spec: &Value, schema: &Value, expected: &[&str]) -> Vec<String> {
    let properties = &resolve(spec, schema)["properties"];
    expected
        .iter()
        .filter(|name| properties.get(**name).is_none())
        .map(|name| name.to_string())
        .collect()
}

fn required(spec: &Value, schema: &Value) -> Vec<String> {
    resolve(spec, schema)["required"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

const ENVELOPE: &[&str] = &[
    "request_id",
    "request_time",
    "response_time",
    "status",
    "summary",
];
const SESSION_ITEM: &[&str] = &[
    "id",
    "type",
    "life",
    "expire",
    "identity",
    "email",
    "profile",
    "created_at",
    "scopes",
    "active_token",
];
const TOKEN_RECORD: &[&str] = &[
    "id",
    "type",
    "life",
    "expire",
    "identity",
    "email",
    "profile",
    "created_at",
    "scopes",
    "enabled",
    "intelligence",
    "audience",
    "client_id",
    "claims",
];

fn filter_keys() -> Vec<String> {
    let mut keys = Vec::new();
    for field in [
        "id",
        "type",
        "identity",
        "email",
        "username",
        "active_token_id",
    ] {
        keys.extend([
            field.to_string(),
            format!("{field}__contains"),
            format!("{field}__in"),
        ]);
    }
    for field in ["created_at", "expire"] {
        for op in ["", "__gt", "__gte", "__lt", "__lte"] {
            keys.push(format!("{field}{op}"));
        }
    }
    keys.extend(["enabled".into(), "scopes".into()]);
    keys
}

#[test]
fn every_official_request_field_is_in_our_spec() {
    let spec = spec();
    let list = ["filter", "last", "order", "order_by", "size"];
    let cases: [(&str, &[&str], &[&str]); 7] = [
        (
            "/v2/session/invalidate",
            &["session_id", "user_initiated"],
            &["session_id"],
        ),
        ("/v2/session/logout", &["user_id"], &["user_id"]),
        ("/v2/session/list", &list, &[]),
        (
            "/v2/client/session/invalidate",
            &["token", "session_id"],
            &["token", "session_id"],
        ),
        (
            "/v2/client/session/list",
            &["token", "filter", "last", "order", "order_by", "size"],
            &["token"],
        ),
        ("/v2/client/session/logout", &["token"], &["token"]),
        (
            "/v2/client/session/refresh",
            &["refresh_token", "user_token"],
            &["refresh_token"],
        ),
    ];
    let mut problems = Vec::new();
    for (path, fields, required_fields) in cases {
        let body = request(&spec, path);
        for field in missing(&spec, body, fields) {
            problems.push(format!("{path}: request lacks {field}"));
        }
        let ours = required(&spec, body);
        for field in required_fields {
            if !ours.contains(&field.to_string()) {
                problems.push(format!("{path}: {field} is not required"));
            }
        }
        assert_eq!(
            body["additionalProperties"], false,
            "{path}: a closed object"
        );
    }
    for path in ["/v2/session/list", "/v2/client/session/list"] {
        let filter = property(&spec, request(&spec, path), "filter");
        let keys = filter_keys();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        for key in missing(&spec, filter, &keys) {
            problems.push(format!("{path}: filter lacks {key}"));
        }
        // profile_<Name>, profile_<Name>__contains, profile_<Name>__exists:
        // carried as additional properties of a string, an array or a boolean.
        let extra = resolve(&spec, &filter["additionalProperties"]);
        let kinds: Vec<&str> = extra["oneOf"]
            .as_array()
            .map(|k| k.iter().filter_map(|k| k["type"].as_str()).collect())
            .unwrap_or_default();
        if kinds != ["string", "array", "boolean"] {
            problems.push(format!(
                "{path}: the filter carries no profile keys ({extra})"
            ));
        }
        let order = property(&spec, request(&spec, path), "order");
        assert_eq!(order["enum"], serde_json::json!(["asc", "desc"]));
        let order_by = property(&spec, request(&spec, path), "order_by");
        assert_eq!(
            order_by["enum"],
            serde_json::json!([
                "id",
                "created_at",
                "type",
                "identity",
                "email",
                "expire",
                "active_token_id"
            ])
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_official_response_field_is_in_our_spec() {
    let spec = spec();
    let mut problems = Vec::new();
    let mut check = |what: String, schema: &Value, fields: &[&str]| {
        for field in missing(&spec, schema, fields) {
            problems.push(format!("{what} lacks {field}"));
        }
    };
    for path in [
        "/v2/session/invalidate",
        "/v2/session/logout",
        "/v2/session/list",
        "/v2/client/session/invalidate",
        "/v2/client/session/list",
        "/v2/client/session/logout",
        "/v2/client/session/refresh",
    ] {
        check(format!("{path} envelope"), response(&spec, path), ENVELOPE);
    }
    let service = property(&spec, response(&spec, "/v2/session/list"), "result");
    check(
        "service list result".into(),
        service,
        &["sessions", "last", "count"],
    );
    let client = property(&spec, response(&spec, "/v2/client/session/list"), "result");
    check("client list result".into(), client, &["sessions", "last"]);
    let item = resolve(&spec, &property(&spec, service, "sessions")["items"]);
    check("session item".into(), item, SESSION_ITEM);
    let client_item = resolve(&spec, &property(&spec, client, "sessions")["items"]);
    check("client session item".into(), client_item, SESSION_ITEM);
    let active = property(&spec, item, "active_token");
    check("active token".into(), active, TOKEN_RECORD);
    let refresh = property(
        &spec,
        response(&spec, "/v2/client/session/refresh"),
        "result",
    );
    check(
        "refresh result".into(),
        refresh,
        &["refresh_token", "active_token"],
    );
    for record in ["refresh_token", "active_token"] {
        let token = property(&spec, refresh, record);
        check(format!("refresh {record}"), token, TOKEN_RECORD);
        check(format!("refresh {record}"), token, &["token"]);
    }
    let intel = property(&spec, active, "intelligence");
    check(
        "intelligence".into(),
        intel,
        &["embargo", "user_intel", "ip_intel", "domain_intel"],
    );
    let ip = property(&spec, intel, "ip_intel");
    check(
        "ip_intel".into(),
        ip,
        &["is_bad", "is_vpn", "is_proxy", "reputation", "geolocation"],
    );
    let reputation = property(&spec, ip, "reputation");
    check(
        "reputation".into(),
        reputation,
        &["verdict", "score", "category"],
    );
    check(
        "geolocation".into(),
        property(&spec, ip, "geolocation"),
        &[
            "country",
            "city",
            "latitude",
            "longitude",
            "postal_code",
            "country_code",
        ],
    );
    let domain = property(&spec, intel, "domain_intel");
    check("domain_intel".into(), domain, &["is_bad", "reputation"]);
    check(
        "domain reputation".into(),
        property(&spec, domain, "reputation"),
        &["verdict", "score", "category"],
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The facts beyond names: what is required, what may be null, what is
    // the service list's alone.
    let item_required = required(&spec, item);
    for field in [
        "id",
        "type",
        "life",
        "expire",
        "identity",
        "email",
        "profile",
        "created_at",
    ] {
        assert!(
            item_required.contains(&field.to_string()),
            "session item: {field} required"
        );
    }
    assert_eq!(required(&spec, service), ["sessions"]);
    assert!(
        resolve(&spec, client)["properties"].get("count").is_none(),
        "count: service list only"
    );
    assert_eq!(required(&spec, refresh), ["refresh_token"]);
    assert_eq!(property(&spec, active, "audience")["nullable"], true);
    assert_eq!(
        property(&spec, active, "claims")["additionalProperties"],
        serde_json::json!({})
    );
    for path in ["/v2/session/list", "/v2/client/session/refresh"] {
        let envelope = response(&spec, path);
        let required = required(&spec, envelope);
        for field in ["request_id", "request_time", "response_time", "status"] {
            assert!(
                required.contains(&field.to_string()),
                "{path}: {field} required"
            );
        }
        // Pangea's spec types the times as plain strings.
        assert_eq!(property(&spec, envelope, "request_time")["type"], "string");
        assert!(property(&spec, envelope, "request_time")
            .get("format")
            .is_none());
    }
}
