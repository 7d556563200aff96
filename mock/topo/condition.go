package topo

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// term is one test of a search condition, prepared before any set is read: its values as the
// JSON text a record writes.
type term struct {
	field  string
	op     string // $eq, $ne, $in, $nin, $regex, $gt, $gte, $lt, $lte, $exists, $size, $all, $elemMatch, $not; "" for $or
	text   []byte
	in     map[string]struct{}
	re     *regexp.Regexp
	test   test     // what holds tests of a value, worked out from op once
	negate bool     // $ne, $nin: holds when the test does not
	bound  bound    // $gt, $gte, $lt, $lte
	date   bool     // the field is one of the record's times, which CMDB stores as dates
	exists bool     // $exists: whether the field must be there
	number bool     // text, or a key of in, is a number's: a value is then held by its valueKey
	size   int      // $size
	not    []term   // $not: the tests it wraps, on the same field
	every  []term   // $all: an equality a value passes for each value listed; $elemMatch: the tests one element passes together
	alts   [][]term // $or: an instance passes when it passes every term of one of them
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
		t.test, t.negate = tests[r.Op].test, tests[r.Op].negate
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
			t.equalTo(r.Arg)
		case "$in", "$nin":
			list, ok := r.Arg.([]any)
			if !ok {
				return nil, fmt.Errorf("%w: %s: %s needs an array", ErrRefusedCondition, r.Field, r.Op)
			}
			t.in = make(map[string]struct{}, len(list))
			for _, v := range list {
				key := valueKey(AppendValue(nil, v))
				t.in[string(key)] = struct{}{}
				t.number = t.number || isNumberText(key)
			}
		case "$regex":
			pattern, ok := r.Arg.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s: $regex has to be a string", ErrRefusedCondition, r.Field)
			}
			if len(pattern) > MaxRegexBytes {
				return nil, fmt.Errorf("%w: %s: $regex takes a pattern of at most %d bytes", ErrBadCondition, r.Field, MaxRegexBytes)
			}
			re, err := compiled(pattern)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: $regex: %v", patternError(err), r.Field, err)
			}
			t.re = re
		case "$gt", "$gte", "$lt", "$lte":
			var ok bool
			if t.bound, ok = boundOf(r.Arg); !ok {
				return nil, fmt.Errorf("%w: %s: %s takes a number, a string, a boolean, a time or null", ErrBadCondition, r.Field, r.Op)
			}
			t.date = dateFields[r.Field]
		case "$exists":
			t.exists = trueValue(r.Arg)
		case "$size":
			n, ok := sizeOf(r.Arg)
			if !ok {
				return nil, fmt.Errorf("%w: %s: $size needs a whole number from 0 to %d", ErrRefusedCondition, r.Field, math.MaxInt32)
			}
			t.size = n
		case "$all":
			list, ok := r.Arg.([]any)
			if !ok {
				return nil, fmt.Errorf("%w: %s: $all needs an array", ErrRefusedCondition, r.Field)
			}
			if *budget -= len(list); *budget < 0 {
				return nil, fmt.Errorf("%w: more than %d tests", ErrBadCondition, MaxTerms)
			}
			for _, v := range list {
				if m, isDoc := v.(map[string]any); isDoc && m["$elemMatch"] != nil {
					return nil, fmt.Errorf("%w: %s: $all of $elemMatch", ErrBadCondition, r.Field)
				}
				eq := term{field: r.Field, op: "$eq", test: testEq}
				eq.equalTo(v)
				t.every = append(t.every, eq)
			}
		case "$elemMatch":
			wrapped, ok := r.Arg.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: %s: $elemMatch needs an object", ErrRefusedCondition, r.Field)
			}
			for op := range wrapped {
				if tt := tests[op].test; tt == testNone || tt == testAll || tt == testElemMatch {
					// An element's fields (a list of objects), or an operator that reads more
					// than the element itself: MongoDB reads them, the store does not.
					return nil, fmt.Errorf("%w: %s: $elemMatch of %s", ErrBadCondition, r.Field, op)
				}
			}
			if len(wrapped) == 0 {
				return nil, fmt.Errorf("%w: %s: $elemMatch of nothing", ErrBadCondition, r.Field)
			}
			if t.every, err = prepareWithin(map[string]any{r.Field: wrapped}, nil, budget); err != nil {
				return nil, err
			}
		case "$not":
			wrapped, ok := r.Arg.(map[string]any)
			if !ok || len(wrapped) == 0 {
				return nil, fmt.Errorf("%w: %s: $not needs a regex or a document, not empty", ErrRefusedCondition, r.Field)
			}
			if t.not, err = prepareWithin(map[string]any{r.Field: wrapped}, nil, budget); err != nil {
				return nil, err
			}
		default:
			if mongoOperators[r.Op] {
				return nil, fmt.Errorf("%w: %s: unsupported operator %s", ErrBadCondition, r.Field, r.Op)
			}
			return nil, fmt.Errorf("%w: %s: unknown operator: %s", ErrRefusedCondition, r.Field, r.Op)
		}
		terms = append(terms, t)
	}
	return terms, nil
}

