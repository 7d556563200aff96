package mock_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// seedRequest is the request example of the API documents, verbatim.
const seedRequest = `{
    "bk_app_code": "esb_test",
    "bk_app_secret": "xxx",
    "bk_username": "xxx",
    "bk_token": "xxx",
    "bk_supplier_account": "123456789",
    "bk_biz_id": 1,
    "data": {
        "bk_parent_id": 1,
        "bk_set_name": "test-set",
        "default": 0,
        "bk_set_desc": "test-set",
        "bk_capacity": 1000,
        "description": "description",
        "set_template_id": 1
    }
}`

func fixedIDs() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("%032x", n) }
}

func TestCreateSetGolden(t *testing.T) {
	cases := []struct {
		name string
		cfg  mock.Config
		call req
	}{
		{name: "seed_example", call: req{surface: "esb", body: body(seedRequest)}},
		{name: "v3_minimal", call: req{surface: "v3", biz: 2, data: map[string]any{"bk_parent_id": 2, "bk_set_name": "api-gw"}}},
		{name: "fill_fake", cfg: mock.Config{Fill: mock.FillFake, Seed: 7}, call: req{surface: "esb", biz: 1, data: set()}},
		{name: "canned_record", call: req{surface: "esb", biz: 2, data: set("bk_set_name", "canned-set", "bk_parent_id", 2)}},
		{name: "version_314_wrapped", cfg: mock.Config{Version: spec.V314}, call: req{surface: "esb", lang: "zh-cn", biz: 1, data: set("bk_set_name", "a b")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Now, cfg.RequestID = fixedClock, fixedIDs()
			s := newServer(t, cfg)
			r := tc.call.send(t, s)
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, r.Raw, "", "  "))
			path := filepath.Join("testdata", t.Name()+".golden.json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./mock -run TestCreateSetGolden -update")
			assert.Equal(t, string(want), pretty.String())
		})
	}
}

func TestSeedExampleSucceedsOnBothSurfaces(t *testing.T) {
	s := newServer(t, mock.Config{})
	r := send(t, s, httptest.NewRequest(http.MethodPost, "/api/c/compapi/v2/cc/create_set", strings.NewReader(seedRequest)))
	require.True(t, r.Result, "%s", r.Raw)
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, "success", r.Message)
	assert.Equal(t, json.Number("1"), r.Data["set_template_id"])

	v3 := req{surface: "v3", biz: 1, data: map[string]any{"bk_parent_id": 1, "bk_set_name": "test-set-2", "bk_capacity": 1000}}.send(t, s)
	require.True(t, v3.Result, "%s", v3.Raw)
	assertRequestID(t, "v3", v3)
}

func TestRecordRules(t *testing.T) {
	s := newServer(t, mock.Config{Now: fixedClock})
	r := req{surface: "esb", lang: "en", biz: "1", data: map[string]any{
		"bk_parent_id": 1, "bk_set_name": "  web  ", "bk_set_desc": " front ", "bk_biz_id": 99,
		"unknown_key": "dropped", "bk_capacity": nil,
	}}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)

	assert.Equal(t, "web", r.Data["bk_set_name"], "strings are trimmed")
	assert.Equal(t, "front", r.Data["bk_set_desc"])
	assert.Equal(t, json.Number("1"), r.Data["bk_biz_id"], "bk_biz_id inside data is the call's")
	assert.NotContains(t, r.Data, "unknown_key")
	assert.Nil(t, r.Data["bk_capacity"])
	assert.Equal(t, "alice", r.Data["bk_created_by"])
	assert.Nil(t, r.Data["bk_updated_by"])
	assert.Nil(t, r.Data["set_template_version"])
	assert.Equal(t, "3", r.Data["bk_set_env"])
	assert.Equal(t, "1", r.Data["bk_service_status"])
	assert.Equal(t, "", r.Data["description"])
	assert.Equal(t, "0", r.Data["bk_supplier_account"])
	for _, k := range []string{"create_time", "last_time", "bk_created_at", "bk_updated_at"} {
		assert.Equal(t, "2022-02-22T20:34:01.386+08:00", r.Data[k], k)
	}

	// Keys in alphabetical order, as the real system writes them.
	dataStart := bytes.Index(r.Raw, []byte(`"data":{`))
	require.Positive(t, dataStart)
	dec := json.NewDecoder(bytes.NewReader(r.Raw[dataStart+len(`"data":`):]))
	_, _ = dec.Token()
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	assert.IsIncreasing(t, keys)
}

