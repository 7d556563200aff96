package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
)

// TestSearchObjectAttributeCondition: search_object_attribute's body is a MongoDB condition on
// the stored attributes, as CMDB's topo server hands it on (bk-cmdb src/scene_server/
// topo_server/service/object_attribute.go:236-266 @111e7ac): operators hold, a name matches as
// stored (Chinese) whatever the answer's language, page pages, bk_biz_id adds the business's
// attributes to every business's and must decode as an integer.
func TestSearchObjectAttributeCondition(t *testing.T) {
	s := newServer(t, mock.Config{})
	ids := func(body string) []string {
		t.Helper()
		r := v3Call(t, s, http.MethodPost, mock.PathV3SearchObjectAttribute, body)
		require.True(t, r.Result, "%s: %s", body, r.Raw)
		var attrs []map[string]any
		require.NoError(t, json.Unmarshal(r.Keys["data"], &attrs))
		out := []string{}
		for _, a := range attrs {
			out = append(out, a["bk_property_id"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`{"bk_obj_id":"set","bk_property_type":{"$in":["int","enum"]}}`, []string{"bk_set_env", "bk_service_status", "bk_capacity"}},
		{`{"bk_obj_id":"set","bk_property_id":{"$regex":"^bk_set_"}}`, []string{"bk_set_name", "bk_set_desc", "bk_set_env"}},
		{`{"bk_obj_id":"set","bk_property_name":"集群名"}`, []string{"bk_set_name"}},
		{`{"bk_obj_id":"set","bk_property_name":"Set name"}`, []string{}},
		{`{"bk_obj_id":"set","isrequired":true}`, []string{"bk_set_name"}},
		{`{"bk_obj_id":"set","page":{"start":1,"limit":2}}`, []string{"bk_set_desc", "bk_set_env"}},
		{`{"bk_obj_id":"set","page":{"limit":1,"sort":"-bk_property_id"}}`, []string{"description"}},
		{`{"bk_obj_id":"set","bk_biz_id":2,"bk_property_id":"bk_set_name"}`, []string{"bk_set_name"}},
		{`{"$or":[{"bk_property_id":"bk_set_name"},{"bk_property_id":"bk_module_name"}]}`, []string{"bk_set_name", "bk_module_name"}},
	} {
		assert.Equal(t, tc.want, ids(tc.body), tc.body)
	}
	for _, body := range []string{`{"bk_obj_id":"set","bk_biz_id":"2"}`, `{"bk_obj_id":"set","bk_biz_id":2.5}`} {
		r := v3Call(t, s, http.MethodPost, mock.PathV3SearchObjectAttribute, body)
		assert.Equal(t, 1199000, r.Code, "%s: %s", body, r.Raw)
	}
	r := v3Call(t, s, http.MethodPost, mock.PathV3SearchObjectAttribute, `{"bk_obj_id":{"$in":"set"}}`)
	assert.Equal(t, 1199998, r.Code, "MongoDB refuses the condition: %s", r.Raw)
}
