#!/usr/bin/env bash
# The same `session list` call (a 20-session page, ~11 KB) made sequentially by
# this SDK, the official Python SDK (pangea-sdk) and the official Node SDK
# (pangea-node-sdk), against one loopback server with fixed envelopes.
# Installs the official SDKs into bench/.deps (ignored by git). Usage: bench/compare.sh [calls]
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-2000}"
deps=bench/.deps
mkdir -p "$deps"

if [ ! -x "$deps/py/bin/python" ]; then python3 -m venv "$deps/py"; fi
"$deps/py/bin/python" -m pip install --quiet --disable-pip-version-check pangea-sdk==6.13.0
if [ ! -d "$deps/node_modules/pangea-node-sdk" ]; then
  (cd "$deps" && { [ -f package.json ] || echo '{"name": "bench-deps", "private": true}' >package.json; } && npm install --silent pangea-node-sdk@5.6.0)
fi

cargo build --quiet --release --locked -p authn-session-bench --bin fixture-server --bin sdk-loop
log="$(mktemp)"
./target/release/fixture-server >"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do url="$(sed -n 's/^listening on //p' "$log")"; [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { echo "fixture server did not start" >&2; exit 1; }

rust=$(./target/release/sdk-loop "$url" "$calls")
python=$("$deps/py/bin/python" bench/compare.py "$url" "$calls")
node=$(NODE_PATH="$deps/node_modules" node bench/compare.js "$url" "$calls")

echo "| client | µs per list call | vs this SDK |"
echo "|---|---:|---:|"
awk -v r="$rust" -v p="$python" -v n="$node" 'BEGIN {
  printf "| authn-session (Rust, this SDK) | %.1f | 1.0× |\n", r
  printf "| pangea-node-sdk 5.6.0 (Node) | %.1f | %.1f× slower |\n", n, n / r
  printf "| pangea-sdk 6.13.0 (Python 3.11) | %.1f | %.1f× slower |\n", p, p / r
}'
