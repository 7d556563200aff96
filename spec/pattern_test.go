package spec

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contractPatterns are the patterns of openapi.json, each once.
func contractPatterns(t testing.TB) []string {
	var doc any
	require.NoError(t, json.Unmarshal(documentJSON, &doc))
	seen := map[string]bool{}
	var patterns []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if p, ok := v["pattern"].(string); ok && !seen[p] {
				seen[p] = true
				patterns = append(patterns, p)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	require.NotEmpty(t, patterns)
	return patterns
}

var patternInputs = []string{
	"", " ", "web", " web ", "test-set", "a b", "集群", " 集群  ", "a|b", "a/b", "a\tb", "\n", "a#",
	"1", "-1", "+12", "1.0", " 1 ", "1.", "--1", "12a", "007",
	"0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789abcdef", "0123456789abcdef0123456789abcde",
	"01234567-89ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdef0", "01234567089ab-cdef-0123-456789abcdef",
	"\xff", "a\xffb", "\xe9\x9b", "\u00a0x", "x\u2028",
}

func TestPatternMatchesAsRegexp(t *testing.T) {
	for _, p := range contractPatterns(t) {
		re := regexp.MustCompile(p)
		match := matchPattern(re)
		for _, in := range patternInputs {
			assert.Equal(t, re.MatchString(in), match(in), "%q against %q", in, p)
		}
	}
}

func TestPatternRuns(t *testing.T) {
	cases := []struct {
		pattern string
		runs    bool // matched as runs, not by regexp
	}{
		{`^ *[^\t\n\f\r \\|/:*,<>"?#]+ *$`, true},
		{`^[-+]?[0-9]+$`, true},
		{`^[0-9a-f]{32}$`, true},
		{`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, true},
		{`^abc$`, true},
		{`^a.b$`, true},
		{`^\s*[-+]?[0-9]+(\.0*)?\s*$`, false}, // a group
		{`[0-9]+`, false},                     // not anchored
		{`^[0-9]+`, false},
		{`^a*a$`, false},   // a run's next character could be its own or the next run's
		{`^a*b?a$`, false}, // ... or a later run's, past one that may be empty
		{`^a*b?c$`, true},
		{`^(?i)abc$`, false},
		{`^a|b$`, false},
		{`^a+?b$`, true},       // lazy or greedy, a whole match is the same
		{`^\pL+[0-9]?$`, true}, // a class of hundreds of ranges
		{`^[^\x{4e00}-\x{9fff}]*$`, true},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.runs, runsOf(tc.pattern) != nil, tc.pattern)
		re := regexp.MustCompile(tc.pattern)
		for _, in := range append(patternInputs, "aa", "aaa", "abc", "aba", "aaba", "ac", "aabc", "ab", "a\nb", "axb", "a+b", "héllo", "日本語", "ſ9", "\U0010ffff") {
			assert.Equal(t, re.MatchString(in), matchPattern(re)(in), "%q against %q", in, tc.pattern)
		}
	}
}

// FuzzPattern looks for a pattern and a string that the runs and regexp answer differently.
func FuzzPattern(f *testing.F) {
	for _, p := range contractPatterns(f) {
		for _, in := range patternInputs {
			f.Add(p, in)
		}
	}
	for _, p := range []string{`^a*b?c$`, `^a*a$`, `^.{2,3}x?$`, `^[^a]*a+[b-d]{1,2}$`, `^\d+\D?$`, `^[\p{Han}]+$`} {
		f.Add(p, "aab")
	}
	f.Fuzz(func(t *testing.T, pattern, in string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		if got, want := matchPattern(re)(in), re.MatchString(in); got != want {
			t.Fatalf("%q against %q: %v, regexp %v (runs %v)", in, pattern, got, want, runsOf(pattern) != nil)
		}
	})
}

var patternSink bool

// BenchmarkPattern checks a set's name of 14 characters against the contract's pattern of a
// name, by regexp and as runs.
func BenchmarkPattern(b *testing.B) {
	re := regexp.MustCompile(`^ *[^\t\n\f\r \\|/:*,<>"?#]+ *$`)
	for _, bc := range []struct {
		name  string
		match func(string) bool
	}{{"regexp", re.MatchString}, {"runs", matchPattern(re)}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				patternSink = bc.match("bench-0-123456")
			}
		})
	}
}
