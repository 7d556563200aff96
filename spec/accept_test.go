package spec

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accept is the whole compiled check, as a call that creates takes it.
func (c checked) accept(value any) bool { return c.whole()(value) }

func decodeNumbers(t testing.TB, s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

func kinAccepts(s *openapi3.Schema, v any) bool {
	return s.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsRequest()) == nil
}

// acceptCases are bodies for the ESB schema; data alone goes through the v3 schema.
var acceptCases = []struct {
	body string
	fast bool // the compiled check must take the fast path for it
}{
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"web"}}`, true},
	{`{"bk_app_code":"esb_test","bk_app_secret":"xxx","bk_username":"xxx","bk_token":"xxx","bk_supplier_account":"123456789","bk_biz_id":1,
	  "data":{"bk_parent_id":1,"bk_set_name":"test-set","default":0,"bk_set_desc":"test-set","bk_capacity":1000,"description":"description","set_template_id":1}}`, true},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":"3","data":{"bk_parent_id":7,"bk_set_name":"集群","bk_capacity":null,"bk_set_env":"1","extra":[1,{}]}}`, true},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"😀x","bk_service_status":"2","default":"-3"}}`, true},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1.0,"data":{"bk_parent_id":1,"bk_set_name":"x"}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1e3,"data":{"bk_parent_id":1,"bk_set_name":"x"}}`, false},
	{`{"bk_app_code":"","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"x"}}`, false},
	{`{"bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"x"}}`, true}, // credentials may come in the header: the mock checks them, not the spec
	{`{"bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":" x "}}`, true},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":"abc","data":{"bk_parent_id":1,"bk_set_name":"x"}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":true,"data":{"bk_parent_id":1,"bk_set_name":"x"}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":0,"bk_set_name":"x"}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"a b"}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":""}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":null}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"x","bk_capacity":0}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"x","bk_capacity":2.5}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"x","bk_capacity":"9"}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"x","bk_set_env":3}}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"x","bk_set_desc":null}}`, true}, // CMDB stores null
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":[]}`, false},
	{`{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":"x"}`, false},
	{`[]`, false},
	{`null`, false},
}

// dataCases are the fields of a module and of a custom level's node, as a v3 create sends them.
var dataCases = []struct {
	object, body string
	fast         bool // the compiled check must take the fast path for it
}{
	{ObjectModule, `{"bk_parent_id":2,"bk_module_name":"m"}`, true},
	{ObjectModule, `{"bk_parent_id":2,"bk_module_name":" 模块 ","bk_module_type":"2","operator":"a,b","bk_bak_operator":null,"extra":[1]}`, true},
	{ObjectModule, `{"bk_parent_id":2,"bk_module_name":"a b"}`, false},
	{ObjectModule, `{"bk_parent_id":2,"bk_module_name":"m","bk_module_type":"3"}`, false},
	{ObjectModule, `{"bk_parent_id":"2","bk_module_name":"m"}`, false},
	{ObjectModule, `{"bk_parent_id":2.5,"bk_module_name":"m"}`, false},
	{ObjectModule, `{"bk_module_name":"m"}`, false},
	{ObjectModule, `[]`, false},
	{ObjectLevel, `{"bk_parent_id":2,"bk_inst_name":"zone-1","bk_biz_id":2}`, true},
	{ObjectLevel, `{"bk_parent_id":0,"bk_inst_name":"zone-1"}`, false},
	{ObjectLevel, `{"bk_parent_id":2,"bk_inst_name":""}`, false},
	{ObjectLevel, `{"bk_parent_id":2,"bk_inst_name":"a/b"}`, false},
}

// onlyMissing reports whether kin-openapi finds nothing in v but fields left out.
func onlyMissing(s *openapi3.Schema, v any) bool {
	var vs Violations
	if err := s.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
		flatten(err, &vs)
	}
	return !slices.ContainsFunc(vs, func(v Violation) bool { return v.Keyword != "required" })
}

