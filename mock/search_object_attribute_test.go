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

// TestSearchObjectAttributeOfACustomLevel: a custom mainline level is a model of CMDB's like
// the business, the set and the module: search_object_attribute lists its attributes as CMDB
// made them with the level (bk-cmdb src/scene_server/topo_server/logics/model/object.go:
// 130-163,685-781 @111e7ac): the instance name, made by "user", and the four recorded fields,
// in the level's group "Default", names translated as preset attributes are; bk_parent_id is a
// system attribute and not listed. Each level's attributes have ids of their own.
func TestSearchObjectAttributeOfACustomLevel(t *testing.T) {
	s := regionServer(t, mock.Config{})
	attrs := func(body, lang string) []map[string]any {
		t.Helper()
		r := sendV3In(t, s, lang, http.MethodPost, mock.PathV3SearchObjectAttribute, body, v3Auth)
		require.True(t, r.Result, "%s: %s", body, r.Raw)
		var out []map[string]any
		require.NoError(t, json.Unmarshal(r.Keys["data"], &out))
		return out
	}
	zone := attrs(`{"bk_obj_id":"zone"}`, "zh")
	var props []string
	for _, a := range zone {
		props = append(props, a["bk_property_id"].(string))
		assert.Equal(t, "zone", a["bk_obj_id"])
		assert.Equal(t, "Default", a["bk_property_group_name"])
		assert.Equal(t, true, a["ispre"])
	}
	assert.Equal(t, []string{"bk_inst_name", "bk_created_at", "bk_created_by", "bk_updated_at", "bk_updated_by"}, props)
	assert.Equal(t, "实例名", zone[0]["bk_property_name"])
	assert.Equal(t, "user", zone[0]["creator"])
	assert.Equal(t, "cc_system", zone[1]["creator"])
	assert.Equal(t, "Instance Name", attrs(`{"bk_obj_id":"zone"}`, "en")[0]["bk_property_name"])

	region := attrs(`{"bk_obj_id":"region","bk_property_id":"bk_inst_name"}`, "zh")
	require.Len(t, region, 1)
	assert.NotEqual(t, zone[0]["id"], region[0]["id"], "each level's attributes are its own")
	assert.Len(t, attrs(`{"bk_property_id":"bk_inst_name"}`, "zh"), 2, "one instance name a level")
	assert.Empty(t, attrs(`{"bk_obj_id":"zone","bk_property_id":"bk_parent_id"}`, "zh"))
}
