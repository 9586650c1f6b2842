//! `UserId` checks identities by a character class, not a regex engine: it
//! must answer as the spec's `pattern` does, for every character class an
//! identity may be tried with.

use authn_session_gen::{types::UserId, IDENTITY_PATTERN};

fn spec_pattern() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/authn-session.json");
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the packaged spec"))
            .expect("JSON");
    spec["components"]["schemas"]["UserId"]["pattern"]
        .as_str()
        .expect("UserId has a pattern")
        .to_string()
}

#[test]
fn the_identity_check_answers_as_the_spec_pattern() {
    let pattern = spec_pattern();
    assert_eq!(pattern, IDENTITY_PATTERN);
    let regex = regress::Regex::new(&pattern).unwrap();
    let mut tried = vec![String::new(), "pui_xpkhwpnz2cmegsws737xbsqnmnuwtvm5".into()];
    // Every ASCII character alone, inside an identity and at its ends, and
    // characters beyond ASCII.
    for c in (0u8..128)
        .map(char::from)
        .chain(['é', 'ü', '€', '\u{2028}', '😀'])
    {
        tried.extend([
            c.to_string(),
            format!("pui_{c}x"),
            format!("{c}pui"),
            format!("pui{c}"),
        ]);
    }
    for value in &tried {
        let spec = regex.find(value).is_some();
        let ours = value.parse::<UserId>().is_ok();
        assert_eq!(ours, spec, "{value:?}");
    }
}
