package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// TestBuiltInNames: every read of sets, modules and businesses goes through the core service's
// SearchModelInstances, which adds default to the fields asked for and names the built-in
// instances in the request's language by their default, unless the record holds another name:
// the idle pool, the idle, fault and recycle modules, the resource pool (bk-cmdb
// src/source_controller/coreservice/service/instances.go:71-100,
// src/source_controller/coreservice/multilingual/buildin_instance.go:29-73,
// src/apimachinery/coreservice/instance/api.go:150-160,219-230 @111e7ac; resources/language/en/inst.json:2-6).
func TestBuiltInNames(t *testing.T) {
	s := newServer(t, mock.Config{})
	createNamed(t, s, "web-1")
	search := func(lang, path, body string) reply {
		t.Helper()
		r := sendV3In(t, s, lang, http.MethodPost, path, body, v3Auth)
		require.True(t, r.Result, "%s", r.Raw)
		return r
	}
	sets := "/api/v3/set/search/0/1"
	for _, tc := range []struct {
		lang, body, want string
	}{
		{"en", `{"fields":["bk_set_id","bk_set_name"],"condition":{"default":1}}`, `[{"bk_set_id":1,"bk_set_name":"idle pool","default":1}]`},
		{"en", `{"fields":["bk_set_id"],"condition":{"default":1}}`, `[{"bk_set_id":1,"bk_set_name":"idle pool","default":1}]`},
		{"zh", `{"fields":["bk_set_id"],"condition":{"default":1}}`, `[{"bk_set_id":1,"bk_set_name":"空闲机池","default":1}]`},
		{"en", `{"fields":["bk_set_name"],"condition":{"default":0}}`, `[{"bk_set_name":"web-1","default":0}]`},
	} {
		r := search(tc.lang, sets, tc.body)
		assert.JSONEq(t, tc.want, mustJSON(t, r.Data["info"]), "%s %s", tc.lang, tc.body)
	}
	r := search("en", sets, `{"condition":{"default":1}}`)
	info := r.Data["info"].([]any)
	require.Len(t, info, 1)
	assert.Equal(t, "idle pool", info[0].(map[string]any)["bk_set_name"], "every field, the name translated")

	// Business 2's built-in modules, through search_module and find_module_batch.
	r = search("en", "/api/v3/module/search/0/2/0", `{"fields":["bk_module_id","bk_module_name"],"condition":{"default":{"$ne":0}}}`)
	assert.JSONEq(t, `[{"bk_module_id":4,"bk_module_name":"idle host","default":1},{"bk_module_id":5,"bk_module_name":"fault host","default":2},
		{"bk_module_id":6,"bk_module_name":"recycle host","default":3}]`, mustJSON(t, r.Data["info"]))
	r = search("zh", "/api/v3/module/search/0/2/0", `{"fields":["bk_module_id"],"condition":{"default":2}}`)
	assert.JSONEq(t, `[{"bk_module_id":5,"bk_module_name":"故障机","default":2}]`, mustJSON(t, r.Data["info"]))
	r = search("en", "/api/v3/findmany/module/bk_biz_id/2", `{"bk_ids":[4,5],"fields":["bk_module_id"]}`)
	assert.JSONEq(t, `[{"bk_module_id":4,"bk_module_name":"idle host","default":1},{"bk_module_id":5,"bk_module_name":"fault host","default":2}]`,
		string(r.Keys["data"]))

	// get_biz_internal_module reads them through the core service too.
	hr := callReq{call: spec.CallGetBizInternalModule, surface: "v3", lang: "en", biz: 2}.send(t, s)
	require.True(t, hr.Result, "%s", hr.Raw)
	assert.JSONEq(t, `{"bk_set_id":2,"bk_set_name":"idle pool","module":[
		{"bk_module_id":4,"bk_module_name":"idle host","default":1,"host_apply_enabled":false},
		{"bk_module_id":5,"bk_module_name":"fault host","default":2,"host_apply_enabled":false},
		{"bk_module_id":6,"bk_module_name":"recycle host","default":3,"host_apply_enabled":false}]}`, string(hr.Keys["data"]))

	// So does search_biz_inst_topo: the resource pool is its business's default 1, and need_sort
	// sorts the names it answers.
	tr := search("en", "/api/v3/find/topoinst/biz/1?with_default=1&need_sort=true", "")
	var tree []map[string]any
	require.NoError(t, json.Unmarshal(tr.Keys["data"], &tree))
	require.Len(t, tree, 1)
	assert.Equal(t, "resource pool", tree[0]["bk_inst_name"])
	assert.Equal(t, json.Number("1"), json.Number(mustJSON(t, tree[0]["default"])))
	var names []any
	for _, n := range tree[0]["child"].([]any) {
		names = append(names, n.(map[string]any)["bk_inst_name"])
	}
	assert.Equal(t, []any{"idle pool", "web-1"}, names)
}
