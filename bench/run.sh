#!/usr/bin/env bash
# Load test: cmdbmock against a bare Echo server (and Stoplight Prism, the version pinned in
# spec/tools, once `npm ci` has run there), side by side on this machine, in turns (A B A B ...),
# under wrk -t1 -c32: create_set with unique set names, the mock also against an Echo handler
# that only decodes the call into a struct and answers one (bench/baseline --decode), then the
# reads a client makes of a business of 100,000 sets with a module each (search_set by name and
# a page of 200, search_module, search_business), each against a bare Echo answering the same
# bytes.
# Prints req/s, p50 and p99 of each, the ratios, the servers' CPU time a request, start-up time
# and resident memory.
#
#   bench/run.sh                  # ROUNDS=3 DURATION=10s READ_DURATION=5s READ_SETS=100000
#   ROUNDS=5 DURATION=20s bench/run.sh
#
# Only loopback is used; every server it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
READ_DURATION=${READ_DURATION:-5s}
READ_SETS=${READ_SETS:-100000}
CONNS=${CONNS:-32}
PRISM=${PRISM:-auto} # auto: when spec/tools has it installed; off: never
BASE_ADDR=127.0.0.1:18090
MOCK_ADDR=127.0.0.1:18091
DECODE_ADDR=127.0.0.1:18095
PRISM_PORT=18092

. bench/lib.sh
needs bench/run.sh wrk

echo "== building" >&2
go build -o "$work/cmdbmock" ./cmd/cmdbmock
go build -o "$work/baseline" ./bench/baseline
go build -tags kinopenapi -o "$work/baseline-kinopenapi" ./bench/baseline
go build -o "$work/startup" ./bench/startup

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
tree_rss_kb() { # a process and its children, for node-based Prism
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do total=$((total + $(rss_kb "$p"))); done
  echo "$total"
}
load() { # name url pid tag
  wrk_run "$1" "$DURATION" bench/create_set.lua "$2" "$3" "$4"
}
echo "== start-up (exec to first healthy answer)" >&2
# Against bare Echo, as the target is set; then bare Echo linking kin-openapi's openapi3 (with
# the copy of its JSON Schema package under third_party, which compiles no meta-schema at init)
# against bare Echo, and the mock against it: how much of the ratio the library takes, and how
# much the mock adds.
startup=$("$work/startup" -runs 15 -baseline "$work/baseline" "$work/cmdbmock")
startup_kin=$("$work/startup" -runs 15 -baseline "$work/baseline" "$work/baseline-kinopenapi")
startup_over_kin=$("$work/startup" -runs 15 -baseline "$work/baseline-kinopenapi" "$work/cmdbmock")
echo "   $startup" >&2

# On a machine of more than two cores the servers share two cores and wrk has a third, so
# that the load generator does not take the servers' time; on two cores they share both.
server_cpus=()
if [ "$(nproc)" -gt 2 ] && command -v taskset >/dev/null; then
  server_cpus=(taskset -c 0,1) wrk_cpus=(taskset -c 2)
fi
"${server_cpus[@]}" "$work/baseline" --addr "$BASE_ADDR" >/dev/null &
base_pid=$!
pids+=("$base_pid")
# What an Echo handler costs that reads the call and writes its answer the usual way (Bind and
# c.JSON, a struct each way) and does nothing else: how much of the gap to bare Echo any handler
# of the call pays on this machine before the mock's own work.
"${server_cpus[@]}" "$work/baseline" --decode --addr "$DECODE_ADDR" >/dev/null &
decode_pid=$!
pids+=("$decode_pid")
# The mock runs as a user runs it: its default flags, the access log on at info (written to a
# file, as a service's log is), and room for every set the load creates, so that the store's
# limit is not what is measured.
MOCK_FLAGS=(--addr "$MOCK_ADDR" "${load_flags[@]}")
echo "== cmdbmock ${MOCK_FLAGS[*]} (the rest as default), log to a file; ${server_cpus[*]:-no pinning}" >&2
"${server_cpus[@]}" "$work/cmdbmock" "${MOCK_FLAGS[@]}" >/dev/null 2>"$work/mock.log" &
mock_pid=$!
pids+=("$mock_pid")
wait_healthy "http://$BASE_ADDR/healthz"
wait_healthy "http://$DECODE_ADDR/healthz"
wait_healthy "http://$MOCK_ADDR/healthz"
sleep 1
idle_kb=$(rss_kb "$mock_pid")

