package mock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// sdkCall is a call as the current BlueKing Python SDK makes it: credentials in
// X-Bkapi-Authorization, no Content-Type, the language in blueking-language, and for GET
// components the arguments in the query string (reference §9).
func sdkCall(t *testing.T, h http.Handler, method, component, query, body string) reply {
	t.Helper()
	path := "/api/c/compapi/v2/cc/" + component + "/"
	if query != "" {
		path += "?" + query
	}
	hr := httptest.NewRequest(method, path, strings.NewReader(body))
	hr.Header.Del("Content-Type")
	hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"sops","bk_app_secret":"s3cret","bk_username":"alice"}`)
	hr.Header.Set("blueking-language", "en")
	return send(t, h, hr)
}

// list decodes an answer's data that is a list.
func list(t *testing.T, r reply) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(strings.NewReader(string(r.Keys["data"])))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&out), "%s", r.Raw)
	return out
}

// TestSopsCreateSetPlugin replays bk-sops' cc_create_set plugin: it reads the set model to map
// option names to ids, then creates; sets are removed with batch_delete_set (reference §9).
func TestSopsCreateSetPlugin(t *testing.T) {
	s := newServer(t, mock.Config{})
	attrs := sdkCall(t, s, http.MethodPost, "search_object_attribute", "", `{"bk_obj_id":"set","bk_supplier_account":0}`)
	require.Equal(t, 0, attrs.Code, "%s", attrs.Raw)
	byID := map[string]map[string]any{}
	for _, a := range list(t, attrs) {
		byID[a["bk_property_id"].(string)] = a
	}
	for _, hidden := range []string{"bk_biz_id", "bk_parent_id", "set_template_id", "set_template_version"} {
		assert.NotContains(t, byID, hidden, "system and API attributes are left out")
	}
	require.Contains(t, byID, "bk_set_env")
	assert.Equal(t, "Environment", byID["bk_set_env"]["bk_property_name"])
	envID := map[string]string{}
	for _, o := range byID["bk_set_env"]["option"].([]any) {
		opt := o.(map[string]any)
		envID[opt["name"].(string)] = opt["id"].(string)
	}
	assert.Equal(t, map[string]string{"testing": "1", "experience": "2", "formal": "3"}, envID, "option names in the request's language")
	assert.Equal(t, false, byID["bk_set_name"]["bk_issystem"])
	assert.Equal(t, true, byID["bk_set_name"]["isrequired"])

	var ids []string
	for _, name := range []string{"sops-a", "sops-b"} {
		created := sdkCall(t, s, http.MethodPost, "create_set", "", `{"bk_biz_id":2,"bk_supplier_account":0,"data":{"bk_parent_id":2,"bk_set_name":"`+name+`","bk_set_env":"`+envID["testing"]+`"}}`)
		require.Equal(t, 0, created.Code, "%s", created.Raw)
		ids = append(ids, string(created.Data["bk_set_id"].(json.Number)))
	}
	gone := sdkCall(t, s, http.MethodPost, "batch_delete_set", "", `{"bk_biz_id":2,"bk_supplier_account":0,"delete":{"inst_ids":[`+strings.Join(ids, ",")+`]}}`)
	require.Equal(t, 0, gone.Code, "%s", gone.Raw)
	assert.Equal(t, "null", string(gone.Keys["data"]))
	assert.Equal(t, "null", string(gone.Permission))
	assert.Len(t, s.Store().Sets(), 2, "only the built-in sets are left")

	// A user IAM denies gets the permission to ask for, which the plugin shows.
	hr := httptest.NewRequest(http.MethodPost, "/api/c/compapi/v2/cc/batch_delete_set/", strings.NewReader(`{"bk_biz_id":2,"delete":{"inst_ids":[2]}}`))
	hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"sops","bk_app_secret":"s3cret","bk_username":"noperm"}`)
	denied := send(t, s, hr)
	assert.Equal(t, 9900403, denied.Code)
	assert.Contains(t, string(denied.Permission), `"id":"delete_biz_topology"`)
	assert.Contains(t, string(denied.Permission), `"name":"蓝鲸"`)
}

// TestSopsTextPath replays bk-sops' text-path mode: the SDK sends get_mainline_object_topo and
// search_biz_inst_topo as GET with a query string; the plugin reads names, ids, child and the
// length of the mainline.
func TestSopsTextPath(t *testing.T) {
	s := newServer(t, mock.Config{})
	mainline := sdkCall(t, s, http.MethodGet, "get_mainline_object_topo", "bk_supplier_account=0", "")
	require.Equal(t, 0, mainline.Code, "%s", mainline.Raw)
	objs := list(t, mainline)
	require.Len(t, objs, 4)
	assert.Equal(t, map[string]any{"bk_obj_id": "biz", "bk_obj_name": "Business", "bk_supplier_account": "0",
		"bk_next_obj": "set", "bk_next_name": "Set", "bk_pre_obj_id": "", "bk_pre_obj_name": ""}, objs[0])
	assert.Equal(t, "host", objs[3]["bk_obj_id"])
	assert.Equal(t, "", objs[3]["bk_next_obj"])

	created := req{surface: "esb", biz: 1, data: set("bk_set_name", "web", "set_template_id", 1)}.send(t, s)
	require.Equal(t, 0, created.Code, "%s", created.Raw)
	tree := sdkCall(t, s, http.MethodGet, "search_biz_inst_topo", "bk_biz_id=1&level=-1", "")
	require.Equal(t, 0, tree.Code, "%s", tree.Raw)
	root := list(t, tree)
	require.Len(t, root, 1)
	assert.Equal(t, "resource pool", root[0]["bk_inst_name"], "the core service names the resource pool in the call's language, ESB's English")
	assert.Equal(t, "biz", root[0]["bk_obj_id"])
	sets := root[0]["child"].([]any)
	require.Len(t, sets, 1, "the idle set only with with_default")
	web := sets[0].(map[string]any)
	assert.Equal(t, "web", web["bk_inst_name"])
	assert.Equal(t, json.Number("1"), web["set_template_id"])
	var modules []string
	for _, m := range web["child"].([]any) {
		modules = append(modules, m.(map[string]any)["bk_inst_name"].(string))
		assert.Contains(t, m.(map[string]any), "service_template_id")
	}
	assert.Equal(t, []string{"nginx", "app-server"}, modules, "the set template's modules")
}

// TestTopologyOnV3: the v3 paths of the topology calls, through the gateway's layout; with_default
// shows the idle set and its modules, need_sort sorts by name.
func TestTopologyOnV3(t *testing.T) {
	s := newServer(t, mock.Config{})
	for _, name := range []string{"zeta", "alpha"} {
		require.Equal(t, 0, req{surface: "v3", biz: 2, data: set("bk_set_name", name, "bk_parent_id", 2)}.send(t, s).Code)
	}
	call := func(path, body string) reply {
		hr := httptest.NewRequest(http.MethodPost, "/api/bk-cmdb/prod"+path, strings.NewReader(body))
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		hr.Header.Set("X-Bkapi-Language", "en")
		return send(t, s, hr)
	}
	names := func(r reply) []string {
		var out []string
		for _, c := range list(t, r)[0]["child"].([]any) {
			out = append(out, c.(map[string]any)["bk_inst_name"].(string))
		}
		return out
	}
	assert.Equal(t, []string{"zeta", "alpha"}, names(call("/api/v3/find/topoinst/biz/2", `{}`)))
	assert.Equal(t, []string{"alpha", "zeta"}, names(call("/api/v3/find/topoinst/biz/2?need_sort=true", `{}`)))
	withIdle := call("/api/v3/find/topoinst/biz/2?with_default=1", ``)
	assert.Equal(t, []string{"idle pool", "zeta", "alpha"}, names(withIdle), "the idle pool named in English, as the core service names it")
	idle := list(t, withIdle)[0]["child"].([]any)[0].(map[string]any)
	assert.Equal(t, json.Number("1"), idle["default"])
	assert.Len(t, idle["child"], 3)

	assert.Len(t, list(t, call("/api/v3/find/topomodelmainline", ``)), 4)
	attrs := call("/api/v3/find/objectattr", `{"bk_obj_id":"set","bk_property_id":"bk_capacity"}`)
	require.Len(t, list(t, attrs), 1, "%s", attrs.Raw)
	assert.Equal(t, "Capacity", list(t, attrs)[0]["bk_property_name"])
	assert.Empty(t, list(t, call("/api/v3/find/objectattr", `{"bk_obj_id":"host"}`)), "the mock models sets only")
	unknown := call("/api/v3/find/topoinst/biz/99", `{}`)
	require.Equal(t, 0, unknown.Code, "%s", unknown.Raw)
	assert.Equal(t, "[]", string(unknown.Keys["data"]), "no business, no tree: CMDB's tree of an unknown business is empty")
}

