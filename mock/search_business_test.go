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
				// GetInt64ByInterface reads a number with json.Number's Int64: no fraction, no exponent.
				{"B4: 2.0", map[string]any{"condition": map[string]any{"bk_biz_id": json.Number("2.0")}}, 1199006, "'bk_biz_id' data parameter verification does not pass"},
				{"B4: 2e0", map[string]any{"condition": map[string]any{"bk_biz_id": json.Number("2e0")}}, 1199006, "'bk_biz_id' data parameter verification does not pass"},
				{"B3: $eq 2.0", map[string]any{"condition": map[string]any{"bk_biz_id": map[string]any{"$eq": json.Number("2.0")}}}, 1199006, "'%s' data parameter verification does not pass"},
				{"B3: $in with 2.5", map[string]any{"condition": map[string]any{"bk_biz_id": map[string]any{"$in": []any{2, json.Number("2.5")}}}}, 1199006, "'%s' data parameter verification does not pass"},
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

// TestBizPropertyFilter: search_business reads biz_property_filter as CMDB's querybuilder does
// (reference §12.2 B5; bk-cmdb src/common/querybuilder @111e7ac): a group at the top, its
// operators turned into MongoDB's (contains case aside, not_contains not; is_empty a test
// against []), 1199006 naming the key of the first rule its checks refuse, then its depth; a
// filter it cannot decode is 1199000.
func TestBizPropertyFilter(t *testing.T) {
	s := newServer(t, mock.Config{Now: fixedClock}) // one business to see: 蓝鲸, maintained by admin, made 2022-02-22T20:34:01.386+08:00
	atom := func(field, op string, value any) map[string]any {
		return map[string]any{"field": field, "operator": op, "value": value}
	}
	and := func(rules ...any) map[string]any { return map[string]any{"condition": "AND", "rules": rules} }
	for _, surface := range []string{"esb", "v3"} {
		t.Run(surface, func(t *testing.T) {
			search := func(filter any) reply {
				t.Helper()
				return searchBusiness(t, s, surface, map[string]any{"biz_property_filter": filter}, "")
			}
			for _, tc := range []struct {
				filter any
				want   json.Number
			}{
				{and(atom("bk_biz_maintainer", "contains", "ADM")), "1"},
				{and(atom("bk_biz_maintainer", "not_contains", "adm")), "0"},
				{and(atom("bk_biz_maintainer", "not_contains", "ADM")), "1"},
				{and(atom("bk_biz_maintainer", "begins_with", "ad")), "1"},
				{and(atom("bk_biz_maintainer", "begins_with", "AD")), "0"},
				{and(atom("bk_biz_maintainer", "ends_with", "min")), "1"},
				{and(atom("bk_biz_maintainer", "not_ends_with", "min")), "0"},
				{and(atom("bk_biz_maintainer", "not_begins_with", "x")), "1"},
				{and(atom("bk_biz_id", "greater", 1)), "1"},
				{and(atom("bk_biz_id", "less", 2)), "0"},
				{and(atom("bk_biz_id", "in", []any{})), "0"},
				{and(atom("create_time", "datetime_greater", "2022-02-22 20:34:00")), "1"},
				{and(atom("create_time", "datetime_less", "2022-02-22 20:34:00")), "0"},
				{and(atom("create_time", "datetime_less", "2030-01-01")), "0"}, // a date alone stays a string
				{and(atom("bk_biz_tester", "is_empty", nil)), "0"},
				{and(atom("bk_biz_tester", "is_not_empty", nil)), "1"},
				{and(atom("nope", "is_null", nil)), "1"},
				{and(atom("bk_biz_name", "is_not_null", nil)), "1"},
				{and(atom("bk_biz_name", "exist", nil)), "1"},
				{and(atom("bk_biz_name", "not_exist", nil)), "0"},
				{and(map[string]any{"condition": "OR", "rules": []any{atom("bk_biz_id", "equal", 9), atom("bk_biz_name", "equal", "蓝鲸")}}), "1"},
				{map[string]any{"condition": "AND", "rules": []any{nil, atom("bk_biz_id", "equal", 2)}}, "1"}, // a null rule is left out
			} {
				r := search(tc.filter)
				require.True(t, r.Result, "%v: %s", tc.filter, r.Raw)
				assert.Equal(t, tc.want, r.Data["count"], "%v", tc.filter)
			}

			or21 := make([]any, 21)
			for i := range or21 {
				or21[i] = atom("bk_biz_id", "equal", i)
			}
			in501 := make([]any, 501)
			for i := range in501 {
				in501[i] = i
			}
			for _, tc := range []struct {
				filter any
				key    string
			}{
				{atom("bk_biz_id", "equal", 2), ""}, // not a group
				{map[string]any{"condition": "and", "rules": []any{atom("bk_biz_id", "equal", 2)}}, "condition"},
				{and(), "rules"},
				{map[string]any{"condition": "OR", "rules": or21}, "rules"},
				{and(atom("bk_biz_id", "like", 2)), "rules[0].operator"},
				{and(atom("bk_biz_id", "equal", 2), atom("-x", "equal", 2)), "rules[1].field"},
				{and(atom("", "equal", 2)), "rules[0].field"},
				{and(atom("bk_biz_id", "equal", nil)), "rules[0].value"},
				{and(atom("bk_biz_id", "in", []any{1, "1"})), "rules[0].value"},
				{and(atom("bk_biz_id", "in", in501)), "rules[0].value"},
				{and(atom("bk_biz_id", "less", "2")), "rules[0].value"},
				{and(atom("create_time", "datetime_less", "yesterday")), "rules[0].value"},
				{and(atom("bk_biz_name", "contains", "")), "rules[0].value"},
				{and(and(atom("bk_biz_id", "equal", 2), atom("bk_biz_id", "like", 2))), "rules[0].rules[1].operator"},
			} {
				r := search(tc.filter)
				assert.Equal(t, 1199006, r.Code, "%v: %s", tc.filter, r.Raw)
				assert.Equal(t, "'biz.property."+tc.key+"' data parameter verification does not pass", r.Message, "%v", tc.filter)
			}
			r := search(and(and(and(atom("bk_biz_id", "equal", 2)))))
			assert.Equal(t, 1199006, r.Code, "%s", r.Raw)
			assert.Equal(t, "'exceed max query condition deepth: 3' data parameter verification does not pass", r.Message)

			for _, f := range []any{map[string]any{}, map[string]any{"condition": 5}, map[string]any{"condition": "AND", "rules": 5},
				map[string]any{"condition": "AND", "rules": []any{5}}, map[string]any{"field": "bk_biz_id"}, map[string]any{"operator": 5}} {
				r := search(f)
				assert.Equal(t, 1199000, r.Code, "%v: %s", f, r.Raw)
				assert.Equal(t, "Deserializing JSON data failed", r.Message, "%v", f)
			}
		})
	}
	// A filter of null: none on v3; ESB's form forwards it as {}, which CMDB cannot decode.
	r := searchBusiness(t, s, "v3", map[string]any{"biz_property_filter": nil}, "")
	require.True(t, r.Result, "%s", r.Raw)
	r = searchBusiness(t, s, "esb", map[string]any{"biz_property_filter": nil}, "")
	assert.Equal(t, 1199000, r.Code, "%s", r.Raw)
}

