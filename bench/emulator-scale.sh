#!/usr/bin/env bash
# The emulator at 10k, 100k and 1M sessions (release build, 10 sessions per
# user): time to start, resident memory, the time of a `size` 20 page in every
# order (median and p90 of 100 consecutive pages, measured by the client over
# loopback), and at 1M a full `list_all` walk against its floor (raw reqwest
# reading each page and taking only the cursor), back to back, with the
# client's and the emulator's CPU seconds; the SDK walks lazily and reading ahead. Usage: bench/emulator-scale.sh [sessions...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --locked -p authn-emulator -p authn-session-bench --bin authn-emulator --bin pages
token=pts_benchmarktoken00000000000000000
sizes=("${@:-10000 100000 1000000}")
# CPU ticks (user + system) of process $1 so far.
emulator_cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for sessions in ${sizes[@]}; do
  log="$(mktemp)"
  started=$(date +%s.%N)
  ./target/release/authn-emulator --addr 127.0.0.1:0 --service-token "$token" \
    --seed-users $((sessions / 10)) --sessions-per-user 10 >"$log" 2>&1 &
  pid=$!
  url=""
  while [ -z "$url" ]; do
    url="$(sed -n 's/^listening on //p' "$log")"
    kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
    [ -n "$url" ] || sleep 0.01
  done
  ready=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  echo
  echo "### $sessions sessions"
  printf 'start %.2f s, resident %d MB (peak while loading %d MB)\n\n' \
    "$(echo "$ready - $started" | bc)" $((rss / 1024)) $((peak / 1024))
  echo "| order | pages | median ms | p90 ms |"
  echo "|---|---:|---:|---:|"
  ./target/release/pages "$url" pages
  if [ "$sessions" -ge 1000000 ]; then
    echo
    echo "| walk, size 1000 | sessions | wall s | client CPU s | emulator CPU s |"
    echo "|---|---:|---:|---:|---:|"
    for mode in floor-walk walk walk-ahead floor-walk walk walk-ahead; do
      before=$(emulator_cpu "$pid")
      read -r count secs cpu < <(./target/release/pages "$url" "$mode")
      after=$(emulator_cpu "$pid")
      case $mode in
        walk) name="SDK \`list_all\`" ;;
        walk-ahead) name="SDK \`list_all\`, \`read_ahead(true)\`" ;;
        *) name="floor: raw reqwest, cursor only" ;;
      esac
      printf '| %s | %d | %s | %s | %.2f |\n' "$name" "$count" "$secs" "$cpu" "$(echo "($after - $before) / 100" | bc -l)"
    done
  fi
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  echo "resident after the runs: $((rss / 1024)) MB"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$log"
done