// TestUpdateSet: update_set writes the fields sent over the set, checked as a create checks
// them; built-in sets refuse, missing sets are 1199019 (reference §9).
func TestUpdateSet(t *testing.T) {
	later := fixedClock().Add(90_000_000_000)
	now := fixedClock()
	s := newServer(t, mock.Config{Now: func() time.Time { return now }})
	created := req{surface: "esb", biz: 1, data: set("bk_set_name", "before", "bk_set_desc", "d", "bk_capacity", 5)}.send(t, s)
	require.Equal(t, 0, created.Code)
	id := string(created.Data["bk_set_id"].(json.Number))
	require.Equal(t, 0, req{surface: "esb", biz: 1, data: set("bk_set_name", "taken")}.send(t, s).Code)
	other := req{surface: "esb", biz: 2, data: set("bk_set_name", "other", "bk_parent_id", 2)}.send(t, s)
	require.Equal(t, 0, other.Code, "%s", other.Raw)
	otherID := string(other.Data["bk_set_id"].(json.Number))
	now = later

	update := func(surface string, setID, body string) reply {
		var hr *http.Request
		if surface == "esb" {
			hr = httptest.NewRequest(http.MethodPost, mock.PathESBUpdateSet, strings.NewReader(
				`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"bob","bk_biz_id":1,"bk_set_id":`+setID+`,"data":`+body+`}`))
		} else {
			hr = httptest.NewRequest(http.MethodPut, "/api/v3/set/1/"+setID, strings.NewReader(body))
			hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"s","bk_username":"bob"}`)
			hr.Header.Set("X-Bkapi-Language", "en")
		}
		return send(t, s, hr)
	}
	r := update("esb", id, `{"bk_set_name":" after ","bk_set_desc":"\tnew\n"}`)
	require.Equal(t, 0, r.Code, "%s", r.Raw)
	assert.Equal(t, "null", string(r.Keys["data"]))
	n, _ := strconv.ParseInt(id, 10, 64)
	rec, ok := s.Store().Set(n)
	require.True(t, ok)
	assert.Equal(t, "after", rec["bk_set_name"])
	assert.Equal(t, "new", rec["bk_set_desc"])
	assert.Equal(t, int64(5), rec["bk_capacity"], "fields not sent stay")
	assert.Equal(t, "bob", rec["bk_updated_by"])
	assert.Equal(t, "alice", rec["bk_created_by"])
	assert.Equal(t, "2022-02-22T20:34:01.386+08:00", rec["create_time"])
	assert.Equal(t, "2022-02-22T20:35:31.386+08:00", rec["last_time"])
	assert.Equal(t, rec["last_time"], rec["bk_updated_at"])

	for _, tc := range []struct {
		surface, setID, body string
		code                 int
		msg                  string
	}{
		{"v3", id, `{"bk_capacity":0}`, 1199006, "'设计容量' data parameter verification does not pass"},
		{"v3", id, `{"bk_set_name":"a b"}`, 1199006, "'bk_set_name' data parameter verification does not pass"},
		{"v3", id, `{"bk_set_name":"taken"}`, 1101108, "the same set name exist"},
		{"v3", "1", `{"bk_set_desc":"x"}`, 1101098, "forbidden remove or update built in set or module"},
		// The built-in sets are counted by id alone, before the set is looked up in the business
		// and its fields are read (bk-cmdb src/scene_server/topo_server/service/inst_set.go:122-150,
		// 259-263 @111e7ac).
		{"v3", "1", `{"bk_capacity":"abc"}`, 1101098, "forbidden remove or update built in set or module"},
		{"esb", "2", `{"bk_set_desc":"x"}`, 1101098, "forbidden remove or update built in set or module"}, // set 2 is business 2's idle set
		{"v3", "424242", `{"bk_set_desc":"x"}`, 1199019, "No relevant data found"},
		{"esb", otherID, `{"bk_set_desc":"x"}`, 1199019, "No relevant data found"}, // business 2's
		{"esb", id, `{}`, 1306000, "data [data] This field is required."},
		{"esb", `"x"`, `{"bk_set_desc":"x"}`, 1306000, "set id [bk_set_id] Enter a whole number."},
	} {
		r := update(tc.surface, tc.setID, tc.body)
		assert.Equal(t, tc.code, r.Code, "%s %s: %s", tc.surface, tc.body, r.Raw)
		assert.Equal(t, tc.msg, r.Message)
	}
	// IAM off, the topo server reads the path's ids itself and names them with literal words
	// (bk-cmdb src/scene_server/topo_server/service/inst_set.go:244-256 @111e7ac).
	off := newServer(t, iamOff)
	for path, msg := range map[string]string{
		"/api/v3/set/1/x": "'set id' parameters must be integral",
		"/api/v3/set/x/3": "'business id' parameters must be integral",
	} {
		r := v3Call(t, off, http.MethodPut, path, `{"bk_set_desc":"x"}`)
		assert.Equal(t, 1199009, r.Code, "%s: %s", path, r.Raw)
		assert.Equal(t, msg, r.Message, path)
	}
	// The state file keeps an update's own time.
	var buf bytes.Buffer
	require.NoError(t, s.Store().WriteState(&buf))
	again := newServer(t, mock.Config{})
	require.NoError(t, again.Store().ReadState(&buf))
	back, _ := again.Store().Set(n)
	assert.Equal(t, rec, back)
}

// TestUpdateWritesWhatCMDBKeepsAsSent: an update writes bk_data_status, bk_inst_id, default and
// bk_supplier_account as sent, unchecked, as CMDB's core service writes the keys it does not
// validate on an update (bk-cmdb src/source_controller/coreservice/core/instances/
// instance_validate.go:37-44,392-399 @111e7ac), once the topo server has taken out the ids, the
// parent, the template and metadata (src/scene_server/topo_server/logics/inst/set.go:331-334,
// inst.go:921-926). A set whose default is then not 0 is built in: CMDB counts the built-in sets
// by default != 0 (src/scene_server/topo_server/service/inst_set.go:122-150).
func TestUpdateWritesWhatCMDBKeepsAsSent(t *testing.T) {
	s := newServer(t, mock.Config{})
	ids := map[string]json.Number{} // the sets made, by name
	for _, tc := range []struct {
		name    string
		set     string // its name
		data    map[string]any
		want    map[string]any // fields of the record after the update; nil: absent
		builtIn bool           // a later update is refused, as of a built-in set
	}{
		{name: "status and instance id", set: "status", data: map[string]any{"bk_data_status": "disabled", "bk_inst_id": 7},
			want: map[string]any{"bk_data_status": "disabled", "bk_inst_id": int64(7), "default": int64(0)}},
		{name: "keys taken out first", set: "taken-out", data: map[string]any{"bk_obj_id": "x", "bk_process_id": "p", "bk_biz_id": 9, "bk_parent_id": 9, "metadata": map[string]any{"a": 1}},
			want: map[string]any{"bk_obj_id": nil, "bk_process_id": nil, "bk_biz_id": int64(2), "bk_parent_id": int64(2), "metadata": nil}},
		{name: "default, a number", set: "default-number", data: map[string]any{"default": 1}, want: map[string]any{"default": int64(1)}, builtIn: true},
		{name: "default, digits", set: "default-digits", data: map[string]any{"default": "5"}, want: map[string]any{"default": "5"}, builtIn: true},
		{name: "default, the text 0", set: "default-text", data: map[string]any{"default": "0"}, want: map[string]any{"default": "0"}, builtIn: true},
		{name: "default, the number 0", set: "default-zero", data: map[string]any{"default": 0}, want: map[string]any{"default": int64(0)}},
		{name: "another owner", set: "owner", data: map[string]any{"bk_supplier_account": "tenant"}, want: map[string]any{"bk_supplier_account": "tenant"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			created := req{surface: "v3", biz: 2, data: set("bk_set_name", tc.set, "bk_parent_id", 2)}.send(t, s)
			require.Equal(t, 0, created.Code, "%s", created.Raw)
			id := created.Data["bk_set_id"].(json.Number)
			ids[tc.set] = id
			for _, surface := range []string{"v3", "esb"} {
				r := callReq{call: spec.CallUpdateSet, surface: surface, biz: 2, set: id, data: tc.data}.send(t, s)
				if surface == "esb" && tc.builtIn {
					assert.Equal(t, 1101098, r.Code, "%s", r.Raw) // built in by the first
					continue
				}
				require.Equal(t, 0, r.Code, "%s: %s", surface, r.Raw)
			}
			n, _ := id.Int64()
			rec, ok := s.Store().Set(n)
			require.True(t, ok)
			for k, v := range tc.want {
				if v == nil {
					assert.NotContains(t, rec, k)
					continue
				}
				assert.Equal(t, v, rec[k], k)
			}
			again := callReq{call: spec.CallUpdateSet, surface: "v3", biz: 2, set: id, data: map[string]any{"bk_set_desc": "x"}}.send(t, s)
			assert.Equal(t, map[bool]int{true: 1101098, false: 0}[tc.builtIn], again.Code, "%s", again.Raw)
		})
	}
	// The owner is the record's: a caller of account 0 no longer sees the set, its new owner does.
	search := func(account string) json.Number {
		r := send(t, s, httptest.NewRequest(http.MethodPost, mock.PathESBSearchSet, strings.NewReader(
			`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u","bk_biz_id":2,"bk_supplier_account":"`+account+`","condition":{"bk_set_name":"owner"}}`)))
		require.Equal(t, 0, r.Code, "%s", r.Raw)
		return r.Data["count"].(json.Number)
	}
	assert.Equal(t, json.Number("0"), search("0"))
	assert.Equal(t, json.Number("1"), search("tenant"))
	// A module's update writes the same keys as sent (its default: TestModule's U rows).
	holder := req{surface: "v3", biz: 2, data: set("bk_set_name", "modules", "bk_parent_id", 2)}.send(t, s)
	require.Equal(t, 0, holder.Code, "%s", holder.Raw)
	setID := holder.Data["bk_set_id"]
	m := callReq{call: spec.CallCreateModule, surface: "v3", biz: 2, set: setID, data: map[string]any{"bk_parent_id": setID, "bk_module_name": "kept"}}.send(t, s)
	require.Equal(t, 0, m.Code, "%s", m.Raw)
	mid := m.Data["bk_module_id"].(json.Number)
	r := callReq{call: spec.CallUpdateModule, surface: "esb", biz: 2, set: setID, module: mid,
		data: map[string]any{"bk_data_status": "disabled", "bk_inst_id": 7, "bk_supplier_account": "tenant", "bk_obj_id": "x"}}.send(t, s)
	require.Equal(t, 0, r.Code, "%s", r.Raw)
	id, _ := mid.Int64()
	module, ok := s.Store().Module(id)
	require.True(t, ok)
	assert.Equal(t, "disabled", module.Fields["bk_data_status"])
	assert.Equal(t, int64(7), module.Fields["bk_inst_id"])
	assert.Equal(t, "tenant", module.Fields["bk_supplier_account"])
	assert.NotContains(t, module.Fields, "bk_obj_id")
	// A module's default kept as text, "0" included, is built in too: CMDB counts the built-in
	// modules by default not in [0, 4], the numbers (inst_module.go:176-201 @111e7ac).
	m = callReq{call: spec.CallCreateModule, surface: "v3", biz: 2, set: setID, data: map[string]any{"bk_parent_id": setID, "bk_module_name": "text"}}.send(t, s)
	require.Equal(t, 0, m.Code, "%s", m.Raw)
	mid = m.Data["bk_module_id"].(json.Number)
	r = callReq{call: spec.CallUpdateModule, surface: "v3", biz: 2, set: setID, module: mid, data: map[string]any{"default": "0"}}.send(t, s)
	require.Equal(t, 0, r.Code, "%s", r.Raw)
	found := callReq{call: spec.CallSearchModule, surface: "v3", biz: 2, set: setID, data: map[string]any{"condition": map[string]any{"bk_module_name": "text"}}}.send(t, s)
	require.Equal(t, 0, found.Code, "%s", found.Raw)
	info, _ := found.Data["info"].([]any)
	require.Len(t, info, 1, "%s", found.Raw)
	assert.Equal(t, "0", info[0].(map[string]any)["default"], "stored as sent")
	r = callReq{call: spec.CallUpdateModule, surface: "v3", biz: 2, set: setID, module: mid, data: map[string]any{"bk_module_name": "again"}}.send(t, s)
	assert.Equal(t, 1101098, r.Code, "%s", r.Raw)
	r = callReq{call: spec.CallDeleteModule, surface: "esb", biz: 2, set: setID, module: mid}.send(t, s)
	assert.Equal(t, 1101098, r.Code, "%s", r.Raw)
	// Account "0" sent back makes the set the default owner's again.
	r = callReq{call: spec.CallUpdateSet, surface: "v3", biz: 2, set: ids["owner"], data: map[string]any{"bk_supplier_account": "0"}}.send(t, s)
	require.Equal(t, 0, r.Code, "%s", r.Raw)
	assert.Equal(t, json.Number("1"), search("0"))
}

