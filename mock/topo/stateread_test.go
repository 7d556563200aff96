package topo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cmdbmock/cmdbmock/internal/jsontest"
)

// moduleSeeds are saved modules, whole and cut, of every kind of value a key may hold.
var moduleSeeds = []string{
	`{"bk_module_id":7,"bk_module_name":"m\"1","bk_set_id":3,"bk_biz_id":2,"service_template_id":4,"default":1,` +
		`"service_category_id":5,"set_template_id":6,"created":1700000000123,"updated":1700000000456,"created_by":"alice",` +
		`"fields":{"operator":"bob","n":12345678901234567890,"f":1.5,"b":true,"z":null,"o":{"k":[1,"x",{}]},"l":[]}}`,
	`{"bk_module_id":1,"bk_set_id":1}`,
	`{"bk_module_id":null,"bk_module_name":null,"fields":null,"created_by":null}`,
	`{"bk_module_id":1,"unknown":{"a":[1]}}`,
	`{"bk_module_id":-9223372036854775808,"bk_set_id":9223372036854775807}`,
	` { "bk_module_id" : 1 } `,
	`{"bk_module_id":"1"}`,
	`{"bk_module_id":1.5}`,
	`{"bk_module_id":1e3}`,
	`{"bk_module_id":1.0}`,
	`{"bk_module_id":-0}`,
	`{"bk_module_id":9223372036854775808}`,
	`{"bk_module_id":true}`,
	`{"bk_module_name":5}`,
	`{"bk_module_name":"\u00e9\ud800"}`,
	`{"created_by":["a"]}`,
	`{"fields":[1]}`,
	`{"fields":"x"}`,
	`{"bk_module_id":1`,
	`{"bk_module_id":1} 2`,
	`[]`,
	`5`,
	` null`,
}

// FuzzModuleOf: a saved module reads as encoding/json (numbers kept as written) decodes it into
// a Module, and is refused where encoding/json refuses it; go test runs the seeds.
func FuzzModuleOf(f *testing.F) {
	for _, raw := range moduleSeeds {
		f.Add(raw)
	}
	f.Fuzz(checkModuleOf)
}

// checkModuleOf holds moduleOf to encoding/json on one saved module. Two cases a state never
// holds, as encoding/json writes it, are left out, where moduleOf reads what it was written
// with: a key in another case than Module's (encoding/json takes it too), and a key given twice
// (the last counts, where encoding/json merges two objects of fields and keeps an error of the
// first value). A value nested deeper than a state's reader reads is refused, and so is null,
// which encoding/json reads as a module of zeros, refused next for its id.
func checkModuleOf(t *testing.T, raw string) {
	got := &Module{}
	err := moduleOf(raw, got)
	if !json.Valid([]byte(raw)) || strings.TrimSpace(raw) == "null" {
		assert.Error(t, err, raw)
		return
	}
	if jsontest.Nesting([]byte(raw)) > maxDepth {
		assert.Error(t, err, raw)
		return
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &keys) == nil {
		_, names := moduleKeys()
		seen := map[string]bool{}
		dec := json.NewDecoder(strings.NewReader(raw))
		_, _ = dec.Token() // the object's {
		for dec.More() {
			tok, _ := dec.Token()
			k, _ := tok.(string)
			if seen[k] {
				return // a key given twice
			}
			seen[k] = true
			var skip json.RawMessage
			_ = dec.Decode(&skip)
		}
		for k := range keys {
			for name := range names {
				if k != name && strings.EqualFold(k, name) {
					return // a key in another case
				}
			}
		}
	}
	var want Module
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if wantErr := dec.Decode(&want); wantErr != nil {
		assert.Error(t, err, raw)
		return
	}
	if assert.NoError(t, err, raw) {
		assert.Equal(t, want, *got, raw)
	}
}
