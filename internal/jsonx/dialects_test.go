package jsonx

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	jsoniter "github.com/json-iterator/go"
	"github.com/stretchr/testify/assert"
)

// cmdbJSON is CMDB's decoder as it configures it (bk-cmdb src/common/json/json.go:26-31 @111e7ac).
var cmdbJSON = jsoniter.Config{EscapeHTML: true, SortMapKeys: true, ValidateJsonRawMessage: true, UseNumber: true}.Froze()

// decodeCMDB is what CMDB makes of a body: a map, as its handlers decode into mapstr.MapStr.
func decodeCMDB(body string) (map[string]any, error) {
	var m map[string]any
	err := cmdbJSON.Unmarshal([]byte(body), &m)
	return m, err
}

func TestParseCMDB(t *testing.T) {
	for body, want := range map[string]any{
		`{"a":01}`:          map[string]any{"a": json.Number("01")},
		`{"a":1.}`:          map[string]any{"a": json.Number("1.")},
		`{"a":[1.2.3,-]}`:   map[string]any{"a": []any{json.Number("1.2.3"), json.Number("-")}},
		`{"a":2e5e5 }`:      map[string]any{"a": json.Number("2e5e5")},
		`{"a":{"b":-0.e+}}`: map[string]any{"a": map[string]any{"b": json.Number("-0.e+")}},
		`{"a":+1}`:          nil,
		`{"a":.5}`:          nil,
		`{"a":1x}`:          nil,
		`{"a":NaN}`:         nil,
		`{"a":"01"}`:        map[string]any{"a": "01"},
	} {
		got, err := ParseCMDB(body, 8, nil)
		lib, libErr := decodeCMDB(body)
		if want == nil {
			assert.Error(t, err, body)
			assert.Error(t, libErr, "json-iterator: %s", body)
			continue
		}
		if assert.NoError(t, err, body) && assert.NoError(t, libErr, "json-iterator: %s", body) {
			assert.Equal(t, want, got, body)
			assert.Equal(t, want, any(lib), "json-iterator: %s", body)
		}
	}
}

// FuzzParseCMDBNumbers holds ParseCMDB's numbers to json-iterator's, CMDB's decoder: any run of
// number-like characters, alone in an object, a list and a nested object, gets the same verdict
// and the same value from both.
func FuzzParseCMDBNumbers(f *testing.F) {
	for _, s := range []string{"01", "1.", "1.2.3", "-", "2e5e5", "+1", ".5", "-0.e+", "1e", "0", "-12.5e-3", "1 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		if strings.Trim(token, "+-.eE0123456789 ") != "" {
			return // not a number's characters: Parse's own fuzz target covers the rest
		}
		for _, body := range []string{`{"n":` + token + `}`, `{"l":[` + token + `]}`, `{"o":{"n":` + token + `}}`} {
			got, err := ParseCMDB(body, 8, nil)
			want, wantErr := decodeCMDB(body)
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("ParseCMDB(%q): err %v; json-iterator: %v", body, err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, any(want)) {
				t.Fatalf("ParseCMDB(%q) = %#v; json-iterator: %#v", body, got, want)
			}
		}
	})
}

// FuzzParseCMDB: what JSON holds, ParseCMDB reads as Parse does. What else it reads is a number
// JSON refuses, held to json-iterator by FuzzParseCMDBNumbers.
func FuzzParseCMDB(f *testing.F) {
	for _, s := range append(decodeSeeds, `{"a":01}`, `[1.2.3]`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		want, wantErr := Parse(body, 8, nil)
		got, err := ParseCMDB(body, 8, nil)
		if wantErr == nil && (err != nil || !reflect.DeepEqual(got, want)) {
			t.Fatalf("ParseCMDB(%q) = %#v, %v; Parse: %#v", body, got, err, want)
		}
	})
}

