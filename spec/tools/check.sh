#!/usr/bin/env bash
# Runs on spec/openapi.yaml and spec/admin.yaml the tools cmdbmock's users run on them, at the
# versions pinned in package-lock.json: Spectral and Redocly (no errors), openapi-typescript with
# tsc --strict on examples/typescript, and Prism's validating proxy in front of the mock
# (prism-mix.mjs). Needs Go, Node.js and npm; installs the tools into spec/tools/node_modules.
set -euo pipefail
tools=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$tools/../.." && pwd)
bin=$tools/node_modules/.bin

for need in node npm go; do
  command -v "$need" >/dev/null || { echo "spec/tools/check.sh needs $need on the PATH" >&2; exit 2; }
done

echo "== npm ci (spec/tools)"
(cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)

cd "$root"
echo "== spectral $("$bin/spectral" --version)"
"$bin/spectral" lint --ruleset spec/tools/spectral.yaml --fail-severity error spec/openapi.yaml spec/admin.yaml

echo "== redocly $("$bin/redocly" --version)"
"$bin/redocly" lint --config spec/tools/redocly.yaml spec/openapi.yaml spec/admin.yaml

work=$(mktemp -d)
mock_pid=""
cleanup() {
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== openapi-typescript $("$bin/openapi-typescript" --version | tr -d '\n'), tsc $("$bin/tsc" --version)"
"$bin/openapi-typescript" spec/openapi.yaml -o "$work/cmdb.d.ts" >/dev/null
if ! diff -u examples/typescript/cmdb.d.ts "$work/cmdb.d.ts"; then
  echo "examples/typescript/cmdb.d.ts is stale: run $bin/openapi-typescript spec/openapi.yaml -o examples/typescript/cmdb.d.ts" >&2
  exit 1
fi
"$bin/tsc" --strict -p examples/typescript

echo "== prism $("$bin/prism" --version) proxy in front of the mock"
go build -o "$work/cmdbmock" ./cmd/cmdbmock
# Small limits, so that the mock's 413 and 431 pass through the proxy (Node's own header limit is 16 KiB).
"$work/cmdbmock" serve --addr 127.0.0.1:0 --max-body 65536 --max-header-bytes 4096 >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
addr=""
for _ in $(seq 100); do
  addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/mock.out" "$work/mock.err" 2>/dev/null | head -n 1 | cut -d: -f2-) || true
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { echo "the mock did not start:"; cat "$work/mock.err"; exit 1; } >&2
node "$tools/prism-mix.mjs" "$bin/prism" spec/openapi.yaml "$addr"
