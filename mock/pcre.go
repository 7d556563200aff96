package mock

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// The patterns search_business makes of a condition's strings, as CMDB makes them for MongoDB
// (bk-cmdb src/scene_server/topo_server/service/inst_business.go:518-558 and
// src/common/paraparse/app.go:103-118 @111e7ac), written for Go's regexp.

// likeSpecials are the characters CMDB's SpecialCharChange escapes. + is not one of them: it stays
// PCRE's quantifier, so "a+b" finds "aab" and not "a+b", and "C++" is a possessive C+.
const likeSpecials = `.()\|[]*{}^$?`

// errRefusedPattern: MongoDB's PCRE cannot compile the pattern (a + with nothing to repeat, three
// in a row), and the search fails as on any condition MongoDB refuses.
var errRefusedPattern = fmt.Errorf("%w: PCRE cannot compile the pattern", topo.ErrRefusedCondition)

// specialCharChange is CMDB's SpecialCharChange: each special character, in the order it first
// appears, replaced everywhere by itself after a backslash. A backslash that first appears after
// another special so doubles the backslashes put before that one too ("a.b\c" becomes
// `a\\.b\\c`, whose . is any character), as CMDB's does.
func specialCharChange(s string) string {
	var found []rune
	for _, r := range s {
		if strings.ContainsRune(likeSpecials, r) && !slices.Contains(found, r) {
			found = append(found, r)
		}
	}
	for _, r := range found {
		s = strings.ReplaceAll(s, string(r), `\`+string(r))
	}
	return s
}

// likeAtom is one character of a pattern specialCharChange made: a literal or, unescaped, any
// character but a newline; then the + after it: 0, 1 (greedy) or 2 (possessive).
type likeAtom struct {
	r    rune
	any  bool
	plus int
}

// class is the atom in Go's regexp.
func (a likeAtom) class() string {
	if a.any {
		return "."
	}
	return regexp.QuoteMeta(string(a.r))
}

// after is the atom as the first character after a possessive prev, which leaves none of its
// own characters to it; false when no character is left.
func (a likeAtom) after(prev likeAtom, fold bool) (string, bool) {
	switch {
	case a.any && prev.any:
		return "", false
	case a.any:
		return fmt.Sprintf(`[^\x{%x}\n]`, prev.r), true
	case prev.any:
		return `\n`, a.r == '\n'
	case a.r == prev.r || fold && strings.EqualFold(string(a.r), string(prev.r)):
		return "", false
	}
	return a.class(), true
}

// neverMatches is a pattern no string matches.
const neverMatches = `[^\x00-\x{10FFFF}]`

// likePattern is the Go pattern matching what MongoDB matches with pattern p, made by
// specialCharChange; fold is the option i. Go's regexp has no possessive quantifier, so a
// possessive atom's run is written greedy and the atom after it without the run's characters:
// the same strings match. A pattern that holds other syntax (a backslash after another special
// leaves that special unescaped) goes to Go's regexp as it is.
func likePattern(p string, fold bool) (string, error) {
	var atoms []likeAtom
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		switch {
		case r == '\\' && i < len(p) && strings.ContainsRune(likeSpecials, rune(p[i])):
			atoms = append(atoms, likeAtom{r: rune(p[i])})
			i++
		case r == '+':
			if len(atoms) == 0 || atoms[len(atoms)-1].plus == 2 {
				return "", errRefusedPattern // nothing to repeat, or a third +
			}
			atoms[len(atoms)-1].plus++
		case r == '.':
			atoms = append(atoms, likeAtom{any: true})
		case strings.ContainsRune(likeSpecials, r):
			return asGo(p, fold)
		default:
			atoms = append(atoms, likeAtom{r: r})
		}
	}
	var b strings.Builder
	if fold {
		b.WriteString("(?i)")
	}
	for i, a := range atoms {
		first := a.class()
		if i > 0 && atoms[i-1].plus == 2 {
			var left bool
			if first, left = a.after(atoms[i-1], fold); !left {
				return neverMatches, nil
			}
		}
		b.WriteString(first)
		if a.plus > 0 {
			b.WriteString(a.class() + "*")
		}
	}
	return b.String(), nil
}

// asGo is a pattern with more syntax than likePattern reads, for Go's regexp as it is. One
// longer than the store reads is not compiled here: the search refuses it.
func asGo(p string, fold bool) (string, error) {
	if fold {
		p = "(?i)" + p
	}
	if len(p) > topo.MaxRegexBytes {
		return p, nil
	}
	if _, err := regexp.Compile(p); err != nil {
		return "", errRefusedPattern
	}
	return p, nil
}