// TestADefaultOfTextIsBuiltIn: a set stored with a default that is text, "0" included, is built
// in to CMDB, which counts the built-in sets by default != 0, the number (bk-cmdb
// src/scene_server/topo_server/service/inst_set.go:122-150, src/common/definitions.go:938
// @111e7ac): MongoDB's $ne finds a string unequal to any number. Updates and deletes refuse it.
func TestADefaultOfTextIsBuiltIn(t *testing.T) {
	s := newServer(t, mock.Config{})
	created := req{surface: "v3", biz: 2, data: set("bk_set_name", "text-default", "bk_parent_id", 2, "default", "0")}.send(t, s)
	require.Equal(t, 0, created.Code, "%s", created.Raw)
	assert.Equal(t, "0", created.Data["default"], "stored as sent")
	id := created.Data["bk_set_id"].(json.Number)
	update := callReq{call: spec.CallUpdateSet, surface: "v3", biz: 2, set: id, data: map[string]any{"bk_set_desc": "x"}}.send(t, s)
	assert.Equal(t, 1101098, update.Code, "%s", update.Raw)
	del := esbCall(t, s, mock.PathESBDeleteSet, map[string]any{"bk_biz_id": 2, "bk_set_id": id})
	assert.Equal(t, 1101098, del.Code, "%s", del.Raw)
	batch := v3Call(t, s, http.MethodDelete, "/api/v3/set/2/batch", `{"delete":{"inst_ids":[`+string(id)+`]}}`)
	assert.Equal(t, 1101098, batch.Code, "%s", batch.Raw)
	n, _ := id.Int64()
	_, ok := s.Store().Set(n)
	assert.True(t, ok, "still there")
}

