# Sourced by compare.sh and instructions.sh: builds the release fixture
# server and sdk-loop, starts the server on loopback, sets `url`, and stops
# the server when the sourcing script exits.
cargo build --quiet --release --locked -p authn-session-bench --bin fixture-server --bin sdk-loop
fixture_log="$(mktemp)"
./target/release/fixture-server >"$fixture_log" &
fixture_pid=$!
trap 'kill "$fixture_pid" 2>/dev/null || true; rm -f "$fixture_log"' EXIT
url=""
for _ in $(seq 1 100); do url="$(sed -n 's/^listening on //p' "$fixture_log")"; [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { echo "fixture server did not start" >&2; exit 1; }
