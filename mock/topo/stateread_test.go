package topo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestModuleOfAgreesWithEncodingJSON: a saved module reads as encoding/json (numbers kept as
// written) decodes it into a Module, and is refused where encoding/json refuses it. The keys
// are the ones the state is written with: encoding/json would also take them in other cases.
func TestModuleOfAgreesWithEncodingJSON(t *testing.T) {
	whole := `{"bk_module_id":7,"bk_module_name":"m\"1","bk_set_id":3,"bk_biz_id":2,"service_template_id":4,"default":1,` +
		`"service_category_id":5,"set_template_id":6,"created":1700000000123,"updated":1700000000456,"created_by":"alice",` +
		`"fields":{"operator":"bob","n":12345678901234567890,"f":1.5,"b":true,"z":null,"o":{"k":[1,"x",{}]},"l":[]}}`
	for _, raw := range []string{
		whole,
		`{"bk_module_id":1,"bk_set_id":1}`,
		`{"bk_module_id":null,"bk_module_name":null,"fields":null,"created_by":null}`,
		`{"bk_module_id":1,"unknown":{"a":[1]},"bk_module_id":2}`,
		`{"bk_module_id":-9223372036854775808,"bk_set_id":9223372036854775807}`,
		` { "bk_module_id" : 1 } `,
		`{"bk_module_id":"1"}`,
		`{"bk_module_id":1.5}`,
		`{"bk_module_id":1e3}`,
		`{"bk_module_id":1.0}`,
		`{"bk_module_id":9223372036854775808}`,
		`{"bk_module_id":true}`,
		`{"bk_module_name":5}`,
		`{"created_by":["a"]}`,
		`{"fields":[1]}`,
		`{"fields":"x"}`,
		`{"bk_module_id":1`,
		`[]`,
		`5`,
	} {
		var want Module
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		wantErr := dec.Decode(&want)
		got, err := savedObject("modules: a saved module", moduleOf)(raw)
		if wantErr != nil {
			assert.Error(t, err, raw)
			continue
		}
		if assert.NoError(t, err, raw) {
			assert.Equal(t, want, *got, raw)
		}
	}
}
