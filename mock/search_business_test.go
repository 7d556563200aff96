package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
)

// searchBusiness sends search_business through a surface with the given arguments.
func searchBusiness(t *testing.T, s *mock.Server, surface string, args map[string]any, user string) reply {
	t.Helper()
	if surface == "esb" {
		if user != "" {
			args = with(map[string]any{"bk_username": user}, flatten(args)...)
		}
		return esbCall(t, s, mock.PathESBSearchBusiness, args)
	}
	b, err := json.Marshal(args)
	require.NoError(t, err)
	auth := v3Auth
	if user != "" {
		auth = fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":%q}`, user)
	}
	return sendV3(t, s, http.MethodPost, "/api/v3/biz/search/0", string(b), auth)
}

func flatten(m map[string]any) []any {
	var kv []any
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return kv
}

// TestSearchBusiness holds reference §12.2 on both surfaces: the resource pool never shows,
// strings match as patterns (users as whole members), fields bring default, IAM filters.
func TestSearchBusiness(t *testing.T) {
	s := newServer(t, mock.Config{Now: fixedClock})
	for _, surface := range []string{"esb", "v3"} {
		t.Run(surface, func(t *testing.T) {
			count := func(args map[string]any, user string) json.Number {
				t.Helper()
				r := searchBusiness(t, s, surface, args, user)
				require.True(t, r.Result, "%s", r.Raw)
				return r.Data["count"].(json.Number)
			}
			r := searchBusiness(t, s, surface, map[string]any{}, "")
			require.True(t, r.Result, "%s", r.Raw)
			assert.JSONEq(t, `{"count":1,"info":[{"bk_biz_id":2,"bk_biz_name":"蓝鲸","bk_biz_maintainer":"admin","bk_biz_productor":"",
				"bk_biz_tester":"","bk_biz_developer":"","operator":"","time_zone":"Asia/Shanghai","language":"1","life_cycle":"2",
				"bk_supplier_account":"0","default":0,"create_time":"2022-02-22T20:34:01.386+08:00","last_time":"2022-02-22T20:34:01.386+08:00",
				"bk_created_at":"2022-02-22T20:34:01.386+08:00","bk_updated_at":"2022-02-22T20:34:01.386+08:00"}]}`, string(r.Keys["data"]),
				"the resource pool never shows (default 0 is always added)")
			r = searchBusiness(t, s, surface, map[string]any{"fields": []string{"bk_biz_id", "bk_biz_name"}}, "")
			require.True(t, r.Result, "%s", r.Raw)
			assert.JSONEq(t, `{"count":1,"info":[{"bk_biz_id":2,"bk_biz_name":"蓝鲸","default":0}]}`, string(r.Keys["data"]), "default comes with the fields")

			assert.Equal(t, json.Number("1"), count(map[string]any{"condition": map[string]any{"bk_biz_name": "蓝"}}, ""), "a string is a pattern")
			assert.Equal(t, json.Number("0"), count(map[string]any{"condition": map[string]any{"bk_biz_name": "资源池"}}, ""))
			assert.Equal(t, json.Number("1"), count(map[string]any{"condition": map[string]any{"bk_biz_name": "蓝", "default": 1}}, ""), "default is overwritten")
			assert.Equal(t, json.Number("1"), count(map[string]any{"condition": map[string]any{"bk_biz_maintainer": "admin"}}, ""))
			assert.Equal(t, json.Number("0"), count(map[string]any{"condition": map[string]any{"bk_biz_maintainer": "adm"}}, ""), "users match whole")
			assert.Equal(t, json.Number("0"), count(map[string]any{"condition": map[string]any{"bk_biz_id": "2"}}, ""), "a string id matches nothing")
			assert.Equal(t, json.Number("1"), count(map[string]any{"condition": map[string]any{"bk_biz_id": map[string]any{"$in": []int{1, 2}}}}, ""))
			assert.Equal(t, json.Number("1"), count(map[string]any{"biz_property_filter": map[string]any{"condition": "AND",
				"rules": []any{map[string]any{"field": "bk_biz_name", "operator": "equal", "value": "蓝鲸"}}}}, ""))
			assert.Equal(t, json.Number("1"), count(map[string]any{"biz_property_filter": map[string]any{"condition": "OR",
				"rules": []any{map[string]any{"field": "bk_biz_name", "operator": "equal", "value": "x"}, map[string]any{"field": "bk_biz_id", "operator": "in", "value": []int{2}}}}}, ""))
			assert.Equal(t, json.Number("0"), count(map[string]any{}, "noperm"), "IAM lists no business for a user denied everywhere")
			r = searchBusiness(t, s, surface, map[string]any{"page": map[string]any{"start": 5}}, "")
			require.True(t, r.Result, "%s", r.Raw)
			assert.JSONEq(t, `{"count":1,"info":[]}`, string(r.Keys["data"]), "a start past the end is an empty page")

			for _, tc := range []struct {
				name string
				args map[string]any
				code int
				msg  string
			}{
				{"B1: a string limit", map[string]any{"page": map[string]any{"limit": "10"}}, 1199000, "Deserializing JSON data failed"},
				{"B2: condition and filter", map[string]any{"condition": map[string]any{}, "biz_property_filter": map[string]any{"condition": "AND", "rules": []any{}}}, 1199006,
					"'%s' data parameter verification does not pass"},
				{"B3: $eq a string", map[string]any{"condition": map[string]any{"bk_biz_id": map[string]any{"$eq": "abc"}}}, 1199006, "'%s' data parameter verification does not pass"},
				{"B4: a boolean id", map[string]any{"condition": map[string]any{"bk_biz_id": true}}, 1199006, "'bk_biz_id' data parameter verification does not pass"},
			} {
				r := searchBusiness(t, s, surface, tc.args, "")
				assert.Equal(t, tc.code, r.Code, "%s: %s", tc.name, r.Raw)
				assert.Equal(t, tc.msg, r.Message, tc.name)
			}
		})
	}
	r := esbCall(t, s, mock.PathESBSearchBusiness, map[string]any{"condition": []int{1}})
	assert.Equal(t, 1306000, r.Code)
	assert.Equal(t, "condition [condition] Must be the specified parameter data type dict", r.Message, "§12.1: ESB's form")
	r = esbCall(t, s, mock.PathESBSearchBusiness, map[string]any{"page": []int{}})
	assert.True(t, r.Result, "§12.1: an empty list passes as an empty dict: %s", r.Raw)
	assert.False(t, strings.Contains(string(r.Raw), "资源池"))
}

