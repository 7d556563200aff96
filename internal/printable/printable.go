// Package printable shows text that came from elsewhere (a target's answer, a name it holds) on
// a line of a report or a terminal: what a terminal would act on, or what would start a line of
// its own, is escaped as Go escapes it in a quoted string.
package printable

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String is s with its control characters (C0, DEL, C1: an escape sequence, a carriage return, a
// new line), its bidirectional formatting characters, the line and paragraph separators and its
// bytes that are not UTF-8 escaped (\x1b, \r, \n, \u202e, \xff). Everything else, Chinese
// included, is kept as it is.
func String(s string) string {
	i := strings.IndexFunc(s, escaped)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&0xf, 16))
		case escaped(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// escaped reports whether r is shown escaped: invalid UTF-8 decodes to utf8.RuneError.
func escaped(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
		r == '\u2028' || r == '\u2029' || r == utf8.RuneError
}
