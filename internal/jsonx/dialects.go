package jsonx

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The dialects of JSON that the mock reads as the real system's parts read them: ESB's Python
// (json.loads, then json.dumps on to CMDB) and CMDB's json-iterator.

// NonFinite is a number Python's json.loads takes and JSON has not: NaN, Infinity or -Infinity,
// as written. ParsePython decodes one as this type, so that nothing reads it as a json.Number.
type NonFinite string

// ParsePython decodes data as Python's json.loads does, and gives each number as Python writes
// it back (json.dumps, str): NaN, Infinity and -Infinity are values, each a NonFinite; an
// integer is its digits (-0 is 0); any other number is the float nearest it, as its shortest
// repr (1e3 is 1000.0, 1e16 is 1e+16), or an Infinity past the float's range. nonFinite reports
// whether the value holds a NonFinite.
func ParsePython(data string, maxDepth int, stock *Stock) (v any, nonFinite bool, err error) {
	p := jsonParser{data: data, maxDepth: maxDepth, stock: stock, python: true}
	v, err = p.whole()
	return v, p.nonFinite && err == nil, err
}

// ParseCMDB decodes data as CMDB's decoder reads a body (json-iterator 1.1.12 with UseNumber,
// bk-cmdb src/common/json/json.go:26-31 @111e7ac): as Parse does, but a number is any run of
// digits, signs, points and exponent letters that starts with a digit or a minus, kept as
// written, where JSON refuses 01, 1., 1.2.3 and - (json-iterator's readNumberAsString,
// iter_float.go:159-186 @v1.1.12; FuzzParseCMDBNumbers holds it to the library).
func ParseCMDB(data string, maxDepth int, stock *Stock) (any, error) {
	p := jsonParser{data: data, maxDepth: maxDepth, stock: stock, laxNumbers: true}
	return p.whole()
}

// HoldsNonFinite reports whether a value ParsePython decoded holds a NonFinite, at any depth.
func HoldsNonFinite(v any) bool {
	switch t := v.(type) {
	case NonFinite:
		return true
	case map[string]any:
		for _, x := range t {
			if HoldsNonFinite(x) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if HoldsNonFinite(x) {
				return true
			}
		}
	}
	return false
}

// pythonNumber is a JSON number as Python reads it and writes it back.
func pythonNumber(n string) any {
	if !strings.ContainsAny(n, ".eE") {
		if n == "-0" {
			return json.Number("0")
		}
		return json.Number(n)
	}
	f, _ := strconv.ParseFloat(n, 64) // past the range: an Infinity
	switch {
	case math.IsInf(f, 1):
		return NonFinite("Infinity")
	case math.IsInf(f, -1):
		return NonFinite("-Infinity")
	}
	return json.Number(pythonRepr(f))
}

// pythonRepr is Python's repr of a finite float: its shortest digits, written with an exponent
// of at least two digits when the decimal point would fall more than 16 places right of the
// first digit or 4 left of it, else in full with at least one digit after the point.
func pythonRepr(f float64) string {
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	mantissa, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	digits := strings.Replace(mantissa, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	switch point := e + 1; {
	case point <= -4 || point > 16:
		if len(digits) > 1 {
			digits = digits[:1] + "." + digits[1:]
		}
		esign := "+"
		if e < 0 {
			esign, e = "-", -e
		}
		return fmt.Sprintf("%s%se%s%02d", sign, digits, esign, e)
	case point <= 0:
		return sign + "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		return sign + digits + strings.Repeat("0", point-len(digits)) + ".0"
	default:
		return sign + digits[:point] + "." + digits[point:]
	}
}

// nonFinite are the values of NonFinite.
var nonFinite = []NonFinite{"NaN", "Infinity", "-Infinity"}