// TestBatchDeleteSet: the listed sets go, all or none; an empty or missing list means the whole
// business (reference §9), built-in sets and modules included, as CMDB counts the built-in sets
// among the listed ids alone (bk-cmdb src/scene_server/topo_server/service/inst_set.go:122-150,
// 168-172 @111e7ac, an $in of no ids matching none) and then deletes by the business
// (logics/inst/set.go:261-289), unless a module of it holds hosts (1101030).
func TestBatchDeleteSet(t *testing.T) {
	s := newServer(t, mock.Config{})
	var ids []string
	for _, name := range []string{"b1", "b2", "b3"} {
		r := req{surface: "v3", biz: 2, data: set("bk_set_name", name, "bk_parent_id", 2)}.send(t, s)
		ids = append(ids, string(r.Data["bk_set_id"].(json.Number)))
	}
	call := func(body string) reply {
		hr := httptest.NewRequest(http.MethodDelete, "/api/v3/set/2/batch", strings.NewReader(body))
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		hr.Header.Set("X-Bkapi-Language", "en")
		return send(t, s, hr)
	}
	builtIn := call(`{"delete":{"inst_ids":[` + ids[0] + `,2]}}`)
	assert.Equal(t, 1101098, builtIn.Code)
	assert.Len(t, s.Store().Sets(), 5, "nothing is deleted when one set refuses")
	builtIn = call(`{"delete":{"inst_ids":[` + ids[0] + `,1]}}`)
	assert.Equal(t, 1101098, builtIn.Code, "set 1, business 1's idle set: the ids alone are counted, whatever the business")
	assert.Len(t, s.Store().Sets(), 5, "nothing is deleted when one set refuses")
	assert.Equal(t, 1199000, call(`{"delete":{"inst_ids":["x"]}}`).Code)
	assert.Equal(t, 0, call(`{"delete":{"inst_ids":[`+ids[0]+`,`+ids[1]+`,424242]}}`).Code)
	assert.Len(t, s.Store().Sets(), 3)
	assert.Equal(t, 9900403, req{surface: "esb", biz: 2, creds: map[string]any{"bk_username": "noperm"}, data: set()}.send(t, s).Code)

	// The whole business: refused while a module of it holds hosts, the idle set's included.
	_, err := s.PlaceHosts(context.Background(), 4, 1) // 空闲机 of business 2's idle set
	require.NoError(t, err)
	assert.Equal(t, 1101030, call(`{"delete":{"inst_ids":[]}}`).Code, "an empty list is the whole business")
	assert.Len(t, s.Store().Sets(), 3, "nothing is deleted")
	_, err = s.PlaceHosts(context.Background(), 4, 0)
	require.NoError(t, err)
	for _, body := range []string{`{"delete":{"inst_ids":[]}}`, `{}`} {
		r := call(body)
		assert.Equal(t, 0, r.Code, "%s: %s", body, r.Raw)
		for _, rec := range s.Store().Sets() {
			assert.NotEqual(t, int64(2), rec["bk_biz_id"], "%s: business 2 keeps no set, its idle set %v included", body, rec["bk_set_id"])
		}
		assert.Len(t, s.Store().Sets(), 1, "business 1's idle set stays")
		require.NoError(t, s.Reset())
	}
}

// TestCustomModelAndLevels: a fixtures directory with a custom attribute of each kind and a
// custom mainline level behaves as CMDB does: the attributes are checked with CMDB's codes,
// stored, listed and described; sets hang under the level's nodes (C9, C9b).
func TestCustomModelAndLevels(t *testing.T) {
	fx, err := fixtures.Load(fstest.MapFS{
		"businesses.json": {Data: []byte(zoneBusinesses)},
		"mainline.json":   {Data: []byte(zoneMainline)},
		"set_attributes.json": {Data: []byte(`[
			{"id":900,"bk_property_id":"owner_team","bk_property_name":"负责团队","bk_property_type":"singlechar","option":"^[a-z]+$","isrequired":true,"en":{"bk_property_name":"Owner team"}},
			{"id":901,"bk_property_id":"replicas","bk_property_name":"副本数","bk_property_type":"int","option":{"min":"1","max":"9"}},
			{"id":902,"bk_property_id":"tier","bk_property_name":"层级","bk_property_type":"enum","option":[{"id":"gold","name":"金","type":"text","is_default":true},{"id":"iron","name":"铁","type":"text","is_default":false}]}]`)},
	})
	require.NoError(t, err)
	sp := loadSpec()
	s, err := mock.New(sp, fx, mock.Config{})
	require.NoError(t, err)
	create := func(data map[string]any) reply {
		return req{surface: "v3", lang: "en", biz: 3, data: data}.send(t, s)
	}
	base := func(kv ...any) map[string]any {
		return set(append([]any{"bk_parent_id", 103, "owner_team", "web"}, kv...)...)
	}
	for _, tc := range []struct {
		name string
		data map[string]any
		code int
		msg  string
	}{
		{"a default key under a custom level", base("default", 0), 1199999, "topo Internal Server Error"},
		{"a parent that is the business", base("bk_parent_id", 3), 1199011, "'bk_parent_id' the parameter is invalid or does not exist"},
		{"a node of another business", base("bk_parent_id", 104), 1199011, "'bk_parent_id' the parameter is invalid or does not exist"},
		{"no parent", set("bk_parent_id", nil, "owner_team", "web"), 1199011, "'bk_parent_id' the parameter is invalid or does not exist"},
		{"a required custom attribute absent", set("bk_parent_id", 103), 1199010, "'owner_team' unassigned"},
		{"a custom attribute off its pattern", base("owner_team", "Web"), 1199016, "'负责团队' Field regular check failed"},
		{"a custom attribute empty", base("owner_team", " "), 1199010, "'负责团队' unassigned"},
		{"an int out of bounds", base("replicas", 10), 1199006, "'副本数' data parameter verification does not pass"},
		{"an int as a string", base("replicas", "3"), 1199009, "'副本数' parameters must be integral"},
		{"an enum off its list", base("tier", "wood"), 1199006, "'层级' data parameter verification does not pass"},
	} {
		r := create(tc.data)
		assert.Equal(t, tc.code, r.Code, "%s: %s", tc.name, r.Raw)
		assert.Equal(t, tc.msg, r.Message, tc.name)
	}
	r := create(base("replicas", 3))
	require.Equal(t, 0, r.Code, "%s", r.Raw)
	assert.Equal(t, "web", r.Data["owner_team"])
	assert.Equal(t, json.Number("3"), r.Data["replicas"])
	assert.Equal(t, "gold", r.Data["tier"], "the enum's default option")
	assert.Equal(t, json.Number("103"), r.Data["bk_parent_id"])

	hr := httptest.NewRequest(http.MethodPost, "/api/v3/find/objectattr", strings.NewReader(`{"bk_obj_id":"set","bk_property_id":"owner_team"}`))
	hr.Header.Set("X-Bkapi-Authorization", v3Auth)
	hr.Header.Set("X-Bkapi-Language", "en")
	found := list(t, send(t, s, hr))
	require.Len(t, found, 1)
	assert.Equal(t, "Owner team", found[0]["bk_property_name"])
	assert.Equal(t, false, found[0]["ispre"])
	assert.Equal(t, "^[a-z]+$", found[0]["option"])

	hr = httptest.NewRequest(http.MethodPost, "/api/v3/find/topoinst/biz/3?with_default=true", nil)
	hr.Header.Set("X-Bkapi-Authorization", v3Auth)
	tree := list(t, send(t, s, hr))[0]["child"].([]any)
	require.Len(t, tree, 2, "the idle set under the business, and the zone, by id")
	assert.Equal(t, "空闲机池", tree[0].(map[string]any)["bk_inst_name"])
	zone := tree[1].(map[string]any)
	assert.Equal(t, "zone", zone["bk_obj_id"])
	assert.Equal(t, "web", zone["child"].([]any)[0].(map[string]any)["bk_inst_name"])

	// The served document describes the custom attributes, and stays a valid document.
	// The examples are the published documents' requests, which a model with a required custom
	// attribute refuses: all else must hold.
	doc := servedDocument(t, s, openapi3.DisableExamplesValidation())
	data := doc.Components.Schemas["SetCreateData"].Value
	assert.Contains(t, data.Required, "owner_team")
	assert.Contains(t, data.Properties["owner_team"].Value.Description, "^[a-z]+$")
	assert.Equal(t, float64(9), *data.Properties["replicas"].Value.Max)
	assert.Equal(t, []any{"gold", "iron"}, data.Properties["tier"].Value.Enum)
	assert.Contains(t, doc.Components.Schemas["SetFields"].Value.Properties, "tier")

	hr = httptest.NewRequest(http.MethodPost, "/api/v3/find/topomodelmainline", nil)
	hr.Header.Set("X-Bkapi-Authorization", v3Auth)
	objs := list(t, send(t, s, hr))
	require.Len(t, objs, 5)
	assert.Equal(t, "zone", objs[1]["bk_obj_id"])
	assert.Equal(t, "zone", objs[0]["bk_next_obj"])
	assert.Equal(t, "zone", objs[2]["bk_pre_obj_id"])
}

