package spec

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/getkin/kin-openapi/openapi3"
)

// accept is a check compiled from a schema when it is first asked for. True means kin-openapi
// accepts the value as well; false means "not sure": kin-openapi then validates the value and
// names every violation. The check never accepts what kin-openapi rejects (spec_test holds it to that
// on tables and under fuzzing), so a valid request, the common case, costs no schema walk: a
// valid ESB create 0.54-0.58 us and no allocation, against kin-openapi's 4.89-5.20 us and 19; a
// create_module's fields 0.30-0.32 us and none, against 1.56-2.10 us and 6 (go test ./spec
// -bench 'BenchmarkCheck$' -benchmem -count 3, 2026-12-06). Each request schema has two, whole
// and partial (see compileAccept): the ESB create_set body, and the fields of a set, a module and
// a custom level's node.
type accept func(v any) bool

func never(any) bool { return false }

// compileAccept compiles s. A keyword it does not know makes the node answer "not sure".
// Compiled partial, it leaves out every required: what it accepts, kin-openapi finds nothing in
// but missing fields, the check an update's fields need, which leave out what a create requires.
func compileAccept(s *openapi3.Schema, partial bool) accept {
	if s == nil || !supported(s) {
		return never
	}
	var all []accept
	for _, ref := range s.AllOf {
		all = append(all, compileAccept(ref.Value, partial))
	}
	one := compileOneOf(s.OneOf, partial)
	enum, enumOK := stringEnum(s.Enum)
	if !enumOK {
		return never
	}
	typed := compileType(s, partial)
	// What the check reads is copied out of s, so that a check touches only its own memory.
	nullOK := s.Nullable && len(all) == 0 && len(s.OneOf) == 0 && len(enum) == 0 && s.Type != nil
	return func(v any) bool {
		if v == nil {
			return nullOK
		}
		if len(enum) > 0 {
			str, ok := v.(string)
			if !ok || !enum[str] {
				return false
			}
		}
		for _, a := range all {
			if !a(v) {
				return false
			}
		}
		if one != nil && !one(v) {
			return false
		}
		return typed(v)
	}
}

// supported reports whether s uses only keywords compileAccept knows.
func supported(s *openapi3.Schema) bool {
	c := *s
	// What compileAccept checks.
	c.OneOf, c.AllOf, c.Type, c.Enum, c.Nullable = nil, nil, nil, nil, false
	c.Min, c.Max, c.MinLength, c.MaxLength, c.Pattern = nil, nil, 0, nil, ""
	c.Required, c.Properties = nil, nil
	// What does not constrain a value.
	c.Extensions, c.Origin, c.Title, c.Description, c.Default, c.Example = nil, nil, "", "", nil, nil
	c.ExternalDocs, c.Deprecated, c.XML = nil, false, nil
	if strings.Contains(s.Pattern, `\u`) || s.Type != nil && len(s.Type.Slice()) > 1 {
		return false
	}
	return reflect.ValueOf(c).IsZero()
}

func stringEnum(values []any) (map[string]bool, bool) {
	if len(values) == 0 {
		return nil, true
	}
	out := map[string]bool{}
	for _, v := range values {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[s] = true
	}
	return out, true
}

// compileOneOf handles a oneOf whose branches each have a single, distinct type: a value can
// then match only the branch of its own type.
func compileOneOf(refs openapi3.SchemaRefs, partial bool) accept {
	if len(refs) == 0 {
		return nil
	}
	var byType [len(jsonTypes)]accept
	for _, ref := range refs {
		if ref.Value == nil || ref.Value.Type == nil || len(ref.Value.Type.Slice()) != 1 {
			return never
		}
		t := slices.Index(jsonTypes[:], ref.Value.Type.Slice()[0])
		if t <= typeNone || byType[t] != nil || jsonTypes[t] == openapi3.TypeNumber {
			return never
		}
		byType[t] = compileAccept(ref.Value, partial)
	}
	return func(v any) bool {
		a := byType[jsonType(v)]
		return a != nil && a(v)
	}
}