// mongoOperators are the operators at a field that MongoDB reads and the store does not
// evaluate; any other that the store does not know, MongoDB refuses too.
var mongoOperators = map[string]bool{
	"$mod": true, "$type": true, "$bitsAllSet": true, "$bitsAnySet": true,
	"$bitsAllClear": true, "$bitsAnyClear": true, "$geoWithin": true, "$geoIntersects": true, "$near": true,
	"$nearSphere": true, "$within": true,
}

// mongoTopOperators are the operators at the top of a condition that MongoDB reads and the
// store does not evaluate. CMDB itself refuses $where, $expr, $accumulator and $function
// (bk-cmdb src/storage/dal/mongo/local/mongo.go:486-508 @111e7ac), and MongoDB any other.
var mongoTopOperators = map[string]bool{"$nor": true, "$text": true, "$comment": true, "$jsonSchema": true}

// patternError is how a search fails on a pattern Go's regexp cannot compile: refused when
// PCRE cannot compile it either (a parenthesis or bracket left open or closed too often, a
// repetition of nothing, a trailing backslash, a range out of order), else a pattern of PCRE's
// that the store does not read (a look-around, a back-reference, a possessive repetition).
func patternError(err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		switch se.Code {
		case syntax.ErrMissingParen, syntax.ErrUnexpectedParen, syntax.ErrMissingBracket,
			syntax.ErrMissingRepeatArgument, syntax.ErrTrailingBackslash, syntax.ErrInvalidCharRange:
			return ErrRefusedCondition
		}
	}
	return ErrBadCondition
}

// trueValue is a value as MongoDB's $exists reads it (BSONElement::trueValue): false for
// false, null and a number 0, true for anything else.
func trueValue(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	}
	if b, ok := boundOf(v); ok && b.kind == kindNumber {
		return b.n != 0
	}
	return true
}

// sizeOf is a $size's count as MongoDB reads it: a whole number, 2.0 as 2, from 0 to the
// largest 32-bit integer.
func sizeOf(v any) (int, bool) {
	b, ok := boundOf(v)
	if !ok || b.kind != kindNumber || b.n != math.Trunc(b.n) || b.n < 0 || b.n > math.MaxInt32 {
		return 0, false
	}
	return int(b.n), true
}

