package mock

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSetNamesNeverRunOut: a populate asks for more names than the faker knows (fewer than a
// million); once the faker repeats a name, the name gets the next number after it, so that every
// set under a parent has its own name and none is refused. A name taken by a built-in set is
// never handed out, and a name under another parent does not count.
func TestSetNamesNeverRunOut(t *testing.T) {
	faker := []string{"web-prod", "db-test", "web-prod"}
	i := 0
	names := newSetNames(func() string { i++; return faker[i%len(faker)] })
	names.take(1, "web-prod-3") // a built-in set under parent 1
	names.take(2, "db-test")    // another parent's: no reason to number db-test under 1
	got := map[string]bool{}
	const n = 5000 // far more than the faker's two names
	for range n {
		name := names.next(1)
		assert.False(t, got[name], "%q handed out twice", name)
		got[name] = true
	}
	assert.Len(t, got, n)
	for _, want := range []string{"web-prod", "db-test", "web-prod-2", "web-prod-4", "db-test-2"} {
		assert.True(t, got[want], "%s", want)
	}
	assert.False(t, got["web-prod-3"], "a built-in set's name is not handed out")
}
