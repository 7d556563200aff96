package mock_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// callReq is a call other than create_set, described once and sent through either surface.
type callReq struct {
	call    spec.Call
	biz     any            // ESB's bk_biz_id, or the v3 path's; nil: left out
	set     any            // ESB's bk_set_id, or the v3 path's
	module  any            // ESB's bk_module_id, or the v3 path's
	obj     any            // ESB's bk_obj_id, or the v3 path's (the generic instance API)
	inst    any            // ESB's bk_inst_id, or the v3 path's
	data    map[string]any // ESB's data, or the v3 body; nil: none
	top     map[string]any // ESB: more top-level fields; v3: more body fields
	user    string         // "": alice
	body    *string        // the v3 body as it is, in place of data and top
	headers map[string]string
	// surface and lang are set by the test that sends it.
	surface, lang, rawQuery string
}

// callRoutes are the ESB path, and the v3 method and path of each call, its ids in the order
// of the path.
var callRoutes = map[spec.Call]struct {
	esb, method, v3 string
	ids             func(r callReq) []any
}{
	spec.CallUpdateSet:            {mock.PathESBUpdateSet, http.MethodPut, "/api/v3/set/%v/%v", func(r callReq) []any { return []any{r.biz, r.set} }},
	spec.CallCreateModule:         {mock.PathESBCreateModule, http.MethodPost, "/api/v3/module/%v/%v", func(r callReq) []any { return []any{r.biz, r.set} }},
	spec.CallUpdateModule:         {mock.PathESBUpdateModule, http.MethodPut, "/api/v3/module/%v/%v/%v", func(r callReq) []any { return []any{r.biz, r.set, r.module} }},
	spec.CallDeleteModule:         {mock.PathESBDeleteModule, http.MethodDelete, "/api/v3/module/%v/%v/%v", func(r callReq) []any { return []any{r.biz, r.set, r.module} }},
	spec.CallSearchSet:            {mock.PathESBSearchSet, http.MethodPost, "/api/v3/set/search/0/%v", func(r callReq) []any { return []any{r.biz} }},
	spec.CallSearchModule:         {mock.PathESBSearchModule, http.MethodPost, "/api/v3/module/search/0/%v/%v", func(r callReq) []any { return []any{r.biz, cmp.Or(r.set, any(0))} }},
	spec.CallFindModuleBatch:      {mock.PathESBFindModuleBatch, http.MethodPost, "/api/v3/findmany/module/bk_biz_id/%v", func(r callReq) []any { return []any{r.biz} }},
	spec.CallGetBizInternalModule: {mock.PathESBGetBizInternalModule, http.MethodGet, "/api/v3/topo/internal/0/%v", func(r callReq) []any { return []any{r.biz} }},
	spec.CallSearchBusiness:       {mock.PathESBSearchBusiness, http.MethodPost, "/api/v3/biz/search/0", func(callReq) []any { return nil }},
	spec.CallFindSetBatch:         {mock.PathESBFindSetBatch, http.MethodPost, "/api/v3/findmany/set/bk_biz_id/%v", func(r callReq) []any { return []any{r.biz} }},
	spec.CallFindTopoNodePaths:    {mock.PathESBFindTopoNodePaths, http.MethodPost, "/api/v3/cache/find/cache/topo/node_path/biz/%v", func(r callReq) []any { return []any{r.biz} }},
	spec.CallCreateInst:           {mock.PathESBCreateInst, http.MethodPost, "/api/v3/create/instance/object/%v", func(r callReq) []any { return []any{r.obj} }},
	spec.CallDeleteInst:           {mock.PathESBDeleteInst, http.MethodDelete, "/api/v3/delete/instance/object/%v/inst/%v", func(r callReq) []any { return []any{r.obj, r.inst} }},
}