// withOptions is a $regex's pattern with the flags its $options name: i (case aside), m (^
// and $ at each line) and s (. matches a newline), those of MongoDB's that Go's regexp has,
// and u, which MongoDB's patterns are anyway. MongoDB's x is not read; another letter MongoDB
// refuses.
func withOptions(field string, pattern, options any) (any, error) {
	flags, ok := options.(string)
	if !ok || strings.Trim(flags, "imsux") != "" {
		return nil, fmt.Errorf("%w: %s: invalid flag in regex options", ErrRefusedCondition, field)
	}
	if strings.Contains(flags, "x") {
		return nil, fmt.Errorf("%w: %s: $options x is not read", ErrBadCondition, field)
	}
	flags = strings.ReplaceAll(flags, "u", "")
	p, ok := pattern.(string)
	if !ok || flags == "" {
		return pattern, nil // prepare refuses a pattern that is not a string
	}
	return "(?" + flags + ")" + p, nil
}

// dateFields are the record's times: CMDB stores them as dates, which a comparison holds to
// dates only.
var dateFields = map[string]bool{"create_time": true, "last_time": true, "bk_created_at": true, "bk_updated_at": true}

// kind is the kind of value a comparison holds to: MongoDB compares numbers with numbers,
// strings with strings, booleans with booleans, dates with dates and null with null (and a
// missing field), and a value of another kind fails it.
type kind uint8

const (
	kindNumber kind = iota + 1
	kindString
	kindBool
	kindDate
	kindNull
)

// bound is the argument of a comparison.
type bound struct {
	kind    kind
	n       float64 // a number
	i       int64   // a number, when integer
	integer bool
	s       string // a string
	b       bool   // a boolean
	ms      int64  // a date, in Unix milliseconds
}

// boundOf reads a comparison's argument: a number as a request decodes it (json.Number, or a
// float64 or an integer from the mock's own code), a string, a boolean, a time.Time, or null.
func boundOf(v any) (bound, bool) {
	switch v := v.(type) {
	case nil:
		return bound{kind: kindNull}, true
	case string:
		return bound{kind: kindString, s: v}, true
	case bool:
		return bound{kind: kindBool, b: v}, true
	case time.Time:
		return bound{kind: kindDate, ms: v.UnixMilli()}, true
	}
	if i, ok := integerOf(v); ok {
		return bound{kind: kindNumber, n: float64(i), i: i, integer: true}, true
	}
	var f float64
	switch v := v.(type) {
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			return bound{}, false
		}
	case float64:
		f = v
	default:
		return bound{}, false
	}
	return bound{kind: kindNumber, n: f}, !math.IsNaN(f)
}

// integerOf is an integer argument, however it came.
func integerOf(v any) (int64, bool) {
	switch v := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(v), 10, 64)
		return i, err == nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) >= 1<<63 {
			return 0, false
		}
		return int64(v), true
	case int:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

