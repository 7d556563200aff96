package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// zoneBusinesses and zoneMainline are fixtures with a custom level, zone, between business
// and set.
const (
	zoneBusinesses = `[{"bk_biz_id":3,"bk_biz_name":"game",
		"sets":[{"bk_set_id":30,"bk_set_name":"空闲机池","default":1,"modules":[{"bk_module_id":31,"bk_module_name":"空闲机","default":1}]}],
		"nodes":[{"bk_inst_id":103,"bk_inst_name":"zone-a","bk_obj_id":"zone","bk_parent_id":0}]},
		{"bk_biz_id":4,"bk_biz_name":"other","nodes":[{"bk_inst_id":104,"bk_inst_name":"zone-b","bk_obj_id":"zone","bk_parent_id":0}]}]`
	zoneMainline = `[{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`
)

// zoneServer is a mock whose business 3 has a custom level, zone, between it and its sets, with
// the node zone-a (103); business 4 has zone-b (104).
func zoneServer(t *testing.T) *mock.Server {
	t.Helper()
	fx, err := fixtures.Load(fstest.MapFS{
		"businesses.json": {Data: []byte(zoneBusinesses)},
		"mainline.json":   {Data: []byte(zoneMainline)},
	})
	require.NoError(t, err)
	sp := loadSpec()
	s, err := mock.New(sp, fx, mock.Config{})
	require.NoError(t, err)
	return s
}

// TestFindSetBatch holds reference §12.3: a bare array of the business's listed sets with the
// fields asked for and default, the idle pool's name translated in English; rows S1-S3.
func TestFindSetBatch(t *testing.T) {
	s := newServer(t, mock.Config{})
	ids := createNamed(t, s, "batch-a")
	r := esbCall(t, s, mock.PathESBFindSetBatch, map[string]any{"bk_biz_id": 1, "bk_ids": []any{ids[0], 1, 1, 2, 999}, "fields": []string{"bk_set_name"}})
	require.True(t, r.Result, "%s", r.Raw)
	assert.JSONEq(t, `[{"bk_set_name":"idle pool","default":1},{"bk_set_name":"batch-a","default":0}]`, string(r.Keys["data"]),
		"duplicates merged; business 2's set 2 and unknown ids left out; ESB's default language is English")
	r = v3Call(t, s, http.MethodPost, "/api/v3/findmany/set/bk_biz_id/1", `{"bk_ids":[1],"fields":["bk_set_id","bk_set_name"]}`)
	require.True(t, r.Result, "%s", r.Raw)
	assert.JSONEq(t, `[{"bk_set_id":1,"bk_set_name":"idle pool","default":1}]`, string(r.Keys["data"]))
	r = sendV3(t, s, http.MethodPost, "/api/v3/findmany/set/bk_biz_id/1", `{"bk_ids":[1],"fields":["bk_set_name"]}`, `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"noperm"}`)
	assert.True(t, r.Result, "IAM skips the call: %s", r.Raw)

	for _, tc := range []struct {
		name, body string
		cfg        mock.Config
		path       string
		code       int
		msg        string
	}{
		{"S1: string ids", `{"bk_ids":["1"],"fields":["x"]}`, mock.Config{}, "1", 1199000, "Deserializing JSON data failed"},
		{"S2: no ids", `{"fields":["x"]}`, mock.Config{}, "1", 1199089, "the length of array bk_ids is wrong, the length must be in range 1~500"},
		{"S3: no fields", `{"bk_ids":[1],"fields":[]}`, mock.Config{}, "1", 1199006, "'fields' data parameter verification does not pass"},
		{"C1: IAM on, a word", `{"bk_ids":[1],"fields":["x"]}`, mock.Config{}, "abc", 1199045, "no matched rules"},
		{"IAM off, a word", `{"bk_ids":[1],"fields":["x"]}`, iamOff, "abc", 1199998, `strconv.ParseInt: parsing "abc": invalid syntax`},
	} {
		r := v3Call(t, newServer(t, tc.cfg), http.MethodPost, "/api/v3/findmany/set/bk_biz_id/"+tc.path, tc.body)
		assert.Equal(t, tc.code, r.Code, "%s: %s", tc.name, r.Raw)
		assert.Equal(t, tc.msg, r.Message, tc.name)
	}
	r = esbCall(t, s, mock.PathESBFindSetBatch, map[string]any{"bk_ids": []int{1}, "fields": []string{"x"}})
	assert.Equal(t, 1306406, r.Code, "a generic component without its path variable: %s", r.Raw)
	assert.Equal(t, "Parameters error, param bk_biz_id is required", r.Message)
}