// TestSearchBusinessPatterns holds how CMDB turns a condition's strings into MongoDB patterns
// (bk-cmdb src/scene_server/topo_server/service/inst_business.go:518-558 and
// src/common/paraparse/app.go:103-118 @111e7ac): only . ( ) \ | [ ] * { } ^ $ ? are escaped, so a
// + is MongoDB's (PCRE's) own, possessive when doubled, and a pattern MongoDB cannot compile
// fails the search with 1199998; the user fields are every objuser attribute of the business's
// model, bk_created_by included, and a user list is trimmed of commas before it is split.
func TestSearchBusinessPatterns(t *testing.T) {
	s := withFixtures(t, mock.Config{}, map[string]string{"businesses.json": `[
		{"bk_biz_id":1,"bk_biz_name":"资源池","default":1,"fields":{"bk_biz_maintainer":"admin"}},
		{"bk_biz_id":2,"bk_biz_name":"C++ 平台","fields":{"bk_biz_maintainer":"bob,admin","bk_created_by":"admin"}},
		{"bk_biz_id":3,"bk_biz_name":"aab","fields":{"bk_biz_maintainer":"carol","bk_created_by":"carol"}},
		{"bk_biz_id":4,"bk_biz_name":"a+b","fields":{"bk_biz_maintainer":"admin"}},
		{"bk_biz_id":5,"bk_biz_name":"v1.2","fields":{"bk_biz_maintainer":"dave"}},
		{"bk_biz_id":6,"bk_biz_name":"cloud"}]`})
	for _, surface := range []string{"esb", "v3"} {
		for _, tc := range []struct {
			cond map[string]any
			ids  string // the businesses found, in id order
		}{
			{map[string]any{"bk_biz_name": "a+b"}, "[3]"},   // a+ then b: "a+b" holds no "ab"
			{map[string]any{"bk_biz_name": "AAB"}, "[3]"},   // without case
			{map[string]any{"bk_biz_name": "C++"}, "[2 6]"}, // a possessive c+: every name with a c
			{map[string]any{"bk_biz_name": "a++b"}, "[3]"},  // a possessive a+ before b
			{map[string]any{"bk_biz_name": "a++a"}, "[]"},   // a possessive a+ leaves no a to follow it
			{map[string]any{"bk_biz_name": "a++"}, "[3 4]"}, // possessive at the end: as greedy
			{map[string]any{"bk_biz_name": "."}, "[5]"},     // escaped
			{map[string]any{"bk_biz_name": "1.2"}, "[5]"},
			{map[string]any{"bk_created_by": "admin"}, "[2]"},
			{map[string]any{"bk_created_by": "adm"}, "[]"}, // a user field: whole members only
			{map[string]any{"bk_biz_maintainer": "admin,"}, "[2 4]"},
			{map[string]any{"bk_biz_maintainer": ",bob,admin"}, "[2]"},
			{map[string]any{"bk_biz_maintainer": "ADMIN"}, "[]"}, // users keep their case
		} {
			r := searchBusiness(t, s, surface, map[string]any{"condition": tc.cond, "fields": []string{"bk_biz_id"},
				"page": map[string]any{"sort": "bk_biz_id"}}, "")
			require.True(t, r.Result, "%s %v: %s", surface, tc.cond, r.Raw)
			var ids []json.Number
			for _, rec := range r.Data["info"].([]any) {
				ids = append(ids, rec.(map[string]any)["bk_biz_id"].(json.Number))
			}
			assert.Equal(t, tc.ids, fmt.Sprint(ids), "%s %v", surface, tc.cond)
		}
		for _, name := range []string{"+", "+C", "a+++", "++"} {
			r := searchBusiness(t, s, surface, map[string]any{"condition": map[string]any{"bk_biz_name": name}}, "")
			assert.Equal(t, 1199998, r.Code, "%s %q: MongoDB refuses the pattern: %s", surface, name, r.Raw)
			assert.Equal(t, "Unknown or unrecognized error", r.Message, "%s %q", surface, name)
		}
	}
}