// The types of decoded values, as jsonType numbers them.
const (
	typeNone = iota // nil, or not a decoded value
	typeString
	typeBoolean
	typeObject
	typeArray
	typeInteger
	typeNumber
)

// jsonTypes names them as the schema does.
var jsonTypes = [...]string{typeNone: "", typeString: openapi3.TypeString, typeBoolean: openapi3.TypeBoolean,
	typeObject: openapi3.TypeObject, typeArray: openapi3.TypeArray, typeInteger: openapi3.TypeInteger, typeNumber: openapi3.TypeNumber}

// jsonType is the type of a decoded value; a number counts as an integer only when written as
// one.
func jsonType(v any) int {
	switch t := v.(type) {
	case string:
		return typeString
	case bool:
		return typeBoolean
	case map[string]any:
		return typeObject
	case []any:
		return typeArray
	case json.Number:
		if isIntegerLiteral(string(t)) {
			return typeInteger
		}
		return typeNumber
	}
	return typeNone
}

func isIntegerLiteral(s string) bool {
	return s != "" && !strings.ContainsAny(s, ".eE")
}

func compileType(s *openapi3.Schema, partial bool) accept {
	if s.Type == nil {
		return func(any) bool { return true }
	}
	switch t := s.Type.Slice()[0]; t {
	case openapi3.TypeObject:
		return compileObject(s, partial)
	case openapi3.TypeString:
		return compileString(s)
	case openapi3.TypeInteger, openapi3.TypeNumber:
		integer := t == openapi3.TypeInteger
		lo, hi := math.Inf(-1), math.Inf(1)
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		}
		return func(v any) bool {
			n, ok := v.(json.Number)
			if !ok || integer && !isIntegerLiteral(string(n)) {
				return false
			}
			f, err := number(string(n))
			return err == nil && f >= lo && f <= hi
		}
	case openapi3.TypeBoolean:
		return func(v any) bool { _, ok := v.(bool); return ok }
	}
	return never
}

// number reads a JSON number as kin-openapi does, as a float64; one that ParseInt reads exactly
// skips the slower ParseFloat.
func number(s string) (float64, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil && i >= -1<<53 && i <= 1<<53 {
		return float64(i), nil
	}
	return strconv.ParseFloat(s, 64)
}

func compileString(s *openapi3.Schema) accept {
	match := func(string) bool { return true }
	if s.Pattern != "" {
		// As kin-openapi applies a pattern: Go's regexp, unanchored unless the pattern says;
		// matchPattern answers as it does, faster.
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			return never
		}
		match = matchPattern(re)
	}
	minLen, maxLen, counted := s.MinLength, uint64(math.MaxUint64), s.MinLength != 0 || s.MaxLength != nil
	if s.MaxLength != nil {
		maxLen = *s.MaxLength
	}
	return func(v any) bool {
		str, ok := v.(string)
		if !ok {
			return false
		}
		if counted {
			// Counted as kin-openapi counts: a rune is one, a surrogate two.
			n := uint64(0)
			for _, r := range str {
				n++
				if utf16.IsSurrogate(r) {
					n++
				}
			}
			if n < minLen || n > maxLen {
				return false
			}
		}
		return match(str)
	}
}

func compileObject(s *openapi3.Schema, partial bool) accept {
	props := make(map[string]accept, len(s.Properties))
	for name, ref := range s.Properties {
		props[name] = compileAccept(ref.Value, partial)
	}
	var required []string
	if !partial {
		required = slices.Clone(s.Required)
	}
	return func(v any) bool {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for _, r := range required {
			if _, present := m[r]; !present {
				return false
			}
		}
		for k, val := range m {
			if a, known := props[k]; known && !a(val) {
				return false
			}
		}
		return true
	}
}