// TestFindTopoNodePaths holds reference §12.4: the path of each node that exists, from the
// business down to the node's parent, through custom levels; rows P1-P8.
func TestFindTopoNodePaths(t *testing.T) {
	s := zoneServer(t)
	r := req{surface: "v3", lang: "en", biz: 3, data: set("bk_parent_id", 103, "bk_set_name", "zone-web")}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	setID := r.Data["bk_set_id"].(json.Number)
	r = callReq{call: "create_module", surface: "v3", biz: 3, set: setID, data: map[string]any{"bk_parent_id": setID, "bk_module_name": "nginx"}}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	moduleID := r.Data["bk_module_id"].(json.Number).String()

	const path = "/api/v3/cache/find/cache/topo/node_path/biz/"
	body := `{"bk_nodes":[{"bk_obj_id":"module","bk_inst_id":` + moduleID + `},
		{"bk_obj_id":"set","bk_inst_id":30},{"bk_obj_id":"zone","bk_inst_id":103},{"bk_obj_id":"set","bk_inst_id":9999}]}`
	r = v3Call(t, s, http.MethodPost, path+"3", body)
	require.True(t, r.Result, "%s", r.Raw)
	assert.JSONEq(t, `[
		{"bk_obj_id":"module","bk_inst_id":`+moduleID+`,"bk_inst_name":"nginx","bk_paths":[[
			{"bk_obj_id":"biz","bk_inst_id":3,"bk_inst_name":"game"},{"bk_obj_id":"zone","bk_inst_id":103,"bk_inst_name":"zone-a"},
			{"bk_obj_id":"set","bk_inst_id":`+setID.String()+`,"bk_inst_name":"zone-web"}]]},
		{"bk_obj_id":"set","bk_inst_id":30,"bk_inst_name":"空闲机池","bk_paths":[[{"bk_obj_id":"biz","bk_inst_id":3,"bk_inst_name":"game"}]]},
		{"bk_obj_id":"zone","bk_inst_id":103,"bk_inst_name":"zone-a","bk_paths":[[{"bk_obj_id":"biz","bk_inst_id":3,"bk_inst_name":"game"}]]}
	]`, string(r.Keys["data"]), "built-in sets hang under the business; a missing node is left out; names untranslated")

	for _, tc := range []struct {
		name, biz, body string
		code            int
		msg             string
	}{
		{"P1: business 0", "0", `{"bk_nodes":[]}`, 1199011, "'%s' the parameter is invalid or does not exist"},
		{"P2: a string id", "3", `{"bk_nodes":[{"bk_obj_id":"set","bk_inst_id":"1"}]}`, 1199000, "Deserializing JSON data failed"},
		{"P3: biz", "3", `{"bk_nodes":[{"bk_obj_id":"biz","bk_inst_id":3}]}`, 1199011, "not support biz"},
		{"P4: no id", "3", `{"bk_nodes":[{"bk_obj_id":"set","bk_inst_id":0}]}`, 1199011, "object or inst id"},
		{"P5: not mainline", "3", `{"bk_nodes":[{"bk_obj_id":"nosuch","bk_inst_id":1}]}`, 1199011, "object"},
		{"P6: host", "3", `{"bk_nodes":[{"bk_obj_id":"host","bk_inst_id":1}]}`, 1199006, "host"},
		{"P7: another business's set", "4", `{"bk_nodes":[{"bk_obj_id":"set","bk_inst_id":30}]}`, 1199998, "set 30 do not belongs to biz: 4"},
		{"P8: no business", "77", `{"bk_nodes":[]}`, 1199998, "get biz: 77 detail failed, err: not found"},
	} {
		r := v3Call(t, s, http.MethodPost, path+tc.biz, tc.body)
		assert.Equal(t, tc.code, r.Code, "%s: %s", tc.name, r.Raw)
		assert.Equal(t, tc.msg, r.Message, tc.name)
	}
}

