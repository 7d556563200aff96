# Shared by the bench scripts, which source it from the repository's root: a temporary directory
# ($work) and the processes a script starts ($pids), both gone when it exits; the tools it
# needs; waiting for a server; the median of numbers.

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

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

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
