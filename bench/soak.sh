#!/usr/bin/env bash
# Soak test: mixed valid and invalid traffic against cmdbmock for DURATION (default 10 minutes)
# with wrk -t1 -c8, creates and deletes of ever new sets among it (churn), searches, module and
# business calls, the whole topology of a business of about 100,000 sets (POPULATE), and, beside
# wrk, a reset or a snapshot of the state through the admin API every ADMIN seconds (their cost
# grows with the store: they are timed apart, so that wrk's latencies are the CMDB calls'),
# resident memory sampled every SAMPLE seconds. It prints the samples and whether memory stayed
# flat once the store is full of the run's names (after WARMUP seconds): the mean of the last
# third of the samples within 10% of the mean of the first third. Resets and big answers make
# memory swing; a leak makes it climb, which a mean of many samples shows and one sample need not.
#
#   bench/soak.sh                       # DURATION=600 SAMPLE=10 WARMUP=60 POPULATE=97000 ADMIN=15
#   DURATION=120 POPULATE=0 bench/soak.sh
#
# Only loopback is used; the mock is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-600}
SAMPLE=${SAMPLE:-10}
WARMUP=${WARMUP:-60}
POPULATE=${POPULATE:-97000} # fake sets in each business; with the run's own, business 2 holds about 100,000, under --max-page
ADMIN=${ADMIN:-15}           # seconds between admin calls, a reset or a snapshot in turns
ADDR=127.0.0.1:18095

. bench/lib.sh
needs bench/soak.sh wrk
go build -o "$work/cmdbmock" ./cmd/cmdbmock
"$work/cmdbmock" --addr "$ADDR" --log-level warn --state "$work/state.json" \
  --populate "$POPULATE" --max-page 100000 >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
wait_healthy "http://$ADDR/healthz"

wrk -t1 -c8 -d"${DURATION}s" -s bench/soak.lua "http://$ADDR" >"$work/wrk.out" &
wrk_pid=$!
( # the admin calls, timed apart from the CMDB traffic
  i=0
  while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep "$ADMIN"
    call=reset
    [ $((i % 2)) -eq 1 ] && call=snapshot
    curl -s -o /dev/null -w "$call %{http_code} %{time_total}\n" -X POST -H 'Content-Type: application/json' \
      "http://$ADDR/__mock/$call" >>"$work/admin.out" || true
    i=$((i + 1))
  done
) &
samples=()
elapsed=0
while kill -0 "$wrk_pid" 2>/dev/null && [ "$elapsed" -le "$DURATION" ]; do
  sleep "$SAMPLE"
  elapsed=$((elapsed + SAMPLE))
  kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  samples+=("$elapsed:$kb")
  echo "t=${elapsed}s rss_mb=$((kb / 1024))" >&2
done
wait "$wrk_pid" || true
result=$(grep '^RESULT' "$work/wrk.out" || true)
echo "$result"
max_us=$(echo "$result" | sed -n 's/.*max_us=\([0-9]*\).*/\1/p')
timeouts=$(echo "$result" | sed -n 's/.* timeout=\([0-9]*\).*/\1/p')
if [ -n "$timeouts" ] && [ "$timeouts" -gt 0 ]; then
  echo "requests over wrk's 2 s timeout: $timeouts (not in the latencies below)"
fi
if [ -n "$max_us" ] && [ "$max_us" -le 1000000 ]; then
  echo "stall over 1 s: no (slowest answer $((max_us / 1000)) ms)"
elif [ -n "$max_us" ]; then
  echo "stall over 1 s: yes (slowest answer $((max_us / 1000)) ms)"
fi
if [ -s "$work/admin.out" ]; then
  awk '{n[$1]++; if ($2 != 200) bad++; if ($3 > max[$1]) max[$1] = $3}
    END {for (c in n) printf "admin %s: %d calls, slowest %.2f s; ", c, n[c], max[c]; printf "not 200: %d\n", bad + 0}' "$work/admin.out"
fi
sets=$(curl -fsS "http://$ADDR/metrics" | awk '/^cmdbmock_stored_sets/ {printf "%d", $2}')
codes=$(curl -fsS "http://$ADDR/metrics" | awk '/^cmdbmock_requests_total/ {match($0, /code="[^"]*"/); c[substr($0, RSTART + 6, RLENGTH - 7)] += $NF} END {for (k in c) printf "%s:%d ", k, c[k]}')
deletes=$(curl -fsS "http://$ADDR/metrics" | awk '/^cmdbmock_requests_total/ && /route="\/api\/v3\/set\/:bk_biz_id\/:bk_set_id"/ {s += $NF} END {printf "%d", s}')
echo "stored sets: $sets; deletes: $deletes; answers by code: $codes"

after=()
for s in "${samples[@]}"; do
  [ "${s%%:*}" -ge "$WARMUP" ] && after+=("${s##*:}")
done
n=${#after[@]}
if [ "$n" -lt 3 ]; then
  echo "memory flat: unknown (fewer than 3 samples after the warm-up of ${WARMUP}s)"
  exit 0
fi
third=$((n / 3))
read -r first last low peak < <(printf '%s\n' "${after[@]}" | awk -v t="$third" -v n="$n" '
  {v[NR] = $1; if (NR == 1 || $1 < low) low = $1; if ($1 > peak) peak = $1}
  END {for (i = 1; i <= t; i++) a += v[i]; for (i = n - t + 1; i <= n; i++) b += v[i]; printf "%d %d %d %d\n", a / t, b / t, low, peak}')
verdict=no
[ "$last" -le $((first * 110 / 100)) ] && verdict=yes
echo "memory flat: $verdict (after ${WARMUP}s: mean of the first third $((first / 1024)) MB, of the last third $((last / 1024)) MB; samples from $((low / 1024)) to $((peak / 1024)) MB)"
