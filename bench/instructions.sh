#!/usr/bin/env bash
# Client instructions per `list` call, counted by callgrind: repeatable on
# this noisy VM where CPU time is not (user space only, so the kernel's
# socket work, most of the floor's CPU, is not in it). Each mode runs twice,
# 100 and 600 calls after the warm-up; the difference over 500 calls cancels
# start-up. Modes as in `sdk-loop`: bytes (the floor), raw (raw reqwest into
# the generated types), sdk, decode (the page decoded in memory, no request),
# odd (the SDK's list of a page with two records that client error
# correction mends).
# Usage: bench/instructions.sh   (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
. bench/fixture-server.sh

count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null ./target/release/sdk-loop "$url" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_call() { echo $(( ($(count 600 "$1") - $(count 100 "$1")) / 500 )); }
floor=$(per_call bytes)
echo "| client | instructions per list call | vs the floor |"
echo "|---|---:|---:|"
row() { awk -v n="$1" -v i="$2" -v f="$floor" 'BEGIN { printf "| %s | %d | %.2f× |\n", n, i, i / f }'; }
row "floor: raw reqwest, the body's bytes only" "$floor"
row "raw reqwest into the generated types (serde_json from bytes)" "$(per_call raw)"
row "authn-session (this SDK)" "$(per_call sdk)"
row "the SDK's decoding alone (no request)" "$(per_call decode)"
row "authn-session, a page with two odd records (client error correction)" "$(per_call odd)"