// TestBusinessModel: search_object_attribute lists the business's model (bk-cmdb
// src/scene_server/admin_server/upgrader/history/v3.0.8/objAttDescData.go, AppRow), its user
// fields multiple as the 3.10 upgrader made every user field, names in the request's language.
func TestBusinessModel(t *testing.T) {
	s := newServer(t, mock.Config{})
	r := v3Call(t, s, http.MethodPost, mock.PathV3SearchObjectAttribute, `{"bk_obj_id":"biz"}`)
	require.True(t, r.Result, "%s", r.Raw)
	var attrs []map[string]any
	require.NoError(t, json.Unmarshal(r.Keys["data"], &attrs))
	byID := map[string]map[string]any{}
	for _, a := range attrs {
		byID[a["bk_property_id"].(string)] = a
	}
	require.Len(t, byID, 13)
	assert.Equal(t, "Business name", byID["bk_biz_name"]["bk_property_name"])
	assert.Equal(t, true, byID["bk_biz_maintainer"]["ismultiple"])
	assert.Equal(t, "timezone", byID["time_zone"]["bk_property_type"])
	assert.JSONEq(t, `[{"id":"1","name":"testing","type":"text","is_default":false},{"id":"2","name":"online","type":"text","is_default":true},
		{"id":"3","name":"offline","type":"text","is_default":false}]`, mustJSON(t, byID["life_cycle"]["option"]))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
