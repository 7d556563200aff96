package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
)

// regionServer is a mock whose business 3 has two custom levels, region above zone, with the
// nodes r1 (201) and z1 (202) under it.
func regionServer(t *testing.T, cfg mock.Config) *mock.Server {
	t.Helper()
	fx, err := fixtures.Load(fstest.MapFS{
		"businesses.json": {Data: []byte(`[{"bk_biz_id":3,"bk_biz_name":"game","nodes":[
			{"bk_inst_id":201,"bk_inst_name":"r1","bk_obj_id":"region","bk_parent_id":0},
			{"bk_inst_id":202,"bk_inst_name":"z1","bk_obj_id":"zone","bk_parent_id":201}]},
			{"bk_biz_id":4,"bk_biz_name":"other"}]`)},
		"mainline.json": {Data: []byte(`[{"bk_obj_id":"region","bk_obj_name":"Region"},{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`)},
		"denials.json":  {Data: []byte(`[{"user":"noperm","bk_biz_ids":[]}]`)},
	})
	require.NoError(t, err)
	sp := loadSpec()
	s, err := mock.New(sp, fx, cfg)
	require.NoError(t, err)
	return s
}

// TestCustomLevelInstances holds reference §12.5: create_inst adds a node of a custom level,
// checked as CMDB checks any instance (I1-I7); sets then hang under it; delete_inst removes it
// with everything below.
func TestCustomLevelInstances(t *testing.T) {
	s := regionServer(t, mock.Config{Now: fixedClock})
	create := func(obj, body string) reply {
		return v3Call(t, s, http.MethodPost, "/api/v3/create/instance/object/"+obj, body)
	}

	r := create("region", `{"bk_inst_name":" r2 ","bk_parent_id":3,"bk_biz_id":3,"bk_obj_id":"region"}`)
	require.True(t, r.Result, "%s", r.Raw)
	assert.JSONEq(t, `{"bk_inst_id":203,"bk_inst_name":"r2","bk_obj_id":"region","bk_parent_id":3,"bk_biz_id":3,"bk_supplier_account":"0",
		"create_time":"2022-02-22T20:34:01.386+08:00","last_time":"2022-02-22T20:34:01.386+08:00","bk_created_at":"2022-02-22T20:34:01.386+08:00",
		"bk_updated_at":"2022-02-22T20:34:01.386+08:00","bk_created_by":"u","bk_updated_by":null}`, string(r.Keys["data"]))
	r = create("zone", `{"bk_inst_name":"z2","bk_parent_id":203,"bk_biz_id":3}`)
	require.True(t, r.Result, "%s", r.Raw)
	zone := r.Data["bk_inst_id"].(json.Number)
	r = req{surface: "v3", lang: "en", biz: 3, data: set("bk_parent_id", zone, "bk_set_name", "under-z2")}.send(t, s)
	require.True(t, r.Result, "a set hangs under the new node (C9b): %s", r.Raw)
	setID := r.Data["bk_set_id"].(json.Number)
	r = v3Call(t, s, http.MethodPost, "/api/v3/cache/find/cache/topo/node_path/biz/3", `{"bk_nodes":[{"bk_obj_id":"set","bk_inst_id":`+setID.String()+`}]}`)
	require.True(t, r.Result, "%s", r.Raw)
	assert.Contains(t, string(r.Keys["data"]), `{"bk_obj_id":"region","bk_inst_id":203,"bk_inst_name":"r2"},{"bk_obj_id":"zone","bk_inst_id":`+zone.String())

	r = create("region", `{"bk_inst_name":"r2","bk_parent_id":3,"bk_biz_id":3}`)
	assert.Equal(t, 1199014, r.Code, "I7: %s", r.Raw)
	assert.Equal(t, `duplicated instances exist, fields [ bk_inst_name: "r2", bk_parent_id: 3 ] duplicated`, r.Message)
	r = create("region", `{"bk_inst_name":"r3","bk_parent_id":3,"bk_biz_id":3}`)
	assert.Equal(t, json.Number("206"), r.Data["bk_inst_id"], "a duplicate uses up an id: %s", r.Raw)

	for _, tc := range []struct {
		name, obj, body string
		cfg             mock.Config
		code            int
		msg             string
	}{
		{"I1: not an object", "region", `[1]`, mock.Config{}, 1199000, "Deserializing JSON data failed"},
		{"I2: a built-in model", "set", `{"bk_inst_name":"x","bk_parent_id":3,"bk_biz_id":3}`, mock.Config{}, 1199084, "forbidden operate inner model instance with common instance API"},
		{"I3: IAM off, an unknown model", "nosuch", `{"bk_inst_name":"x","bk_parent_id":3,"bk_biz_id":3}`, iamOff, 1101007, "Query model failed"},
		{"IAM on, an unknown model", "nosuch", `{"bk_inst_name":"x","bk_parent_id":3,"bk_biz_id":3}`, mock.Config{}, 1199045, "no matched rules"},
		{"I4: not a node of the level above", "zone", `{"bk_inst_name":"x","bk_parent_id":999,"bk_biz_id":3}`, mock.Config{}, 1199011, "'bk_parent_id' the parameter is invalid or does not exist"},
		{"I4: a node of another level", "zone", `{"bk_inst_name":"x","bk_parent_id":202,"bk_biz_id":3}`, mock.Config{}, 1199011, "'bk_parent_id' the parameter is invalid or does not exist"},
		{"I5: no such business", "region", `{"bk_inst_name":"x","bk_parent_id":3,"bk_biz_id":77}`, mock.Config{}, 1199011, "'bk_biz_id' the parameter is invalid or does not exist"},
		{"I6: no name", "region", `{"bk_parent_id":3,"bk_biz_id":3}`, mock.Config{}, 1199010, "'bk_inst_name' unassigned"},
		{"I6: a name with a slash", "region", `{"bk_inst_name":"a/b","bk_parent_id":3,"bk_biz_id":3}`, mock.Config{}, 1199006, "'bk_inst_name' data parameter verification does not pass"},
		{"I6: a digit-string parent", "region", `{"bk_inst_name":"x","bk_parent_id":"3","bk_biz_id":3}`, mock.Config{}, 1199006, "'bk_parent_id' data parameter verification does not pass"},
	} {
		r := v3Call(t, regionServer(t, tc.cfg), http.MethodPost, "/api/v3/create/instance/object/"+tc.obj, tc.body)
		assert.Equal(t, tc.code, r.Code, "%s: %s", tc.name, r.Raw)
		assert.Equal(t, tc.msg, r.Message, tc.name)
	}
	r = sendV3(t, s, http.MethodPost, "/api/v3/create/instance/object/region", `{"bk_inst_name":"x","bk_parent_id":3,"bk_biz_id":3}`,
		`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"noperm"}`)
	assert.Equal(t, 9900403, r.Code, "%s", r.Raw)
	assert.Contains(t, string(r.Permission), `"create_biz_topology"`)

	saved := s.Store().Snapshot()
	assert.Len(t, saved.Nodes, 3, "the nodes calls made are saved; the fixtures' are not")

	r = v3Call(t, s, http.MethodDelete, "/api/v3/delete/instance/object/region/inst/203", `{"bk_biz_id":3}`)
	require.True(t, r.Result, "%s", r.Raw)
	_, ok := s.Store().Get(mustInt(t, setID))
	assert.False(t, ok, "the set under the deleted subtree is gone")
	_, ok = s.Store().Node(mustInt(t, zone))
	assert.False(t, ok, "the zone under the deleted region is gone")
	r = v3Call(t, s, http.MethodDelete, "/api/v3/delete/instance/object/region/inst/203", `{"bk_biz_id":3}`)
	assert.True(t, r.Result, "deleting what is gone succeeds: %s", r.Raw)
	r = v3Call(t, s, http.MethodDelete, "/api/v3/delete/instance/object/set/inst/1", ``)
	assert.Equal(t, 1199084, r.Code, "D1: %s", r.Raw)
	r = v3Call(t, regionServer(t, iamOff), http.MethodDelete, "/api/v3/delete/instance/object/region/inst/abc", ``)
	assert.Equal(t, 1199009, r.Code, "%s", r.Raw)
	assert.Equal(t, "'inst id' parameters must be integral", r.Message)

	r = esbCall(t, s, mock.PathESBCreateInst, map[string]any{"bk_inst_name": "e", "bk_parent_id": 3, "bk_biz_id": 3})
	assert.Equal(t, 1306406, r.Code, "%s", r.Raw)
	assert.Equal(t, "Parameters error, param bk_obj_id is required", r.Message)
	r = esbCall(t, s, mock.PathESBDeleteInst, map[string]any{"bk_obj_id": "region", "bk_biz_id": 3})
	assert.Equal(t, "Parameters error, param bk_inst_id is required", r.Message, "%s", r.Raw)
	r = esbCall(t, s, mock.PathESBCreateInst, map[string]any{"bk_obj_id": "region", "bk_inst_name": "esb-r", "bk_parent_id": 3, "bk_biz_id": 3})
	require.True(t, r.Result, "%s", r.Raw)
	assert.Nil(t, r.Data["bk_app_code"], "credentials are not stored")
	assert.Nil(t, r.Data["bk_app_secret"])

	require.NoError(t, s.Store().Restore(saved))
	_, ok = s.Store().Node(mustInt(t, zone))
	assert.True(t, ok, "a saved node comes back")
	require.NoError(t, s.Reset())
	_, ok = s.Store().Node(mustInt(t, zone))
	assert.False(t, ok, "a reset forgets the nodes calls made")
	_, ok = s.Store().Node(202)
	assert.True(t, ok, "and keeps the fixtures'")
}