// TestCustomAttributeTypes: a custom set attribute of each of CMDB's other scalar types is
// checked as CMDB's validator of that type checks it, after TrimSpace, with its codes, and a
// create that leaves it out stores what CMDB fills in (bk-cmdb src/common/metadata/attribute.go:
// 273-297,470-521,565-606,866-924 and src/source_controller/coreservice/core/instances/
// validator_util.go:197-233,319-368 @111e7ac): a float a number or a string of one within its
// bounds, a date "2006-01-02", a list one of its option's strings, a bool true or false (false
// when left out), a time zone CMDB's pattern.
func TestCustomAttributeTypes(t *testing.T) {
	s := withFixtures(t, mock.Config{}, map[string]string{"set_attributes.json": `[
		{"id":900,"bk_property_id":"quota","bk_property_name":"配额","bk_property_type":"float","option":{"min":"0","max":"2.5"}},
		{"id":901,"bk_property_id":"golive","bk_property_name":"上线日期","bk_property_type":"date","option":""},
		{"id":902,"bk_property_id":"region","bk_property_name":"地域","bk_property_type":"list","option":["sh","gz"]},
		{"id":903,"bk_property_id":"canary","bk_property_name":"灰度","bk_property_type":"bool","option":""},
		{"id":904,"bk_property_id":"tz","bk_property_name":"时区","bk_property_type":"timezone","option":""}]`})
	createWithAttributes(t, s, nil, []attributeCase{
		{"a float", []any{"quota", json.Number("1.5")}, 0, ""},
		{"a float as a string", []any{"quota", " 2.5 "}, 0, ""},
		{"a float over its max", []any{"quota", json.Number("2.6")}, 1199006, "'配额' data parameter verification does not pass"},
		{"a float under its min", []any{"quota", json.Number("-1")}, 1199006, "'配额' data parameter verification does not pass"},
		{"a float that is no number", []any{"quota", "many"}, 1199011, "'配额' the parameter is invalid or does not exist"},
		{"a float as a bool", []any{"quota", true}, 1199011, "'配额' the parameter is invalid or does not exist"},
		{"a date", []any{"golive", "2026-12-07"}, 0, ""},
		{"a date with a time", []any{"golive", "2026-12-07 10:00:00"}, 1199006, "'上线日期' data parameter verification does not pass"},
		{"a date as a number", []any{"golive", 20261207}, 1199006, "'上线日期' data parameter verification does not pass"},
		{"a list's value", []any{"region", "gz"}, 0, ""},
		{"a list's value trimmed", []any{"region", " sh\t"}, 0, ""},
		{"off the list", []any{"region", "bj"}, 1199006, "'地域' data parameter verification does not pass"},
		{"a bool", []any{"canary", true}, 0, ""},
		{"a bool as a string", []any{"canary", "true"}, 1199025, "'灰度' must be boolean"},
		{"a bool as a number", []any{"canary", 1}, 1199025, "'灰度' must be boolean"},
		{"a time zone", []any{"tz", "Asia/Shanghai"}, 0, ""},
		{"a time zone with a space", []any{"tz", "Asia/Shang hai"}, 1199024, "'时区' must be a string type"},
		{"an empty time zone", []any{"tz", ""}, 1199024, "'时区' must be a string type"},
		{"null everywhere", []any{"quota", nil, "golive", nil, "region", nil, "canary", nil, "tz", nil}, 0, ""},
	})
	r := req{surface: "v3", biz: 2, data: set("bk_set_name", "left-out")}.send(t, s)
	require.Equal(t, 0, r.Code, "%s", r.Raw)
	for field, want := range map[string]any{"quota": nil, "golive": nil, "region": nil, "canary": false, "tz": nil} {
		v, held := r.Data[field]
		assert.True(t, held, field)
		assert.Equal(t, want, v, "%s left out", field)
	}
	r = req{surface: "v3", biz: 2, data: set("bk_set_name", "stored", "quota", " 2.5 ", "region", " sh ", "canary", true)}.send(t, s)
	require.Equal(t, 0, r.Code, "%s", r.Raw)
	assert.Equal(t, "2.5", r.Data["quota"], "a float sent as a string is stored as one, trimmed")
	assert.Equal(t, "sh", r.Data["region"])
	assert.Equal(t, true, r.Data["canary"])

	// The served document describes them, and stays a valid document.
	props := servedDocument(t, s).Components.Schemas["SetCreateData"].Value.Properties
	assert.Nil(t, props["quota"].Value.Type, "a float may be sent as a string of one")
	assert.Equal(t, []any{"sh", "gz"}, props["region"].Value.Enum)
	assert.True(t, props["canary"].Value.Type.Is("boolean"))
	assert.Equal(t, "date", props["golive"].Value.Format)

	// --fill fake makes values each type's check passes, for the attributes a client may edit.
	fake := withFixtures(t, mock.Config{Fill: mock.FillFake, Seed: 3}, map[string]string{"set_attributes.json": `[
		{"id":900,"bk_property_id":"quota","bk_property_name":"配额","bk_property_type":"float","option":{"min":"0","max":"2.5"},"editable":true},
		{"id":901,"bk_property_id":"golive","bk_property_name":"上线日期","bk_property_type":"date","option":"","editable":true},
		{"id":902,"bk_property_id":"region","bk_property_name":"地域","bk_property_type":"list","option":["sh","gz"],"editable":true},
		{"id":903,"bk_property_id":"canary","bk_property_name":"灰度","bk_property_type":"bool","option":"","editable":true},
		{"id":904,"bk_property_id":"tz","bk_property_name":"时区","bk_property_type":"timezone","option":"","editable":true}]`})
	made := req{surface: "v3", biz: 2, data: set("bk_set_name", "faked")}.send(t, fake)
	require.Equal(t, 0, made.Code, "%s", made.Raw)
	again := map[string]any{}
	for _, field := range []string{"quota", "golive", "region", "canary", "tz"} {
		require.NotNil(t, made.Data[field], field)
		again[field] = made.Data[field]
	}
	again["bk_set_name"] = "faked-again"
	assert.Equal(t, 0, req{surface: "v3", biz: 2, data: set(flatten(again)...)}.send(t, s).Code, "the faked values pass the checks")
}