// TestParsePython: Python's json.loads takes NaN, Infinity and -Infinity, and nothing else JSON
// refuses; the verdicts are Python 3's.
func TestParsePython(t *testing.T) {
	for body, want := range map[string]any{
		"NaN":             NonFinite("NaN"),
		"[NaN,-Infinity]": []any{NonFinite("NaN"), NonFinite("-Infinity")},
		`{"a":Infinity}`:  map[string]any{"a": NonFinite("Infinity")},
		"[NaN ,Infinity]": []any{NonFinite("NaN"), NonFinite("Infinity")},
		`{"n":-1.5e3}`:    map[string]any{"n": json.Number("-1500.0")},
		"-NaN":            nil,
		"nan":             nil,
		"Infinityx":       nil,
		"-Inf":            nil,
		"- Infinity":      nil,
		"+Infinity":       nil,
		"NaN0":            nil,
	} {
		got, nonFinite, err := ParsePython(body, 8, nil)
		assert.Equal(t, err == nil && HoldsNonFinite(got), nonFinite, body)
		if want == nil {
			assert.Error(t, err, body)
			continue
		}
		if assert.NoError(t, err, body) {
			assert.Equal(t, want, got, body)
		}
	}
}

// TestParsePythonNumbers: each number as Python 3's json.dumps writes back what json.loads read.
func TestParsePythonNumbers(t *testing.T) {
	for in, want := range map[string]any{
		"1e3": "1000.0", "1E3": "1000.0", "1.0": "1.0", "5.0": "5.0", "1e16": "1e+16", "1e15": "1000000000000000.0",
		"1.5e300": "1.5e+300", "1e400": NonFinite("Infinity"), "-1e400": NonFinite("-Infinity"), "1e-400": "0.0",
		"-1e-400": "-0.0", "0.0001": "0.0001", "0.00001": "1e-05", "123456789012345678.0": "1.2345678901234568e+17",
		"1.23456789012345678901": "1.2345678901234567", "-0": "0", "-0.0": "-0.0", "0.1e1": "1.0", "2.5e-5": "2.5e-05",
		"1e22": "1e+22", "1e21": "1e+21", "12345678901234567890": "12345678901234567890", "-12.50": "-12.5",
		"100e-2": "1.0", "9007199254740993.0": "9007199254740992.0", "0": "0", "-7": "-7",
	} {
		got, _, err := ParsePython(in, 8, nil)
		if assert.NoError(t, err, in) {
			if s, ok := want.(string); ok {
				want = json.Number(s)
			}
			assert.Equal(t, want, got, in)
		}
	}
}

// FuzzParsePython: what JSON holds, ParsePython reads as Parse does, each number as Python
// writes it back, which reads as the same float; what only ParsePython reads holds a NonFinite.
func FuzzParsePython(f *testing.F) {
	for _, s := range append(decodeSeeds, "[NaN,-Infinity]", `{"a":{"b":[Infinity]}}`, "-NaN") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		want, wantErr := Parse(body, 8, nil)
		got, nonFinite, err := ParsePython(body, 8, nil)
		if err == nil && nonFinite != HoldsNonFinite(got) {
			t.Fatalf("ParsePython(%q) says nonFinite %v of %#v", body, nonFinite, got)
		}
		switch {
		case wantErr == nil && (err != nil || !reflect.DeepEqual(got, asPython(t, want))):
			t.Fatalf("ParsePython(%q) = %#v, %v; Parse: %#v", body, got, err, want)
		case wantErr != nil && err == nil && !HoldsNonFinite(got):
			t.Fatalf("ParsePython(%q) = %#v, which Parse refuses: %v", body, got, wantErr)
		}
	})
}

// asPython is a value Parse decoded with each number as Python writes it back, checked to read as
// the same float.
func asPython(t *testing.T, v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = asPython(t, e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = asPython(t, e)
		}
		return l
	case json.Number:
		p := pythonNumber(string(x))
		if n, ok := p.(json.Number); ok {
			// An integer past float64's range is written back as sent: both read as an infinity.
			a, errA := strconv.ParseFloat(string(x), 64)
			b, errB := strconv.ParseFloat(string(n), 64)
			if a != b || (errA == nil) != (errB == nil) {
				t.Fatalf("%s written back as %s", x, n)
			}
		}
		return p
	}
	return v
}
