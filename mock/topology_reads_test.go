package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
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
	sp, err := loadSpec()
	require.NoError(t, err)
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
