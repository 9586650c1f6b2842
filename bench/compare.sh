#!/usr/bin/env bash
# The same `session list` call (a 20-session page, ~11 KB) made sequentially by
# this SDK, the official Python SDK (pangea-sdk) and the official Node SDK
# (pangea-node-sdk), against one loopback server with fixed envelopes, with
# the floor (raw reqwest reading the bytes) and raw reqwest into the generated
# types: wall time and the client's own CPU per call.
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

. bench/fixture-server.sh

read -r bytes_wall bytes_cpu < <(./target/release/sdk-loop "$url" "$calls" bytes)
read -r raw_wall raw_cpu < <(./target/release/sdk-loop "$url" "$calls" raw)
read -r sdk_wall sdk_cpu < <(./target/release/sdk-loop "$url" "$calls" sdk)
read -r py_wall py_cpu < <("$deps/py/bin/python" bench/compare.py "$url" "$calls")
read -r node_wall node_cpu < <(NODE_PATH="$deps/node_modules" node bench/compare.js "$url" "$calls")

echo "| client | µs per list call | client CPU µs per call | CPU vs the floor | CPU vs this SDK |"
echo "|---|---:|---:|---:|---:|"
row() { awk -v n="$1" -v w="$2" -v c="$3" -v f="$bytes_cpu" -v s="$sdk_cpu" \
  'BEGIN { printf "| %s | %.1f | %.1f | %.2f× | %.2f× |\n", n, w, c, c / f, c / s }'; }
row "floor: raw reqwest, the body's bytes only" "$bytes_wall" "$bytes_cpu"
row "raw reqwest into the generated types" "$raw_wall" "$raw_cpu"
row "authn-session (this SDK)" "$sdk_wall" "$sdk_cpu"
row "pangea-node-sdk 5.6.0 (Node)" "$node_wall" "$node_cpu"
row "pangea-sdk 6.13.0 (Python 3.11)" "$py_wall" "$py_cpu"
