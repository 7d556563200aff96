package jsonx

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Errors of Parse.
var (
	// ErrSyntax: the text is not one JSON value. The fuzz target FuzzDecodeJSON holds Parse to
	// encoding/json's verdict and result.
	ErrSyntax = errors.New("invalid JSON")
	// ErrTooDeep: the text nests deeper than the caller reads.
	ErrTooDeep = errors.New("JSON nested too deep")
)

// Int reads a decoded value that is a JSON number written as an integer, as json.Number's Int64
// reads it (strconv.ParseInt): no string, no fraction, no exponent, nothing past int64; "-0" is
// 0, and json-iterator's 01 is 1. It is how CMDB reads an integer of a body
// (util.GetInt64ByInterface over a decoded body), and how a record holds one.
func Int(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil
}

// StdDepth is the nesting encoding/json gives up at, for a caller that sets no limit of its own.
const StdDepth = 10000

// Parse decodes exactly one JSON value the way encoding/json's Decoder with UseNumber does
// (objects as map[string]any, numbers as json.Number, invalid UTF-8 as U+FFFD), in one pass over
// the text. Keys, numbers and strings without escapes are cut from the text, not copied. It
// refuses nesting deeper than maxDepth. Its objects come from stock, which may be nil. The body
// of bench/run.sh: 0.43-0.46 us and 10 allocations, against encoding/json's 1.72-1.79 us and 37
// (go test ./internal/jsonx -bench BenchmarkDecodeJSON -benchmem -count 3, 2026-12-05).
func Parse(data string, maxDepth int, stock *Stock) (any, error) {
	p := jsonParser{data: data, maxDepth: maxDepth, stock: stock}
	return p.whole()
}

// Members reads data, which must be one JSON object, as Parse would, and calls each with its
// members in order: the key, decoded, and the value's text as written, checked to be JSON within
// maxDepth (the object counts one). A key given twice comes twice. No value is decoded: a reader
// that keeps a value as its text, or few of them, makes no map and boxes no value. A saved set
// of bench/state.sh's file: 0.64-0.67 us and no allocation, against Parse's 1.21-1.24 us and 17
// (go test ./internal/jsonx -bench BenchmarkMembers -benchmem -count 3, 2026-12-06).
func Members(data string, maxDepth int, each func(key, raw string) error) error {
	p := jsonParser{data: data, maxDepth: maxDepth}
	p.space()
	switch {
	case p.i >= len(p.data) || p.data[p.i] != '{':
		return ErrSyntax
	case maxDepth < 1:
		return ErrTooDeep
	}
	err := p.members(func(key string) error {
		start := p.i
		if err := p.skip(1); err != nil {
			return err
		}
		return each(key, p.data[start:p.i])
	})
	if err != nil {
		return err
	}
	p.space()
	if p.i != len(p.data) {
		return ErrSyntax
	}
	return nil
}

// whole decodes the text as exactly one value.
func (p *jsonParser) whole() (any, error) {
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.data) {
		return nil, ErrSyntax
	}
	return v, nil
}

type jsonParser struct {
	data     string
	i        int
	maxDepth int
	stock    *Stock
	python   bool // NaN, Infinity and -Infinity are values
	// laxNumbers: a number is json-iterator's, any run of its characters.
	laxNumbers bool
	// nonFinite: a NonFinite was read.
	nonFinite bool
}

// Stock lends emptied maps to a decode, and takes them back when what was decoded is no
// longer used: a call's decode reuses the maps of the call before it. Its zero value is ready;
// it is not safe for concurrent use.
type Stock struct {
	maps []map[string]any // maps[:lent] are lent out
	lent int
}

// Bounds of a stock: how many maps it keeps, and how many keys a map it takes back may hold.
const (
	stockMaps = 8
	stockKeys = 32
)

// get lends an empty map; a nil stock makes a new one.
func (st *Stock) get() map[string]any {
	switch {
	case st == nil:
		return map[string]any{}
	case st.lent < len(st.maps):
		st.lent++
		return st.maps[st.lent-1]
	}
	m := map[string]any{}
	if len(st.maps) < stockMaps {
		st.maps = append(st.maps, m)
		st.lent++
	}
	return m
}

