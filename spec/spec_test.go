package spec_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/spec"
	"github.com/cmdbmock/cmdbmock/spec/internal/docjson"
)

func load(t *testing.T) *spec.Spec {
	t.Helper()
	return spec.Load(context.Background())
}

func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func TestLoadClearsServers(t *testing.T) {
	s := load(t)
	require.NoError(t, s.Check(), "the whole document, paths included, loads and names every operation")
	assert.Empty(t, s.OpenAPI().Servers)
	assert.NotNil(t, s.OpenAPI().Paths.Find("/api/c/compapi/v2/cc/create_set/"))
	assert.NotNil(t, s.OpenAPI().Paths.Find("/api/v3/set/{bk_biz_id}"))
}

// The documents' examples are part of the spec and must pass its own schemas.
func TestExamplesValidate(t *testing.T) {
	s := load(t)
	doc := s.OpenAPI()
	esb := doc.Paths.Find("/api/c/compapi/v2/cc/create_set/").Post
	example := esb.RequestBody.Value.Content["application/json"].Examples["seed"].Value.Value
	b, err := json.Marshal(example)
	require.NoError(t, err)
	assert.Empty(t, s.CheckESBRequest(decode(t, string(b)), true))

	resp := doc.Components.Responses["EsbCreateSetEnvelope"].Value.Content["application/json"]
	b, err = json.Marshal(resp.Examples["seed"].Value.Value)
	require.NoError(t, err)
	assert.NoError(t, resp.Schema.Value.VisitJSON(decode(t, string(b))))
}

func TestViolations(t *testing.T) {
	s := load(t)
	cases := []struct {
		name    string
		body    string
		pointer string
		keyword string
	}{
		{"biz as a word", `{"bk_biz_id":"abc"}`, "/bk_biz_id", "pattern"},
		{"biz as a bool", `{"bk_biz_id":true}`, "/bk_biz_id", "type"},
		{"business missing", `{}`, "/bk_biz_id", "required"},
		{"data not an object", `{"data":5}`, "/data", "type"},
		{"name missing", `{"data":{"bk_parent_id":1}}`, "/data/bk_set_name", "required"},
		{"name with a space", `{"data":{"bk_set_name":"a b"}}`, "/data/bk_set_name", "pattern"},
		{"capacity out of range", `{"data":{"bk_capacity":0}}`, "/data/bk_capacity", "minimum"},
		{"env not in the list", `{"data":{"bk_set_env":"9"}}`, "/data/bk_set_env", "enum"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := s.CheckESBRequest(decode(t, tc.body), true)
			assert.True(t, vs.At(tc.pointer, tc.keyword), "%v", vs)
		})
	}
	assert.Empty(t, s.CheckESBRequest(decode(t, `{"bk_app_code":"a","bk_app_secret":"b","bk_biz_id":"3","data":{"bk_set_name":"a","bk_parent_id":1}}`), true),
		"the spec accepts what the real system accepts")
	vs := s.CheckESBRequest(decode(t, `{"data":{"bk_set_name":5}}`), true).Under("/data")
	assert.True(t, vs.At("/bk_set_name", "type"), "%v", vs)
}

func TestMessages(t *testing.T) {
	cases := []struct {
		msg  spec.Message
		lang spec.Lang
		args []any
		want string
	}{
		{spec.MsgExceedMax, spec.English, []any{"bk_set_name", 256}, "bk_set_name field exceeds maximum value %!s(int=256)"},
		{spec.MsgExceedMax, spec.Chinese, []any{"bk_set_name", 256}, "字段bk_set_name超过最大值256"},
		{spec.MsgOutOfBounds, spec.English, []any{"集群名"}, "Data out of bounds%!(EXTRA string=集群名)"},
		{spec.MsgOutOfBounds, spec.Chinese, []any{"集群名"}, "'集群名' 数据越界"},
		{spec.MsgInvalid, spec.English, []any{spec.LabelSetTemplateID}, "'Set template ID' data parameter verification does not pass"},
		{spec.MsgInvalid, spec.Chinese, []any{spec.LabelSetTemplateID}, "'集群模板ID' 数据参数校验不通过"},
		{spec.MsgESBAppCode, spec.Chinese, nil, "APP Code [bk_app_code] cannot be empty"},
		{spec.MsgESBBizRequired, spec.Chinese, nil, "business id [bk_biz_id] 这个字段是必填项。"},
		{spec.MsgESBDataDict, spec.Chinese, nil, "data [data] Must be the specified parameter data type dict"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.msg.Format(tc.lang, tc.args...))
	}
}