// TestListAttributes: a custom attribute of type enummulti takes a list of its options' ids as
// CMDB's validEnumMulti checks it (bk-cmdb src/common/metadata/attribute.go:359-439 @111e7ac):
// null, or a list; an empty list unless the attribute is required; one id alone unless it is
// multiple (1199092, whose text names no field, the label after it as Go's fmt writes an argument
// it has no verb for). One of type organization takes a list of numbers as validOrganization
// checks it (attribute.go:925-979): the same, but one id alone or 1199006, and an id that is no
// number 1199011. A create that leaves one out stores the enum's options marked as the default
// (validator_util.go:152-173) or the organization's default (292-317); a search finds a set by
// any of its ids, and sorts by its least or greatest; search_object_attribute translates the
// options' names, the served document describes both, and --fill fake makes values that pass.
func TestListAttributes(t *testing.T) {
	model := `[
		{"id":900,"bk_property_id":"tags","bk_property_name":"标签","bk_property_type":"enummulti","ismultiple":true,"editable":true,
		 "option":[{"id":"a","name":"甲","type":"text","is_default":true},{"id":"b","name":"乙","type":"text","is_default":true},{"id":"c","name":"丙","type":"text"}],
		 "en":{"bk_property_name":"Tags","option":{"a":"A"}}},
		{"id":901,"bk_property_id":"tier","bk_property_name":"等级","bk_property_type":"enummulti","ismultiple":false,"editable":true,
		 "option":[{"id":"gold","name":"金","type":"text"},{"id":"silver","name":"银","type":"text"}]},
		{"id":902,"bk_property_id":"must","bk_property_name":"必选","bk_property_type":"enummulti","ismultiple":true,"isrequired":true,"editable":true,
		 "option":[{"id":"x","name":"X","type":"text"}]},
		{"id":903,"bk_property_id":"dept","bk_property_name":"部门","bk_property_type":"organization","ismultiple":false,"editable":true,"default":[3]},
		{"id":904,"bk_property_id":"depts","bk_property_name":"协作部门","bk_property_type":"organization","ismultiple":true,"editable":true}]`
	s := withFixtures(t, mock.Config{}, map[string]string{"set_attributes.json": model})
	createWithAttributes(t, s, []any{"must", []any{"x"}}, []attributeCase{
		{"several ids", []any{"tags", []any{"a", "c"}}, 0, ""},
		{"no id", []any{"tags", []any{}}, 0, ""},
		{"null", []any{"tags", nil, "tier", nil}, 0, ""},
		{"an id not in a list", []any{"tags", "a"}, 1199006, "'标签' data parameter verification does not pass"},
		{"an id off the options", []any{"tags", []any{"a", "d"}}, 1199006, "'标签' data parameter verification does not pass"},
		{"a number among the ids", []any{"tags", []any{"a", 1}}, 1199006, "'标签' data parameter verification does not pass"},
		{"one id of a single choice", []any{"tier", []any{"gold"}}, 0, ""},
		{"no id of a single choice", []any{"tier", []any{}}, 0, ""},
		{"two ids of a single choice", []any{"tier", []any{"gold", "silver"}}, 1199092,
			"current field type status is single choice, please set reasonable data%!(EXTRA string=等级)"},
		{"no id of a required one", []any{"must", []any{}}, 1199006, "'必选' data parameter verification does not pass"},
		{"null of a required one, which CMDB's check of the required names by its id", []any{"must", nil}, 1199010, "'must' unassigned"},
		{"an organization", []any{"dept", []any{5}, "depts", []any{1, 2, 3}}, 0, ""},
		{"an organization's id with a fraction, a number still", []any{"dept", []any{json.Number("1.5")}}, 0, ""},
		{"no organization", []any{"dept", []any{}, "depts", nil}, 0, ""},
		{"two organizations of a single one", []any{"dept", []any{5, 6}}, 1199006, "'部门' data parameter verification does not pass"},
		{"an organization not in a list", []any{"dept", 5}, 1199006, "'部门' data parameter verification does not pass"},
		{"an organization's id as a string", []any{"depts", []any{1, "2"}}, 1199011, "'协作部门' the parameter is invalid or does not exist"},
	})
	r := req{surface: "v3", biz: 2, data: set("bk_set_name", "left-out", "must", []any{"x"})}.send(t, s)
	require.Equal(t, 0, r.Code, "%s", r.Raw)
	assert.Equal(t, []any{"a", "b"}, r.Data["tags"], "the default options")
	assert.Nil(t, r.Data["tier"], "no default option")
	assert.Equal(t, []any{"x"}, r.Data["must"])
	assert.Equal(t, []any{json.Number("3")}, r.Data["dept"], "the organization's default")
	assert.Nil(t, r.Data["depts"])

	found := sendV3In(t, s, "en", http.MethodPost, "/api/v3/set/search/0/2",
		`{"fields":["bk_set_name"],"condition":{"tags":"c"},"page":{"sort":"bk_set_name"}}`, v3Auth)
	require.True(t, found.Result, "%s", found.Raw)
	assert.JSONEq(t, `{"count":2,"info":[{"bk_set_name":"esb-0","default":0},{"bk_set_name":"v3-0","default":0}]}`, mustJSON(t, found.Data), "a set by one of its ids")
	all := sendV3In(t, s, "en", http.MethodPost, "/api/v3/set/search/0/2",
		`{"fields":["bk_set_name"],"condition":{"tags":{"$all":["a","b"]},"bk_set_name":{"$in":["esb-0","left-out"]}}}`, v3Auth)
	require.True(t, all.Result, "%s", all.Raw)
	assert.JSONEq(t, `{"count":1,"info":[{"bk_set_name":"left-out","default":0}]}`, mustJSON(t, all.Data), "a set by all of two ids")
	for sort, want := range map[string]string{"tags": "esb-1 esb-0 left-out", "-tags": "esb-0 left-out esb-1"} {
		sorted := sendV3In(t, s, "en", http.MethodPost, "/api/v3/set/search/0/2",
			`{"fields":["bk_set_name"],"condition":{"bk_set_name":{"$in":["esb-0","esb-1","left-out"]}},"page":{"sort":"`+sort+`"}}`, v3Auth)
		var names []string
		for _, rec := range sorted.Data["info"].([]any) {
			names = append(names, rec.(map[string]any)["bk_set_name"].(string))
		}
		assert.Equal(t, want, strings.Join(names, " "), "sorted by %s: [a c], [] and [a b], by the least id ascending and the greatest descending", sort)
	}

	attrs := sendV3In(t, s, "en", http.MethodPost, mock.PathV3SearchObjectAttribute, `{"bk_obj_id":"set","bk_property_id":"tags"}`, v3Auth)
	require.Equal(t, 0, attrs.Code, "%s", attrs.Raw)
	var listed []map[string]any
	require.NoError(t, json.Unmarshal(attrs.Keys["data"], &listed))
	require.Len(t, listed, 1)
	assert.Equal(t, "enummulti", listed[0]["bk_property_type"])
	assert.Equal(t, "A", listed[0]["option"].([]any)[0].(map[string]any)["name"], "the option's English name")

	// The examples are the published documents' requests, which a required custom attribute
	// refuses (TestCustomModelAndLevels).
	props := servedDocument(t, s, openapi3.DisableExamplesValidation()).Components.Schemas["SetCreateData"].Value.Properties
	assert.True(t, props["tags"].Value.Type.Is("array"))
	assert.Equal(t, []any{"a", "b", "c"}, props["tags"].Value.Items.Value.Enum)
	assert.Equal(t, uint64(1), *props["tier"].Value.MaxItems, "a single choice")
	assert.Contains(t, props["tags"].Value.Default, "a")
	assert.True(t, props["depts"].Value.Items.Value.Type.Is("number"))
	assert.Equal(t, uint64(1), *props["dept"].Value.MaxItems, "a single organization")

	fake := withFixtures(t, mock.Config{Fill: mock.FillFake, Seed: 3}, map[string]string{"set_attributes.json": model})
	for i := range 5 {
		made := req{surface: "v3", biz: 2, data: set("bk_set_name", fmt.Sprint("faked-", i), "must", []any{"x"})}.send(t, fake)
		require.Equal(t, 0, made.Code, "%s", made.Raw)
		require.NotEmpty(t, made.Data["tags"])
		require.Len(t, made.Data["tier"], 1, "a single choice's fake value is one id")
		require.Len(t, made.Data["dept"], 1, "a single organization's fake value is one id")
		require.NotEmpty(t, made.Data["depts"])
		again := set("bk_set_name", fmt.Sprint("faked-again-", i), "must", []any{"x"}, "tags", made.Data["tags"], "tier", made.Data["tier"],
			"dept", made.Data["dept"], "depts", made.Data["depts"])
		assert.Equal(t, 0, req{surface: "v3", biz: 2, data: again}.send(t, s).Code, "the faked values pass the checks")
	}
}

