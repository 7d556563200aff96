#!/usr/bin/env bash
# The shared store's cost: create_set through the in-memory store, through one replica on a
# Redis and through two replicas on it (two wrk, one on each, at once), in turns, as ratios of
# the in-memory store's throughput in the same run.
#
#   bench/redis.sh            # ROUNDS=3 DURATION=8s
#
# Needs wrk and redis-server; the Redis it starts is its own, on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8s}
. bench/lib.sh
needs bench/redis.sh wrk redis-server

go build -o "$work/cmdbmock" ./cmd/cmdbmock
redis-server --port 16390 --bind 127.0.0.1 --dir "$work" --appendonly yes --save '' --logfile "$work/redis.log" &
pids+=($!)
until redis-cli -p 16390 ping >/dev/null 2>&1; do sleep 0.05; done

serve() { # addr [flags...]
  local addr=$1; shift
  "$work/cmdbmock" --addr "$addr" "${load_flags[@]}" --log-level warn "$@" >/dev/null 2>&1 &
  pids+=($!)
  wait_healthy "http://$addr/healthz"
}
serve 127.0.0.1:18111
serve 127.0.0.1:18112 --store redis://127.0.0.1:16390/0
serve 127.0.0.1:18113 --store redis://127.0.0.1:16390/0

rps() { sed -n 's/.*rps=\([0-9]*\).*/\1/p'; }
one() { wrk -t1 -c32 -d"$DURATION" -s bench/create_set.lua "http://$1" -- "$2" | rps; }
for r in $(seq 1 "$ROUNDS"); do
  mem=$(one 127.0.0.1:18111 "m$r")
  single=$(one 127.0.0.1:18112 "s$r")
  (wrk -t1 -c16 -d"$DURATION" -s bench/create_set.lua http://127.0.0.1:18112 -- "a$r" | rps >"$work/a") &
  other=$!
  wrk -t1 -c16 -d"$DURATION" -s bench/create_set.lua http://127.0.0.1:18113 -- "b$r" | rps >"$work/b"
  wait "$other"
  two=$(( $(cat "$work/a") + $(cat "$work/b") ))
  echo "$mem $single $two" >>"$work/rounds"
  echo "round $r: in-memory $mem req/s, one replica $single, two replicas $two" >&2
done
m=$(cut -d' ' -f1 "$work/rounds" | median); s=$(cut -d' ' -f2 "$work/rounds" | median); t=$(cut -d' ' -f3 "$work/rounds" | median)
echo "machine: $(nproc) cores; $(go version | cut -d' ' -f3); redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'); $(date -u +%Y-%m-%d); wrk -t1, $ROUNDS rounds of $DURATION in turns, medians"
awk -v m="$m" -v s="$s" -v t="$t" 'BEGIN {printf "SHARED in_memory_rps=%d one_replica_rps=%d (%.2f) two_replicas_rps=%d (%.2f)\n", m, s, s/m, t, t/m}'
