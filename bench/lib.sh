# Shared by the bench scripts, which source it from the repository's root: a temporary directory
# ($work) and the processes a script starts ($pids), both gone when it exits; the mock's flags
# under load; a revision's build; the tools it needs; waiting for a server; the mock's failed
# answers; the median of numbers; a wrk run that also counts the server's CPU time a request; the
# business of sets the reads are made of.

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# load_flags are the mock's under a load of creates: room for every set the load makes, so that
# the store's limit is not what is measured. Every script that loads the mock with creates runs
# it with them.
load_flags=(--max-sets 50000000)

build() { # revision name: builds the revision's cmdbmock ("." for the working tree) as $work/name
  if [ "$1" = . ]; then
    go build -o "$work/$2" ./cmd/cmdbmock
    return
  fi
  mkdir "$work/src-$2"
  git archive "$(git rev-parse --verify "$1^{commit}")" | tar -x -C "$work/src-$2"
  (cd "$work/src-$2" && go build -o "$work/$2" ./cmd/cmdbmock)
}

needs() { # script tool[:debian-package]...: exits 2 naming the first one missing
  local script=$1 tool
  shift
  for tool in "$@"; do
    if ! command -v "${tool%%:*}" >/dev/null; then
      echo "$script needs ${tool%%:*} (Debian: apt-get install ${tool#*:})" >&2
      exit 2
    fi
  done
}

wait_healthy() { # url: its first 2xx answer, within a minute
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "not healthy: $1" >&2
  return 1
}

failed_answers() { # addr: the mock's answers whose code was not 0, from its /metrics
  curl -fsS "http://$1/metrics" | awk '/^cmdbmock_requests_total/ && !/code="0"/ {s+=$2} END {print s+0}'
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2"; } # key line: key's number in the line
calc() { awk "BEGIN {printf \"%.2f\", $1}"; }
cpu_ticks() { # a process's user and system time, in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# wrk_run runs wrk -t1 -c$CONNS (under ${wrk_cpus[@]}, when a script pins it) and appends its
# RESULT line, named and with the server's CPU time a request, to $work/results.
CONNS=${CONNS:-32}
wrk_cpus=()
wrk_run() { # name duration script url server-pid args...
  local name=$1 duration=$2 script=$3 url=$4 pid=$5 out t0 t1 n
  shift 5
  t0=$(cpu_ticks "$pid")
  out=$("${wrk_cpus[@]}" wrk -t1 -c"$CONNS" -d"$duration" -s "$script" "$url" -- "$@" | grep '^RESULT')
  t1=$(cpu_ticks "$pid")
  # The server's CPU time a request: what a request costs it, whatever the machine lends it.
  n=$(field requests "$out")
  out="$out server_cpu_us=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.1f", t * 1e6 / hz / (n > 0 ? n : 1)}')"
  echo "$name $out" >>"$work/results"
  echo "   $name $out" >&2
}

# medians prints, for the lines of a run in $work/results, the median of each key asked for
# (rps, p50_us, p99_us and server_cpu_us when none is), on one line.
medians() { # name [key...]
  local rows key keys=("${@:2}") out=()
  [ "${#keys[@]}" -gt 0 ] || keys=(rps p50_us p99_us server_cpu_us)
  rows=$(grep "^$1 " "$work/results")
  for key in "${keys[@]}"; do
    out+=("$(while read -r l; do field "$key" "$l"; done <<<"$rows" | median)")
  done
  echo "${out[*]}"
}

# make_business builds, in the mock at addr, business 2 of `sets` sets named s-1 .. s-<sets>
# with a module each, through ESB (bench/topology.lua), as a client's walk would find it, and
# prints the first set's id, for bench/search.lua.
make_business() { # addr sets
  local addr=$1 sets=$2 t0 topo
  made_modules() {
    curl -fsS "http://$addr/metrics" |
      awk '/^cmdbmock_requests_total/ && /create_module/ && /code="0"/ {s+=$2} END {print s+0}'
  }
  t0=$(date +%s.%N)
  "${wrk_cpus[@]}" wrk -t1 -c"$CONNS" -d600s -s bench/topology.lua "http://$addr" -- "$sets" >"$work/topology.$addr" &
  topo=$!
  while [ "$(made_modules)" -lt "$sets" ] && kill -0 "$topo" 2>/dev/null; do sleep 0.2; done
  kill -INT "$topo" 2>/dev/null || true
  wait "$topo" || true
  echo "   $addr: $(grep '^TOPOLOGY' "$work/topology.$addr") in $(calc "$(date +%s.%N) - $t0") s" >&2
  curl -fsS -X POST -H 'Content-Type: application/json' \
    -d '{"bk_app_code":"bench","bk_app_secret":"bench","bk_username":"bench","bk_biz_id":2,"fields":["bk_set_id"],"condition":{"default":0},"page":{"start":0,"limit":1}}' \
    "http://$addr/api/c/compapi/v2/cc/search_set/" | sed -n 's/.*"bk_set_id":\([0-9]*\).*/\1/p'
}