func TestTimestamps(t *testing.T) {
	cases := []struct {
		nanos int
		loc   *time.Location
		want  string
	}{
		{48_000_000, nil, "2022-02-22T20:34:43.048+08:00"},
		{40_000_000, nil, "2022-02-22T20:34:43.04+08:00"},
		{0, nil, "2022-02-22T20:34:43+08:00"},
		{48_700_000, nil, "2022-02-22T20:34:43.048+08:00"},
		{48_000_000, time.UTC, "2022-02-22T12:34:43.048Z"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			now := func() time.Time { return time.Date(2022, 2, 22, 12, 34, 43, tc.nanos, time.UTC) }
			s := newServer(t, mock.Config{Now: now, Location: tc.loc})
			r := req{surface: "v3", biz: 1, data: set()}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			assert.Equal(t, tc.want, r.Data["create_time"])
			assert.Equal(t, r.Data["create_time"], r.Data["last_time"])
		})
	}
}

func TestIDs(t *testing.T) {
	s := newServer(t, mock.Config{})
	create := func(name string) reply {
		return req{surface: "esb", biz: 1, data: set("bk_set_name", name)}.send(t, s)
	}
	first := create("a")
	require.True(t, first.Result)
	assert.Equal(t, json.Number("3"), first.Data["bk_set_id"], "first id is the highest fixture id + 1")
	assert.Equal(t, 1101108, create("a").Code)
	assert.Equal(t, json.Number("5"), create("b").Data["bk_set_id"], "a duplicate uses up an id")

	other := newServer(t, mock.Config{})
	assert.Equal(t, json.Number("3"), req{surface: "esb", biz: 1, data: set("bk_set_name", "a")}.send(t, other).Data["bk_set_id"],
		"two mocks never share a counter")
}

func TestSurfacesShareOneStore(t *testing.T) {
	s := newServer(t, mock.Config{})
	require.True(t, req{surface: "esb", biz: 1, data: set()}.send(t, s).Result)
	assert.Equal(t, 1101108, req{surface: "v3", biz: 1, data: set()}.send(t, s).Code)
	assert.True(t, req{surface: "v3", biz: 1, data: set("bk_parent_id", 7)}.send(t, s).Result, "same name under another parent")
}

func TestTemplates(t *testing.T) {
	var logs bytes.Buffer
	s := newServer(t, mock.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil)), RequestID: fixedIDs()})

	r := req{surface: "esb", biz: 1, data: set("set_template_id", 1)}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	assert.Equal(t, json.Number("1"), r.Data["set_template_id"])
	id, err := r.Data["bk_set_id"].(json.Number).Int64()
	require.NoError(t, err)
	var names []string
	for _, m := range s.Store().Modules(id) {
		names = append(names, m.Name)
	}
	assert.Equal(t, []string{"nginx", "app-server"}, names, "one module per service template")

	r = req{surface: "esb", biz: 1, data: set("bk_set_name", "builtin-like", "default", 1, "set_template_id", 1)}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	assert.Equal(t, json.Number("0"), r.Data["set_template_id"], "a non-zero default disables the template")
	assert.Equal(t, json.Number("1"), r.Data["default"])
	id, _ = r.Data["bk_set_id"].(json.Number).Int64()
	assert.Empty(t, s.Store().Modules(id))
	assert.Contains(t, logs.String(), "request_id="+r.RequestID, "the warning names the request")
	assert.Contains(t, logs.String(), "default is 1")

	noTemplate := req{surface: "esb", biz: 1, data: set("bk_set_name", "plain")}.send(t, s)
	id, _ = noTemplate.Data["bk_set_id"].(json.Number).Int64()
	assert.Empty(t, s.Store().Modules(id), "without a template no module is created")
}

