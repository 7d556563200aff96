package mock

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// The answers are Python 3's: urllib.parse.unquote(s.replace("+", " ")) and
// b.decode("utf-8", "replace"), as ESB's Django reads a query string.
func TestPyUnquote(t *testing.T) {
	for in, want := range map[string]string{
		"a+b": "a b", "%zz1": "%zz1", "%E7%94%A8": "用", "%E7%94": "\uFFFD", "%E7%94x": "\uFFFDx",
		"%FF%FE": "\uFFFD\uFFFD", "%ED%A0%80": "\uFFFD\uFFFD\uFFFD", "%F0%9F%98": "\uFFFD",
		"%F4%90%80%80": "\uFFFD\uFFFD\uFFFD\uFFFD", "%C0%AF": "\uFFFD\uFFFD", "%E0%80%AF": "\uFFFD\uFFFD\uFFFD",
		"用%E7%94%A8": "用用", "%E7用%94%A8": "\uFFFD用\uFFFD\uFFFD", "%": "%", "%4": "%4", "%41%4g": "A%4g",
		"100%": "100%", "a%2Bb": "a+b", "%c3%a9": "é",
	} {
		assert.Equal(t, want, pyUnquote(in), in)
	}
	for in, want := range map[string]string{
		"\xe4\xb8": "\uFFFD", "\xe4\xb8A": "\uFFFDA", "\xed\xa0\x80": "\uFFFD\uFFFD\uFFFD", "\xf0\x9f\x98\x80": "😀",
		"\xf0\x9f\x98": "\uFFFD", "\xf8\x88\x80\x80\x80": "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", "\xc1\xbf": "\uFFFD\uFFFD", "a\x80b": "a\uFFFDb",
	} {
		assert.Equal(t, want, pyDecode([]byte(in)), "%q", in)
	}
}

func TestDjangoQuery(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]any
	}{
		{"a=1&a=2", map[string]any{"a": "2"}},
		{"a=1;b=2&c", map[string]any{"a": "1", "b": "2", "c": ""}},
		{"&&;a=b=c&", map[string]any{"a": "b=c"}},
		{"=x", map[string]any{"": "x"}},
		{"\xff=1&k=\xe7\x94\xa8", map[string]any{"ÿ": "1", "k": "ç\u0094¨"}}, // not UTF-8 as a whole: Latin-1
		{"k=\xe7\x94\xa8", map[string]any{"k": "用"}},
		{"", map[string]any{}},
	} {
		assert.Equal(t, tc.want, djangoQuery(tc.in), "%q", tc.in)
	}
}

// FuzzDjangoQuery: whatever the bytes, the parameters are valid UTF-8, and a string with no %
// or + is kept as it is.
func FuzzDjangoQuery(f *testing.F) {
	for _, s := range []string{"a=1&a=2", "a=%E7%94;b=%zz", "\xff=\xfe", "k=用%E7%94%A8+x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for k, v := range djangoQuery(raw) {
			if !utf8.ValidString(k) || !utf8.ValidString(v.(string)) {
				t.Fatalf("%q: %q=%q is not UTF-8", raw, k, v)
			}
		}
		if utf8.ValidString(raw) && !strings.ContainsAny(raw, "%+") && pyUnquote(raw) != raw {
			t.Fatalf("%q unquoted to %q", raw, pyUnquote(raw))
		}
	})
}

// TestWholeNumber: what ESB's form (Django's IntegerField: a trailing point, zeros and white
// space removed, then Python's int()) reads as a whole number, and the digits it sends on. The
// answers are Python 3's.
func TestWholeNumber(t *testing.T) {
	for in, want := range map[string]string{
		" 3 ": "3", "3.0": "3", "3.": "3", "3.00 ": "3", " 3.0\n": "3", "+3": "3", "-0": "0", "1_000": "1000",
		"1__0": "", "_1": "", "1_": "", "١٢": "12", "１２": "12", "3\u00a0": "3", "\u200b3": "", "3.0\u3000": "3",
		"0x10": "", "1e3": "", "  ": "", "\u001c3": "", "3.0.0": "", "٣.٠": "", "3.٠": "", "007": "7", "-": "",
		"3.0\u001c": "3", "𝟗": "9", "-𝟘𝟙": "-1", "99999999999999999999": "99999999999999999999",
	} {
		got, ok := wholeNumber(in)
		assert.Equal(t, want, got, "%q", in)
		assert.Equal(t, want != "", ok, "%q", in)
	}
}
