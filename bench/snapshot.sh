#!/usr/bin/env bash
# A shared store's snapshot at scale: a replica on a Redis of its own, its store populated with
# SETS sets (default 1,000,000, half in each default business), takes creates until it has
# written a snapshot of its store to Redis (every 50,000 writes), and prints the snapshot's size
# and the seconds it took (from the replica's log), the replica's resident memory when ready and
# at its peak (VmHWM) after it, and the creates a second and p99 of the 5 s round of creates
# (wrk -t1 -c32) it was written in; then a second replica joins the store, loading the snapshot,
# and the seconds from its exec to its first healthy answer and its peak memory are printed.
#
#   bench/snapshot.sh                    # SETS=1000000
#   AGAINST=HEAD~1 bench/snapshot.sh     # and the same with another revision's build, before it
#
# Needs wrk and redis-server; only loopback is used, and everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SETS=${SETS:-1000000}
AGAINST=${AGAINST:-}
. bench/lib.sh
needs bench/snapshot.sh wrk redis-server curl

build . measured
[ -n "$AGAINST" ] && build "$AGAINST" against

kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$2/status"; }

one() { # build port
  local bin=$work/$1 redis_port=$2 addr=127.0.0.1:$(($2 + 1)) dir=$work/run-$1
  mkdir -p "$dir"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --appendonly no --save '' --logfile "$dir/redis.log" &
  local redis_pid=$!
  pids+=("$redis_pid")
  until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
  "$bin" --addr "$addr" --store "redis://127.0.0.1:$redis_port/0" --populate $((SETS / 2)) "${load_flags[@]}" >"$dir/mock.log" 2>&1 &
  local mock_pid=$!
  pids+=("$mock_pid")
  wait_healthy "http://$addr/healthz"
  local ready_kb
  ready_kb=$(kb VmRSS "$mock_pid")
  # Creates until the first snapshot is written, a minute at most, 5 s rounds: the round it
  # was written in is the one whose creates met it.
  local round=""
  for _ in $(seq 1 12); do
    round=$(wrk -t1 -c32 -d5s -s bench/create_set.lua "http://$addr" -- "$1-$RANDOM" | grep RESULT)
    grep -q "snapshot written" "$dir/mock.log" && break
  done
  local line
  line=$(grep -m1 "snapshot written" "$dir/mock.log" || true)
  if [ -z "$line" ]; then
    echo "$1: no snapshot written within a minute of creates" >&2
    return 1
  fi
  local bytes seconds # "?" from a build whose log does not say
  bytes=$(field bytes "$line")
  seconds=$(field seconds "$line")
  local peak_kb
  peak_kb=$(kb VmHWM "$mock_pid")
  # A replica that joins now, with the same flags (the store refuses one that differs), loads
  # the snapshot.
  local join_addr=127.0.0.1:$(($2 + 2)) join_start
  join_start=$(date +%s.%N)
  "$bin" --addr "$join_addr" --store "redis://127.0.0.1:$redis_port/0" --populate $((SETS / 2)) "${load_flags[@]}" >"$dir/join.log" 2>&1 &
  local join_pid=$!
  pids+=("$join_pid")
  wait_healthy "http://$join_addr/healthz"
  local join_seconds
  join_seconds=$(awk -v a="$join_start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
  printf 'SNAPSHOT build=%s sets=%d bytes=%s seconds=%s ready_rss_mb=%d peak_rss_mb=%d round_rps=%s round_p99_ms=%s join_seconds=%s join_peak_rss_mb=%d\n' \
    "$1" "$SETS" "${bytes:-?}" "${seconds:-?}" $((ready_kb / 1024)) $((peak_kb / 1024)) \
    "$(field rps "$round")" "$(calc "$(field p99_us "$round") / 1000")" "$join_seconds" $(($(kb VmHWM "$join_pid") / 1024))
  kill "$mock_pid" "$join_pid" "$redis_pid"
  wait "$mock_pid" "$join_pid" "$redis_pid" 2>/dev/null || true
}

echo "machine: $(nproc) cores; $(go version | cut -d' ' -f3); redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'); $(date -u +%Y-%m-%d)"
[ -n "$AGAINST" ] && one against 16420
one measured 16410
