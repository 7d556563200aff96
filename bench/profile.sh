#!/usr/bin/env bash
# Where a request's CPU goes: the bare Echo server of bench/baseline and the mock (its default
# flags, the access log on, written to a file), each loaded by wrk with create_set as
# bench/run.sh loads them, in turns, and sampled by perf while the load runs. Prints, for each
# round and server, the requests a second and perf's samples a thousand requests: in the
# server's own code, in the kernel on its behalf (sockets, scheduling, the log's file), and in
# all; then the mock's over the baseline's, medians of the rounds. A sample is 1/FREQ s of CPU.
#
#   bench/profile.sh                 # ROUNDS=3 DURATION=8s FREQ=2000
#
# Needs wrk and perf (Debian: apt-get install wrk linux-perf), and leave to sample a process:
# root, or kernel.perf_event_paranoid <= 1. Only loopback is used; every server it starts is
# stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8s}
FREQ=${FREQ:-2000}
CONNS=${CONNS:-32}
BASE_ADDR=127.0.0.1:18190
MOCK_ADDR=127.0.0.1:18191

. bench/lib.sh
needs bench/profile.sh wrk perf:linux-perf

echo "== building" >&2
go build -o "$work/cmdbmock" ./cmd/cmdbmock
go build -o "$work/baseline" ./bench/baseline

"$work/baseline" --addr "$BASE_ADDR" >/dev/null &
base_pid=$!
pids+=("$base_pid")
"$work/cmdbmock" --addr "$MOCK_ADDR" "${load_flags[@]}" >/dev/null 2>"$work/mock.log" &
mock_pid=$!
pids+=("$mock_pid")
wait_healthy "http://$BASE_ADDR/healthz"
wait_healthy "http://$MOCK_ADDR/healthz"

seconds=${DURATION%s}
window=$((seconds - 2)) # perf samples from the first second to the last but one
if [ "$window" -lt 1 ]; then
  echo "DURATION must be at least 3s" >&2
  exit 2
fi

profile() { # name url pid tag: one round, one line
  local name=$1 url=$2 pid=$3 tag=$4 out rps
  wrk -t1 -c"$CONNS" -d"$DURATION" -s bench/create_set.lua "$url" -- "$tag" >"$work/wrk.out" &
  local wrk_pid=$!
  sleep 1
  perf record -q -F "$FREQ" -p "$pid" -o "$work/$name.data" -- sleep "$window" 2>/dev/null
  wait "$wrk_pid"
  rps=$(sed -n 's/^RESULT rps=\([0-9]*\).*/\1/p' "$work/wrk.out")
  # Samples by where they fell: the kernel's, or the process's own (its binary and the vDSO).
  out=$(perf report -i "$work/$name.data" --stdio --sort dso -F sample,dso -g none 2>/dev/null |
    awk -v n="$((rps * window))" '
      /^#/ || NF < 2 { next }
      { if ($2 ~ /kernel/) k += $1; else u += $1 }
      END { printf "user=%.1f kernel=%.1f total=%.1f", u * 1000 / n, k * 1000 / n, (u + k) * 1000 / n }')
  echo "$name rps=$rps $out" | tee -a "$work/results" >&2
}

echo "== $ROUNDS rounds of $DURATION, wrk -t1 -c$CONNS, perf -F $FREQ for ${window}s of each; samples a 1,000 requests" >&2
for r in $(seq 1 "$ROUNDS"); do
  profile baseline "http://$BASE_ADDR" "$base_pid" "b$r"
  profile cmdbmock "http://$MOCK_ADDR" "$mock_pid" "m$r"
done

echo
for part in user kernel total; do
  b=$(medians baseline "$part") m=$(medians cmdbmock "$part")
  awk -v p="$part" -v b="$b" -v m="$m" 'BEGIN {printf "%-6s baseline %5.1f  cmdbmock %5.1f  ratio %.2f\n", p, b, m, m / b}'
done
echo "PROFILE rounds=$ROUNDS duration=$DURATION freq=$FREQ baseline_rps=$(medians baseline rps) cmdbmock_rps=$(medians cmdbmock rps)"
