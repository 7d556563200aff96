package topo

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// term is one test of a search condition, prepared before any set is read: its values as the
// JSON text a record writes.
type term struct {
	field string
	op    string // $eq, $ne, $in, $nin, $regex; "" for $or
	text  []byte
	in    map[string]struct{}
	re    *regexp.Regexp
	alts  [][]term // $or: an instance passes when it passes every term of one of them
}

// prepare checks a condition and rules against the bounds of a search and compiles them into
// terms.
func prepare(cond map[string]any, rules []Rule) ([]term, error) {
	budget := MaxTerms
	return prepareWithin(cond, rules, &budget)
}

// prepareWithin is prepare within a number of tests that a condition and all its $or
// alternatives share.
func prepareWithin(cond map[string]any, rules []Rule, budget *int) ([]term, error) {
	rules, err := conditionRules(cond, rules)
	if err != nil {
		return nil, err
	}
	if *budget -= len(rules); *budget < 0 {
		return nil, fmt.Errorf("%w: more than %d tests", ErrBadCondition, MaxTerms)
	}
	terms := make([]term, 0, len(rules))
	for _, r := range rules {
		t := term{field: r.Field, op: r.Op}
		if alts, ok := r.Arg.(conditions); ok { // made by conditionRules alone: no request decodes to it
			for _, alt := range alts {
				altTerms, err := prepareWithin(alt, nil, budget)
				if err != nil {
					return nil, err
				}
				t.alts = append(t.alts, altTerms)
			}
			terms = append(terms, t)
			continue
		}
		switch r.Op {
		case "$eq", "$ne":
			t.text = AppendValue(nil, r.Arg)
		case "$in", "$nin":
			list, ok := r.Arg.([]any)
			if !ok {
				return nil, fmt.Errorf("%w: %s: %s takes a list", ErrBadCondition, r.Field, r.Op)
			}
			t.in = make(map[string]struct{}, len(list))
			for _, v := range list {
				t.in[string(AppendValue(nil, v))] = struct{}{}
			}
		case "$regex":
			pattern, ok := r.Arg.(string)
			if !ok || len(pattern) > MaxRegexBytes {
				return nil, fmt.Errorf("%w: %s: $regex takes a pattern of at most %d bytes", ErrBadCondition, r.Field, MaxRegexBytes)
			}
			re, err := compiled(pattern)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: $regex: %v", ErrBadCondition, r.Field, err)
			}
			t.re = re
		default:
			return nil, fmt.Errorf("%w: %s: unsupported operator %s", ErrBadCondition, r.Field, r.Op)
		}
		terms = append(terms, t)
	}
	return terms, nil
}

// conditions are what a $and or a $or lists; a $or's are the argument of the rule it makes.
type conditions []map[string]any

// conditionRules appends a condition's tests to rules: each field's value or operators, the
// conditions a $and lists, which MongoDB holds together as one, and one rule for each $or. Any
// other operator at the top of a condition ($nor, $where, ...) is not evaluated, and refused
// rather than read as a field.
func conditionRules(cond map[string]any, rules []Rule) ([]Rule, error) {
	for field, want := range cond {
		if len(rules) > MaxTerms {
			break // prepare refuses it
		}
		if !strings.HasPrefix(field, "$") {
			op, isOp := want.(map[string]any)
			if !isOp {
				rules = append(rules, Rule{field, "$eq", want})
				continue
			}
			for name, arg := range op {
				rules = append(rules, Rule{field, name, arg})
			}
			continue
		}
		list, ok := want.([]any)
		if field != "$and" && field != "$or" || !ok || len(list) == 0 {
			return nil, fmt.Errorf("%w: unsupported operator %s, or not a list of conditions", ErrBadCondition, field)
		}
		conds := make(conditions, len(list))
		for i, c := range list {
			if conds[i], ok = c.(map[string]any); !ok {
				return nil, fmt.Errorf("%w: %s takes a list of conditions", ErrBadCondition, field)
			}
		}
		if field == "$or" {
			rules = append(rules, Rule{Arg: conds})
			continue
		}
		for _, c := range conds {
			var err error
			if rules, err = conditionRules(c, rules); err != nil {
				return nil, err
			}
		}
	}
	return rules, nil
}

// patterns keeps the last patterns searched for compiled, at most maxPatterns of them: clients
// ask for the same ones again (search_business reads a name as a pattern), and a compile costs
// more than the search of a small collection.
var patterns = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

const maxPatterns = 256

// compiled is regexp.Compile, through patterns.
func compiled(pattern string) (*regexp.Regexp, error) {
	patterns.Lock()
	re, ok := patterns.m[pattern]
	patterns.Unlock()
	if ok {
		return re, nil
	}
	pattern = strings.Clone(pattern) // kept, by the map and the regexp: not a part of a request's body
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	patterns.Lock()
	if len(patterns.m) >= maxPatterns {
		clear(patterns.m) // a bound, not a policy: the next searches fill it again
	}
	patterns.m[pattern] = re
	patterns.Unlock()
	return re, nil
}

// matches reports whether a row passes every term, comparing the JSON text of its values;
// scratch is reused from call to call.
func (l *layout) matches(r *row, terms []term, scratch []byte) (bool, []byte) {
	return matchesValues(rowValues{r}, terms, scratch, l)
}

// rowValues are a set's row as a search reads an instance's values.
type rowValues struct{ r *row }

func (v rowValues) appendField(b []byte, field string, l *layout) []byte {
	return l.appendText(b, v.r, field)
}

// valuer is an instance that is not a set, as a search reads it: its fields' values, and its
// record, made only for the page's hits; l writes their times. It never changes once stored,
// and is a pointer (or a map), which a hit holds without a copy.
type valuer interface {
	fielder
	record(l *layout, fields keep) Record // with only the fields asked for, all when none is
}

// fielder is what a search's terms read of an instance, a set's row or a valuer.
type fielder interface {
	appendField(b []byte, field string, l *layout) []byte // the field's value as JSON text
}

// matchesValues reports whether an instance passes every term: each of its fields' values, as
// JSON text, and one alternative of each $or.
func matchesValues[V fielder](v V, terms []term, scratch []byte, l *layout) (bool, []byte) {
	for i := range terms {
		t := &terms[i]
		ok := false
		if t.alts != nil {
			for _, alt := range t.alts {
				if ok, scratch = matchesValues(v, alt, scratch, l); ok {
					break
				}
			}
		} else {
			scratch = v.appendField(scratch[:0], t.field, l)
			ok = t.holds(scratch)
		}
		if !ok {
			return false, scratch
		}
	}
	return true, scratch
}

// holds reports whether a value, as its JSON text, passes the term.
func (t *term) holds(text []byte) bool {
	switch t.op {
	case "$eq":
		return bytes.Equal(text, t.text)
	case "$ne":
		return !bytes.Equal(text, t.text)
	case "$in":
		_, in := t.in[string(text)]
		return in
	case "$nin":
		_, in := t.in[string(text)]
		return !in
	case "$regex":
		str, isString := unquote(text)
		return isString && t.re.MatchString(str)
	}
	return false
}

// unquote is the string a JSON text holds, if it holds one.
func unquote(text []byte) (string, bool) {
	if len(text) < 2 || text[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(text, '\\') < 0 {
		return string(text[1 : len(text)-1]), true
	}
	v, err := jsonx.Parse(string(text), 1, nil)
	s, ok := v.(string)
	return s, err == nil && ok
}
