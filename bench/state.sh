#!/usr/bin/env bash
# State at scale: how long the mock takes to save its store on a stop and to load it at the next
# start, and the peak resident memory of each, with SETS sets (default 1,000,000: --populate in
# each of the two default businesses).
#
#   bench/state.sh            # SETS=1000000
#   SETS=200000 bench/state.sh
#
# Save: SIGTERM to exit of a mock started with --populate and --state. Load: exec to the first
# healthy answer of a mock started on that file. Peak memory: GNU time's maximum resident set.
set -euo pipefail
cd "$(dirname "$0")/.."

SETS=${SETS:-1000000}
ADDR=127.0.0.1:18095
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && pkill -P "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ ! -x /usr/bin/time ]; then
  echo "bench/state.sh needs GNU time (Debian: apt-get install time)" >&2
  exit 2
fi

if curl -fsS "http://$ADDR/healthz" >/dev/null 2>&1; then
  echo "bench/state.sh: $ADDR is taken" >&2
  exit 2
fi
go build -o "$work/cmdbmock" ./cmd/cmdbmock
state="$work/state.json"
healthy() { until curl -fsS "http://$ADDR/healthz" >/dev/null 2>&1; do sleep 0.02; done; }
now() { date +%s.%N; }

# Populate, then stop: the stop writes the state.
/usr/bin/time -f "%M" -o "$work/save.rss" "$work/cmdbmock" --addr "$ADDR" --log-level warn \
  --max-sets $((SETS + 1000)) --populate $((SETS / 2)) --state "$state" >/dev/null 2>&1 &
pid=$!
healthy
# GNU time waits for the mock and reports when it ends: the signal goes to the mock itself.
t0=$(now); kill -TERM "$(pgrep -P "$pid")"; wait "$pid" || true; t1=$(now); pid=
save_s=$(echo "$t1 - $t0" | bc)
size=$(du -m "$state" | cut -f1)

# Start on the file: the start reads it.
t0=$(now)
/usr/bin/time -f "%M" -o "$work/load.rss" "$work/cmdbmock" --addr "$ADDR" --log-level warn \
  --max-sets $((SETS + 1000)) --state "$state" >/dev/null 2>&1 &
pid=$!
healthy; t1=$(now)
load_s=$(echo "$t1 - $t0" | bc)
sets=$(curl -fsS "http://$ADDR/metrics" | awk '/^cmdbmock_stored_sets/ {printf "%d", $2}')
kill -TERM "$(pgrep -P "$pid")"; wait "$pid" || true; pid=

printf 'STATE sets=%s file_mb=%s save_s=%.2f save_peak_rss_mb=%d load_s=%.2f load_peak_rss_mb=%d\n' \
  "$sets" "$size" "$save_s" $(( $(cat "$work/save.rss") / 1024 )) "$load_s" $(( $(cat "$work/load.rss") / 1024 ))
