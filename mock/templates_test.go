package mock_test

import (
	"encoding/json"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/fixturestest"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// fixedTemplates are set templates whose attributes the sets and modules made from them keep:
// 1 as in the default fixtures; 2, in business 2, fixes the environment and the capacity of its
// sets, and makes a module "db" whose type and maintainer its service template fixes.
const fixedTemplates = `[
	{"id":1,"bk_biz_id":1,"name":"web-cluster","service_templates":[{"id":1,"name":"nginx"},{"id":2,"name":"app-server"}]},
	{"id":2,"bk_biz_id":2,"name":"fixed","attributes":{"bk_set_env":"1","bk_capacity":10},
		"service_templates":[{"id":3,"name":"db","service_category_id":1,"attributes":{"bk_module_type":"2","operator":"admin"}}]}]`

// withFixtures is a mock on the default fixtures with the given files in place of theirs.
func withFixtures(t testing.TB, cfg mock.Config, files map[string]string) *mock.Server {
	t.Helper()
	s, err := mock.New(loadSpec(), fixturestest.Load(t, files), cfg)
	require.NoError(t, err)
	return s
}

// TestTemplatesFixTheirAttributes: a set made from a set template has the template's attribute
// values whatever the request sent, checked or not, and so has each module its service templates
// make, with the service template's category; an update may not change them (reference U9;
// bk-cmdb src/scene_server/topo_server/logics/inst/set.go:161-258,351-445 and module.go:379-440,
// 582-665 @111e7ac).
func TestTemplatesFixTheirAttributes(t *testing.T) {
	for _, surface := range []string{"esb", "v3"} {
		t.Run(surface, func(t *testing.T) {
			s := withFixtures(t, mock.Config{}, map[string]string{"set_templates.json": fixedTemplates})
			made := req{surface: surface, biz: 2, data: set("bk_parent_id", 2, "bk_set_name", "fixed-1", "set_template_id", 2,
				"bk_set_env", "9", "bk_capacity", "many")}.send(t, s)
			require.True(t, made.Result, "the template's values replace what was sent, before any check: %s", made.Raw)
			assert.Equal(t, "1", made.Data["bk_set_env"])
			assert.Equal(t, json.Number("10"), made.Data["bk_capacity"])
			setID := made.Data["bk_set_id"]

			r := callReq{call: spec.CallSearchModule, surface: surface, biz: 2, set: setID,
				top: map[string]any{"fields": []string{"bk_module_name", "service_category_id", "bk_module_type", "operator", "service_template_id"}}}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			assert.Equal(t, []any{map[string]any{"bk_module_name": "db", "service_category_id": json.Number("1"), "bk_module_type": "2",
				"operator": "admin", "service_template_id": json.Number("3"), "default": json.Number("0")}}, r.Data["info"], "the service template's category and attributes")

			plain := req{surface: surface, biz: 2, data: set("bk_parent_id", 2, "bk_set_name", "plain")}.send(t, s)
			require.True(t, plain.Result, "%s", plain.Raw)
			m := callReq{call: spec.CallCreateModule, surface: surface, biz: 2, set: plain.Data["bk_set_id"], data: map[string]any{
				"bk_parent_id": plain.Data["bk_set_id"], "bk_module_name": "x", "service_template_id": 3, "bk_module_type": "7", "operator": "bob"}}.send(t, s)
			require.True(t, m.Result, "create_module takes the service template's values too: %s", m.Raw)
			assert.Equal(t, "db", m.Data["bk_module_name"])
			assert.Equal(t, "2", m.Data["bk_module_type"])
			assert.Equal(t, "admin", m.Data["operator"])
			assert.Equal(t, json.Number("1"), m.Data["service_category_id"])
			moduleID := m.Data["bk_module_id"]

			updateSet := func(data map[string]any) reply {
				return callReq{call: spec.CallUpdateSet, surface: surface, lang: "en", biz: 2, set: setID, data: data}.send(t, s)
			}
			updateModule := func(data map[string]any) reply {
				return callReq{call: spec.CallUpdateModule, surface: surface, lang: "en", biz: 2, set: plain.Data["bk_set_id"], module: moduleID, data: data}.send(t, s)
			}
			for _, tc := range []struct {
				name string
				r    reply
				code int
				en   string
			}{
				{"set: the same value", updateSet(map[string]any{"bk_set_env": "1", "bk_set_desc": "d"}), 0, ""},
				{"set: the same number", updateSet(map[string]any{"bk_capacity": 10}), 0, ""},
				{"set: another value", updateSet(map[string]any{"bk_set_env": "2"}), 1199083, "modify field bk_set_env forbidden"},
				{"set: the number written otherwise", updateSet(map[string]any{"bk_capacity": json.Number("10.0")}), 1199083, "modify field bk_capacity forbidden"},
				{"set: two, in the model's order, before the fields are checked", updateSet(map[string]any{"bk_capacity": "x", "bk_set_env": "2"}), 1199083,
					"modify field bk_set_env,bk_capacity forbidden"},
				{"set: a field the template leaves", updateSet(map[string]any{"bk_service_status": "2"}), 0, ""},
				{"module: the same value", updateModule(map[string]any{"bk_module_type": "2", "operator": "admin", "bk_bak_operator": "bob"}), 0, ""},
				{"module: another value", updateModule(map[string]any{"operator": "bob"}), 1199083, "modify field operator forbidden"},
				{"module: two", updateModule(map[string]any{"operator": nil, "bk_module_type": "1"}), 1199083, "modify field bk_module_type,operator forbidden"},
				{"module: the name first", updateModule(map[string]any{"bk_module_name": "y", "operator": "bob"}), 1101091, "update name field on module create by template forbidden"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					require.Equal(t, tc.code, tc.r.Code, "%s", tc.r.Raw)
					if tc.code != 0 {
						assert.Equal(t, tc.en, tc.r.Message)
					}
				})
			}
			rec, ok := s.Store().Set(mustInt(t, setID.(json.Number)))
			require.True(t, ok)
			assert.Equal(t, "d", rec["bk_set_desc"])
			assert.Equal(t, "1", rec["bk_set_env"])
		})
	}
}