func TestParentOutsideBusinessIsAcceptedWithWarning(t *testing.T) {
	var logs bytes.Buffer
	s := newServer(t, mock.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r := req{surface: "v3", biz: 1, data: set("bk_parent_id", 424242)}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	assert.Contains(t, logs.String(), "request_id="+r.Header.Get("X-Request-Id"))
	assert.Contains(t, logs.String(), "bk_parent_id 424242")
}

func TestVersion314WrapsSteps9To15(t *testing.T) {
	s := newServer(t, mock.Config{Version: spec.V314})
	cases := []struct {
		data map[string]any
		code int
		en   string
	}{
		{set("bk_set_name", "a b"), 1199011, "''bk_set_name' data parameter verification does not pass' the parameter is invalid or does not exist"},
		{set("bk_set_desc", strings.Repeat("x", 300)), 1199011, "'Data out of bounds%!(EXTRA string=集群描述)' the parameter is invalid or does not exist"},
		{set("bk_set_name", nil), 1199010, "'bk_set_name' unassigned"}, // step 7 is not wrapped
		{set("default", "x"), 1199998, `strconv.ParseInt: parsing "x": invalid syntax`},
	}
	for _, tc := range cases {
		r := req{surface: "v3", lang: "en", biz: 1, data: tc.data}.send(t, s)
		assert.Equal(t, tc.code, r.Code)
		assert.Equal(t, tc.en, r.Message)
	}
	r := req{surface: "v3", biz: 1, data: set("bk_set_name", "a b")}.send(t, s)
	assert.Equal(t, "''bk_set_name' 数据参数校验不通过' 参数无效或不存在", r.Message)
}

func TestRegisteredApps(t *testing.T) {
	s := newServer(t, mock.Config{Apps: map[string]string{"esb_test": "s3cret"}})
	cases := []struct {
		creds         map[string]any
		code          int
		esbMsg, v3Msg string
	}{
		{map[string]any{"bk_app_code": "other"}, 1306000, "Invalid APP Code [bk_app_code=other], please confirm if the APP Code has been registered",
			`Parameters error [reason="app not found"]`},
		{map[string]any{"bk_app_secret": "wrong"}, 1306000, "APP Secret verification failed, pelase confirm if the APP Secret and APP Code [bk_app_code=esb_test] match",
			`Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]`},
		{map[string]any{"bk_app_secret": "s3cret"}, 0, "success", "success"},
	}
	for _, surface := range []string{"esb", "v3"} {
		for i, tc := range cases {
			r := req{surface: surface, biz: 1, creds: tc.creds, data: set("bk_set_name", fmt.Sprintf("%s-%d", surface, i))}.send(t, s)
			code, msg := tc.code, tc.esbMsg
			if surface == "v3" {
				msg = tc.v3Msg
				if code != 0 {
					code = 1640001 // the API gateway's (reference §2.2)
				}
			}
			assert.Equal(t, code, r.Code, surface)
			assert.Equal(t, msg, r.Message, surface)
			assert.NotContains(t, string(r.Raw), "s3cret")
			assert.NotContains(t, string(r.Raw), "wrong")
		}
	}
}

func TestLanguageDefaults(t *testing.T) {
	s := newServer(t, mock.Config{})
	assert.Equal(t, "'bk_parent_id' unassigned", req{surface: "esb", biz: 1, data: set("bk_parent_id", nil)}.send(t, s).Message,
		"ESB speaks English without a header")
	assert.Equal(t, "'bk_parent_id' 未赋值", req{surface: "v3", biz: 1, data: set("bk_parent_id", nil)}.send(t, s).Message,
		"v3 speaks Chinese without a header")
	assert.Equal(t, "'bk_parent_id' 未赋值", req{surface: "esb", lang: "zh-cn", biz: 1, data: set("bk_parent_id", nil)}.send(t, s).Message)
}

func TestESBAcceptsWhatTheRealSystemAccepts(t *testing.T) {
	for _, biz := range []any{1, "1", 1.0, "1.0", " 1 "} {
		t.Run(fmt.Sprint(biz), func(t *testing.T) {
			s := newServer(t, mock.Config{})
			r := req{surface: "esb", biz: biz, data: set()}.send(t, s)
			require.True(t, r.Result, "%s", r.Raw)
			assert.Equal(t, json.Number("1"), r.Data["bk_biz_id"])
		})
	}
	t.Run("form body", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader("bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1&data=x"))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := send(t, s, hr)
		assert.Equal(t, "data [data] Must be the specified parameter data type dict", r.Message)
	})
	t.Run("GET with query", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		r := send(t, s, httptest.NewRequest(http.MethodGet, mock.PathESBCreateSet+"?bk_app_code=a&bk_app_secret=b&bk_username=u", nil))
		assert.Equal(t, "business id [bk_biz_id] This field is required.", r.Message)
	})
	// ESB reads a query string or a form body as Django's QueryDict items, the last value of a
	// repeated key (blueking-apigateway src/esb/esb/common/base_utils.py:232-245 @048bdd7).
	t.Run("a repeated parameter is its last value", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		q := "?bk_app_code=a&bk_app_secret=b&bk_username=alice&bk_username=bob&bk_biz_id=1&bk_biz_id=2"
		r := send(t, s, httptest.NewRequest(http.MethodGet, mock.PathESBSearchBizInstTopo+q, nil))
		require.True(t, r.Result, "%s", r.Raw)
		var tree []struct {
			ID json.Number `json:"bk_inst_id"`
		}
		require.NoError(t, json.Unmarshal(r.Keys["data"], &tree))
		require.Len(t, tree, 1)
		assert.Equal(t, json.Number("2"), tree[0].ID, "bk_biz_id=1&bk_biz_id=2 is business 2")

		hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader("bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1&data=x&bk_biz_id=y"))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		assert.Equal(t, "business id [bk_biz_id] Enter a whole number.", send(t, s, hr).Message, "bk_biz_id=1&...&bk_biz_id=y is y")
		users := []string{}
		for _, e := range s.Journal().Entries(mock.JournalFilter{}) {
			users = append(users, e.User)
		}
		assert.Equal(t, []string{"u", "bob"}, users)
	})
	t.Run("JSON under another content type", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(seedRequest))
		hr.Header.Set("Content-Type", "text/plain")
		assert.True(t, send(t, s, hr).Result)
	})
}

