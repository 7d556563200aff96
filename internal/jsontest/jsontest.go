// Package jsontest holds what the tests of the mock's JSON writers share: the yardstick their
// benchmarks measure them against, encoding/json.
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
