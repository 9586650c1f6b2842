#!/usr/bin/env bash
# Build cost of the SDK: a cold `cargo build -p authn-session` in a fresh target
# directory, then incremental rebuilds after touching only facade code (codegen
# must not re-run) and after touching the spec (codegen re-runs).
# Usage: bench/build-cost.sh   (prints a Markdown table; leaves the tree as it was)
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(mktemp -d)"
trap 'rm -rf "$target"; touch authn-session/src/lib.rs openapi/authn-session.yaml' EXIT
export CARGO_TARGET_DIR="$target"

seconds() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }

cold=$(seconds cargo build --locked -p authn-session)
gen_lines=$(wc -l < "$(ls "$target"/debug/build/authn-session-gen-*/out/client.rs | head -1)")
noop=$(seconds cargo build --locked -p authn-session)
touch authn-session/src/lib.rs
facade=$(seconds cargo build --locked -p authn-session)
runs_before=$(ls -d "$target"/debug/build/authn-session-gen-*/out | wc -l)
touch openapi/authn-session.yaml
spec=$(seconds cargo build --locked -p authn-session)

echo "| build | seconds |"
echo "|---|---:|"
printf "| cold \`cargo build -p authn-session\` (fresh target dir, dev profile) | %.1f |\n" "$cold"
printf "| no-op rebuild | %.1f |\n" "$noop"
printf "| after touching facade code only (codegen does not re-run) | %.1f |\n" "$facade"
printf "| after touching the spec (build.rs regenerates, gen + facade recompile) | %.1f |\n" "$spec"
echo
echo "generated client: $gen_lines lines"