func TestStepsAreOrderedAndUnique(t *testing.T) {
	steps := spec.Steps()
	seen := map[spec.StepID]bool{}
	for _, s := range steps {
		assert.False(t, seen[s.ID], "step %s twice", s.ID)
		seen[s.ID] = true
		assert.NotEmpty(t, s.Messages, s.ID)
		assert.NotEmpty(t, s.Ref, s.ID)
	}
	steps[0].ID = "changed"
	assert.Equal(t, spec.StepESBAuthHeader, spec.Steps()[0].ID, "Steps returns a copy")

	listed := map[spec.StepID]bool{}
	for _, call := range spec.Calls() {
		t.Run(string(call), func(t *testing.T) {
			steps := spec.CallSteps(call)
			require.NotEmpty(t, steps)
			assert.Equal(t, spec.StepESBAuthHeader, steps[0].ID, "ESB's middleware reads the credentials header first (row E1)")
			inCall := map[spec.StepID]bool{}
			for _, s := range steps {
				assert.False(t, inCall[s.ID], "step %s twice", s.ID)
				inCall[s.ID], listed[s.ID] = true, true
				assert.True(t, seen[s.ID], "step %s is not in the catalogue", s.ID)
			}
		})
	}
	for id := range seen {
		assert.True(t, listed[id], "step %s is no call's", id)
	}
	last := func(c spec.Call) spec.StepID { s := spec.CallSteps(c); return s[len(s)-1].ID }
	assert.Equal(t, spec.StepDuplicate, last(spec.CallCreateSet), "the insert finds duplicates last")
	assert.Equal(t, spec.StepModuleDuplicate, last(spec.CallCreateModule), "the insert finds duplicates last")
	assert.Nil(t, spec.CallSteps("no_such_call"))
}

// TestDocumentsAreValid parses and validates both documents as written, examples included;
// Load itself reads the generated JSON and leaves the examples to this test.
func TestDocumentsAreValid(t *testing.T) {
	for name, doc := range map[string][]byte{"openapi.yaml": spec.Document(), "admin.yaml": spec.AdminDocument()} {
		d, err := openapi3.NewLoader().LoadFromData(doc)
		require.NoError(t, err, name)
		assert.NoError(t, d.Validate(context.Background()), name)
	}
}

// TestJSONIsGeneratedFromYAML: openapi.json is openapi.yaml, regenerated by go generate ./spec,
// and the two hold the same data, value for value (a null default included).
func TestJSONIsGeneratedFromYAML(t *testing.T) {
	want, err := docjson.FromYAML(spec.Document())
	require.NoError(t, err)
	got, err := os.ReadFile("openapi.json")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "openapi.json is stale: run go generate ./spec")

	var fromYAML, fromJSON any
	require.NoError(t, yaml.Unmarshal(spec.Document(), &fromYAML))
	require.NoError(t, json.Unmarshal(got, &fromJSON))
	assert.Equal(t, normalize(fromYAML), normalize(fromJSON))
	capacity := fromJSON.(map[string]any)["components"].(map[string]any)["schemas"].(map[string]any)["SetCreateData"].(map[string]any)["properties"].(map[string]any)["bk_capacity"].(map[string]any)
	assert.Contains(t, capacity, "default", "a null default survives the conversion")
}

// normalize makes YAML's and JSON's decoded values comparable: maps with string keys, numbers as
// float64.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	case int:
		return float64(t)
	}
	return v
}

// TestParseLanguage: CMDB gives English for exactly "en"; anything else, "EN" and "en-US"
// included, is Chinese; an absent header is the surface's default (reference §2.3).
func TestParseLanguage(t *testing.T) {
	for h, want := range map[string]spec.Lang{"en": spec.English, "EN": spec.Chinese, "en-US": spec.Chinese, "zh-hans": spec.Chinese} {
		assert.Equal(t, want, spec.ParseLanguage(h, spec.English), "%q", h)
	}
	assert.Equal(t, spec.Chinese, spec.ParseLanguage("", spec.Chinese))
	assert.Equal(t, spec.English, spec.ParseLanguage("", spec.English))
}
