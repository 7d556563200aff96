package printable_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/cmdbmock/cmdbmock/internal/printable"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "",
		"plain text, 集群 and émoji 🙂":        "plain text, 集群 and émoji 🙂",
		"\x1b]0;pwned\a\x1b[31mRED\x1b[0m":  `\x1b]0;pwned\a\x1b[31mRED\x1b[0m`,
		"line\r\nforged":                    `line\r\nforged`,
		"tab\there\x00\x7f":                 `tab\there\x00\x7f`,
		"csi \u009b and nel \u0085":         `csi \u009b and nel \u0085`,
		"rtl \u202eevil\u202c \u2066\u2069": `rtl \u202eevil\u202c \u2066\u2069`,
		"separators \u2028\u2029":           `separators \u2028\u2029`,
		"bad \xff\xfe utf-8 \xe4\xb8":       `bad \xff\xfe utf-8 \xe4\xb8`,
		"a real U+FFFD \ufffd":              `a real U+FFFD \ufffd`,
	} {
		got := printable.String(in)
		assert.Equal(t, want, got, "%q", in)
		assert.True(t, utf8.ValidString(got), "%q", in)
	}
}

// FuzzString: whatever comes in, what comes out is UTF-8 with nothing a terminal acts on, and
// text that needs no escape comes out as it came.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "集群", "\x1b[2J", "a\r\nb", "\u202e", "\xff", "\\x1b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := printable.String(s)
		if !utf8.ValidString(got) {
			t.Fatalf("%q: not UTF-8: %q", s, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029 {
				t.Fatalf("%q: %U is left in %q", s, r, got)
			}
		}
		clean := true
		for _, r := range s {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError || (r >= 0x202a && r <= 0x202e) ||
				(r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029 || r == 0x061c || r == 0x200e || r == 0x200f {
				clean = false
			}
		}
		if clean && got != s {
			t.Fatalf("%q needs no escape, came out as %q", s, got)
		}
	})
}