echo "== $ROUNDS rounds of $DURATION, wrk -t1 -c$CONNS, in turns" >&2
for r in $(seq 1 "$ROUNDS"); do
  load baseline "http://$BASE_ADDR" "$base_pid" "b$r"
  load echo_decode "http://$DECODE_ADDR" "$decode_pid" "d$r"
  load cmdbmock "http://$MOCK_ADDR" "$mock_pid" "m$r"
done
sleep 2
loaded_kb=$(rss_kb "$mock_pid")
sets=$(curl -fsS "http://$MOCK_ADDR/metrics" | awk '/^cmdbmock_stored_sets/ {printf "%d", $2}')
failed=$(failed_answers "$MOCK_ADDR")

prism_line=""
prism_bin=spec/tools/node_modules/.bin/prism
if [ "$PRISM" != off ]; then
  if [ -x "$prism_bin" ]; then
    echo "== Prism $("$prism_bin" --version)" >&2
    "$prism_bin" mock -h 127.0.0.1 -p "$PRISM_PORT" spec/openapi.yaml >"$work/prism.log" 2>&1 &
    prism_pid=$!
    pids+=("$prism_pid")
    for _ in $(seq 1 300); do
      curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
        -d '{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"x"}}' \
        "http://127.0.0.1:$PRISM_PORT/api/c/compapi/v2/cc/create_set/" 2>/dev/null && break
      sleep 0.2
    done
    for r in $(seq 1 "$ROUNDS"); do load prism "http://127.0.0.1:$PRISM_PORT" "$prism_pid" "p$r"; done
    prism_line="prism_rss_mb=$(( $(tree_rss_kb "$prism_pid") / 1024 ))"
  else
    echo "   Prism is left out: it is not installed (run npm ci in spec/tools, or spec/tools/check.sh)" >&2
  fi
fi

echo "== 100,000 sets: --populate 50000 in each of the 2 businesses" >&2
"$work/cmdbmock" --addr 127.0.0.1:18093 --log-level warn --populate 50000 >/dev/null 2>&1 &
pop_pid=$!
pids+=("$pop_pid")
wait_healthy "http://127.0.0.1:18093/healthz"
sleep 2
populated_kb=$(rss_kb "$pop_pid")

# The reads: a mock as a user runs it, holding READ_SETS sets of business 2 with a module each,
# made through ESB by bench/topology.lua; for each read, a bare Echo answering the bytes the mock
# answered to one such read, in turns with the mock.
READ_ADDR=127.0.0.1:18094 READ_BASE_ADDR=127.0.0.1:18096
READ_CALLS=(search_set search_set_page search_module search_business)
echo "== reads: ${READ_SETS} sets in business 2, a module each, made through ESB (bench/topology.lua)" >&2
"${server_cpus[@]}" "$work/cmdbmock" --addr "$READ_ADDR" --max-sets $((READ_SETS + 1000)) >/dev/null 2>"$work/read.log" &
read_pid=$!
pids+=("$read_pid")
wait_healthy "http://$READ_ADDR/healthz"
first_set=$(make_business "$READ_ADDR" "$READ_SETS")
for call in "${READ_CALLS[@]}"; do
  path="/api/c/compapi/v2/cc/${call%_page}/"
  # The answer to one read of the load's kind, written by the load's own script: the baseline's.
  wrk -t1 -c1 -d1s -s bench/search.lua "http://$READ_ADDR" -- "$call" "$READ_SETS" "$first_set" "$work/$call.json" >/dev/null
  "${server_cpus[@]}" "$work/baseline" --addr "$READ_BASE_ADDR" --answer "$path=$work/$call.json" >/dev/null &
  read_base_pid=$!
  wait_healthy "http://$READ_BASE_ADDR/healthz"
  for r in $(seq 1 "$ROUNDS"); do
    wrk_run "baseline_$call" "$READ_DURATION" bench/search.lua "http://$READ_BASE_ADDR" "$read_base_pid" "$call" "$READ_SETS" "$first_set"
    wrk_run "cmdbmock_$call" "$READ_DURATION" bench/search.lua "http://$READ_ADDR" "$read_pid" "$call" "$READ_SETS" "$first_set"
  done
  kill "$read_base_pid"
  wait "$read_base_pid" 2>/dev/null || true
done

read -r b_rps b_p50 b_p99 b_cpu <<<"$(medians baseline)"
read -r m_rps m_p50 m_p99 m_cpu <<<"$(medians cmdbmock)"
read -r d_rps d_p50 d_p99 d_cpu <<<"$(medians echo_decode)"

echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(go version | cut -d' ' -f3); $(date -u +%Y-%m-%d)"
echo "load: wrk -t1 -c$CONNS -d$DURATION, $ROUNDS rounds in turns, medians; cmdbmock ${MOCK_FLAGS[*]}; ${server_cpus[*]:-no pinning}"
printf '%-11s %10s %10s %10s %12s\n' server req/s p50_ms p99_ms vs_baseline
printf '%-11s %10s %10s %10s %12s\n' baseline "$b_rps" "$(calc "$b_p50/1000")" "$(calc "$b_p99/1000")" 1.00
printf '%-11s %10s %10s %10s %12s\n' echo_decode "$d_rps" "$(calc "$d_p50/1000")" "$(calc "$d_p99/1000")" "$(calc "$d_rps/$b_rps")"
printf '%-11s %10s %10s %10s %12s\n' cmdbmock "$m_rps" "$(calc "$m_p50/1000")" "$(calc "$m_p99/1000")" "$(calc "$m_rps/$b_rps")"
if grep -q '^prism ' "$work/results"; then
  read -r p_rps p_p50 p_p99 _ <<<"$(medians prism)"
  printf '%-11s %10s %10s %10s %12s\n' prism "$p_rps" "$(calc "$p_p50/1000")" "$(calc "$p_p99/1000")" "$(calc "$p_rps/$b_rps")"
  echo "cmdbmock / prism throughput: $(calc "$m_rps/$p_rps")"
fi
echo "cmdbmock p99 / baseline p99: $(calc "$m_p99/$b_p99")"
# The servers ran in turns, so each round's servers saw the same machine: the ratios per round
# are steadier than the ratio of medians when the machine's speed drifts.
per_round() { # key a b: each round's key of b over a's, then their median
  local ratios
  ratios=$(paste <(grep "^$2 " "$work/results") <(grep "^$3 " "$work/results") | while IFS=$'\t' read -r a b; do
    calc "$(field "$1" "$b")/$(field "$1" "$a")"
    echo
  done)
  echo "$(tr '\n' ' ' <<<"$ratios")(median $(median <<<"$ratios"))"
}
echo "per round, cmdbmock / baseline throughput: $(per_round rps baseline cmdbmock)"
echo "per round, cmdbmock / baseline p99: $(per_round p99_us baseline cmdbmock)"
echo "per round, echo_decode / baseline throughput: $(per_round rps baseline echo_decode)"
echo "per round, cmdbmock / echo_decode throughput: $(per_round rps echo_decode cmdbmock)"
echo "server CPU time a create, medians: baseline $b_cpu us, echo_decode $d_cpu us, cmdbmock $m_cpu us"
echo "cmdbmock failed answers: $failed; socket errors and non-2xx per run are in the RESULT lines above"
echo "reads of $READ_SETS sets with a module each, through ESB, wrk -t1 -c$CONNS -d$READ_DURATION, $ROUNDS rounds in turns, medians:"
printf '%-16s %12s %12s %12s %10s %10s %8s %10s\n' call baseline_rps cmdbmock_rps vs_baseline p99_ms p99_ratio empty cpu_us
for call in "${READ_CALLS[@]}"; do
  read -r rb_rps _ rb_p99 rb_cpu <<<"$(medians "baseline_$call")"
  read -r rm_rps _ rm_p99 rm_cpu <<<"$(medians "cmdbmock_$call")"
  empty=$(grep "^cmdbmock_$call " "$work/results" | while read -r l; do field empty "$l"; done | awk '{s+=$1} END {print s+0}')
  printf '%-16s %12s %12s %12s %10s %10s %8s %10s\n' "$call" "$rb_rps" "$rm_rps" "$(calc "$rm_rps/$rb_rps")" \
    "$(calc "$rm_p99/1000")" "$(calc "$rm_p99/$rb_p99")" "$empty" "$rb_cpu/$rm_cpu"
done

echo "$startup"
echo "bare Echo linking kin-openapi, against bare Echo: $startup_kin"
echo "cmdbmock against bare Echo linking kin-openapi: $startup_over_kin"
echo "cmdbmock rss_idle_mb=$((idle_kb / 1024)) rss_after_load_mb=$((loaded_kb / 1024)) stored_sets=$sets bytes_per_set=$(( (loaded_kb - idle_kb) * 1024 / (sets > 0 ? sets : 1) ))"
echo "cmdbmock with 100,000 populated sets: rss_mb=$((populated_kb / 1024)) bytes_per_set=$(( (populated_kb - idle_kb) * 1024 / 100000 ))"
[ -n "$prism_line" ] && echo "$prism_line"
exit 0
