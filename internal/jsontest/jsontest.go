// Package jsontest holds what the tests of the mock's JSON readers and writers share: the
// yardstick their benchmarks measure them against, encoding/json, and how deep a text nests.
package jsontest

import (
	"bytes"
	"encoding/json"
	"testing"
)

// BenchmarkEncoder is the benchmark of what a fast writer replaces: each of values written by an
// encoding/json Encoder without HTML escaping, as the mock's answers are.
func BenchmarkEncoder(b *testing.B, values ...any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		for _, v := range values {
			if err := enc.Encode(v); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// Nesting is how deep a JSON text's arrays and objects go, strings skipped.
func Nesting(text []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range text {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}
