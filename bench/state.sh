#!/usr/bin/env bash
# State at scale: how long the mock takes to save its store on a stop and to load it at the next
# start, the peak resident memory of each, and the state file's size, with SETS sets (default
# 1,000,000). The store is made by --populate, half the sets in each of the two default
# businesses; with MODULES=1 it is made as clients make one, through ESB by bench/topology.lua:
# SETS sets in business 2, each with a module made by create_module, and the memory of the live
# store once made is printed too (this takes a minute or two more).
#
#   bench/state.sh                      # SETS=1000000
#   MODULES=1 bench/state.sh
#   SETS=200000 CMDBMOCK=/path/to/cmdbmock bench/state.sh   # a binary built elsewhere
#   AGAINST=HEAD~1 MODULES=1 bench/state.sh                # and loads beside another revision's
#
# Save: SIGTERM to exit of the mock that made the store, started with --state. Load: exec to the
# first healthy answer of a mock started on that file, then its save again on SIGTERM. Peak
# memory: GNU time's maximum resident set. The file is then loaded ROUNDS times more (default 5),
# each start stopped by SIGTERM once healthy, which saves the same text again, for a LOAD line a
# start (its time, CPU time and peak memory, and its stop's save) and their medians, with the
# range of the load times: on a VM one start can take a fifth longer or shorter than the next.
# With AGAINST, a git revision, that revision's build (A) loads and saves it too, in turns with
# the one measured above (B), and B over A is printed. Only loopback is used; every server it
# starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SETS=${SETS:-1000000}
MODULES=${MODULES:-0}
AGAINST=${AGAINST:-}
ROUNDS=${ROUNDS:-5}
ADDR=127.0.0.1:18095

. bench/lib.sh
needs bench/state.sh curl
if [ ! -x /usr/bin/time ]; then
  echo "bench/state.sh needs GNU time (Debian: apt-get install time)" >&2
  exit 2
fi
[ "$MODULES" = 1 ] && needs bench/state.sh wrk
if curl -fsS "http://$ADDR/healthz" >/dev/null 2>&1; then
  echo "bench/state.sh: $ADDR is taken" >&2
  exit 2
fi
bin=${CMDBMOCK:-}
if [ -z "$bin" ]; then
  bin="$work/cmdbmock"
  go build -o "$bin" ./cmd/cmdbmock
fi
if [ -n "$AGAINST" ]; then
  needs bench/state.sh git
  build "$AGAINST" against
fi
state="$work/state.json"
now() { date +%s.%N; }

# start runs the mock ($run, $bin unless set) under GNU time, its CPU time and peak memory to the
# file named ("user system kilobytes" on its last line), and waits for it.
start() { # rss-file flags...
  local rss=$1
  shift
  /usr/bin/time -f "%U %S %M" -o "$rss" "${run:-$bin}" --addr "$ADDR" --log-level warn --max-sets $((SETS + 1000)) \
    --state "$state" "$@" >/dev/null 2>"$work/mock.log" &
  pid=$!
  pids+=("$pid")
  wait_healthy "http://$ADDR/healthz"
  pids+=("$(pgrep -P "$pid")") # the mock itself, which GNU time does not stop on exit
}
# load starts the mock on the state file and sets load_s to the time from exec to healthy.
load() { # rss-file
  local t0
  t0=$(now)
  start "$1"
  load_s=$(calc "$(now) - $t0")
}
# stop sends a signal (TERM unless told: the mock saves) to the mock itself (GNU time waits for it)
# and sets stopped_s to how long it took to exit.
stop() { # [signal]
  local t0
  t0=$(now)
  kill -"${1:-TERM}" "$(pgrep -P "$pid")"
  wait "$pid" || true
  stopped_s=$(calc "$(now) - $t0")
}
peak_mb() { echo $(($(tail -1 "$1" | awk '{print $3}') / 1024)); } # rss-file: its peak in MB

# Make the store, then stop: the stop writes the state.
built=
if [ "$MODULES" = 1 ]; then
  start "$work/save.rss"
  make_business "$ADDR" "$SETS" >/dev/null
  built=" built_rss_mb=$(($(awk '/VmRSS/ {print $2}' "/proc/$(pgrep -P "$pid")/status") / 1024))"
else
  start "$work/save.rss" --populate $((SETS / 2))
fi
stop
save_s=$stopped_s
size=$(du -m "$state" | cut -f1)

# Start on the file: the start reads it; its stop writes it again.
load "$work/load.rss"
sets=$(curl -fsS "http://$ADDR/metrics" | awk '/^cmdbmock_stored_sets/ {printf "%d", $2}')
stop
resave_s=$stopped_s

made=populate
[ "$MODULES" = 1 ] && made=esb_with_modules
printf 'STATE sets=%s made=%s file_mb=%s%s save_s=%s save_peak_rss_mb=%d load_s=%s load_peak_rss_mb=%d resave_s=%s\n' \
  "$sets" "$made" "$size" "$built" "$save_s" "$(peak_mb "$work/save.rss")" "$load_s" "$(peak_mb "$work/load.rss")" "$resave_s"

# The same file loaded and saved again, by each build in turns with AGAINST: a store read from a
# state writes the same text (TestWriteStateIsTheSameForTheSameStore).
sides=(B)
[ -n "$AGAINST" ] && sides=(A B)
echo "== loads of the file${AGAINST:+, A ($AGAINST) and B (the build above) in turns}, $ROUNDS rounds" >&2
for r in $(seq 1 "$ROUNDS"); do
  for side in "${sides[@]}"; do
    run=$bin
    [ "$side" = A ] && run="$work/against"
    load "$work/ab.rss"
    # The start's CPU time and peak memory, read before the stop saves.
    mock=$(pgrep -P "$pid")
    cpu_s=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$mock/stat")
    peak=$(($(awk '/VmHWM/ {print $2}' "/proc/$mock/status") / 1024))
    stop
    echo "LOAD $side load_s=$load_s cpu_s=$cpu_s peak_rss_mb=$peak save_s=$stopped_s" |
      tee -a "$work/results"
  done
done
load_range() { # side: the least and the most of its load times
  grep "^LOAD $1 " "$work/results" | while read -r l; do field load_s "$l"; done | sort -n | sed -n '1p;$p' | paste -sd-
}
read -r b_load b_cpu b_mb b_save <<<"$(medians 'LOAD B' load_s cpu_s peak_rss_mb save_s)"
if [ -z "$AGAINST" ]; then
  echo "LOADS medians of $ROUNDS: load_s=$b_load ($(load_range B)) cpu_s=$b_cpu peak_rss_mb=$b_mb save_s=$b_save"
  exit 0
fi
read -r a_load a_cpu a_mb a_save <<<"$(medians 'LOAD A' load_s cpu_s peak_rss_mb save_s)"
echo "LOADS medians of $ROUNDS: A ($AGAINST) load_s=$a_load ($(load_range A)) cpu_s=$a_cpu peak_rss_mb=$a_mb save_s=$a_save; B load_s=$b_load ($(load_range B)) cpu_s=$b_cpu peak_rss_mb=$b_mb save_s=$b_save; B/A load $(calc "$b_load/$a_load") cpu $(calc "$b_cpu/$a_cpu") save $(calc "$b_save/$a_save")"
