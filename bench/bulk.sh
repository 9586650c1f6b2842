#!/usr/bin/env bash
# Bulk invalidation: 10,000 sessions held by the emulator (release build), ended
# by invalidate_all at concurrency 1, 8 and 32, by a naive sequential loop over
# list_all, and by the official Node SDK with pools of 8, 32 and 64 promises.
# The same state is loaded back (PUT /_emulator/state) before every run.
# Installs pangea-node-sdk into bench/.deps. Usage: bench/bulk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
deps=bench/.deps
mkdir -p "$deps"
if [ ! -d "$deps/node_modules/pangea-node-sdk" ]; then
  (cd "$deps" && { [ -f package.json ] || echo '{"name": "bench-deps", "private": true}' >package.json; } && npm install --silent pangea-node-sdk@5.6.0)
fi
cargo build --quiet --release --locked -p authn-emulator -p authn-session-bench --bin authn-emulator --bin bulk
token=pts_bulkbenchmark
log="$(mktemp)"; state="$(mktemp)"
./target/release/authn-emulator --addr 127.0.0.1:0 --service-token "$token" \
  --seed-users 1000 --sessions-per-user 10 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log" "$state"' EXIT
url=""
for _ in $(seq 1 100); do url="$(sed -n 's/^listening on //p' "$log")"; [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { cat "$log"; exit 1; }
curl -sf -H "Authorization: Bearer $token" "$url/_emulator/state" >"$state"
restore() {
  curl -sf -X PUT -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    --data-binary @"$state" "$url/_emulator/state"
}
echo "| client | sessions ended | sessions/s |"
echo "|---|---:|---:|"
for mode in all:1 all:8 all:32 naive; do
  restore
  read -r ended rate < <(./target/release/bulk "$url" "$token" "$mode")
  echo "| authn-session \`$mode\` | $ended | $rate |"
done
for pool in 8 32 64; do
  restore
  read -r ended rate < <(NODE_PATH="$deps/node_modules" node bench/bulk.js "$url" "$token" "$pool")
  echo "| pangea-node-sdk 5.6.0, pool of $pool | $ended | $rate |"
done
