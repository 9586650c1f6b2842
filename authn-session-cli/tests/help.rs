//! `authn-session --help` and every command's match the reviewed snapshot
//! `snapshots/cli-help.snap`: a CLI change shows in review. Fix a failure with
//! `cargo xtask codegen`, review the diff, and commit it.

#[test]
fn the_cli_help_matches_its_snapshot() {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => false,
    }, {
        insta::assert_snapshot!("cli-help", authn_session_cli::help_reference());
    });
}
