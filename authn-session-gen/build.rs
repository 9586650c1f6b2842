//! Generates the raw client from the spec into `OUT_DIR/client.rs`.

fn main() {
    let spec = authn_session_codegen::spec_path();
    println!("cargo:rerun-if-changed={}", spec.display());
    let artifacts = match authn_session_codegen::generate(&spec) {
        Ok(artifacts) => artifacts,
        Err(e) => {
            // A readable failure instead of a generator panic deep in a build log.
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("client.rs");
    std::fs::write(&out, artifacts.generated_code).expect("write generated client");
}