// compare compares a value, as its JSON text, with the bound: false when they are not of one
// kind. A date field's values are dates, compared with dates only.
func (b *bound) compare(text []byte, date bool) (int, bool) {
	switch b.kind {
	case kindNumber:
		if len(text) == 0 || text[0] != '-' && (text[0] < '0' || text[0] > '9') {
			return 0, false
		}
		if i, ok := parseInt(text); ok && b.integer {
			return cmp.Compare(i, b.i), true
		}
		f, err := strconv.ParseFloat(string(text), 64)
		return cmp.Compare(f, b.n), err == nil
	case kindString:
		s, ok := unquote(text)
		return strings.Compare(s, b.s), ok && !date
	case kindBool:
		switch string(text) {
		case "true":
			return cmp.Compare(1, boolInt(b.b)), true
		case "false":
			return cmp.Compare(0, boolInt(b.b)), true
		}
	case kindDate:
		s, ok := unquote(text)
		if !ok || !date {
			return 0, false
		}
		ms, ok := ParseTime(s)
		return cmp.Compare(ms, b.ms), ok
	case kindNull:
		return 0, string(text) == "null" // what a missing field writes too
	}
	return 0, false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
				if name == "$options" {
					continue // a flag of the $regex beside it
				}
				if name == "$regex" && op["$options"] != nil {
					var err error
					if arg, err = withOptions(field, arg, op["$options"]); err != nil {
						return nil, err
					}
				}
				rules = append(rules, Rule{field, name, arg})
			}
			if _, ok := op["$options"]; ok && op["$regex"] == nil {
				return nil, fmt.Errorf("%w: %s: $options needs a $regex", ErrRefusedCondition, field)
			}
			continue
		}
		if field != "$and" && field != "$or" {
			if mongoTopOperators[field] {
				return nil, fmt.Errorf("%w: unsupported operator %s", ErrBadCondition, field)
			}
			return nil, fmt.Errorf("%w: unknown top level operator: %s", ErrRefusedCondition, field)
		}
		list, ok := want.([]any)
		if !ok || len(list) == 0 {
			return nil, fmt.Errorf("%w: %s must be a nonempty array", ErrRefusedCondition, field)
		}
		conds := make(conditions, len(list))
		for i, c := range list {
			if conds[i], ok = c.(map[string]any); !ok {
				return nil, fmt.Errorf("%w: %s entries need to be full objects", ErrRefusedCondition, field)
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

func (v rowValues) has(field string, l *layout) bool {
	_, ok := l.value(v.r, field)
	return ok
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
	has(field string, l *layout) bool                     // whether its record has the field, null or not
}

// matchesValues reports whether an instance passes every term: each of its fields' values, as
// JSON text, and one alternative of each $or.
func matchesValues[V fielder](v V, terms []term, scratch []byte, l *layout) (bool, []byte) {
	for i := range terms {
		t := &terms[i]
		ok := false
		switch {
		case t.alts != nil:
			for _, alt := range t.alts {
				if ok, scratch = matchesValues(v, alt, scratch, l); ok {
					break
				}
			}
		case t.op == "$exists":
			ok = v.has(t.field, l) == t.exists
		case t.op == "$not":
			ok, scratch = matchesValues(v, t.not, scratch, l)
			ok = !ok
		default:
			scratch = v.appendField(scratch[:0], t.field, l)
			ok = t.holds(scratch)
		}
		if !ok {
			return false, scratch
		}
	}
	return true, scratch
}

// test is what a term tests of one value: the test of its operator, $ne's and $nin's that of
// $eq and $in, negated.
type test uint8

const (
	testNone test = iota // $exists, $not and $or, which matchesValues reads itself
	testEq
	testIn
	testRegex
	testGt
	testGte
	testLt
	testLte
	testSize
	testAll
	testElemMatch
)

// tests are the operators' tests.
var tests = map[string]struct {
	test   test
	negate bool
}{"$eq": {testEq, false}, "$ne": {testEq, true}, "$in": {testIn, false}, "$nin": {testIn, true}, "$regex": {testRegex, false},
	"$gt": {testGt, false}, "$gte": {testGte, false}, "$lt": {testLt, false}, "$lte": {testLte, false}, "$size": {testSize, false},
	"$all": {testAll, false}, "$elemMatch": {testElemMatch, false}}

// holds reports whether a value, as its JSON text, passes the term. A list passes as MongoDB's
// arrays do: an equality, $in, $regex or comparison holds of it when it holds of the list itself
// or of one of its elements, $ne and $nin when their opposite does not hold; $size reads the list.
func (t *term) holds(text []byte) bool {
	isList := isListText(text)
	switch t.test {
	case testSize:
		return t.holdsItself(text)
	case testAll: // $and of equalities, none of an empty list
		for i := range t.every {
			if !t.every[i].holds(text) {
				return false
			}
		}
		return len(t.every) > 0
	case testElemMatch:
		return isList && eachElement(text, func(elem []byte) bool {
			for i := range t.every {
				if !t.every[i].holdsItself(elem) {
					return false
				}
			}
			return true
		})
	}
	held := t.holdsOne(text) || isList && t.holdsOfAnElement(text)
	return held != t.negate
}

// holdsItself reports whether a value, a list taken whole, passes the term: a test of
// $elemMatch, which MongoDB makes of each element as it is, a list in the list too.
func (t *term) holdsItself(text []byte) bool {
	if t.test == testSize {
		n, isList := 0, isListText(text)
		if isList {
			eachElement(text, func([]byte) bool { n++; return false })
		}
		return isList && n == t.size
	}
	return t.holdsOne(text) != t.negate
}

// holdsOfAnElement reports whether an element of a list, as its JSON text, passes the term's test.
func (t *term) holdsOfAnElement(list []byte) bool {
	return eachElement(list, t.holdsOne)
}

// eachElement calls f with the text of each element of a list, as a record writes it (compact
// JSON, as AppendValue writes it), until f returns true, and reports whether it did. It reads
// the list in place, where json.Unmarshal into []json.RawMessage, which it agrees with
// (FuzzEachElement), copied each element: 63-65 ns and no allocation for a list of three ids,
// against 1,525-1,633 ns and 9 (go test ./mock/topo -bench BenchmarkEachElement -benchmem
// -count 3, 2026-12-07).
func eachElement(list []byte, f func(elem []byte) bool) bool {
	depth, inString, start := 0, false, 1
	for i := 1; i < len(list); i++ {
		switch c := list[i]; {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case depth > 0 && (c == ']' || c == '}'):
			depth--
		case c == ']':
			return i > start && f(list[start:i])
		case c == ',' && depth == 0:
			if f(list[start:i]) {
				return true
			}
			start = i + 1
		}
	}
	return false
}

// holdsOne reports whether a value itself, as its JSON text, passes the term's test: $eq, $in,
// $regex or a comparison.
func (t *term) holdsOne(text []byte) bool {
	switch t.test {
	case testEq:
		return t.equal(text)
	case testIn:
		return t.among(text)
	case testRegex:
		str, isString := unquote(text)
		return isString && t.re.MatchString(str)
	case testGt, testGte, testLt, testLte:
		c, ok := t.bound.compare(text, t.date)
		switch t.test {
		case testGt:
			return ok && c > 0
		case testGte:
			return ok && c >= 0
		case testLt:
			return ok && c < 0
		}
		return ok && c <= 0
	}
	return false
}

// valueKey is the text a value is held equal by: MongoDB compares numbers by value, so a
// number's is one text however it is written (2, 2.0, 2e0 and 20e-1 are 2; -0 is 0; 2.50 is
// 2.5); any other value's is its JSON text. An integer as a record writes it is its own key.
func valueKey(text []byte) []byte {
	if !isNumberText(text) {
		return text
	}
	if _, ok := parseInt(text); ok && string(text) != "-0" {
		return text // an integer as strconv.AppendInt writes one
	}
	if i, err := strconv.ParseInt(string(text), 10, 64); err == nil {
		return strconv.AppendInt(nil, i, 10)
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return text // not a number
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return strconv.AppendInt(nil, int64(f), 10)
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64)
}

// equalTo makes an equality term's value: the text a value equal to v is held by.
func (t *term) equalTo(v any) {
	t.text = valueKey(AppendValue(nil, v))
	t.number = isNumberText(t.text)
}

// isListText reports whether a JSON text is a list's, by its first byte.
func isListText(text []byte) bool { return len(text) > 0 && text[0] == '[' }

// isNumberText reports whether a JSON text is a number's, by its first byte.
func isNumberText(text []byte) bool {
	return len(text) > 0 && (text[0] == '-' || text[0] >= '0' && text[0] <= '9')
}

// equal reports whether a value, as its JSON text, is the term's ($eq).
func (t *term) equal(text []byte) bool {
	if t.number {
		return bytes.Equal(valueKey(text), t.text)
	}
	return bytes.Equal(text, t.text)
}

// among reports whether a value, as its JSON text, is one of the term's ($in).
func (t *term) among(text []byte) bool {
	if t.number {
		text = valueKey(text)
	}
	_, in := t.in[string(text)]
	return in
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