func (r callReq) send(t testing.TB, h http.Handler) reply {
	t.Helper()
	route := callRoutes[r.call]
	user := cmp.Or(r.user, "alice")
	var hr *http.Request
	if r.surface == "esb" {
		body := map[string]any{"bk_app_code": "esb_test", "bk_app_secret": "xxx", "bk_username": user}
		for k, v := range map[string]any{"bk_biz_id": r.biz, "bk_set_id": r.set, "bk_module_id": r.module, "bk_obj_id": r.obj, "bk_inst_id": r.inst} {
			if v != nil {
				body[k] = v
			}
		}
		if r.data != nil {
			body["data"] = r.data
		}
		maps.Copy(body, r.top)
		b, err := json.Marshal(body)
		require.NoError(t, err)
		hr = httptest.NewRequest(http.MethodPost, route.esb, strings.NewReader(string(b)))
		if r.lang != "" {
			hr.Header.Set("Blueking-Language", r.lang)
		}
	} else {
		path := route.v3
		if ids := route.ids(r); len(ids) > 0 {
			path = fmt.Sprintf(route.v3, ids...)
		}
		body := ""
		switch {
		case r.body != nil:
			body = *r.body
		case r.data != nil || r.top != nil:
			m := maps.Clone(r.top)
			if m == nil {
				m = map[string]any{}
			}
			maps.Copy(m, r.data)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			body = string(b)
		}
		if r.rawQuery != "" {
			path += "?" + r.rawQuery
		}
		hr = httptest.NewRequest(route.method, path, strings.NewReader(body))
		hr.Header.Set("X-Bkapi-Authorization", fmt.Sprintf(`{"bk_app_code":"esb_test","bk_app_secret":"xxx","bk_username":%q}`, user))
		if r.lang != "" {
			hr.Header.Set("X-Bkapi-Language", r.lang)
			hr.Header.Set("X-Bkcmdb-Language", r.lang)
		}
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	return send(t, h, hr)
}

// topologyForModules creates the sets the module rows need: web (id 3) in business 2, and tpl
// (id 4) in business 1 from set template 1, which makes its modules nginx (7) and app-server (8).
func topologyForModules(t *testing.T, s *mock.Server) {
	t.Helper()
	r := req{surface: "esb", biz: 2, data: set("bk_parent_id", 2, "bk_set_name", "web")}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	require.Equal(t, json.Number("3"), r.Data["bk_set_id"])
	r = req{surface: "esb", biz: 1, data: set("bk_set_name", "tpl", "set_template_id", 1)}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	require.Equal(t, json.Number("4"), r.Data["bk_set_id"])
}

// TestModuleLifecycle is what a client that builds topology does: a set, two modules in it,
// searches, a batch find, an update, a delete, and the business's idle modules.
func TestModuleLifecycle(t *testing.T) {
	for _, surface := range []string{"esb", "v3"} {
		t.Run(surface, func(t *testing.T) {
			s := newServer(t, mock.Config{Now: fixedClock})
			topologyForModules(t, s)
			create := func(name string, more ...any) reply {
				data := with(map[string]any{"bk_parent_id": 3, "bk_module_name": name}, more...)
				return callReq{call: spec.CallCreateModule, surface: surface, biz: 2, set: 3, data: data}.send(t, s)
			}
			r := create("  nginx ", "operator", "admin,bob", "bk_module_type", "2", "bk_obj_id", "module", "unknown", 1)
			require.True(t, r.Result, "%s", r.Raw)
			want := map[string]any{
				"bk_bak_operator": nil, "bk_biz_id": json.Number("2"), "bk_created_at": "2022-02-22T20:34:01.386+08:00",
				"bk_created_by": "alice", "bk_module_id": json.Number("9"), "bk_module_name": "nginx", "bk_module_type": "2",
				"bk_obj_id": "module", "bk_parent_id": json.Number("3"), "bk_set_id": json.Number("3"), "bk_supplier_account": "0",
				"bk_updated_at": "2022-02-22T20:34:01.386+08:00", "bk_updated_by": nil, "create_time": "2022-02-22T20:34:01.386+08:00",
				"default": json.Number("0"), "host_apply_enabled": false, "last_time": "2022-02-22T20:34:01.386+08:00",
				"operator": "admin,bob", "service_category_id": json.Number("2"), "service_template_id": json.Number("0"),
				"set_template_id": json.Number("0"),
			}
			assert.Equal(t, want, r.Data, "the stored record read back, keys sorted (reference §11.4)")
			r = create("redis")
			require.True(t, r.Result, "%s", r.Raw)
			assert.Equal(t, json.Number("10"), r.Data["bk_module_id"])
			r = create("redis")
			assert.Equal(t, 1199014, r.Code, "M24: %s", r.Raw)
			r = create("mysql")
			assert.Equal(t, json.Number("12"), r.Data["bk_module_id"], "a duplicate uses up an id, as CMDB's insert does")

			r = callReq{call: spec.CallSearchModule, surface: surface, biz: 2, set: 3,
				top: map[string]any{"fields": []string{"bk_module_id", "bk_module_name"}, "page": map[string]any{"sort": "-bk_module_id", "limit": 2}}}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			assert.Equal(t, json.Number("3"), r.Data["count"])
			assert.Equal(t, []any{
				map[string]any{"bk_module_id": json.Number("12"), "bk_module_name": "mysql", "default": json.Number("0")},
				map[string]any{"bk_module_id": json.Number("10"), "bk_module_name": "redis", "default": json.Number("0")},
			}, r.Data["info"], "the core service adds default to the fields")
			r = callReq{call: spec.CallSearchModule, surface: surface, biz: 2, set: 0,
				top: map[string]any{"condition": map[string]any{"bk_module_name": map[string]any{"$in": []string{"空闲机", "redis"}}, "bk_biz_id": 1}}}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			assert.Equal(t, json.Number("2"), r.Data["count"], "set 0 is every set; the condition's bk_biz_id is the call's")

			r = callReq{call: spec.CallFindModuleBatch, surface: surface, biz: 2,
				top: map[string]any{"bk_ids": []int{12, 9, 9, 7, 999}, "fields": []string{"bk_module_name"}}}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			var batch []map[string]any
			require.NoError(t, json.Unmarshal(r.Keys["data"], &batch))
			assert.Equal(t, []map[string]any{{"bk_module_name": "nginx", "default": 0.0}, {"bk_module_name": "mysql", "default": 0.0}}, batch,
				"a bare array; duplicates merged, other businesses' and unknown ids left out")

			r = callReq{call: spec.CallUpdateModule, surface: surface, biz: 2, set: 3, module: 10,
				data: map[string]any{"bk_module_name": "redis-main", "bk_bak_operator": "bob", "bk_module_id": 99}}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			assert.Equal(t, "null", string(r.Keys["data"]))
			rec, ok := s.Store().Module(10)
			require.True(t, ok)
			got := s.Store().ModuleRecord(rec)
			assert.Equal(t, "redis-main", got["bk_module_name"])
			assert.Equal(t, "bob", got["bk_bak_operator"])
			assert.Equal(t, "alice", got["bk_updated_by"], "the updater is the caller")
			r = callReq{call: spec.CallUpdateModule, surface: surface, biz: 2, set: 3, module: 10,
				data: map[string]any{"bk_module_name": "mysql"}}.send(t, s)
			assert.Equal(t, 1199014, r.Code, "U11: %s", r.Raw)

			r = callReq{call: spec.CallDeleteModule, surface: surface, biz: 2, set: 3, module: 12}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			_, ok = s.Store().Module(12)
			assert.False(t, ok)
			r = callReq{call: spec.CallDeleteModule, surface: surface, biz: 2, set: 3, module: 12}.send(t, s)
			assert.True(t, r.Result, "D7: deleting what is gone succeeds: %s", r.Raw)

			r = callReq{call: spec.CallGetBizInternalModule, surface: surface, biz: 2}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			internal := `{"bk_set_id":2,"bk_set_name":"空闲机池","module":[
				{"bk_module_id":4,"bk_module_name":"空闲机","default":1,"host_apply_enabled":false},
				{"bk_module_id":5,"bk_module_name":"故障机","default":2,"host_apply_enabled":false},
				{"bk_module_id":6,"bk_module_name":"待回收","default":3,"host_apply_enabled":false}]}`
			if surface == "esb" { // English unless asked otherwise: named in it, as the core service names them
				internal = `{"bk_set_id":2,"bk_set_name":"idle pool","module":[
				{"bk_module_id":4,"bk_module_name":"idle host","default":1,"host_apply_enabled":false},
				{"bk_module_id":5,"bk_module_name":"fault host","default":2,"host_apply_enabled":false},
				{"bk_module_id":6,"bk_module_name":"recycle host","default":3,"host_apply_enabled":false}]}`
			}
			assert.JSONEq(t, internal, string(r.Keys["data"]))
			r = callReq{call: spec.CallGetBizInternalModule, surface: surface, biz: 77}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			assert.JSONEq(t, `{"bk_set_id":0,"bk_set_name":"","module":null}`, string(r.Keys["data"]), "an unknown business is a success")

			// The set's delete takes its modules with it.
			r = v3Call(t, s, http.MethodDelete, "/api/v3/set/2/3", "")
			require.True(t, r.Result, "%s", r.Raw)
			_, ok = s.Store().Module(9)
			assert.False(t, ok, "delete_set deletes the set's modules (reference §9)")
		})
	}
}

// moduleRow is one row of reference §11.2, §11.3, §11.7 or §11.8: a call and CMDB's answer.
type moduleRow struct {
	row, name string
	surfaces  []string // nil: both
	r         callReq
	cfg       mock.Config
	code      int
	en, zh    string // zh "": the same text
	wrapped   bool   // release 3.14 wraps the answer in 1199011 (reference §11.9)
	server    func(t testing.TB, cfg mock.Config) *mock.Server
	setup     func(t *testing.T, s *mock.Server) // after topologyForModules; nil: nothing more
}

// plainModule creates m0 (id 9), a module no template made, in web (set 3, business 2).
func plainModule(t *testing.T, s *mock.Server) {
	t.Helper()
	r := callReq{call: spec.CallCreateModule, surface: "v3", biz: 2, set: 3, data: map[string]any{"bk_parent_id": 3, "bk_module_name": "m0"}}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	require.Equal(t, json.Number("9"), r.Data["bk_module_id"])
}

// plainModuleWithHosts is plainModule's m0 holding a host.
func plainModuleWithHosts(t *testing.T, s *mock.Server) {
	t.Helper()
	plainModule(t, s)
	_, err := s.PlaceHosts(context.Background(), 9, 1)
	require.NoError(t, err)
}

func moduleRows() []moduleRow {
	data := func(kv ...any) map[string]any {
		return with(map[string]any{"bk_parent_id": 3, "bk_module_name": "m1"}, kv...)
	}
	create := func(set any, d map[string]any) callReq {
		return callReq{call: spec.CallCreateModule, biz: 2, set: set, data: d}
	}
	updateTpl := func(field string, v any) callReq { // nginx, made by set template 1 in set tpl
		return callReq{call: spec.CallUpdateModule, biz: 1, set: 4, module: 7, data: map[string]any{field: v}}
	}
	updatePlain := func(field string, v any) callReq { // m0, plainModule's
		return callReq{call: spec.CallUpdateModule, biz: 2, set: 3, module: 9, data: map[string]any{field: v}}
	}
	const (
		invalid   = "'%s' data parameter verification does not pass"
		invalidZh = "'%s' 数据参数校验不通过"
	)
	inv := func(label string) (string, string) { return fmt.Sprintf(invalid, label), fmt.Sprintf(invalidZh, label) }
	catEn, catZh := inv("service_category_id")
	tplEn, tplZh := inv("service_template_id")
	parentEn, parentZh := inv("bk_parent_id")
	typeEn, typeZh := inv("模块类型")
	charsEn, charsZh := inv("bk_module_name")
	return []moduleRow{
		{row: "§11.2", name: "set id missing", surfaces: esbOnly, r: create(nil, data()), code: 1306000,
			en: "set id [bk_set_id] This field is required.", zh: "set id [bk_set_id] 这个字段是必填项。"},
		{row: "§11.2", name: "set id a word", surfaces: esbOnly, r: create("x", data()), code: 1306000,
			en: "set id [bk_set_id] Enter a whole number.", zh: "set id [bk_set_id] 输入整数。"},
		{row: "§11.2", name: "data missing", surfaces: esbOnly, r: create(3, nil), code: 1306000, en: "data [data] This field is required.", zh: "data [data] 这个字段是必填项。"},
		{row: "§11.2", name: "module id missing", surfaces: esbOnly, r: callReq{call: spec.CallDeleteModule, biz: 2, set: 3}, code: 1306000,
			en: "module id [bk_module_id] This field is required.", zh: "module id [bk_module_id] 这个字段是必填项。"},
		{row: "§11.2", name: "search fields not a list", surfaces: esbOnly,
			r: callReq{call: spec.CallSearchModule, biz: 2, top: map[string]any{"fields": "bk_module_id"}}, code: 1306000,
			en: "fields [fields] Must be the specified parameter data type list"},
		{row: "§11.1", name: "a generic component without bk_biz_id", surfaces: esbOnly,
			r: callReq{call: spec.CallFindModuleBatch, top: map[string]any{"bk_ids": []int{1}, "fields": []string{"default"}}}, code: 1306406,
			en: "Parameters error, param bk_biz_id is required"},
		{row: "C1", name: "IAM on: a set id that is not digits", surfaces: v3Only, r: create("x", data()), code: 1199045, en: "no matched rules"},
		{row: "C2", name: "no permission", r: callReq{call: spec.CallCreateModule, biz: 2, set: 3, data: data(), user: "noperm"}, code: 9900403,
			en: "Do not have access permission.", zh: "没有操作的权限"},
		{row: "M1", name: "body not an object", surfaces: v3Only, r: callReq{call: spec.CallCreateModule, biz: 2, set: 3, body: body("[1]")},
			code: 1199000, en: "Deserializing JSON data failed", zh: "反序列化JSON数据失败"},
		{row: "M2", name: "IAM off: biz id a word", surfaces: v3Only, cfg: iamOff, r: create(3, data()).withBiz("x"), code: 1199009,
			en: "'bk_biz_id' parameters must be integral", zh: "'bk_biz_id' 参数必须是整型"},
		{row: "M3", name: "IAM off: set id a word", surfaces: v3Only, cfg: iamOff, r: create("x", data()), code: 1199009,
			en: "'bk_set_id' parameters must be integral", zh: "'bk_set_id' 参数必须是整型"},
		{row: "M4", name: "no such set", r: create(99, data("bk_parent_id", 99)), code: 1199019, en: "No relevant data found", zh: "未找到相关数据"},
		{row: "M5", name: "a set made by a set template", r: create(4, data("bk_parent_id", 4)).withBiz(1), code: 1101097,
			en: "forbidden add/remove module on set initialized by set template", zh: "集群由集群模板创建，禁止添加/删除模块"},
		{row: "M6", name: "default not an integer", r: create(3, data("default", "abc")), code: 1199009,
			en: "'default' parameters must be integral", zh: "'default' 参数必须是整型"},
		{row: "M7", name: "the set is in another business", r: create(3, data()).withBiz(1), code: 1199011,
			en: "'bk_biz_id/bk_set_id' the parameter is invalid or does not exist", zh: "'bk_biz_id/bk_set_id' 参数无效或不存在"},
		{row: "M8", name: "service_category_id a digit string", r: create(3, data("service_category_id", "2")), code: 1199006, en: catEn, zh: catZh},
		{row: "M9", name: "service_template_id a float", r: create(3, data("service_template_id", number("1.0"))), code: 1199006, en: tplEn, zh: tplZh},
		{row: "M10", name: "no such service template in the business", r: create(3, data("service_template_id", 1)), code: 1199006, en: tplEn, zh: tplZh},
		{row: "M12", name: "no such service category", r: create(3, data("service_category_id", 77)), code: 1199019,
			en: "No relevant data found", zh: "未找到相关数据"},
		{row: "M14", name: "bk_parent_id not the set", r: create(3, data("bk_parent_id", 2)), code: 1199006, en: parentEn, zh: parentZh},
		{row: "M15", name: "a default key, even 0", r: create(3, data("default", 0)), code: 1199999, en: "topo Internal Server Error"},
		{row: "M16", name: "bk_parent_id absent", r: create(3, data("bk_parent_id", nil)), code: 1199011,
			en: "'bk_parent_id' the parameter is invalid or does not exist", zh: "'bk_parent_id' 参数无效或不存在"},
		{row: "M18", name: "name absent", r: create(3, data("bk_module_name", nil)), code: 1199010,
			en: "'bk_module_name' unassigned", zh: "'bk_module_name' 未赋值"},
		{row: "M19", name: "name not a string", r: create(3, data("bk_module_name", 5)), code: 1199007,
			en: "'bk_module_name' must be a string type", zh: "'bk_module_name' 必须为字符串类型", wrapped: true},
		{row: "M20", name: "name only spaces", r: create(3, data("bk_module_name", "   ")), code: 1199010,
			en: "'bk_module_name' unassigned", zh: "'bk_module_name' 未赋值", wrapped: true},
		{row: "M21", name: "name over 256 characters", r: create(3, data("bk_module_name", strings.Repeat("m", 257))), code: 1199073,
			en: "bk_module_name field exceeds maximum value %!s(int=256)", zh: "字段bk_module_name超过最大值256", wrapped: true},
		{row: "M22", name: "name with a colon", r: create(3, data("bk_module_name", "a:b")), code: 1199006, en: charsEn, zh: charsZh, wrapped: true},
		{row: "M23", name: "a bad enum", r: create(3, data("bk_module_type", "3")), code: 1199006, en: typeEn, zh: typeZh, wrapped: true},
		{row: "M23", name: "a user that is not a name", r: create(3, data("operator", "bad user!")), code: 1199016,
			en: "'主要维护人' Field regular check failed", zh: "'主要维护人' 字段正则校验失败", wrapped: true},
		{row: "M23", name: "a name over 256 bytes", r: create(3, data("bk_module_name", strings.Repeat("模", 86))), code: 1199015,
			en: "Data out of bounds%!(EXTRA string=模块名)", zh: "'模块名' 数据越界", wrapped: true},
		{row: "M24", name: "a duplicate in the set", r: create(2, data("bk_parent_id", 2, "bk_module_name", "空闲机")), code: 1199014,
			en: `duplicated instances exist, fields [ bk_biz_id: 2, bk_set_id: 2, bk_module_name: "空闲机" ] duplicated`,
			zh: `数据唯一性校验失败，  bk_biz_id: 2, bk_set_id: 2, bk_module_name: "空闲机"  重复`},
		{row: "M11", name: "a template and another category, in the idle set", r: create(1, data("bk_parent_id", 1, "service_template_id", 1, "service_category_id", 1)).withBiz(1),
			code: 1108036, en: "service category and template not conincide", zh: "服务分类与服务模板不一致"},
		{row: "M13", name: "a category of another business", server: withCategories, r: create(3, data("service_category_id", 9)),
			code: 1199006, en: catEn, zh: catZh},
		{row: "U6", name: "change service_template_id", r: callReq{call: spec.CallUpdateModule, biz: 1, set: 4, module: 7,
			data: map[string]any{"service_template_id": 2}}, code: 1199083, en: "modify field service_template_id forbidden", zh: "禁止修改字段: service_template_id"},
		{row: "U7", name: "change a template module's category", r: callReq{call: spec.CallUpdateModule, biz: 1, set: 4, module: 7,
			data: map[string]any{"service_category_id": 1}}, code: 1101090, en: "update service category on module create by template forbidden", zh: "禁止修改由模板创建模块的服务分类"},
		{row: "D4", name: "IAM off: delete a module id that is a word, after the set is found", surfaces: v3Only, cfg: iamOff,
			r: callReq{call: spec.CallDeleteModule, biz: 2, set: 3, module: "x"}, code: 1199009, en: "'module id' parameters must be integral", zh: "'module id' 参数必须是整型"},
		{row: "U3", name: "update a built-in module, whatever the path's set", r: callReq{call: spec.CallUpdateModule, biz: 2, set: 3, module: 4,
			data: map[string]any{"bk_module_name": "x"}}, code: 1101098, en: "forbidden remove or update built in set or module", zh: "禁止删除或更新内置集群/模块"},
		{row: "U4", name: "update a module of another set", r: callReq{call: spec.CallUpdateModule, biz: 1, set: 4, module: 4 + 3,
			data: map[string]any{"bk_module_name": "x"}}.withSet(3), code: 1199019, en: "No relevant data found", zh: "未找到相关数据"},
		{row: "U5", name: "change set_template_id", r: callReq{call: spec.CallUpdateModule, biz: 1, set: 4, module: 7,
			data: map[string]any{"set_template_id": 2}}, code: 1199083, en: "modify field set_template_id forbidden", zh: "禁止修改字段: set_template_id"},
		{row: "U8", name: "rename a template's module", r: callReq{call: spec.CallUpdateModule, biz: 1, set: 4, module: 7,
			data: map[string]any{"bk_module_name": "x"}}, code: 1101091, en: "update name field on module create by template forbidden", zh: "禁止修改由模板创建模块的名称"},
		{row: "U2", name: "IAM off: module id a word", surfaces: v3Only, cfg: iamOff, r: callReq{call: spec.CallUpdateModule, biz: 2, set: 3, module: "x",
			data: map[string]any{}}, code: 1199009, en: "'module id' parameters must be integral", zh: "'module id' 参数必须是整型"},
		{row: "U1", name: "update: body not an object", surfaces: v3Only, r: callReq{call: spec.CallUpdateModule, biz: 1, set: 4, module: 7, body: body(`"x"`)},
			code: 1199000, en: "Deserializing JSON data failed", zh: "反序列化JSON数据失败"},
		{row: "U7", name: "a template module's category a digit string", r: updateTpl("service_category_id", "2"), code: 1199006, en: catEn, zh: catZh},
		{row: "U7", name: "a template module's category 2.0", r: updateTpl("service_category_id", json.Number("2.0")), code: 1199006, en: catEn, zh: catZh},
		{row: "U7", name: "a template module's category null", r: updateTpl("service_category_id", nil), code: 1199006, en: catEn, zh: catZh},
		{row: "U7", name: "a template module's category true", r: updateTpl("service_category_id", true), code: 1199006, en: catEn, zh: catZh},
		{row: "U10", name: "update: a bad enum, on a template's module", r: updateTpl("bk_module_type", "3"), code: 1199006, en: typeEn, zh: typeZh, wrapped: true},
		{row: "U10", name: "update: a user that is not a name", r: updateTpl("operator", "bad user!"), code: 1199016,
			en: "'主要维护人' Field regular check failed", zh: "'主要维护人' 字段正则校验失败", wrapped: true},
		{row: "U10", name: "update: name not a string", setup: plainModule, r: updatePlain("bk_module_name", 5), code: 1199007,
			en: "'bk_module_name' must be a string type", zh: "'bk_module_name' 必须为字符串类型", wrapped: true},
		{row: "U10", name: "update: name only spaces", setup: plainModule, r: updatePlain("bk_module_name", "  "), code: 1199010,
			en: "'bk_module_name' unassigned", zh: "'bk_module_name' 未赋值", wrapped: true},
		{row: "U10", name: "update: name with a colon", setup: plainModule, r: updatePlain("bk_module_name", "a:b"), code: 1199006, en: charsEn, zh: charsZh, wrapped: true},
		{row: "D2", name: "delete from a set that does not exist", r: callReq{call: spec.CallDeleteModule, biz: 2, set: 99, module: 7}, code: 1199019,
			en: "No relevant data found", zh: "未找到相关数据"},
		{row: "M17", name: "IAM off: a business that does not exist is M7's", surfaces: v3Only, cfg: iamOff, r: create(3, data()).withBiz(99), code: 1199011,
			en: "'bk_biz_id/bk_set_id' the parameter is invalid or does not exist", zh: "'bk_biz_id/bk_set_id' 参数无效或不存在"},
		{row: "D3", name: "delete from a set a template made", r: callReq{call: spec.CallDeleteModule, biz: 1, set: 4, module: 7}, code: 1101097,
			en: "forbidden add/remove module on set initialized by set template", zh: "集群由集群模板创建，禁止添加/删除模块"},
		{row: "D5", name: "delete a built-in module", r: callReq{call: spec.CallDeleteModule, biz: 2, set: 2, module: 4}, code: 1101098,
			en: "forbidden remove or update built in set or module", zh: "禁止删除或更新内置集群/模块"},
		{row: "D6", name: "delete a module that holds hosts", setup: plainModuleWithHosts, r: callReq{call: spec.CallDeleteModule, biz: 2, set: 3, module: 9}, code: 1101030,
			en: "Having hosts under the target, deleting forbidden", zh: "目标包含主机, 不允许删除"},
		{row: "§11.8", name: "search: bk_set_id not an integer", surfaces: v3Only,
			r: callReq{call: spec.CallSearchModule, biz: 2, set: 3, top: map[string]any{"bk_set_id": "3"}}, code: 1199000,
			en: "Deserializing JSON data failed", zh: "反序列化JSON数据失败"},
		{row: "§11.8", name: "batch: no ids", r: callReq{call: spec.CallFindModuleBatch, biz: 2, top: map[string]any{"bk_ids": []int{}, "fields": []string{"x"}}},
			code: 1199089, en: "the length of array bk_ids is wrong, the length must be in range 1~500", zh: "bk_ids数组长度错误，数组长度必须在1~500之间"},
		{row: "§11.8", name: "batch: no fields", r: callReq{call: spec.CallFindModuleBatch, biz: 2, top: map[string]any{"bk_ids": []int{4}}},
			code: 1199006, en: "'fields' data parameter verification does not pass", zh: "'fields' 数据参数校验不通过"},
		{row: "§11.8", name: "batch: ids not integers", r: callReq{call: spec.CallFindModuleBatch, biz: 2, top: map[string]any{"bk_ids": []string{"4"}, "fields": []string{"x"}}},
			code: 1199000, en: "Deserializing JSON data failed", zh: "反序列化JSON数据失败"},
		{row: "§11.8", name: "batch, IAM off: biz id a word", surfaces: v3Only, cfg: iamOff,
			r:    callReq{call: spec.CallFindModuleBatch, biz: "x", top: map[string]any{"bk_ids": []int{4}, "fields": []string{"x"}}},
			code: 1199006, en: "'bk_biz_id' data parameter verification does not pass", zh: "'bk_biz_id' 数据参数校验不通过"},
		{row: "§11.8", name: "internal modules, IAM off: biz id a word", cfg: iamOff, r: callReq{call: spec.CallGetBizInternalModule, biz: "abc"},
			code: 1101133, en: `strconv.ParseInt: parsing "abc": invalid syntax`},
		{row: "C1", name: "internal modules, IAM on: biz id a word", r: callReq{call: spec.CallGetBizInternalModule, biz: "abc"},
			code: 1199045, en: "no matched rules"},
	}
}

func (r callReq) withBiz(biz any) callReq { r.biz = biz; return r }
func (r callReq) withSet(set any) callReq { r.set = set; return r }

// moduleFidelityCases are the rows of the module calls (reference §11.2-§11.8) in the fidelity
// table: each through both surfaces, both languages and every release.
func moduleFidelityCases() []fidelityCase {
	var out []fidelityCase
	for _, m := range moduleRows() {
		r := m.r
		c := fidelityCase{row: m.row, name: m.name, surfaces: m.surfaces, other: &r, cfg: m.cfg, code: m.code, server: m.server,
			en: m.en, zh: m.zh, wrapped: m.wrapped, kind: kindOf(m.code), perm: m.code == 9900403,
			setup: func(t *testing.T, s *mock.Server, _ req) {
				topologyForModules(t, s)
				if m.setup != nil {
					m.setup(t, s)
				}
			}}
		if m.row == "M4" || m.row == "D2" { // 3.14 looks the set up anew (§11.9)
			c.code314, c.en314, c.zh314 = 1199011, "'bk_set_id' the parameter is invalid or does not exist", "'bk_set_id' 参数无效或不存在"
		}
		out = append(out, c)
	}
	return out
}

// TestTemplateModuleKeepsItsName: a module a service template made keeps its name; a name
// that reads as empty, "" or null, is dropped and the rest of the update goes through
// (reference U8; bk-cmdb src/scene_server/topo_server/logics/inst/module.go:560-568 @111e7ac,
// util.GetStrByInterface reads null as "").
func TestTemplateModuleKeepsItsName(t *testing.T) {
	for _, tc := range []struct {
		name string
		sent any
		code int
	}{
		{"empty", "", 0},
		{"null", nil, 0},
		{"its own name", "nginx", 0},
		{"another name", "web", 1101091},
		{"a number", json.Number("5"), 1101091},
	} {
		for _, surface := range []string{"esb", "v3"} {
			t.Run(tc.name+"/"+surface, func(t *testing.T) {
				s := newServer(t, mock.Config{})
				topologyForModules(t, s)
				r := callReq{call: spec.CallUpdateModule, surface: surface, biz: 1, set: 4, module: 7,
					data: map[string]any{"bk_module_name": tc.sent, "bk_bak_operator": "bob"}}.send(t, s)
				require.Equal(t, tc.code, r.Code, "%s", r.Raw)
				m, ok := s.Store().Module(7)
				require.True(t, ok)
				got := s.Store().ModuleRecord(m)
				assert.Equal(t, "nginx", got["bk_module_name"])
				if tc.code == 0 {
					assert.Equal(t, "bob", got["bk_bak_operator"], "the rest of the update is written")
				}
			})
		}
	}
}

// withCategories is a mock on the default fixtures with one more service category, 9, which
// belongs to business 1.
func withCategories(t testing.TB, cfg mock.Config) *mock.Server {
	return withFixtures(t, cfg, map[string]string{"service_categories.json": `[{"id":1,"name":"Default"},{"id":2,"name":"Default","bk_parent_id":1},
		{"id":9,"name":"game","bk_biz_id":1,"bk_parent_id":1}]`})
}

// kindOf is the envelope of a code's answer: ESB's own, the API server's (IAM), or CMDB's.
func kindOf(code int) envelope {
	switch {
	case spec.LayerOf(code) == spec.LayerESB:
		return esbOwn
	case code == 1199045 || code == 9900403:
		return apiServerAnswer
	}
	return cmdbAnswer
}

// TestModuleModel: search_object_attribute lists the module's name, type, maintainers and
// recorded fields, translated, the maintainers multiple (reference §11.6).
func TestModuleModel(t *testing.T) {
	s := newServer(t, mock.Config{})
	r := v3Call(t, s, http.MethodPost, mock.PathV3SearchObjectAttribute, `{"bk_obj_id":"module"}`)
	require.True(t, r.Result, "%s", r.Raw)
	var attrs []struct {
		ID       string `json:"bk_property_id"`
		Name     string `json:"bk_property_name"`
		Multiple bool   `json:"ismultiple"`
		Obj      string `json:"bk_obj_id"`
	}
	require.NoError(t, json.Unmarshal(r.Keys["data"], &attrs))
	var ids []string
	for _, a := range attrs {
		ids = append(ids, a.ID)
		assert.Equal(t, "module", a.Obj)
		assert.Equal(t, a.ID == "operator" || a.ID == "bk_bak_operator", a.Multiple, a.ID)
	}
	assert.Equal(t, []string{"bk_module_name", "bk_module_type", "operator", "bk_bak_operator", "bk_created_at", "bk_created_by", "bk_updated_at", "bk_updated_by"}, ids)
	assert.Equal(t, "Primary Maintainer", attrs[2].Name)
}

// TestDeepPages: search_set and search_module answer a page of a business's sets or modules in
// the order of their ids from any start, past the 100,000th, on both surfaces and in either
// order, as CMDB answers any start; a page in another order past it is the mock's own refusal.
func TestDeepPages(t *testing.T) {
	const sets = topo.MaxWindow + 100
	s := newServer(t, mock.Config{MaxSets: sets + 100})
	one := []topo.ModuleTemplate{{Name: "a"}}
	for i := range sets {
		_, err := s.Store().Create(topo.Draft{BizID: 2, ParentID: 2, Name: fmt.Sprint("s", i)}, one)
		require.NoError(t, err)
	}
	for _, c := range []struct {
		call        spec.Call
		id, another string
	}{
		{spec.CallSearchSet, "bk_set_id", "bk_set_name"},
		{spec.CallSearchModule, "bk_module_id", "bk_module_name"},
	} {
		page := func(surface string, p map[string]any) (count int64, ids []int64, r reply) {
			r = callReq{call: c.call, surface: surface, biz: 2, top: map[string]any{"page": p}}.send(t, s)
			if !r.Result {
				return 0, nil, r
			}
			count, _ = r.Data["count"].(json.Number).Int64()
			for _, rec := range r.Data["info"].([]any) {
				id, _ := rec.(map[string]any)[c.id].(json.Number).Int64()
				ids = append(ids, id)
			}
			return count, ids, r
		}
		// The business's own come first, then those made here, one id after another.
		count, first, r := page("esb", map[string]any{"start": 0, "limit": 10})
		require.True(t, r.Result, "%s: %s", c.call, r.Raw)
		own := int(count) - sets
		require.Positive(t, own, c.call)
		made := first[own] // the id of the first made here
		byRank := func(rank int) int64 { return made + int64(rank-own) }
		last := int(count) - 1

		for _, surface := range []string{"esb", "v3"} {
			got, ids, r := page(surface, map[string]any{"start": topo.MaxWindow + 50, "limit": 3})
			require.True(t, r.Result, "%s %s: %s", c.call, surface, r.Raw)
			assert.Equal(t, count, got, "%s %s", c.call, surface)
			assert.Equal(t, []int64{byRank(topo.MaxWindow + 50), byRank(topo.MaxWindow + 51), byRank(topo.MaxWindow + 52)}, ids, "%s %s", c.call, surface)

			_, ids, r = page(surface, map[string]any{"start": topo.MaxWindow + 50, "limit": 2, "sort": "-" + c.id})
			require.True(t, r.Result, "%s %s: %s", c.call, surface, r.Raw)
			assert.Equal(t, []int64{byRank(last - topo.MaxWindow - 50), byRank(last - topo.MaxWindow - 51)}, ids, "%s %s", c.call, surface)

			_, _, r = page(surface, map[string]any{"start": topo.MaxWindow + 50, "limit": 2, "sort": c.another})
			assert.Equal(t, 1199999, r.Code, "%s %s: %s", c.call, surface, r.Raw)
		}
	}
}

// TestMaxPageBound: MaxPage reaches no further than topo.MaxWindow, as --max-page does: a
// larger one is refused at start, where search_set answered such pages and search_module refused
// them (and, before 0aafff7, sought them without end). At the bound, a page of as many modules
// from any start is answered.
func TestMaxPageBound(t *testing.T) {
	_, err := mock.New(loadSpec(), defaultFixtures(t), mock.Config{MaxPage: topo.MaxWindow + 1})
	assert.ErrorContains(t, err, fmt.Sprintf("--max-page %d is not from 1 to %d", topo.MaxWindow+1, topo.MaxWindow))

	s := newServer(t, mock.Config{MaxPage: topo.MaxWindow})
	for _, start := range []int{0, 1} {
		r := callReq{call: spec.CallSearchModule, surface: "esb", biz: 2,
			top: map[string]any{"page": map[string]any{"start": start, "limit": topo.MaxWindow}}}.send(t, s)
		require.True(t, r.Result, "start %d: %s", start, r.Raw)
		assert.Len(t, r.Data["info"], 3-start, "the idle set's three modules, from start %d", start)
	}
}

// TestCustomModuleAttributes: module_attributes.json adds custom attributes to the module
// model, as set_attributes.json does to the set's: create_module and update_module check them
// by their type with CMDB's codes, a module's record holds them (null when left out, as CMDB
// fills an int), search_module reads them and search_object_attribute lists them.
func TestCustomModuleAttributes(t *testing.T) {
	s := withFixtures(t, mock.Config{}, map[string]string{"module_attributes.json": `[
		{"id":950,"bk_property_id":"port","bk_property_name":"端口","bk_property_type":"int","option":{"min":"1","max":"65535"},"editable":true},
		{"id":951,"bk_property_id":"proto","bk_property_name":"协议","bk_property_type":"list","option":["tcp","udp"],"editable":true}]`})
	for _, surface := range []string{"esb", "v3"} {
		made := callReq{call: spec.CallCreateModule, biz: 2, set: 2, data: map[string]any{"bk_parent_id": 2, "bk_module_name": surface + "-web", "port": 8080},
			surface: surface, lang: "en"}.send(t, s)
		require.Equal(t, 0, made.Code, "%s", made.Raw)
		assert.Equal(t, json.Number("8080"), made.Data["port"])
		v, held := made.Data["proto"]
		assert.True(t, held, "a custom attribute left out is in the record")
		assert.Nil(t, v)
		for _, tc := range []struct {
			data map[string]any
			code int
			msg  string
		}{
			{map[string]any{"bk_parent_id": 2, "bk_module_name": surface + "-x", "port": 0}, 1199006, "'端口' data parameter verification does not pass"},
			{map[string]any{"bk_parent_id": 2, "bk_module_name": surface + "-x", "proto": "http"}, 1199006, "'协议' data parameter verification does not pass"},
			{map[string]any{"bk_parent_id": 2, "bk_module_name": surface + "-x", "port": "80"}, 1199009, "'端口' parameters must be integral"},
		} {
			r := callReq{call: spec.CallCreateModule, biz: 2, set: 2, data: tc.data, surface: surface, lang: "en"}.send(t, s)
			assert.Equal(t, tc.code, r.Code, "%s %v: %s", surface, tc.data, r.Raw)
			assert.Equal(t, tc.msg, r.Message, "%s %v", surface, tc.data)
		}
		id := made.Data["bk_module_id"]
		r := callReq{call: spec.CallUpdateModule, biz: 2, set: 2, module: id, data: map[string]any{"port": 70000}, surface: surface, lang: "en"}.send(t, s)
		assert.Equal(t, 1199006, r.Code, "%s", r.Raw)
		r = callReq{call: spec.CallUpdateModule, biz: 2, set: 2, module: id, data: map[string]any{"proto": "udp"}, surface: surface, lang: "en"}.send(t, s)
		require.Equal(t, 0, r.Code, "%s", r.Raw)
		found := callReq{call: spec.CallSearchModule, biz: 2, set: 2, top: map[string]any{"fields": []string{"bk_module_name", "port", "proto"},
			"condition": map[string]any{"bk_module_name": surface + "-web"}}, surface: surface, lang: "en"}.send(t, s)
		require.Equal(t, 0, found.Code, "%s", found.Raw)
		assert.JSONEq(t, `{"count":1,"info":[{"bk_module_name":"`+surface+`-web","port":8080,"proto":"udp","default":0}]}`, string(found.Keys["data"]))
	}
	r := v3Call(t, s, http.MethodPost, mock.PathV3SearchObjectAttribute, `{"bk_obj_id":"module","ispre":false}`)
	require.True(t, r.Result, "%s", r.Raw)
	var attrs []map[string]any
	require.NoError(t, json.Unmarshal(r.Keys["data"], &attrs))
	require.Len(t, attrs, 2)
	assert.Equal(t, "port", attrs[0]["bk_property_id"])
	assert.Equal(t, "list", attrs[1]["bk_property_type"])

	// The served document describes them, and stays a valid document.
	doc := servedDocument(t, s)
	assert.Equal(t, float64(65535), *doc.Components.Schemas["ModuleCreateData"].Value.Properties["port"].Value.Max)
	assert.Equal(t, []any{"tcp", "udp"}, doc.Components.Schemas["ModuleFields"].Value.Properties["proto"].Value.Enum)

	// --fill fake fills a module's attributes a client may edit, as a set's, with values their
	// checks pass; an update leaves what it does not name as it was.
	fake := withFixtures(t, mock.Config{Fill: mock.FillFake, Seed: 3}, map[string]string{"module_attributes.json": `[
		{"id":950,"bk_property_id":"port","bk_property_name":"端口","bk_property_type":"int","option":{"min":"1","max":"65535"},"editable":true},
		{"id":951,"bk_property_id":"proto","bk_property_name":"协议","bk_property_type":"list","option":["tcp","udp"],"editable":true}]`})
	made := callReq{call: spec.CallCreateModule, biz: 2, set: 2, data: map[string]any{"bk_parent_id": 2, "bk_module_name": "faked"}, surface: "v3", lang: "en"}.send(t, fake)
	require.Equal(t, 0, made.Code, "%s", made.Raw)
	faked := map[string]any{}
	for _, field := range []string{"port", "proto", "bk_module_type"} {
		require.NotNil(t, made.Data[field], field)
		faked[field] = made.Data[field]
	}
	assert.Contains(t, []any{"tcp", "udp"}, faked["proto"])
	faked["bk_parent_id"], faked["bk_module_name"] = 2, "faked-again"
	again := callReq{call: spec.CallCreateModule, biz: 2, set: 2, data: faked, surface: "v3", lang: "en"}.send(t, s)
	assert.Equal(t, 0, again.Code, "the faked values pass the checks: %s", again.Raw)
	updated := callReq{call: spec.CallUpdateModule, biz: 2, set: 2, module: made.Data["bk_module_id"], data: map[string]any{"proto": "udp"}, surface: "v3", lang: "en"}.send(t, fake)
	require.Equal(t, 0, updated.Code, "%s", updated.Raw)
	found := callReq{call: spec.CallSearchModule, biz: 2, set: 2, top: map[string]any{"fields": []string{"port"},
		"condition": map[string]any{"bk_module_name": "faked"}}, surface: "v3", lang: "en"}.send(t, fake)
	assert.JSONEq(t, fmt.Sprintf(`{"count":1,"info":[{"port":%s,"default":0}]}`, faked["port"]), string(found.Keys["data"]))
}
