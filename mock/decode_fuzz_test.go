package mock

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeJSON holds the request decoder to encoding/json's idea of valid JSON: what is one
// valid value within the nesting limit decodes, anything else is refused, and nothing panics.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":"c\"]"}]}`, `{"a":1} {}`, `[[[[]]]]`, `"\u00"`, `1e999`, ` {"x": null} `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		const limit = 8
		_, err := decodeJSON([]byte(body), limit)
		valid := json.Valid([]byte(body)) && nesting([]byte(body)) <= limit
		if valid != (err == nil) {
			t.Fatalf("decodeJSON(%q): err %v, but json.Valid=%v and nesting %d", body, err, json.Valid([]byte(body)), nesting([]byte(body)))
		}
	})
}