// TestTemplateFixtures: a service template's attributes must be the module model's, and not its
// name, which the template gives its modules.
func TestTemplateFixtures(t *testing.T) {
	for _, tc := range []struct{ name, templates string }{
		{"not an attribute", `[{"id":2,"bk_biz_id":2,"name":"t","service_templates":[{"id":3,"name":"db","attributes":{"bk_set_env":"1"}}]}]`},
		{"the name", `[{"id":2,"bk_biz_id":2,"name":"t","service_templates":[{"id":3,"name":"db","attributes":{"bk_module_name":"x"}}]}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := fstest.MapFS{"businesses.json": {Data: []byte(`[{"bk_biz_id":2,"bk_biz_name":"蓝鲸"}]`)},
				"set_templates.json": {Data: []byte(tc.templates)}}
			_, err := fixtures.Load(fs)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "service template 3")
		})
	}
}

// TestTemplateFixesATime: a time attribute a set template fixes is compared by the instant it
// names, as CMDB's util.ConvToTime reads it (the plain form in the server's zone, UTC+8 here);
// a value that is not a time is refused as invalid (bk-cmdb
// src/scene_server/topo_server/logics/inst/set.go:409-422 @111e7ac).
func TestTemplateFixesATime(t *testing.T) {
	s := withFixtures(t, mock.Config{}, map[string]string{
		"set_attributes.json": `[{"id":900,"bk_property_id":"golive","bk_property_name":"上线时间","bk_property_type":"time"}]`,
		"set_templates.json":  `[{"id":2,"bk_biz_id":2,"name":"timed","attributes":{"golive":"2024-01-02 03:04:05"}}]`,
	})
	made := req{surface: "v3", biz: 2, data: set("bk_parent_id", 2, "set_template_id", 2)}.send(t, s)
	require.True(t, made.Result, "%s", made.Raw)
	assert.Equal(t, "2024-01-02 03:04:05", made.Data["golive"])
	for _, tc := range []struct {
		sent string
		code int
		en   string
	}{
		{"2024-01-02 03:04:05", 0, ""},
		{"2024-01-01T19:04:05Z", 0, ""},
		{"2024-01-02T03:04:05.000+08:00", 0, ""},
		{"2024-01-02 03:04:06", 1199083, "modify field golive forbidden"},
		{"soon", 1199011, "'golive' the parameter is invalid or does not exist"},
	} {
		t.Run(tc.sent, func(t *testing.T) {
			r := callReq{call: spec.CallUpdateSet, surface: "v3", lang: "en", biz: 2, set: made.Data["bk_set_id"],
				data: map[string]any{"golive": tc.sent}}.send(t, s)
			require.Equal(t, tc.code, r.Code, "%s", r.Raw)
			if tc.code != 0 {
				assert.Equal(t, tc.en, r.Message)
			}
		})
	}
}
