#!/usr/bin/env bash
# Two builds of the mock side by side, loaded in turns (A, B, A, B, ...) as bench/run.sh loads
# the mock: what a change gains or costs, measured in one session on one machine. A and B are
# git revisions, or "." for the working tree; both run with FLAGS. Prints each round's RESULT
# line (with the server's CPU time a request), then the medians of each and B over A.
#
#   bench/ab.sh HEAD~1 .                        # create_set, ROUNDS=5 DURATION=5s
#   CALL=search_set_page bench/ab.sh HEAD~1 .   # a page of 200 from business 2's READ_SETS sets
#   FLAGS="--log-level warn" bench/ab.sh main .
#
# CALL is create_set (bench/create_set.lua) or a read of bench/search.lua: search_set,
# search_set_page, search_module or search_business, made of a business of READ_SETS sets with a
# module each (100,000 unless told), built in each mock through ESB first. Only loopback is
# used; every server it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ]; then
  sed -n '2,14p' "$0" | cut -c3- >&2
  exit 2
fi
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
CALL=${CALL:-create_set}
READ_SETS=${READ_SETS:-100000}
FLAGS=${FLAGS:-}
A_ADDR=127.0.0.1:18097
B_ADDR=127.0.0.1:18098

. bench/lib.sh
needs bench/ab.sh wrk git

echo "== building A ($1) and B ($2)" >&2
build "$1" a
build "$2" b

start() { # name addr: prints its pid
  # shellcheck disable=SC2086 # FLAGS is a list of flags
  "$work/$1" --addr "$2" "${load_flags[@]}" $FLAGS >/dev/null 2>"$work/$1.log" &
  echo $!
}
a_pid=$(start a "$A_ADDR")
b_pid=$(start b "$B_ADDR")
pids+=("$a_pid" "$b_pid")
wait_healthy "http://$A_ADDR/healthz"
wait_healthy "http://$B_ADDR/healthz"

script=bench/create_set.lua a_args=() b_args=()
if [ "$CALL" != create_set ]; then
  script=bench/search.lua
  echo "== business 2 of $READ_SETS sets with a module each, in each" >&2
  a_args=("$CALL" "$READ_SETS" "$(make_business "$A_ADDR" "$READ_SETS")")
  b_args=("$CALL" "$READ_SETS" "$(make_business "$B_ADDR" "$READ_SETS")")
fi

echo "== $CALL: $ROUNDS rounds of $DURATION, wrk -t1 -c$CONNS, in turns; flags: ${FLAGS:-none}" >&2
for r in $(seq 1 "$ROUNDS"); do
  wrk_run A "$DURATION" "$script" "http://$A_ADDR" "$a_pid" "${a_args[@]:-a$r}"
  wrk_run B "$DURATION" "$script" "http://$B_ADDR" "$b_pid" "${b_args[@]:-b$r}"
done

read -r a_rps a_p50 a_p99 a_cpu <<<"$(medians A)"
read -r b_rps b_p50 b_p99 b_cpu <<<"$(medians B)"
echo
echo "$CALL, $ROUNDS rounds of $DURATION in turns, medians; A $1, B $2; flags: ${FLAGS:-none}"
printf '%-3s %10s %10s %10s %10s\n' "" req/s p50_ms p99_ms cpu_us
printf '%-3s %10s %10s %10s %10s\n' A "$a_rps" "$(calc "$a_p50/1000")" "$(calc "$a_p99/1000")" "$a_cpu"
printf '%-3s %10s %10s %10s %10s\n' B "$b_rps" "$(calc "$b_p50/1000")" "$(calc "$b_p99/1000")" "$b_cpu"
echo "B / A: throughput $(calc "$b_rps/$a_rps"), p99 $(calc "$b_p99/$a_p99"), CPU a request $(calc "$b_cpu/$a_cpu")"
if grep -E '^[AB] ' "$work/results" | grep -qvE 'non2xx=0 socket_errors=0( empty=0)? '; then
  echo "some run had errors or empty answers: see its RESULT line above" >&2
  exit 1
fi
