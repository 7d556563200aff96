package mock

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// cmdbInt64 reads v as CMDB's mapstr.Int64 does, errors included: the text of its error is what
// CMDB reports under code 1199998. A JSON number must be an integer literal ("5.0" is not).
func cmdbInt64(key string, v any) (int64, error) {
	switch t := v.(type) {
	case nil:
		return 0, errors.New("invalid key(" + key + "), not found value")
	case json.Number:
		return strconv.ParseInt(string(t), 10, 64)
	case string:
		return strconv.ParseInt(t, 10, 64)
	default:
		return 0, errors.New("invalid num")
	}
}

// wholeNumber returns v as ESB forwards a whole number to CMDB: its decimal digits. ESB accepts
// 3, "3", 3.0, "3.0", 1e3, " 3 ", "1_000" and "１２"; not "abc", 3.5, 1e16 or true.
func wholeNumber(v any) (string, bool) {
	switch t := v.(type) {
	case json.Number:
		if plainInteger(string(t)) {
			return string(t), true
		}
		// The form reads a float as Python's str writes it, as jsonx.ParsePython gives it:
		// 1e3 is 1000.0, a whole number; 1e16 is 1e+16, which is not.
		return wholeNumber(string(t))
	case string:
		return djangoInt(t)
	default:
		return "", false
	}
}

// plainInteger reports whether s is written as CMDB's path takes it: an optional minus and
// digits, no leading zero.
func plainInteger(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > 1 && digits[0] == '0' {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// emptyValue reports whether ESB's form treats v as not given: missing, null, "", [] or {}.
func emptyValue(v any, present bool) bool {
	if !present || v == nil {
		return true
	}
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t) == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// text returns a credential value as ESB reads it: strings as they are, numbers as written, NaN
// and the Infinities as Python writes them.
func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return string(t)
	case jsonx.NonFinite:
		return pythonFloat(t)
	}
	return ""
}

// pythonFloat is NaN or an Infinity as Python's str writes the float: nan, inf, -inf.
func pythonFloat(n jsonx.NonFinite) string {
	switch n {
	case "NaN":
		return "nan"
	case "-Infinity":
		return "-inf"
	}
	return "inf"
}

// pythonText is a value as ESB's generic components put it in CMDB's path, through Python's
// str.format: strings as they are, numbers as written, true as True, null as None (reference
// §11.1). Absent is "".
func pythonText(v any) string {
	switch t := v.(type) {
	case string, json.Number, jsonx.NonFinite:
		return text(v)
	case bool:
		if t {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// intValue reads an integer of a fixture's record, as encoding/json decodes a number into an
// interface (float64), or as a decoder with UseNumber does.
func intValue(v any) (int64, bool) {
	switch t := v.(type) {
	case float64:
		if t != math.Trunc(t) || math.Abs(t) > 1<<53 {
			return 0, false
		}
		return int64(t), true
	case json.Number:
		i, err := strconv.ParseInt(string(t), 10, 64)
		return i, err == nil
	case int64:
		return t, true
	}
	return 0, false
}
