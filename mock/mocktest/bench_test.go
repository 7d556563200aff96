package mocktest_test

import (
	"testing"

	"github.com/cmdbmock/cmdbmock/mock/mocktest"
)

// BenchmarkStart is what a test pays for its mock after the test binary's first: a server on a
// loopback port over the embedded spec and fixtures, started and stopped.
func BenchmarkStart(b *testing.B) {
	first, err := mocktest.New(mocktest.Options{}) // the first, which parses the spec and fixtures
	if err != nil {
		b.Fatal(err)
	}
	first.Close()
	b.ReportAllocs()
	for b.Loop() {
		m, err := mocktest.New(mocktest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}
