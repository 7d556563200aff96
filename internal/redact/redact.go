// Package redact shows a URL as messages, logs and reports may: what locates the server kept,
// whatever could carry a credential masked.
package redact

import (
	"net/url"
	"strings"
)

// Mask stands in for what is masked, as net/url masks a password.
const Mask = "xxxxx"

// URL is s with its password, its query's values and its fragment masked; a pair of the query
// without a value is masked whole, as it could be a token by itself. An s that does not parse
// as a URL is shown as unreadable: nothing of it can be shown safely.
func URL(s, unreadable string) string {
	u, err := url.Parse(s)
	if err != nil {
		return unreadable
	}
	if u.RawQuery != "" {
		pairs := queryPairs(u.RawQuery)
		for i, pair := range pairs {
			if key, _, hasValue := strings.Cut(pair, "="); hasValue {
				pairs[i] = key + "=" + Mask
			} else {
				pairs[i] = Mask
			}
		}
		u.RawQuery = strings.Join(pairs, "&")
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = Mask, ""
	}
	return u.Redacted()
}

// Text is a library's message about s with s shown as URL shows it, and what URL masks of s
// masked elsewhere in the message too, as written in s and unescaped: the message may quote a
// part of s, such as a query's key it does not know or a value it cannot read.
func Text(text, s, unreadable string) string {
	if s == "" {
		return text
	}
	around := strings.Split(text, s)
	if u, err := url.Parse(s); err == nil {
		for i := range around {
			for _, part := range secretParts(u) {
				for _, form := range []string{part, unescaped(part)} {
					if form != "" {
						around[i] = strings.ReplaceAll(around[i], form, Mask)
					}
				}
			}
		}
	}
	return strings.Join(around, URL(s, unreadable))
}

// secretParts are the parts of u that URL masks: the password, the query's values (or a key
// without one) and the fragment.
func secretParts(u *url.URL) []string {
	var parts []string
	if password, set := u.User.Password(); set {
		parts = append(parts, password)
	}
	for _, pair := range queryPairs(u.RawQuery) {
		if key, value, hasValue := strings.Cut(pair, "="); hasValue {
			parts = append(parts, value)
		} else {
			parts = append(parts, key)
		}
	}
	return append(parts, u.Fragment, u.EscapedFragment())
}

func queryPairs(query string) []string {
	return strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' })
}

func unescaped(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