// topologyFidelityCases are the rows of the business and topology calls (reference §12.1-§12.5)
// in the fidelity table: each through both surfaces, both languages and every release.
func topologyFidelityCases() []fidelityCase {
	const (
		decodeEn, decodeZh = "Deserializing JSON data failed", "反序列化JSON数据失败"
		literalEn          = "'%s' data parameter verification does not pass"
		literalZh          = "'%s' 数据参数校验不通过"
	)
	biz := func(args map[string]any) *callReq { return &callReq{call: spec.CallSearchBusiness, top: args} }
	batch := func(args map[string]any) *callReq { return &callReq{call: spec.CallFindSetBatch, biz: 1, top: args} }
	paths := func(bizID any, nodes ...map[string]any) *callReq {
		return &callReq{call: spec.CallFindTopoNodePaths, biz: bizID, top: map[string]any{"bk_nodes": nodes}}
	}
	node := func(obj string, id any) map[string]any { return map[string]any{"bk_obj_id": obj, "bk_inst_id": id} }
	inst := func(obj string, kv ...any) *callReq {
		return &callReq{call: spec.CallCreateInst, obj: obj, top: with(map[string]any{"bk_inst_name": "r2", "bk_parent_id": 3, "bk_biz_id": 3}, kv...)}
	}
	regions := func(t testing.TB, cfg mock.Config) *mock.Server { return regionServer(t.(*testing.T), cfg) }
	cases := []fidelityCase{
		{row: "§12.1", name: "search_business: condition not a dict", surfaces: esbOnly, other: biz(map[string]any{"condition": []int{1}}),
			code: 1306000, en: "condition [condition] Must be the specified parameter data type dict", kind: esbOwn},
		{row: "B1", name: "search_business: a string limit", other: biz(map[string]any{"page": map[string]any{"limit": "10"}}), code: 1199000, en: decodeEn, zh: decodeZh},
		{row: "B2", name: "search_business: condition and filter", other: biz(map[string]any{"condition": map[string]any{}, "biz_property_filter": map[string]any{"condition": "AND", "rules": []any{}}}),
			code: 1199006, en: literalEn, zh: literalZh},
		{row: "B3", name: "search_business: $eq a word", other: biz(map[string]any{"condition": map[string]any{"bk_biz_id": map[string]any{"$eq": "abc"}}}), code: 1199006, en: literalEn, zh: literalZh},
		{row: "B4", name: "search_business: a boolean id", other: biz(map[string]any{"condition": map[string]any{"bk_biz_id": true}}), code: 1199006,
			en: "'bk_biz_id' data parameter verification does not pass", zh: "'bk_biz_id' 数据参数校验不通过"},
		{row: "§12.1", name: "find_set_batch: no bk_biz_id", surfaces: esbOnly, other: &callReq{call: spec.CallFindSetBatch, top: map[string]any{"bk_ids": []int{1}, "fields": []string{"x"}}},
			code: 1306406, en: "Parameters error, param bk_biz_id is required", kind: esbOwn},
		{row: "S1", name: "find_set_batch: string ids", other: batch(map[string]any{"bk_ids": []string{"1"}, "fields": []string{"x"}}), code: 1199000, en: decodeEn, zh: decodeZh},
		{row: "S2", name: "find_set_batch: 501 ids", other: batch(map[string]any{"bk_ids": make([]int, 501), "fields": []string{"x"}}), code: 1199089,
			en: "the length of array bk_ids is wrong, the length must be in range 1~500", zh: "bk_ids数组长度错误，数组长度必须在1~500之间"},
		{row: "S3", name: "find_set_batch: no fields", other: batch(map[string]any{"bk_ids": []int{1}}), code: 1199006,
			en: "'fields' data parameter verification does not pass", zh: "'fields' 数据参数校验不通过"},
		{row: "§12.3", name: "find_set_batch, IAM off: a word", surfaces: v3Only, cfg: iamOff, other: &callReq{call: spec.CallFindSetBatch, biz: "abc", top: map[string]any{"bk_ids": []int{1}, "fields": []string{"x"}}},
			code: 1199998, en: `strconv.ParseInt: parsing "abc": invalid syntax`},
		{row: "P1", name: "find_topo_node_paths: business 0", other: paths(0), code: 1199011, en: "'%s' the parameter is invalid or does not exist", zh: "'%s' 参数无效或不存在"},
		{row: "P2", name: "find_topo_node_paths: a string id", other: paths(1, node("set", "1")), code: 1199000, en: decodeEn, zh: decodeZh},
		{row: "P3", name: "find_topo_node_paths: biz", other: paths(1, node("set", 1), node("biz", 1)), code: 1199011, en: "not support biz"},
		{row: "P4", name: "find_topo_node_paths: no id", other: paths(1, node("set", 0)), code: 1199011, en: "object or inst id"},
		{row: "P5", name: "find_topo_node_paths: not mainline", other: paths(1, node("nosuch", 1)), code: 1199011, en: "object"},
		{row: "P6", name: "find_topo_node_paths: host", other: paths(1, node("host", 1)), code: 1199006, en: "host"},
		{row: "P7", name: "find_topo_node_paths: another business's set", other: paths(2, node("set", 1)), code: 1199998, en: "set 1 do not belongs to biz: 2"},
		{row: "P8", name: "find_topo_node_paths: no business", other: paths(77), code: 1199998, en: "get biz: 77 detail failed, err: not found"},
		{row: "§12.1", name: "create_inst: no bk_obj_id", surfaces: esbOnly, server: regions, other: &callReq{call: spec.CallCreateInst, top: map[string]any{"bk_inst_name": "x"}},
			code: 1306406, en: "Parameters error, param bk_obj_id is required", kind: esbOwn},
		{row: "C2", name: "create_inst: no permission", server: regions, other: &callReq{call: spec.CallCreateInst, obj: "region", user: "noperm",
			top: map[string]any{"bk_inst_name": "x", "bk_parent_id": 3, "bk_biz_id": 3}}, code: 9900403, en: "Do not have access permission.", zh: "没有操作的权限", kind: apiServerAnswer, perm: true},
		{row: "I1", name: "create_inst: not an object", surfaces: v3Only, server: regions, other: &callReq{call: spec.CallCreateInst, obj: "region", body: body("[1]")},
			code: 1199000, en: decodeEn, zh: decodeZh},
		{row: "I2", name: "create_inst: a built-in model", server: regions, other: inst("set"), code: 1199084,
			en: "forbidden operate inner model instance with common instance API", zh: "禁止使用通用实例接口操作内置模型实例"},
		{row: "I3", name: "create_inst, IAM off: an unknown model", server: regions, cfg: iamOff, other: inst("nosuch"), code: 1101007, en: "Query model failed", zh: "查询模型失败"},
		{row: "C1", name: "create_inst, IAM on: an unknown model", server: regions, other: inst("nosuch"), code: 1199045, en: "no matched rules", kind: apiServerAnswer},
		{row: "I4", name: "create_inst: not a node of the level above", server: regions, other: inst("zone", "bk_parent_id", 999), code: 1199011,
			en: "'bk_parent_id' the parameter is invalid or does not exist", zh: "'bk_parent_id' 参数无效或不存在"},
		{row: "I5", name: "create_inst: no such business", server: regions, other: inst("region", "bk_biz_id", 77), code: 1199011,
			en: "'bk_biz_id' the parameter is invalid or does not exist", zh: "'bk_biz_id' 参数无效或不存在"},
		{row: "I6", name: "create_inst: no name", server: regions, other: inst("region", "bk_inst_name", nil), code: 1199010,
			en: "'bk_inst_name' unassigned", zh: "'bk_inst_name' 未赋值"},
		{row: "I6", name: "create_inst: a name with a slash", server: regions, other: inst("region", "bk_inst_name", "a/b"), code: 1199006,
			en: "'bk_inst_name' data parameter verification does not pass", zh: "'bk_inst_name' 数据参数校验不通过", wrapped: true},
		{row: "I7", name: "create_inst: a duplicate under the business", server: regions, other: inst("region", "bk_inst_name", "r1"), code: 1199014,
			en: `duplicated instances exist, fields [ bk_inst_name: "r1", bk_parent_id: 3 ] duplicated`, zh: `数据唯一性校验失败，  bk_inst_name: "r1", bk_parent_id: 3  重复`},
		{row: "§12.5", name: "delete_inst: a built-in model", server: regions, other: &callReq{call: spec.CallDeleteInst, obj: "set", inst: 1}, code: 1199084,
			en: "forbidden operate inner model instance with common instance API", zh: "禁止使用通用实例接口操作内置模型实例"},
		{row: "§12.5", name: "delete_inst, IAM off: an id that is a word", surfaces: v3Only, server: regions, cfg: iamOff, other: &callReq{call: spec.CallDeleteInst, obj: "region", inst: "abc"},
			code: 1199009, en: "'inst id' parameters must be integral", zh: "'inst id' 参数必须是整型"},
	}
	for i := range cases {
		if cases[i].kind == 0 && cases[i].other != nil {
			cases[i].kind = kindOf(cases[i].code)
		}
	}
	return cases
}