// TestESBReadsParametersAsDjangoDoes: ESB takes a call's parameters from its query string (GET),
// its JSON body, or its form body (blueking-apigateway src/esb/esb/common/base_utils.py:232-245
// @048bdd7) as Django 1.11 reads them: a form body only under the form content types, others
// being no parameters (django/http/request.py, HttpRequest._load_post_and_files); pairs split at
// & and ;, a bad escape kept as it came, invalid UTF-8 replaced (django/utils/http.py,
// limited_parse_qsl); a repeated key its last value.
func TestESBReadsParametersAsDjangoDoes(t *testing.T) {
	const (
		noCredentials = "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time"
		dataNotDict   = "data [data] Must be the specified parameter data type dict"
		form          = "application/x-www-form-urlencoded"
	)
	multipartBody := func(fields ...string) (string, string) {
		var b strings.Builder
		w := multipart.NewWriter(&b)
		for i := 0; i < len(fields); i += 2 {
			require.NoError(t, w.WriteField(fields[i], fields[i+1]))
		}
		fw, err := w.CreateFormFile("bk_biz_id", "biz.txt")
		require.NoError(t, err)
		_, _ = fw.Write([]byte("a file is not a parameter"))
		require.NoError(t, w.Close())
		return b.String(), w.FormDataContentType()
	}
	mpBody, mpType := multipartBody("bk_app_code", "a", "bk_app_secret", "b", "bk_username", "u", "bk_biz_id", "1", "data", "x")
	for _, tc := range []struct {
		name, contentType, body, message string
	}{
		{"a form", form, "bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1&data=x", dataNotDict},
		{"a form with its charset", form + "; charset=UTF-8", "bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1&data=x", dataNotDict},
		{"pairs split at semicolons", form, "bk_app_code=a;bk_app_secret=b;bk_username=u;bk_biz_id=1;data=x", dataNotDict},
		{"a bad escape kept as it came", form, "bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=%zz1&data=x", "business id [bk_biz_id] Enter a whole number."},
		{"a key without a value is empty", form, "bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id&data=x", "business id [bk_biz_id] This field is required."},
		{"multipart fields, not its files", mpType, mpBody, dataNotDict},
		{"a form body as plain text is no parameters", "text/plain", "bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1&data=x", noCredentials},
		{"a form body without a content type is no parameters", "", "bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1&data=x", noCredentials},
		{"the content type is matched as written", "Application/X-WWW-Form-Urlencoded", "bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1&data=x", noCredentials},
		{"JSON under any content type", "text/plain", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"data":"x"}`, dataNotDict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, mock.Config{})
			hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(tc.body))
			if tc.contentType != "" {
				hr.Header.Set("Content-Type", tc.contentType)
			}
			assert.Equal(t, tc.message, send(t, s, hr).Message)
		})
	}
	t.Run("a query string", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		for _, q := range []string{
			"bk_app_code=a;bk_app_secret=b;bk_username=%E7%94%A8%FF%E6%88;bk_biz_id=2",
			"bk_app_code=a&bk_app_secret=b&bk_username=%E7%94%A8%FF%E6%88&bk_biz_id=%zz&bk_biz_id=2",
		} {
			r := send(t, s, httptest.NewRequest(http.MethodGet, mock.PathESBSearchBizInstTopo+"?"+q, nil))
			require.True(t, r.Result, "%s: %s", q, r.Raw)
			assert.Contains(t, string(r.Keys["data"]), `"bk_inst_id":2`, q)
		}
		for _, e := range s.Journal().Entries(mock.JournalFilter{}) {
			// 用, then the invalid byte and the cut sequence each replaced once, as Python does.
			assert.Equal(t, "用\uFFFD\uFFFD", e.User)
		}
	})
}

// TestESBReadsJSONAsPythonDoes: ESB decodes a body with Python's json.loads, which takes NaN,
// Infinity and -Infinity as numbers (blueking-apigateway src/esb/esb/common/base_utils.py:238
// @048bdd7). Its form then refuses one where it wants a whole number or a dict; a component
// sends one that it forwards to CMDB with json.dumps, which writes it as it came
// (components/bk/apisv2/cc/create_set.py:55-59), and CMDB's decoder refuses that body (C3).
func TestESBReadsJSONAsPythonDoes(t *testing.T) {
	const creds = `"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"`
	for _, tc := range []struct {
		name, path, body string
		code             int
		message          string
	}{
		{"NaN in create_set's data", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"n","bk_capacity":NaN}}`,
			1199000, "Deserializing JSON data failed"},
		{"Infinity deep in the data", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"n","x":[{"y":Infinity}]}}`,
			1199000, "Deserializing JSON data failed"},
		{"-Infinity in search_set's condition", mock.PathESBSearchSet, `{` + creds + `,"bk_biz_id":2,"condition":{"bk_capacity":-Infinity}}`,
			1199000, "Deserializing JSON data failed"},
		{"NaN in what a generic component forwards", mock.PathESBFindSetBatch, `{` + creds + `,"bk_biz_id":2,"bk_ids":[NaN],"fields":["bk_set_id"]}`,
			1199000, "Deserializing JSON data failed"},
		{"NaN in find_topo_node_paths' nodes", mock.PathESBFindTopoNodePaths, `{` + creds + `,"bk_biz_id":2,"bk_nodes":[{"bk_obj_id":"set","bk_inst_id":NaN}]}`,
			1199000, "Deserializing JSON data failed"},
		{"NaN where ESB wants a whole number", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":NaN,"data":{}}`,
			1306000, "business id [bk_biz_id] Enter a whole number."},
		{"NaN where ESB wants a dict", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":2,"data":NaN}`,
			1306000, "data [data] Must be the specified parameter data type dict"},
		{"NaN in a key the form does not forward", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":2,"note":NaN,"data":{"bk_parent_id":2,"bk_set_name":"n"}}`,
			0, "success"},
		{"-NaN is no JSON to Python either", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":2,"data":{"bk_capacity":-NaN}}`,
			1306000, "Request JSON string is wrong in format, which cannot be analyzed."},
		// Python reads a number with a point or an exponent as a float, which json.dumps and str
		// write back as its repr: 1e400 is inf, 1e16 is 1e+16, which the form's int() refuses.
		{"a number past the float's range is an Infinity", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"n","bk_capacity":1e400}}`,
			1199000, "Deserializing JSON data failed"},
		{"1e16 is no whole number to the form", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":1e16,"data":{}}`,
			1306000, "business id [bk_biz_id] Enter a whole number."},
		{"1.5e1 is 15.0, a whole number", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":1.5e1,"data":{}}`,
			1306000, "data [data] This field is required."},
		{"nan in lower case neither", mock.PathESBCreateSet, `{` + creds + `,"bk_biz_id":2,"data":{"bk_capacity":nan}}`,
			1306000, "Request JSON string is wrong in format, which cannot be analyzed."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, mock.Config{})
			r := send(t, s, httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body)))
			assert.Equal(t, []any{tc.code, tc.message}, []any{r.Code, r.Message}, "%s", r.Raw)
		})
	}
	t.Run("a generic component writes a float into CMDB's path as Python does", func(t *testing.T) {
		s := newServer(t, mock.Config{IAMOff: true})
		body := `{` + creds + `,"bk_biz_id":2e0}`
		r := send(t, s, httptest.NewRequest(http.MethodPost, mock.PathESBGetBizInternalModule, strings.NewReader(body)))
		assert.Equal(t, []any{1101133, `strconv.ParseInt: parsing "2.0": invalid syntax`}, []any{r.Code, r.Message}, "%s", r.Raw)
	})
	t.Run("v3 is CMDB's decoder, which takes none", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/2", strings.NewReader(`{"bk_parent_id":2,"bk_set_name":"n","bk_capacity":NaN}`))
		hr.Header.Set("X-Bkapi-Authorization", `{`+creds+`}`)
		assert.Equal(t, 1199000, send(t, s, hr).Code)
	})
}

