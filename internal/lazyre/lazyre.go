// Package lazyre holds regular expressions that are compiled when first used rather than when
// the binary starts: most starts of cmdbmock serve, and never need the patterns of the contract
// checks, the diff or a rare attribute type.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns the compiled pattern, compiling it on the first call; a pattern that does not
// compile panics there, as regexp.MustCompile does.
func New(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
