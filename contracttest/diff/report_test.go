package diff

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile is what a side may answer to take over the terminal that shows a report: an escape
// that retitles the window, colours, a carriage return and a new line that forge a line, a
// right-to-left override and bytes that are not UTF-8.
const hostile = "\x1b]0;pwned\a\x1b[31mRED\x1b[0m\r\nforged: same\u202e\xff"

// TestTextShowsNoControlCharacters: what a side answered (a key, a value, an error), and a
// replayed call's path (a journal records what any client sent), reach the text report and the
// line a call writes as it ends with what a terminal acts on escaped.
func TestTextShowsNoControlCharacters(t *testing.T) {
	rep := &Report{RunID: "r", Target: "http://t", Reference: "http://r", Surface: "esb",
		Calls: []CallResult{
			{Name: "search_set", Differences: []Difference{{Call: "search_set", Path: "$.data." + hostile, Reference: `"a"`, Target: hostile, Kind: "value"}}},
			{Name: "search_module", Error: "target: " + hostile},
			{Name: "#7 POST /api/" + hostile, Differences: []Difference{{Call: "#7 POST /api/" + hostile, Path: "$.code", Reference: "0", Target: "1", Kind: "value"}}},
		},
		Leftovers: []string{"set 9 " + hostile},
	}
	var out bytes.Buffer
	require.NoError(t, rep.WriteText(&out))
	r := &runner{cfg: Config{Output: &out}}
	r.show(rep.Calls[1], 1, 3)
	r.show(rep.Calls[2], 2, 3)
	text := out.String()
	assert.True(t, utf8.ValidString(text))
	assert.Contains(t, text, `\x1b]0;pwned`, "the side's text is shown, escaped")
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		assert.NotRegexp(t, `[\x00-\x1f\x7f\x{80}-\x{9f}\x{202a}-\x{202e}]`, line, "line %d", i+1)
		assert.False(t, strings.HasPrefix(line, "forged"), "line %d is forged", i+1)
	}
}
