package topo

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// everyField is a module with every field set: a field appendModuleJSON does not write fails
// TestModuleJSONMatchesEncodingJSON.
var everyField = Module{ID: 7, Name: `m"<&>`, SetID: 3, BizID: 2, ServiceTemplateID: 4, Default: 1, ServiceCategoryID: 5,
	SetTemplateID: 6, Created: 1700000000123, Updated: 1700000000456, CreatedBy: "alice",
	Fields: Record{"operator": "bob", "n": json.Number("12345678901234567890"), "i": int64(-3), "f": json.Number("1.5"), "b": true,
		"z": nil, "o": map[string]any{"k": []any{json.Number("1"), "<x>", map[string]any{}}}, "l": []any{}}}

// TestModuleJSONMatchesEncodingJSON: a module is saved as encoding/json writes it (without HTML
// escaping), the fields left out when empty as Module's tags say.
func TestModuleJSONMatchesEncodingJSON(t *testing.T) {
	v := reflect.ValueOf(everyField)
	for i := range v.NumField() {
		require.False(t, v.Field(i).IsZero(), "everyField leaves %s empty", v.Type().Field(i).Name)
	}
	for _, m := range []Module{everyField, {}, {ID: 1, Name: "中\u2028", SetID: 1, BizID: 1, Fields: Record{}}, {ID: -1, Default: -2, CreatedBy: "\x00"}} {
		got, _ := appendModuleJSON(nil, &m, nil)
		assert.Equal(t, encodingJSON(t, m), string(got))
	}
}

// FuzzModuleJSON holds appendModuleJSON to encoding/json, the fields decoded from a text as a
// call's are.
func FuzzModuleJSON(f *testing.F) {
	f.Add(int64(7), `m"<&>`, int64(0), int64(1700000000123), "alice", `{"operator":null,"bk_module_type":"1","x":[1.5,{"b":"<"}]}`)
	f.Add(int64(0), "", int64(-1), int64(0), "", `{}`)
	f.Fuzz(func(t *testing.T, id int64, name string, category, created int64, createdBy, fields string) {
		m := Module{ID: id, Name: name, SetID: id + 1, BizID: 2, ServiceCategoryID: category, Created: created, CreatedBy: createdBy}
		v, _ := jsonx.Parse(fields, maxDepth, nil)
		if rec, ok := v.(map[string]any); ok {
			m.Fields = Record{}
			for k, v := range rec {
				m.Fields[k] = JSONValue(v)
			}
		}
		got, _ := appendModuleJSON(nil, &m, nil)
		assert.Equal(t, encodingJSON(t, m), string(got))
	})
}