// TestV3ReadsNumbersAsCMDBDoes: CMDB decodes a body with json-iterator, which takes any run of a
// number's characters that starts with a digit or a minus for a number (iter_float.go:159-186
// @v1.1.12), and reads an integer from it with strconv.ParseInt (util.GetInt64ByInterface,
// bk-cmdb src/common/util/conv.go:95-132 @111e7ac): 010 is 10, 1. is no integer. A body JSON
// refuses for another reason is still C3.
func TestV3ReadsNumbersAsCMDBDoes(t *testing.T) {
	for _, tc := range []struct {
		name, fields string
		code         int
		capacity     any
	}{
		{"a capacity with a leading zero", `"bk_parent_id":1,"bk_capacity":010`, 0, json.Number("10")},
		{"a parent with a leading zero", `"bk_parent_id":01,"bk_capacity":5`, 0, json.Number("5")},
		{"a template id of 00", `"bk_parent_id":1,"set_template_id":00`, 0, nil},
		{"a capacity of 1. is no integer", `"bk_parent_id":1,"bk_capacity":1.`, 1199006, nil},
		{"a parent of - is no integer", `"bk_parent_id":-`, 1199006, nil},
		{"a number that starts with + is no JSON to it either", `"bk_parent_id":1,"bk_capacity":+1`, 1199000, nil},
		{"nor one that starts with a point", `"bk_parent_id":1,"bk_capacity":.5`, 1199000, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, mock.Config{})
			body := `{"bk_set_name":"lax",` + tc.fields + `}`
			hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(body))
			hr.Header.Set("X-Bkapi-Authorization", v3Auth)
			r := send(t, s, hr)
			require.Equal(t, tc.code, r.Code, "%s", r.Raw)
			if tc.code == 0 {
				assert.Equal(t, tc.capacity, r.Data["bk_capacity"])
				assert.Equal(t, json.Number("1"), r.Data["bk_parent_id"])
			}
		})
	}
}