// TakeBack empties the lent maps for the next decode; one that grew large is let go.
func (st *Stock) TakeBack() {
	kept := st.maps[:0]
	for i, m := range st.maps {
		if i < st.lent && len(m) > stockKeys {
			continue
		}
		clear(m)
		kept = append(kept, m)
	}
	clear(st.maps[len(kept):])
	st.maps, st.lent = kept, 0
}

// Own returns a decoded value that owns all of it, for a value kept past the call that decoded
// it: a copy of each object and list, all the way down, whose stock empties its maps for the next
// decode, and of each string, key and number, which Parse cuts from the text and which would
// otherwise keep the whole text alive for as long as the value is kept.
func Own(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[strings.Clone(k)] = Own(x)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, x := range t {
			l[i] = Own(x)
		}
		return l
	case string:
		return strings.Clone(t)
	case json.Number:
		return json.Number(strings.Clone(string(t)))
	}
	return v
}

func (p *jsonParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if p.i >= len(p.data) {
		return nil, ErrSyntax
	}
	switch c := p.data[p.i]; {
	case c == '{':
		if depth >= p.maxDepth {
			return nil, ErrTooDeep
		}
		return p.object(depth + 1)
	case c == '[':
		if depth >= p.maxDepth {
			return nil, ErrTooDeep
		}
		return p.array(depth + 1)
	case c == '"':
		return p.string()
	case p.python && (c == 'N' || c == 'I' || c == '-' && strings.HasPrefix(p.data[p.i:], "-I")):
		for _, word := range nonFinite {
			if strings.HasPrefix(p.data[p.i:], string(word)) {
				p.i += len(word)
				p.nonFinite = true
				return word, nil
			}
		}
		return nil, ErrSyntax
	case c == '-' || c >= '0' && c <= '9':
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		if p.python {
			v := pythonNumber(n)
			_, inf := v.(NonFinite)
			p.nonFinite = p.nonFinite || inf
			return v, nil
		}
		return json.Number(n), nil
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, ErrSyntax
}

// skip reads a value as value does, keeping none of it: an object's or a list's members are
// walked, not gathered.
func (p *jsonParser) skip(depth int) error {
	var err error
	switch {
	case p.i >= len(p.data):
		return ErrSyntax
	case p.data[p.i] == '{' || p.data[p.i] == '[':
		if depth >= p.maxDepth {
			return ErrTooDeep
		}
		if p.data[p.i] == '{' {
			return p.members(func(string) error { return p.skip(depth + 1) })
		}
		return p.elements(func() error { return p.skip(depth + 1) })
	case p.data[p.i] == '"':
		_, err = p.string()
	case p.data[p.i] == '-' || p.data[p.i] >= '0' && p.data[p.i] <= '9':
		_, err = p.number()
	default:
		_, err = p.value(depth)
	}
	return err
}

func (p *jsonParser) literal(word string) error {
	if len(p.data)-p.i < len(word) || p.data[p.i:p.i+len(word)] != word {
		return ErrSyntax
	}
	p.i += len(word)
	return nil
}

func (p *jsonParser) object(depth int) (any, error) {
	m := p.stock.get()
	err := p.members(func(key string) error {
		v, err := p.value(depth)
		m[key] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// members reads an object's members, p at its "{": for each, the key, then value with p at the
// member's value, which value reads.
func (p *jsonParser) members(value func(key string) error) error {
	p.i++ // {
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return ErrSyntax
		}
		key, err := p.string()
		if err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return ErrSyntax
		}
		p.i++
		p.space()
		if err := value(key); err != nil {
			return err
		}
		if done, err := p.after('}'); done || err != nil {
			return err
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	list := []any{}
	err := p.elements(func() error {
		v, err := p.value(depth)
		list = append(list, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// elements reads a list's elements, p at its "[": for each, value with p at the element, which
// value reads.
func (p *jsonParser) elements(value func() error) error {
	p.i++ // [
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		p.space()
		if err := value(); err != nil {
			return err
		}
		if done, err := p.after(']'); done || err != nil {
			return err
		}
	}
}

// after reads what follows an element of an object or array: a comma, and more to come, or the
// closing byte, and done.
func (p *jsonParser) after(closing byte) (done bool, err error) {
	p.space()
	if p.i >= len(p.data) {
		return false, ErrSyntax
	}
	switch p.data[p.i] {
	case ',':
		p.i++
		return false, nil
	case closing:
		p.i++
		return true, nil
	}
	return false, ErrSyntax
}

// number reads a number and returns its text.
func (p *jsonParser) number() (string, error) {
	start := p.i
	if p.laxNumbers {
		for p.i++; p.i < len(p.data) && strings.IndexByte("+-.eE0123456789", p.data[p.i]) >= 0; p.i++ {
		}
		return p.data[start:p.i], nil
	}
	if p.data[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.data) && p.data[p.i] == '0':
		p.i++
	case p.i < len(p.data) && p.data[p.i] >= '1' && p.data[p.i] <= '9':
		p.digits()
	default:
		return "", ErrSyntax
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if !p.digits() {
			return "", ErrSyntax
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			return "", ErrSyntax
		}
	}
	return p.data[start:p.i], nil
}

func (p *jsonParser) digits() bool {
	start := p.i
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

// string reads a quoted string. One without escapes or bytes that are not UTF-8 is taken as it
// is; any other is rebuilt as encoding/json's unquote does. A run of printable ASCII is passed
// over by a look-up a byte (plainASCII), the rest looked at one by one: BenchmarkMembers reads a
// saved set in 896-1062 ns rather than 1287-1551, BenchmarkDecodeJSON's request body in
// 1028-1091 rather than 1102-1270 (the two test binaries in turns, three runs each;
// 2026-12-06). FuzzDecodeJSON and FuzzMembers hold it to encoding/json.
func (p *jsonParser) string() (string, error) {
	data, i := p.data, p.i+1 // past the "
	start := i
	for {
		for i < len(data) && plainASCII[data[i]] {
			i++
		}
		p.i = i
		switch {
		case i >= len(data):
			return "", ErrSyntax
		case data[i] == '"':
			p.i++
			return data[start:i], nil
		case data[i] == '\\':
			return p.slowString(start)
		case data[i] < 0x20:
			return "", ErrSyntax
		}
		r, size := utf8.DecodeRuneInString(data[i:]) // past ASCII
		if r == utf8.RuneError && size == 1 {
			return p.slowString(start)
		}
		i += size
	}
}

// plainASCII marks the bytes a string's text holds as they stand, read (jsonParser.string) or
// written (AppendString): printable ASCII but the quote and the backslash.
var plainASCII = func() (plain [256]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
	}
	return plain
}()

func (p *jsonParser) slowString(start int) (string, error) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.data[start:p.i]...)
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", ErrSyntax
		case c == '\\':
			p.i++
			if p.i >= len(p.data) {
				return "", ErrSyntax
			}
			switch e := p.data[p.i]; {
			case simpleEscapes[e] != 0:
				b = append(b, simpleEscapes[e])
				p.i++
			case e == 'u':
				r, ok := p.hex4(p.i + 1)
				if !ok {
					return "", ErrSyntax
				}
				p.i += 5
				if utf16.IsSurrogate(r) {
					if p.i+1 < len(p.data) && p.data[p.i] == '\\' && p.data[p.i+1] == 'u' {
						if r2, ok := p.hex4(p.i + 2); ok {
							if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
								p.i += 6
								b = utf8.AppendRune(b, dec)
								continue
							}
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", ErrSyntax
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.i++
		default:
			r, size := utf8.DecodeRuneInString(p.data[p.i:])
			p.i += size
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, unicode.ReplacementChar)
				continue
			}
			b = append(b, p.data[p.i-size:p.i]...)
		}
	}
	return "", ErrSyntax
}

// simpleEscapes maps the letter after a backslash to the byte it stands for.
var simpleEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for i := at; i < at+4; i++ {
		c := p.data[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}