// TestEveryAttributeTypeMatchesTheDocument: search_object_attribute's answer of a model with a
// custom attribute of every type the mock checks is what the document says CMDB answers.
func TestEveryAttributeTypeMatchesTheDocument(t *testing.T) {
	s := withFixtures(t, mock.Config{}, map[string]string{"set_attributes.json": `[
		{"id":900,"bk_property_id":"quota","bk_property_name":"配额","bk_property_type":"float","option":{"min":"0","max":"2.5"}},
		{"id":901,"bk_property_id":"golive","bk_property_name":"上线日期","bk_property_type":"date","option":""},
		{"id":902,"bk_property_id":"region","bk_property_name":"地域","bk_property_type":"list","option":["sh","gz"]},
		{"id":903,"bk_property_id":"tags","bk_property_name":"标签","bk_property_type":"enummulti","ismultiple":true,"option":[{"id":"a","name":"甲","type":"text"}]},
		{"id":904,"bk_property_id":"dept","bk_property_name":"部门","bk_property_type":"organization","default":[3]}]`})
	sp := loadSpec()
	for op, path := range map[string]string{spec.OpV3SearchObjectAttribute: mock.PathV3SearchObjectAttribute, spec.OpESBSearchObjectAttribute: mock.PathESBSearchObjectAttribute} {
		hr := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u","bk_obj_id":"set"}`))
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.NoError(t, sp.ValidateResponse(context.Background(), op, rec.Code, rec.Header(), rec.Body.Bytes()), op)
	}
}

// attributeCase is a create that sends values of custom attributes, and the code and message it
// is answered (0 and none: it passes).
type attributeCase struct {
	name string
	kv   []any
	code int
	msg  string
}

// createWithAttributes creates a set of each case through each surface in English, named
// "<surface>-<index>", with the base fields and the case's values.
func createWithAttributes(t *testing.T, s http.Handler, base []any, cases []attributeCase) {
	t.Helper()
	for _, surface := range []string{"esb", "v3"} {
		for i, tc := range cases {
			data := set(slices.Concat([]any{"bk_set_name", fmt.Sprintf("%s-%d", surface, i)}, base, tc.kv)...)
			r := req{surface: surface, lang: "en", biz: 2, data: data}.send(t, s)
			assert.Equal(t, tc.code, r.Code, "%s %s: %s", surface, tc.name, r.Raw)
			if tc.code != 0 {
				assert.Equal(t, tc.msg, r.Message, "%s %s", surface, tc.name)
			}
		}
	}
}

// TestCallsMatchTheDocument: the answers of the calls around create_set, successes and
// failures, on both surfaces, are what the served document says.
func TestCallsMatchTheDocument(t *testing.T) {
	sp := loadSpec()
	s := newServer(t, mock.Config{})
	created := req{surface: "v3", biz: 1, data: set("bk_set_name", "doc", "set_template_id", 1)}.send(t, s)
	id := string(created.Data["bk_set_id"].(json.Number))
	esbBody := func(kv string) string {
		return `{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u"` + kv + `}`
	}
	cases := []struct {
		op, method, path, body string
	}{
		{spec.OpESBSearchObjectAttribute, http.MethodPost, mock.PathESBSearchObjectAttribute, esbBody(`,"bk_obj_id":"set"`)},
		{spec.OpV3SearchObjectAttribute, http.MethodPost, mock.PathV3SearchObjectAttribute, `{"bk_obj_id":"set"}`},
		{spec.OpV3SearchObjectAttribute, http.MethodPost, mock.PathV3SearchObjectAttribute, `[`},
		{spec.OpESBGetMainlineObjectTopo, http.MethodPost, mock.PathESBGetMainlineObjectTopo, esbBody(``)},
		{spec.OpV3GetMainlineObjectTopo, http.MethodPost, mock.PathV3GetMainlineObjectTopo, ``},
		{spec.OpESBSearchBizInstTopo, http.MethodPost, mock.PathESBSearchBizInstTopo, esbBody(`,"bk_biz_id":1`)},
		{spec.OpESBSearchBizInstTopo, http.MethodPost, mock.PathESBSearchBizInstTopo, esbBody(``)},
		{spec.OpV3SearchBizInstTopo, http.MethodPost, "/api/v3/find/topoinst/biz/1?with_default=1", ``},
		{spec.OpV3SearchBizInstTopo, http.MethodPost, "/api/v3/find/topoinst/biz/abc", ``},
		{spec.OpESBUpdateSet, http.MethodPost, mock.PathESBUpdateSet, esbBody(`,"bk_biz_id":1,"bk_set_id":` + id + `,"data":{"bk_set_desc":"x"}`)},
		{spec.OpV3UpdateSet, http.MethodPut, "/api/v3/set/1/" + id, `{"bk_capacity":0}`},
		{spec.OpV3UpdateSet, http.MethodPut, "/api/v3/set/1/1", `{"bk_set_desc":"x"}`},
		{spec.OpESBBatchDeleteSet, http.MethodPost, mock.PathESBBatchDeleteSet, esbBody(`,"bk_biz_id":1,"delete":{"inst_ids":[1]}`)},
		{spec.OpV3BatchDeleteSet, http.MethodDelete, "/api/v3/set/1/batch", `{"delete":{"inst_ids":[` + id + `]}}`},
		{spec.OpV3BatchDeleteSet, http.MethodDelete, "/api/v3/set/1/batch", `{"delete":[]}`},
		// The module, business and topology calls: a success and a refusal of each.
		{spec.OpESBCreateModule, http.MethodPost, mock.PathESBCreateModule, esbBody(`,"bk_biz_id":2,"bk_set_id":2,"data":{"bk_parent_id":2,"bk_module_name":"doc-m"}`)},
		{spec.OpESBCreateModule, http.MethodPost, mock.PathESBCreateModule, esbBody(`,"bk_biz_id":2,"bk_set_id":2,"data":{"bk_parent_id":2,"bk_module_name":"doc-m"}`)},
		{spec.OpV3CreateModule, http.MethodPost, "/api/v3/module/2/2", `{"bk_parent_id":2,"bk_module_name":"doc-v3"}`},
		{spec.OpV3CreateModule, http.MethodPost, "/api/v3/module/1/" + id, `{"bk_parent_id":` + id + `,"bk_module_name":"x"}`},
		{spec.OpESBUpdateModule, http.MethodPost, mock.PathESBUpdateModule, esbBody(`,"bk_biz_id":2,"bk_set_id":2,"bk_module_id":4,"data":{}`)},
		{spec.OpV3UpdateModule, http.MethodPut, "/api/v3/module/2/2/4", `{"bk_module_type":"9"}`},
		{spec.OpESBDeleteModule, http.MethodPost, mock.PathESBDeleteModule, esbBody(`,"bk_biz_id":2,"bk_set_id":2,"bk_module_id":999`)},
		{spec.OpV3DeleteModule, http.MethodDelete, "/api/v3/module/2/2/4", ``},
		{spec.OpESBSearchModule, http.MethodPost, mock.PathESBSearchModule, esbBody(`,"bk_biz_id":2,"fields":["bk_module_name"]`)},
		{spec.OpV3SearchModule, http.MethodPost, "/api/v3/module/search/0/2/2", `{"page":{"limit":"x"}}`},
		{spec.OpV3SearchModule, http.MethodPost, "/api/v3/module/search/0/2/0", `{}`},
		{spec.OpESBFindModuleBatch, http.MethodPost, mock.PathESBFindModuleBatch, esbBody(`,"bk_biz_id":2,"bk_ids":[4,5],"fields":["bk_module_name"]`)},
		{spec.OpV3FindModuleBatch, http.MethodPost, "/api/v3/findmany/module/bk_biz_id/2", `{"bk_ids":[]}`},
		{spec.OpESBGetBizInternalModule, http.MethodPost, mock.PathESBGetBizInternalModule, esbBody(`,"bk_biz_id":2`)},
		{spec.OpV3GetBizInternalModule, http.MethodGet, "/api/v3/topo/internal/0/77", ``},
		{spec.OpESBSearchBusiness, http.MethodPost, mock.PathESBSearchBusiness, esbBody(`,"fields":["bk_biz_id","bk_biz_name"]`)},
		{spec.OpV3SearchBusiness, http.MethodPost, "/api/v3/biz/search/0", `{"condition":{"bk_biz_id":true}}`},
		{spec.OpESBFindSetBatch, http.MethodPost, mock.PathESBFindSetBatch, esbBody(`,"bk_biz_id":1,"bk_ids":[1,` + id + `],"fields":["bk_set_name"]`)},
		{spec.OpV3FindSetBatch, http.MethodPost, "/api/v3/findmany/set/bk_biz_id/1", `{"bk_ids":[1]}`},
		{spec.OpESBFindTopoNodePaths, http.MethodPost, mock.PathESBFindTopoNodePaths, esbBody(`,"bk_biz_id":2,"bk_nodes":[{"bk_obj_id":"module","bk_inst_id":4}]`)},
		{spec.OpV3FindTopoNodePaths, http.MethodPost, "/api/v3/cache/find/cache/topo/node_path/biz/2", `{"bk_nodes":[{"bk_obj_id":"biz","bk_inst_id":2}]}`},
		{spec.OpESBCreateInst, http.MethodPost, mock.PathESBCreateInst, esbBody(`,"bk_obj_id":"set","bk_inst_name":"x","bk_parent_id":2,"bk_biz_id":2`)},
		{spec.OpV3CreateInst, http.MethodPost, "/api/v3/create/instance/object/nosuch", `{"bk_inst_name":"x","bk_parent_id":2,"bk_biz_id":2}`},
		{spec.OpESBDeleteInst, http.MethodPost, mock.PathESBDeleteInst, esbBody(`,"bk_obj_id":"set","bk_inst_id":1`)},
		{spec.OpV3DeleteInst, http.MethodDelete, "/api/v3/delete/instance/object/set/inst/1", ``},
	}
	for _, tc := range cases {
		hr := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		if strings.HasPrefix(tc.path, "/api/v3/") {
			hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		assert.NoError(t, sp.ValidateResponse(context.Background(), tc.op, rec.Code, rec.Header(), rec.Body.Bytes()),
			"%s %s %s: %s", tc.method, tc.path, tc.body, rec.Body.String())
	}
	noCreds := httptest.NewRequest(http.MethodPost, mock.PathV3SearchObjectAttribute, strings.NewReader(`{}`))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, noCreds)
	assert.NoError(t, sp.ValidateResponse(context.Background(), spec.OpV3SearchObjectAttribute, rec.Code, rec.Header(), rec.Body.Bytes()), rec.Body.String())
}

