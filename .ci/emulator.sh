# Sourced by .ci scripts: start_emulator ARGS... starts the emulator binary on an
# ephemeral loopback port, sets $url and $pid, and stops it on exit.
start_emulator() {
  local log
  log="$(mktemp)"
  cargo build --quiet --locked -p authn-emulator
  ./target/debug/authn-emulator --addr 127.0.0.1:0 "$@" >"$log" 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "'"$log"'"' EXIT
  url=""
  for _ in $(seq 1 100); do
    url="$(sed -n 's/^listening on //p' "$log")"
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "emulator exited" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$log"; echo "emulator did not start" >&2; exit 1; }
  echo "emulator at $url"
}