func mustInt(t *testing.T, n json.Number) int64 {
	t.Helper()
	i, err := n.Int64()
	require.NoError(t, err, fmt.Sprint(n))
	return i
}

// TestTopLevelNodesAreOneKind: a node create_inst makes under the business and one the fixtures
// hold there share CMDB's unique key (bk_inst_name, bk_parent_id = the business), and both show
// in search_biz_inst_topo under the business.
func TestTopLevelNodesAreOneKind(t *testing.T) {
	s := regionServer(t, mock.Config{})
	r := v3Call(t, s, http.MethodPost, "/api/v3/create/instance/object/region", `{"bk_inst_name":"r1","bk_parent_id":3,"bk_biz_id":3}`)
	assert.Equal(t, 1199014, r.Code, "the fixtures' r1 hangs under business 3 too: %s", r.Raw)
	r = v3Call(t, s, http.MethodPost, "/api/v3/create/instance/object/region", `{"bk_inst_name":"r9","bk_parent_id":3,"bk_biz_id":3}`)
	require.True(t, r.Result, "%s", r.Raw)
	r = v3Call(t, s, http.MethodPost, "/api/v3/find/topoinst/biz/3", ``)
	require.True(t, r.Result, "%s", r.Raw)
	var tree []struct {
		Child []struct {
			Name string `json:"bk_inst_name"`
		} `json:"child"`
	}
	require.NoError(t, json.Unmarshal(r.Keys["data"], &tree))
	var names []string
	for _, c := range tree[0].Child {
		names = append(names, c.Name)
	}
	assert.ElementsMatch(t, []string{"r1", "r9"}, names, "both regions hang under the business")
}

