package jsonx

import (
	"encoding/json"
	"reflect"
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