// updateCases are what an update sends: an ESB body, or an object's fields.
var updateCases = []struct {
	object, body string // object "": an ESB body
	fast         bool   // the partial check must take the fast path for it
}{
	{"", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"bk_set_id":3,"data":{"bk_set_desc":"x"}}`, true},
	{"", `{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"bk_set_id":3}`, true}, // a delete
	{"", `{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":{"bk_set_name":"a b"}}`, false},
	{"", `{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":1,"data":[]}`, false},
	{ObjectSet, `{"bk_set_desc":"changed"}`, true},
	{ObjectSet, `{"bk_set_name":" 集群 ","bk_capacity":9}`, true},
	{ObjectSet, `{"bk_set_name":"a b"}`, false},
	{ObjectSet, `{"bk_capacity":"9"}`, false},
	{ObjectModule, `{"bk_module_name":"m2"}`, true},
	{ObjectModule, `{"bk_module_type":"3"}`, false},
	{ObjectLevel, `{"bk_inst_name":"zone-2"}`, true},
}

// TestPartialChecksFindWhatKinFinds: what a partial check accepts, kin-openapi finds nothing in
// but fields left out, and an update with nothing else wrong does take the fast path.
func TestPartialChecksFindWhatKinFinds(t *testing.T) {
	s := Load(context.Background())
	for _, tc := range updateCases {
		v, ok := decodeNumbers(t, tc.body)
		require.True(t, ok, tc.body)
		schema, got := s.esbRequest, s.CheckESBRequest(v, false)
		if tc.object != "" {
			schema, got = s.data(tc.object), s.CheckData(tc.object, v, false)
		}
		fast := schema.partial()(v)
		assert.Equal(t, onlyMissing(schema.schema, v), fast, "%s %s", tc.object, tc.body)
		assert.Equal(t, tc.fast, fast, "%s %s", tc.object, tc.body)
		assert.Equal(t, !fast, len(got) > 0, "%s %s", tc.object, tc.body)
	}
}

// TestAcceptNeverDisagreesWithKin: what a compiled check accepts, kin-openapi accepts; and
// valid requests and fields do take the fast path.
func TestAcceptNeverDisagreesWithKin(t *testing.T) {
	s := Load(context.Background())
	for _, tc := range acceptCases {
		v, ok := decodeNumbers(t, tc.body)
		require.True(t, ok, tc.body)
		fast := s.esbRequest.accept(v)
		if fast {
			assert.True(t, kinAccepts(s.esbRequest.schema, v), "fast path accepted what kin-openapi rejects: %s", tc.body)
		}
		assert.Equal(t, tc.fast, fast, tc.body)
		if m, ok := v.(map[string]any); ok {
			if data, ok := m["data"]; ok && s.setData.accept(data) {
				assert.True(t, kinAccepts(s.setData.schema, data), "fast path accepted data kin-openapi rejects: %s", tc.body)
			}
		}
	}
	for _, tc := range dataCases {
		v, ok := decodeNumbers(t, tc.body)
		require.True(t, ok, tc.body)
		data := s.data(tc.object)
		fast := data.accept(v)
		assert.Equal(t, kinAccepts(data.schema, v), fast, "%s %s", tc.object, tc.body)
		assert.Equal(t, tc.fast, fast, "%s %s", tc.object, tc.body)
		assert.Equal(t, !fast, len(s.CheckData(tc.object, v, true)) > 0, "%s %s", tc.object, tc.body)
	}
}

// FuzzAccept looks for a body the compiled check accepts and kin-openapi rejects.
func FuzzAccept(f *testing.F) {
	for _, tc := range acceptCases {
		f.Add(tc.body)
	}
	for _, tc := range dataCases {
		f.Add(tc.body)
	}
	for _, tc := range updateCases {
		f.Add(tc.body)
	}
	s := Load(context.Background())
	f.Fuzz(func(t *testing.T, body string) {
		v, ok := decodeNumbers(t, body)
		if !ok {
			return
		}
		if s.esbRequest.accept(v) && !kinAccepts(s.esbRequest.schema, v) {
			t.Fatalf("fast path accepted what kin-openapi rejects: %s", body)
		}
		if s.esbRequest.partial()(v) && !onlyMissing(s.esbRequest.schema, v) {
			t.Fatalf("partial fast path accepted what kin-openapi finds more than missing fields in: %s", body)
		}
		for _, object := range []string{ObjectSet, ObjectModule, ObjectLevel} {
			data := s.data(object)
			if data.accept(v) && !kinAccepts(data.schema, v) {
				t.Fatalf("fast path accepted %s fields kin-openapi rejects: %s", object, body)
			}
			if data.partial()(v) && !onlyMissing(data.schema, v) {
				t.Fatalf("partial fast path accepted %s fields kin-openapi finds more than missing fields in: %s", object, body)
			}
		}
	})
}
