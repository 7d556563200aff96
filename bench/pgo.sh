#!/usr/bin/env bash
# Writes cmd/cmdbmock/default.pgo, the CPU profile the Go toolchain optimises cmdbmock with
# (go build, go run and go install use a main package's default.pgo by themselves): a build
# without it, run as bench/run.sh runs it (default flags, the access log on), profiled through
# --pprof while wrk makes the calls bench/run.sh measures: create_set, then the reads of a
# business of READ_SETS sets with a module each, made through ESB by bench/topology.lua, whose
# first seconds are profiled too (create_set, create_module). The profiles are merged into one,
# each part weighed by the time it ran.
#
#   bench/pgo.sh                  # DURATION=20s READ_DURATION=8s READ_SETS=100000
#
# The repository keeps no profile: one made so gained nothing (docs/performance.md, "Where a
# create's time goes"). To measure one, run this, then bench/ab.sh HEAD . (A is built without
# it); remove the file to build without it again. Only loopback is used; every server it starts
# is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
READ_DURATION=${READ_DURATION:-8s}
READ_SETS=${READ_SETS:-100000}
ADDR=127.0.0.1:18180
PPROF=127.0.0.1:18181

. bench/lib.sh
needs bench/pgo.sh wrk

echo "== building without a profile" >&2
go build -pgo=off -o "$work/cmdbmock" ./cmd/cmdbmock
"$work/cmdbmock" --addr "$ADDR" --pprof "$PPROF" "${load_flags[@]}" >/dev/null 2>"$work/mock.log" &
pids+=("$!")
wait_healthy "http://$ADDR/healthz"

profile() { # name seconds wrk-args...: a CPU profile of the mock while wrk runs
  local name=$1 seconds=$2
  shift 2
  curl -fsS -o "$work/$name.pprof" "http://$PPROF/debug/pprof/profile?seconds=$seconds" &
  local prof=$!
  wrk -t1 -c"$CONNS" -d"$((seconds + 1))s" "$@" >/dev/null
  wait "$prof"
  echo "   $name: $(wc -c <"$work/$name.pprof") bytes of profile" >&2
}

echo "== create_set, $DURATION" >&2
profile create_set "${DURATION%s}" -s bench/create_set.lua "http://$ADDR" -- pgo
echo "== business 2 of $READ_SETS sets with a module each, then the reads, $READ_DURATION each" >&2
curl -fsS -o "$work/topology.pprof" "http://$PPROF/debug/pprof/profile?seconds=5" &
topology_prof=$!
first_set=$(make_business "$ADDR" "$READ_SETS")
wait "$topology_prof"
for call in search_set search_set_page search_module search_business; do
  profile "$call" "${READ_DURATION%s}" -s bench/search.lua "http://$ADDR" -- "$call" "$READ_SETS" "$first_set"
done

go tool pprof -proto "$work"/*.pprof >cmd/cmdbmock/default.pgo 2>/dev/null
echo "wrote cmd/cmdbmock/default.pgo ($(wc -c <cmd/cmdbmock/default.pgo) bytes)"