func TestBadInputGetsAnEnvelope(t *testing.T) {
	s := newServer(t, mock.Config{MaxBody: 1024})
	v3 := func(body string) *http.Request {
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(body))
		hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`)
		return hr
	}
	big := `{"bk_set_name":"` + strings.Repeat("x", 2048) + `"}`
	cases := []struct {
		name   string
		hr     *http.Request
		status int
		code   int
		msg    string
	}{
		{"esb body over the limit", httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(big)), 413, 1306000,
			"Request body is larger than the limit of 1024 bytes"},
		{"v3 body over the limit", v3(big), 413, 1306000,
			"Request body is larger than the limit of 1024 bytes"},
		{"v3 truncated JSON", v3(`{"bk_set_name":"a`), 200, 1199000, "反序列化JSON数据失败"},
		{"v3 trailing garbage", v3(`{} {}`), 200, 1199000, "反序列化JSON数据失败"},
		{"v3 null body", v3(`null`), 200, 1199999, "topo Internal Server Error"},
		{"v3 credentials checked before the body", httptest.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(`{`)), 400, 1640001,
			`Parameters error [reason="app code cannot be empty"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, s, tc.hr)
			assert.Equal(t, tc.status, r.Status)
			assert.False(t, r.Result)
			assert.Equal(t, tc.code, r.Code)
			assert.Equal(t, tc.msg, r.Message)
			assert.Contains(t, r.Header.Get("Content-Type"), "application/json")
		})
	}
}

func TestUnknownPath(t *testing.T) {
	s := newServer(t, mock.Config{})
	for _, hr := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/api/c/compapi/v2/cc/create_sett/", nil),
		httptest.NewRequest(http.MethodDelete, mock.PathESBCreateSet, nil),
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.JSONEq(t, `{"result":false,"data":null,"message":"The content does not exist"}`, rec.Body.String())
	}
}

func TestServesSpecAndHealth(t *testing.T) {
	s := newServer(t, mock.Config{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, mock.PathOpenAPI, nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, spec.Document(), rec.Body.Bytes())

	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, mock.PathHealth, nil))
	assert.Equal(t, http.StatusOK, rec.Code)
}

func TestFakeFillAndPopulateAreDeterministic(t *testing.T) {
	build := func(seed int64) (*mock.Server, reply) {
		s := newServer(t, mock.Config{Fill: mock.FillFake, Seed: seed, Populate: 3, Now: fixedClock})
		require.Len(t, s.Store().Sets(), 2+2*3, "two built-in sets and three fake sets per business")
		return s, req{surface: "esb", biz: 1, data: set()}.send(t, s)
	}
	a, ra := build(42)
	b, rb := build(42)
	c, _ := build(43)
	assert.Equal(t, a.Store().Sets(), b.Store().Sets())
	assert.Equal(t, ra.Data, rb.Data)
	assert.NotEqual(t, a.Store().Sets(), c.Store().Sets())
	assert.NotEqual(t, "", ra.Data["bk_set_desc"], "fake fill fills the optional fields left out")
	assert.Equal(t, "web", ra.Data["bk_set_name"], "and keeps what was sent")
}

// TestDuplicateAcrossBusinesses: CMDB's unique index on sets is (bk_parent_id, bk_set_name),
// with no business in it (reference row C20): business 2 creating 空闲机池 under parent 1
// collides with business 1's idle pool, and the same name under another parent does not.
func TestDuplicateAcrossBusinesses(t *testing.T) {
	s := newServer(t, mock.Config{})
	for _, surface := range []string{"esb", "v3"} {
		r := req{surface: surface, lang: "en", biz: 2, data: set("bk_set_name", "空闲机池", "bk_parent_id", 1)}.send(t, s)
		assert.Equal(t, 1101108, r.Code, "%s: %s", surface, r.Raw)
		assert.Equal(t, "the same set name exist", r.Message)
	}
	r := req{surface: "esb", biz: 2, data: set("bk_set_name", "空闲机池", "bk_parent_id", 3)}.send(t, s)
	assert.Equal(t, 0, r.Code, "%s", r.Raw)
}

// TestFixturesMainlineReachTheStore: custom levels and their nodes of a fixtures directory are
// the store's topology, at start and after a reload.
func TestFixturesMainlineReachTheStore(t *testing.T) {
	fx, err := fixtures.Load(fstest.MapFS{
		"mainline.json":   {Data: []byte(`[{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`)},
		"businesses.json": {Data: []byte(`[{"bk_biz_id":3,"bk_biz_name":"game","nodes":[{"bk_inst_id":103,"bk_inst_name":"n1","bk_obj_id":"zone","bk_parent_id":0}]}]`)},
	})
	require.NoError(t, err)
	sp := loadSpec()
	s, err := mock.New(sp, fx, mock.Config{})
	require.NoError(t, err)
	assert.Equal(t, []topo.Level{{ObjID: "zone", Name: "Zone"}}, s.Store().Levels())
	assert.Equal(t, []topo.Node{{ID: 103, Name: "n1", ObjID: "zone", BizID: 3}}, s.Store().Nodes(3))
	assert.True(t, s.Store().SetParentExists(3, 103))

	more, err := fixtures.Load(fstest.MapFS{
		"mainline.json": {Data: []byte(`[{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`)},
		"businesses.json": {Data: []byte(`[{"bk_biz_id":3,"bk_biz_name":"game","nodes":[{"bk_inst_id":103,"bk_inst_name":"n1","bk_obj_id":"zone","bk_parent_id":0},
			{"bk_inst_id":104,"bk_inst_name":"n2","bk_obj_id":"zone","bk_parent_id":0}]},{"bk_biz_id":4,"bk_biz_name":"more"}]`)},
	})
	require.NoError(t, err)
	require.NoError(t, s.ReloadFixtures(more))
	assert.Len(t, s.Store().Nodes(3), 2, "a reload replaces the nodes and businesses; the levels stay (TestReloadKeepsTheLevels)")
	_, ok := s.Store().Business(4)
	assert.True(t, ok)
}

// TestStoredAsCMDBStoresIt holds the rules of reference §5 and §6 for what a create stores: the
// Unicode trim, what is kept as sent, what the server overwrites, and the owner.
func TestStoredAsCMDBStoresIt(t *testing.T) {
	cases := []struct {
		name    string
		surface string
		cfg     mock.Config
		call    req
		want    map[string]any // fields of the record; absent: the key must be absent
	}{
		{name: "string attributes trimmed of all white space", call: req{data: set("bk_set_desc", "\td\n", "bk_set_env", "\t1", "bk_service_status", "2\u3000")},
			want: map[string]any{"bk_set_desc": "d", "bk_set_env": "1", "bk_service_status": "2"}},
		{name: "description of 2000 bytes after the trim", call: req{data: set("description", "\n"+strings.Repeat("x", 2000))},
			want: map[string]any{"description": strings.Repeat("x", 2000)}},
		{name: "name with spaces around", call: req{data: set("bk_set_name", " web ")}, want: map[string]any{"bk_set_name": "web"}},
		{name: "name with an ideographic space", call: req{data: set("bk_set_name", "web\u3000")}, want: map[string]any{"bk_set_name": "web"}},
		{name: "name with a vertical tab", call: req{data: set("bk_set_name", "\vweb")}, want: map[string]any{"bk_set_name": "web"}},
		{name: "default as a digit string is stored so", call: req{data: set("default", "5", "set_template_id", 1)},
			want: map[string]any{"default": "5", "set_template_id": json.Number("0")}},
		{name: "createIgnoreKeys kept as sent", call: req{data: set("bk_inst_id", 7, "bk_data_status", "enable", "bk_process_id", "p", "bk_obj_id", "set", "metadata", map[string]any{"label": 1}, "unknown", 1)},
			want: map[string]any{"bk_inst_id": json.Number("7"), "bk_data_status": "enable", "bk_process_id": "p", "bk_obj_id": "set", "metadata": nil, "unknown": nil}},
		{name: "template version and updater stored as sent", call: req{data: set("set_template_version", 5, "bk_updated_by", "bob")},
			want: map[string]any{"set_template_version": json.Number("5"), "bk_updated_by": "bob"}},
		{name: "an empty time is no time", call: req{data: set("bk_created_at", "")},
			want: map[string]any{"bk_created_at": "2022-02-22T20:34:01.386+08:00"}},
		{name: "template version with a fraction", call: req{data: set("set_template_version", 5.5)},
			want: map[string]any{"set_template_version": json.Number("5.5")}},
		{name: "creator and times checked then overwritten", call: req{data: set("bk_created_by", "mallory", "bk_created_at", "2001-01-01 00:00:00", "bk_updated_at", "2001-01-01T00:00:00Z")},
			want: map[string]any{"bk_created_by": "alice", "bk_created_at": "2022-02-22T20:34:01.386+08:00", "bk_updated_at": "2022-02-22T20:34:01.386+08:00"}},
		{name: "ESB's supplier account owns the record", surface: "esb", call: req{top: map[string]any{"bk_supplier_account": "123456789"}},
			want: map[string]any{"bk_supplier_account": "123456789"}},
		{name: "the gateway's owner is 0", surface: "v3", call: req{data: set("bk_supplier_account", "123456789")},
			want: map[string]any{"bk_supplier_account": "0"}},
		{name: "business 0 skips the business check", cfg: mock.Config{IAMOff: true}, call: req{biz: 0, data: set("bk_parent_id", 9)},
			want: map[string]any{"bk_biz_id": json.Number("0"), "bk_parent_id": json.Number("9")}},
	}
	for _, tc := range cases {
		surfaces := []string{"esb", "v3"}
		if tc.surface != "" {
			surfaces = []string{tc.surface}
		}
		for _, surface := range surfaces {
			t.Run(surface+"/"+tc.name, func(t *testing.T) {
				cfg := tc.cfg
				cfg.Now = fixedClock
				s := newServer(t, cfg)
				call := tc.call
				call.surface = surface
				if call.biz == nil {
					call.biz = 1
				}
				if call.data == nil {
					call.data = set()
				}
				r := call.send(t, s)
				require.True(t, r.Result, "%s", r.Raw)
				for k, want := range tc.want {
					got, present := r.Data[k]
					if want == nil {
						assert.False(t, present, "%s is dropped", k)
						continue
					}
					assert.Equal(t, want, got, k)
				}
				// What was answered is what is stored.
				id, err := r.Data["bk_set_id"].(json.Number).Int64()
				require.NoError(t, err)
				stored, ok := s.Store().Set(id)
				require.True(t, ok)
				answered, err := json.Marshal(stored)
				require.NoError(t, err)
				assert.JSONEq(t, string(answered), string(r.Keys["data"]))
			})
		}
	}
}

// TestTemplateOverridesTheRequest: a set template's own attribute values win over the request's
// (reference §6).
func TestTemplateOverridesTheRequest(t *testing.T) {
	fx := defaultFixtures(t)
	fx.SetTemplates[0].Attributes = map[string]any{"bk_set_env": "1", "bk_capacity": 50}
	sp := loadSpec()
	s, err := mock.New(sp, fx, mock.Config{})
	require.NoError(t, err)
	r := req{surface: "v3", biz: 1, data: set("set_template_id", 1, "bk_set_env", "2", "bk_capacity", 10)}.send(t, s)
	require.True(t, r.Result, "%s", r.Raw)
	assert.Equal(t, "1", r.Data["bk_set_env"])
	assert.Equal(t, json.Number("50"), r.Data["bk_capacity"])
}

// TestDocumentDescribesTheModel: the served document's set fields say what the set model checks:
// the enum ids, the bounds of integers, and which attributes are strings.
func TestDocumentDescribesTheModel(t *testing.T) {
	sp := loadSpec()
	data := sp.OpenAPI().Components.Schemas["SetCreateData"].Value
	for _, a := range defaultFixtures(t).SetModel {
		p, ok := data.Properties[a.PropertyID]
		if !ok || a.PropertyID == "bk_parent_id" {
			// Not a field a client sends (bk_biz_id, the server's times), or one CMDB checks by
			// rules of its own (the parent, C17).
			continue
		}
		s := p.Value
		switch a.Type {
		case fixtures.TypeEnum:
			var ids []any
			for _, o := range a.Enum {
				ids = append(ids, o.ID)
			}
			assert.Equal(t, ids, s.Enum, a.PropertyID)
		case fixtures.TypeInt:
			if s.Min != nil {
				assert.Equal(t, float64(a.Min), *s.Min, a.PropertyID)
			}
			if s.Max != nil {
				assert.Equal(t, float64(a.Max), *s.Max, a.PropertyID)
			}
			assert.True(t, s.Type.Is("integer") || s.Type.Is("number"), a.PropertyID)
		default:
			assert.True(t, s.Type.Is("string"), a.PropertyID)
		}
		assert.Equal(t, a.IsRequired, slices.Contains(data.Required, a.PropertyID), a.PropertyID)
	}
	for name, def := range sp.SetDefaults() {
		a, ok := defaultFixtures(t).Attribute(name)
		require.True(t, ok, name)
		assert.Equal(t, a.StoredWhenAbsent(), def, "the document's default of %s", name)
	}
}