// TestSearchBusinessLongPattern: a condition string whose pattern is longer than the store
// reads is refused as the store refuses any such pattern, and no larger one is compiled.
func TestSearchBusinessLongPattern(t *testing.T) {
	s := newServer(t, mock.Config{})
	for _, name := range []string{strings.Repeat("a.\\", 2000), strings.Repeat("x", 5000)} {
		r := searchBusiness(t, s, "v3", map[string]any{"condition": map[string]any{"bk_biz_name": name}}, "")
		assert.Equal(t, 1199006, r.Code, "%s", r.Raw)
		assert.Equal(t, "'condition' data parameter verification does not pass", r.Message)
	}
}

// TestCustomBusinessAttributes: biz_attributes.json adds custom attributes to the business
// model: search_object_attribute lists them, and a custom objuser attribute is a user field of
// search_business's condition, as CMDB reads the user fields from the model
// (bk-cmdb src/scene_server/topo_server/service/inst_business.go:578-596 @111e7ac).
func TestCustomBusinessAttributes(t *testing.T) {
	s := withFixtures(t, mock.Config{}, map[string]string{
		"biz_attributes.json": `[{"id":960,"bk_property_id":"bk_oper","bk_property_name":"运维","bk_property_type":"objuser","ismultiple":true,"option":""}]`,
		"businesses.json": `[{"bk_biz_id":1,"bk_biz_name":"资源池","default":1},
			{"bk_biz_id":2,"bk_biz_name":"蓝鲸","fields":{"bk_oper":"bob,alice"}}]`})
	count := func(cond map[string]any) json.Number {
		t.Helper()
		r := searchBusiness(t, s, "v3", map[string]any{"condition": cond}, "")
		require.True(t, r.Result, "%s", r.Raw)
		return r.Data["count"].(json.Number)
	}
	assert.Equal(t, json.Number("1"), count(map[string]any{"bk_oper": "alice"}))
	assert.Equal(t, json.Number("0"), count(map[string]any{"bk_oper": "ali"}), "a user field: whole members only")
	r := v3Call(t, s, http.MethodPost, mock.PathV3SearchObjectAttribute, `{"bk_obj_id":"biz","bk_property_id":"bk_oper"}`)
	require.True(t, r.Result, "%s", r.Raw)
	var attrs []map[string]any
	require.NoError(t, json.Unmarshal(r.Keys["data"], &attrs))
	require.Len(t, attrs, 1)
	assert.Equal(t, false, attrs[0]["ispre"])
}