// fillBusiness makes modules m<i> in set setID of business 1 until the business holds n.
func fillBusiness(t testing.TB, s *mock.Server, setID int64, n int) {
	t.Helper()
	placed, _ := s.Store().SetsOf(1, n)
	modules := 0
	for _, p := range placed {
		modules += len(p.Modules)
	}
	for i := modules; i < n; i++ {
		_, err := s.Store().CreateModule(topo.Module{Name: fmt.Sprint("m", i), SetID: setID, BizID: 1})
		require.NoError(t, err)
	}
}

// TestBizTopoIsBounded: search_biz_inst_topo answers the tree of a business of at most
// --max-page sets and ten modules for each of them, and the mock's own answer past either; a
// business of one set of a million modules was built whole in memory, for every such read.
func TestBizTopoIsBounded(t *testing.T) {
	s := newServer(t, mock.Config{MaxPage: 5})
	created := req{surface: "esb", biz: 1, data: set("bk_set_name", "big")}.send(t, s)
	require.Equal(t, 0, created.Code, "%s", created.Raw)
	setID, err := created.Data["bk_set_id"].(json.Number).Int64()
	require.NoError(t, err)
	read := func() reply {
		hr := httptest.NewRequest(http.MethodPost, "/api/bk-cmdb/prod/api/v3/find/topoinst/biz/1?with_default=1", strings.NewReader(`{}`))
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		return send(t, s, hr)
	}
	fillBusiness(t, s, setID, 5*topo.ModulesPerSet)
	r := read()
	require.Equal(t, 0, r.Code, "%s", r.Raw)

	_, err = s.Store().CreateModule(topo.Module{Name: "one too many", SetID: setID, BizID: 1})
	require.NoError(t, err)
	r = read()
	assert.Equal(t, spec.CodeMock, r.Code)
	assert.Equal(t, "cmdbmock answers the topology of a business of at most 5 sets and 50 modules (--max-page)", r.Message)
	assert.Nil(t, r.Data)
}
