#!/usr/bin/env bash
# The copy in third_party/jsonschema is the release it names, as the Go module proxy serves it
# (its hash checked), with jsonschema.patch applied and nothing more; and the copy's own tests
# pass, under the race detector. Run by .ci/run; needs Go, gcc and patch. README.md says why
# the copy is here and how to move it to a new release.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)

module=github.com/santhosh-tekuri/jsonschema/v6
version=v6.0.3
sum=h1:1EYB5IzjZawrrnELUi78f9fPu57HuXjmddZPjrls/28=

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

# Outside this module, whose go.mod replaces the release with the copy.
json=$(cd "$work" && go mod download -json "$module@$version")
got=$(sed -n 's/^\t"Sum": "\(.*\)",$/\1/p' <<<"$json")
if [ "$got" != "$sum" ]; then
  echo "$module@$version: the proxy serves $got, where check.sh expects $sum"; exit 1
fi
dir=$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<<"$json")

cp -r "$dir" "$work/release"
chmod -R u+w "$work/release"
(cd "$work/release" && patch -s -p1 -E <"$here/jsonschema.patch")
if ! diff -r "$work/release" jsonschema; then
  echo "third_party/jsonschema is not $module@$version with jsonschema.patch applied"; exit 1
fi
echo "third_party/jsonschema: $module@$version, $sum, with jsonschema.patch"

cd jsonschema
go test -race -count=1 -run '^Test' ./...