// TestCallsTakeHostileInput: every call around create_set answers junk in its envelope, never
// with a 5xx.
func TestCallsTakeHostileInput(t *testing.T) {
	s := newServer(t, mock.Config{})
	routes := []struct{ method, path string }{
		{http.MethodPost, mock.PathESBUpdateSet}, {http.MethodPut, "/api/v3/set/1/3"},
		{http.MethodPost, mock.PathESBBatchDeleteSet}, {http.MethodDelete, "/api/v3/set/1/batch"},
		{http.MethodPost, mock.PathESBSearchObjectAttribute}, {http.MethodPost, mock.PathV3SearchObjectAttribute},
		{http.MethodGet, mock.PathESBGetMainlineObjectTopo}, {http.MethodPost, mock.PathV3GetMainlineObjectTopo},
		{http.MethodGet, mock.PathESBSearchBizInstTopo}, {http.MethodPost, "/api/v3/find/topoinst/biz/1?need_sort=%zz"},
		{http.MethodPost, mock.PathESBCreateModule}, {http.MethodPost, "/api/v3/module/2/2"},
		{http.MethodPost, mock.PathESBUpdateModule}, {http.MethodPut, "/api/v3/module/2/2/4"},
		{http.MethodPost, mock.PathESBDeleteModule}, {http.MethodDelete, "/api/v3/module/2/-1/x"},
		{http.MethodPost, mock.PathESBSearchModule}, {http.MethodPost, "/api/v3/module/search/0/2/99999999999999999999"},
		{http.MethodPost, mock.PathESBFindModuleBatch}, {http.MethodPost, "/api/v3/findmany/module/bk_biz_id/%2e"},
		{http.MethodGet, mock.PathESBGetBizInternalModule}, {http.MethodGet, "/api/v3/topo/internal/0/-2"},
		{http.MethodPost, mock.PathESBSearchBusiness}, {http.MethodPost, "/api/v3/biz/search/0"},
		{http.MethodPost, mock.PathESBFindSetBatch}, {http.MethodPost, "/api/v3/findmany/set/bk_biz_id/1"},
		{http.MethodPost, mock.PathESBFindTopoNodePaths}, {http.MethodPost, "/api/v3/cache/find/cache/topo/node_path/biz/1"},
		{http.MethodPost, mock.PathESBCreateInst}, {http.MethodPost, "/api/v3/create/instance/object/%00"},
		{http.MethodPost, mock.PathESBDeleteInst}, {http.MethodDelete, "/api/v3/delete/instance/object/zone/inst/1"},
	}
	bodies := []string{``, `null`, `[]`, `"x"`, `{`, `{"data":null,"delete":7}`, `{"bk_biz_id":"abc","bk_set_id":[],"data":[]}`,
		`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u","bk_biz_id":2,"bk_set_id":2,"bk_module_id":4,"data":{"bk_module_name":[],"operator":{}},"bk_ids":[1,"x"],"fields":{}}`,
		`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u","bk_biz_id":2,"bk_obj_id":[],"bk_inst_id":{},"bk_nodes":[{"bk_obj_id":7},null],"condition":{"bk_biz_id":{"$in":[{}]}},"biz_property_filter":{"rules":5}}`,
		`{"bk_ids":[` + strings.Repeat("1,", 600) + `1],"fields":["x"],"bk_nodes":"x","page":{"start":-1,"limit":1e9,"sort":7}}`,
		`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u","bk_biz_id":1,"bk_set_id":3,"data":{"bk_set_name":{}},"delete":{"inst_ids":{}}}`,
		`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u","bk_biz_id":99999999999999999999,"bk_obj_id":{"$in":[1]}}`,
		`{"bk_set_name":null,"bk_capacity":"x","delete":{"inst_ids":[1.5]}}`}
	for _, rt := range routes {
		for _, b := range bodies {
			hr := httptest.NewRequest(rt.method, rt.path, strings.NewReader(b))
			if strings.HasPrefix(rt.path, "/api/v3/") {
				hr.Header.Set("X-Bkapi-Authorization", v3Auth)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, hr)
			assertEnvelope(t, rec.Code, rec.Body.Bytes())
		}
	}
}

// TestAnswersHaveTheirLength: an answer is sent whole with its length, however long: a page of
// sets and the set model, longer than the 2 KiB past which net/http would send an answer of no
// stated length in chunks, as a created set.
func TestAnswersHaveTheirLength(t *testing.T) {
	srv := httptest.NewServer(newServer(t, mock.Config{Populate: 100}))
	defer srv.Close()
	for _, tc := range []struct{ name, component, fields string }{
		{"a page of 100 sets", "search_set", `"bk_biz_id":2,"condition":{},"page":{"start":0,"limit":100}`},
		{"the set model", "search_object_attribute", `"bk_obj_id":"set"`},
		{"a created set", "create_set", `"bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"measured"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u",` + tc.fields + `}`
			resp, err := http.Post(srv.URL+"/api/c/compapi/v2/cc/"+tc.component+"/", "application/json", strings.NewReader(body))
			require.NoError(t, err)
			defer resp.Body.Close()
			answer, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Contains(t, string(answer), `"code":0`)
			assert.Empty(t, resp.TransferEncoding, "not in chunks")
			assert.EqualValues(t, len(answer), resp.ContentLength)
		})
	}
}
