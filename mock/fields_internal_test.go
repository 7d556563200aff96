package mock

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// TestKeptFieldsOwnTheirStrings: the fields a create or an update keeps as sent hold copies of
// their strings: a string the decoder cut from the request body would keep the whole body alive
// for as long as the record lives.
func TestKeptFieldsOwnTheirStrings(t *testing.T) {
	body := `{"bk_data_status":"disabled","bk_inst_id":"i-1","bk_process_id":"p","bk_obj_id":"set","default":"5","bk_supplier_account":"tenant"}`
	within := func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return false
		}
		start, p := uintptr(unsafe.Pointer(unsafe.StringData(body))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return p >= start && p < start+uintptr(len(body))
	}
	decoded, err := jsonx.Parse(body, jsonx.StdDepth, nil)
	require.NoError(t, err)
	data := decoded.(map[string]any)
	require.True(t, within(data["default"]), "the decoder cuts its strings from the text: what this test is about")
	c := &call{data: data, supplier: "tenant"}
	for name, kept := range map[string]topo.Record{
		"a create's":  keptFields(c),
		"an update's": keptOnUpdate(c, nil),
	} {
		require.NotEmpty(t, kept, name)
		for k, v := range kept {
			assert.False(t, within(v), "%s %s", name, k)
		}
	}
	assert.False(t, within(withKept(nil, "default", data["default"])["default"]), "an update's default")
}
