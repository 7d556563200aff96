#!/usr/bin/env bash
# What a handler's own work costs in requests a second on this machine: the bare Echo server of
# bench/baseline beside itself made to spend WORK more of CPU time on each answer (its --work),
# loaded in turns as bench/run.sh loads the mock (wrk -t1 -c32, bench/create_set.lua), then the
# mock as bench/run.sh runs it beside the plain server the same way. Prints, for each amount and
# the mock, the requests a second and CPU time a request of each, and its share of the plain
# server's requests a second: the median of the rounds' ratios and the ratio of medians. The
# amount whose share is 0.8 is what the mock's create may cost above bare Echo's for
# bench/run.sh to report 0.8; the amount whose share is the mock's is what its create costs.
#
#   bench/budget.sh                          # WORK="1us 2us 4us 8us" ROUNDS=3 DURATION=5s
#   WORK="0s 3us" ROUNDS=5 bench/budget.sh
#
# Only loopback is used; every server it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${WORK:-1us 2us 4us 8us}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
PLAIN_ADDR=127.0.0.1:18290
WORK_ADDR=127.0.0.1:18291

. bench/lib.sh
needs bench/budget.sh wrk

echo "== building" >&2
go build -o "$work/baseline" ./bench/baseline
go build -o "$work/cmdbmock" ./cmd/cmdbmock

start() { # addr work: prints its pid; work "cmdbmock" starts the mock as bench/run.sh does
  if [ "$2" = cmdbmock ]; then
    "$work/cmdbmock" --addr "$1" "${load_flags[@]}" >/dev/null 2>"$work/mock.log" &
  else
    "$work/baseline" --addr "$1" --work "$2" >/dev/null &
  fi
  echo $!
}
plain_pid=$(start "$PLAIN_ADDR" 0s)
pids+=("$plain_pid")
wait_healthy "http://$PLAIN_ADDR/healthz"

WORK="$WORK cmdbmock" failed=0
for w in $WORK; do
  work_pid=$(start "$WORK_ADDR" "$w")
  pids+=("$work_pid")
  wait_healthy "http://$WORK_ADDR/healthz"
  echo "== $w: $ROUNDS rounds of $DURATION, wrk -t1 -c$CONNS, in turns" >&2
  for r in $(seq 1 "$ROUNDS"); do
    wrk_run "plain-$w" "$DURATION" bench/create_set.lua "http://$PLAIN_ADDR" "$plain_pid" "p$r"
    wrk_run "work-$w" "$DURATION" bench/create_set.lua "http://$WORK_ADDR" "$work_pid" "w$r"
  done
  if [ "$w" = cmdbmock ]; then # answers whose code was not 0, which wrk counts as answered
    failed=$(failed_answers "$WORK_ADDR")
  fi
  kill "$work_pid"
  wait "$work_pid" 2>/dev/null || true
done

echo
echo "bare Echo beside itself with --work, and beside the mock, $ROUNDS rounds of $DURATION in turns, medians"
printf '%-8s %12s %12s %14s %14s %12s %12s\n' work plain_req/s work_req/s plain_cpu_us work_cpu_us "share" "(of medians)"
for w in $WORK; do
  read -r p_rps p_cpu <<<"$(medians "plain-$w" rps server_cpu_us)"
  read -r w_rps w_cpu <<<"$(medians "work-$w" rps server_cpu_us)"
  share=$(paste <(grep "^plain-$w " "$work/results") <(grep "^work-$w " "$work/results") |
    while read -r l; do
      calc "$(field rps "${l#*$'\t'}") / $(field rps "${l%%$'\t'*}")"
      echo
    done | median)
  printf '%-8s %12s %12s %14s %14s %12s %12s\n' "$w" "$p_rps" "$w_rps" "$p_cpu" "$w_cpu" "$share" "$(calc "$w_rps/$p_rps")"
done
if grep -qvE 'non2xx=0 socket_errors=0 ' "$work/results" || [ "$failed" != 0 ]; then
  echo "some run had errors (the mock's failed answers: $failed): see its RESULT line above" >&2
  exit 1
fi
