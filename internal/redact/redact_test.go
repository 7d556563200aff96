package redact_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cmdbmock/cmdbmock/internal/redact"
)

// TestText: a message about a URL shows the URL masked where it quotes it whole, and masks its
// secrets where it quotes them alone, as written in the URL or unescaped.
func TestText(t *testing.T) {
	for _, tc := range []struct{ text, url, want string }{
		{`bad "redis://u:p%40ss@h/0": no`, "redis://u:p%40ss@h/0", `bad "redis://u:xxxxx@h/0": no`},
		{`parsing "p@ss"`, "redis://u:p%40ss@h/0", `parsing "xxxxx"`},
		{`unexpected option: t0k%2Fen`, "redis://h/0?t0k%2Fen", `unexpected option: xxxxx`},
		{`unexpected option: t0k/en`, "redis://h/0?t0k%2Fen", `unexpected option: xxxxx`},
		{`duration "5x"`, "redis://h/0?dial_timeout=5x#frag", `duration "xxxxx"`},
		{`parse "redis://u:pw@h:port/0": invalid port`, "redis://u:pw@h:port/0", `parse "the URL given": invalid port`},
		{`nothing of it`, "redis://h/0", `nothing of it`},
		{`an empty URL`, "", `an empty URL`},
	} {
		assert.Equal(t, tc.want, redact.Text(tc.text, tc.url, "the URL given"), tc.text)
	}
}