// TestCustomLevelAttributes: level_attributes.json adds custom attributes to the custom levels'
// model, as set_attributes.json does to the set's: create_inst checks them by their type with
// CMDB's codes and holds them in the node's record (null when left out), search_object_attribute
// lists them for each level, and the served document describes them.
func TestCustomLevelAttributes(t *testing.T) {
	fx, err := fixtures.Load(fstest.MapFS{
		"businesses.json": {Data: []byte(`[{"bk_biz_id":3,"bk_biz_name":"game"}]`)},
		"mainline.json":   {Data: []byte(`[{"bk_obj_id":"region","bk_obj_name":"Region"},{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`)},
		"level_attributes.json": {Data: []byte(`[
			{"id":970,"bk_property_id":"idc","bk_property_name":"机房","bk_property_type":"singlechar","option":"^[a-z]+$","editable":true},
			{"id":971,"bk_property_id":"racks","bk_property_name":"机架数","bk_property_type":"int","option":{"min":"0","max":"100"},"editable":true}]`)},
	})
	require.NoError(t, err)
	s, err := mock.New(loadSpec(), fx, mock.Config{})
	require.NoError(t, err)
	create := func(obj, body string) reply {
		return v3Call(t, s, http.MethodPost, "/api/v3/create/instance/object/"+obj, body)
	}
	r := create("region", `{"bk_inst_name":"r1","bk_parent_id":3,"bk_biz_id":3,"idc":"sh","racks":12}`)
	require.True(t, r.Result, "%s", r.Raw)
	assert.Equal(t, "sh", r.Data["idc"])
	assert.Equal(t, json.Number("12"), r.Data["racks"])
	region := r.Data["bk_inst_id"].(json.Number)
	r = create("zone", `{"bk_inst_name":"z1","bk_parent_id":`+region.String()+`,"bk_biz_id":3}`)
	require.True(t, r.Result, "%s", r.Raw)
	racks, held := r.Data["racks"]
	assert.True(t, held, "a custom attribute left out is in the record")
	assert.Nil(t, racks)
	assert.Equal(t, "", r.Data["idc"], "as CMDB fills a string in")
	for _, tc := range []struct {
		body string
		code int
		msg  string
	}{
		{`"idc":"SH"`, 1199016, "'机房' Field regular check failed"},
		{`"racks":101`, 1199006, "'机架数' data parameter verification does not pass"},
		{`"racks":"5"`, 1199009, "'机架数' parameters must be integral"},
	} {
		r := create("region", `{"bk_inst_name":"r2","bk_parent_id":3,"bk_biz_id":3,`+tc.body+`}`)
		assert.Equal(t, tc.code, r.Code, "%s: %s", tc.body, r.Raw)
		assert.Equal(t, tc.msg, r.Message, tc.body)
	}

	r = v3Call(t, s, http.MethodPost, mock.PathV3SearchObjectAttribute, `{"bk_property_id":"racks"}`)
	require.True(t, r.Result, "%s", r.Raw)
	var attrs []map[string]any
	require.NoError(t, json.Unmarshal(r.Keys["data"], &attrs))
	require.Len(t, attrs, 2, "one a level")
	assert.Equal(t, "region", attrs[0]["bk_obj_id"])
	assert.Equal(t, "zone", attrs[1]["bk_obj_id"])
	assert.Equal(t, false, attrs[0]["ispre"])
	assert.NotEqual(t, attrs[0]["id"], attrs[1]["id"])

	doc := servedDocument(t, s)
	assert.Equal(t, float64(100), *doc.Components.Schemas["InstanceCreateData"].Value.Properties["racks"].Value.Max)
	assert.NotNil(t, doc.Components.Schemas["InstanceRecord"].Value.Properties["idc"])
}
