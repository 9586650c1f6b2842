//! Fails `cargo test` when the committed snapshots no longer match what the spec
//! and the generator settings produce. Fix: `cargo xtask codegen`, review, commit.

use xtask::{artifacts, packaged_spec_path, snapshot, spec_json};

#[test]
fn snapshots_match_the_spec() {
    let artifacts = artifacts().expect("spec generates");
    insta::with_settings!({
        snapshot_path => snapshot::dir(),
        prepend_module_to_snapshot => false,
        omit_expression => false,
    }, {
        insta::assert_snapshot!("api-digest", artifacts.api_digest);
        insta::assert_snapshot!("generated-client", artifacts.generated_code);
    });
}

#[test]
fn xtask_check_sees_no_drift() {
    // The same comparison `cargo xtask codegen --check` makes, with its readable diff.
    let artifacts = artifacts().expect("spec generates");
    for snap in snapshot::SNAPSHOTS {
        if let Some(diff) = snapshot::drift(snap, &artifacts) {
            panic!(
                "snapshot {} drifted; run `cargo xtask codegen`:\n{diff}",
                snap.name
            );
        }
    }
}

#[test]
fn the_packaged_spec_is_the_spec() {
    let spec = spec_json().expect("spec");
    let copy = std::fs::read_to_string(packaged_spec_path()).expect("packaged copy");
    assert!(
        spec == copy,
        "authn-session-gen/openapi/authn-session.json is not openapi/authn-session.yaml as JSON; run `cargo xtask codegen`"
    );
}
