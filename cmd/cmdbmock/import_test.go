package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stagingFixtures is a "staging CMDB" of its own: custom levels, a custom required attribute
// and a custom enum on the set model, and an app whose secret the import must not write.
var stagingFixtures = map[string]string{
	"businesses.json": `[
	 {"bk_biz_id":1,"bk_biz_name":"资源池","default":1,"sets":[{"bk_set_id":1,"bk_set_name":"空闲机池","default":1,
	  "modules":[{"bk_module_id":1,"bk_module_name":"空闲机","default":1}]}]},
	 {"bk_biz_id":2,"bk_biz_name":"游戏","fields":{"bk_biz_maintainer":"alice","time_zone":"Asia/Shanghai","language":"1","life_cycle":"2"},
	  "sets":[{"bk_set_id":2,"bk_set_name":"空闲机池","default":1,"modules":[{"bk_module_id":4,"bk_module_name":"空闲机","default":1},
	  {"bk_module_id":5,"bk_module_name":"故障机","default":2}]}],
	  "nodes":[{"bk_inst_id":201,"bk_inst_name":"华南","bk_obj_id":"region","bk_parent_id":0},
	  {"bk_inst_id":202,"bk_inst_name":"深圳","bk_obj_id":"zone","bk_parent_id":201}]},
	 {"bk_biz_id":3,"bk_biz_name":"支付","fields":{"bk_biz_maintainer":"carol"},
	  "sets":[{"bk_set_id":3,"bk_set_name":"空闲机池","default":1,"modules":[{"bk_module_id":6,"bk_module_name":"空闲机","default":1}]}]}]`,
	"mainline.json": `[{"bk_obj_id":"region","bk_obj_name":"地区"},{"bk_obj_id":"zone","bk_obj_name":"可用区"}]`,
	"set_attributes.json": `[
	 {"id":9001,"bk_property_id":"owner_team","bk_property_name":"负责团队","bk_property_type":"singlechar","isrequired":true,"editable":true,"option":""},
	 {"id":9002,"bk_property_id":"tier","bk_property_name":"等级","bk_property_type":"enum","editable":true,
	  "option":[{"id":"gold","name":"金","type":"text","is_default":true},{"id":"silver","name":"银","type":"text","is_default":false}]},
	 {"id":9003,"bk_property_id":"quota","bk_property_name":"配额","bk_property_type":"float","editable":true,"option":{"min":"0","max":"2.5"}},
	 {"id":9004,"bk_property_id":"canary","bk_property_name":"灰度","bk_property_type":"bool","editable":true,"option":""},
	 {"id":9005,"bk_property_id":"zones","bk_property_name":"可用区","bk_property_type":"enummulti","ismultiple":true,"editable":true,
	  "option":[{"id":"sz","name":"深圳","type":"text","is_default":true},{"id":"gz","name":"广州","type":"text"}]},
	 {"id":9006,"bk_property_id":"dept","bk_property_name":"部门","bk_property_type":"organization","editable":true,"default":[7]}]`,
	"module_attributes.json": `[{"id":9101,"bk_property_id":"port","bk_property_name":"端口","bk_property_type":"int","editable":true,"option":{"min":"1","max":"65535"}}]`,
	"biz_attributes.json":    `[{"id":9201,"bk_property_id":"bk_oper","bk_property_name":"运维","bk_property_type":"objuser","ismultiple":true,"option":""}]`,
	"level_attributes.json":  `[{"id":9301,"bk_property_id":"idc","bk_property_name":"机房","bk_property_type":"singlechar","editable":true,"option":""}]`,
}

const importerSecret, importerUser = "canary-import-secret", "canary-importer"

func writeFixtures(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	return dir
}

// esb sends an ESB call with the staging's user and returns its answer, decoded.
func esb(t *testing.T, base, component, body string) map[string]any {
	t.Helper()
	creds := `"bk_app_code":"ops","bk_app_secret":"ops-secret","bk_username":"bob",`
	resp, err := http.Post(base+"/api/c/compapi/v2/cc/"+component+"/", "application/json", strings.NewReader("{"+creds+body[1:]))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	require.NoError(t, dec.Decode(&out))
	return out
}

// stamps are the times of an answer: the import keeps them, but a mock stamps what it makes
// at its own start, so the comparison sets them aside.
var stamps = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)

// comparable is an answer without its request id, its times written the same.
func comparable(t *testing.T, answer map[string]any) string {
	t.Helper()
	delete(answer, "request_id")
	b, err := json.MarshalIndent(answer, "", " ")
	require.NoError(t, err)
	return stamps.ReplaceAllString(string(b), "<time>")
}

// TestImportServesAsTheTargetAnswers: a mock changed by calls (sets with custom attributes under
// custom levels, an update, modules, a new custom-level node, a delete) is imported through the
// binary's command; a mock serving the directory answers the read calls as the target does,
// times aside, keeps the custom required attribute and the custom enum, and goes on with ids
// past the imported ones. No credential of the importer is written.
func TestImportServesAsTheTargetAnswers(t *testing.T) {
	staging, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--fixtures", writeFixtures(t, stagingFixtures)}, nil)
	defer func() { assert.NoError(t, stop()) }()
	target := "http://" + staging
	for _, name := range []string{"web", "db", "cache"} {
		require.Equal(t, json.Number("0"), esb(t, target, "create_set", `{"bk_biz_id":2,"data":{"bk_parent_id":202,"bk_set_name":"`+name+`","owner_team":"infra","tier":"silver","bk_capacity":30,"zones":["gz","sz"]}}`)["code"])
	}
	require.Equal(t, json.Number("0"), esb(t, target, "update_set", `{"bk_biz_id":2,"bk_set_id":4,"data":{"bk_set_desc":"primary","bk_set_env":"1"}}`)["code"])
	require.Equal(t, json.Number("0"), esb(t, target, "delete_set", `{"bk_biz_id":2,"bk_set_id":5}`)["code"])
	require.Equal(t, json.Number("0"), esb(t, target, "create_module", `{"bk_biz_id":2,"bk_set_id":4,"data":{"bk_parent_id":4,"bk_module_name":"nginx","operator":"dave"}}`)["code"])
	require.Equal(t, json.Number("0"), esb(t, target, "create_inst", `{"bk_obj_id":"zone","bk_biz_id":2,"bk_inst_name":"广州","bk_parent_id":201}`)["code"])
	region := esb(t, target, "create_inst", `{"bk_obj_id":"region","bk_biz_id":3,"bk_inst_name":"华东","bk_parent_id":3}`)
	require.Equal(t, json.Number("0"), region["code"], "%v", region)
	regionID := region["data"].(map[string]any)["bk_inst_id"].(json.Number).String()
	zone := esb(t, target, "create_inst", `{"bk_obj_id":"zone","bk_biz_id":3,"bk_inst_name":"上海","bk_parent_id":`+regionID+`}`)
	require.Equal(t, json.Number("0"), zone["code"], "%v", zone)
	zoneID := zone["data"].(map[string]any)["bk_inst_id"].(json.Number).String()
	require.Equal(t, json.Number("0"), esb(t, target, "create_set", `{"bk_biz_id":3,"data":{"bk_parent_id":`+zoneID+`,"bk_set_name":"pay","owner_team":"fin"}}`)["code"])

	out := filepath.Join(t.TempDir(), "staging")
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"import", "--target", target, "--out", out, "--biz", "1", "--biz", "2,3",
		"--username", importerUser, "--rps", "1000", "--page-size", "2"}, getenv(map[string]string{"CMDBMOCK_APP_SECRET": importerSecret}), io.Discard, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stderr.String(), "import: sets of business 2: 2 of 3", "progress, a page at a time")
	assert.Contains(t, stderr.String(), "import: wrote "+out+": 3 businesses, 2 custom levels, 5 nodes, 6 sets, 5 modules, 6 custom set attributes, 1 custom module attributes, 1 custom business attributes, 1 custom level attributes")

	// Through the API gateway's surface the same is read.
	viaV3 := filepath.Join(t.TempDir(), "v3")
	require.NoError(t, run(context.Background(), []string{"import", "--target", target, "--out", viaV3, "--biz", "1,2,3", "--surface", "v3",
		"--username", importerUser, "--rps", "1000", "--quiet"}, getenv(map[string]string{"CMDBMOCK_APP_SECRET": importerSecret}), io.Discard, io.Discard))
	for _, name := range []string{"businesses.json", "mainline.json", "set_attributes.json"} {
		esbFile, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		v3File, err := os.ReadFile(filepath.Join(viaV3, name))
		require.NoError(t, err)
		assert.Equal(t, string(esbFile), string(v3File), name)
	}

	local, stopLocal := startRun(t, []string{"--addr", "127.0.0.1:0", "--fixtures", out}, nil)
	defer func() { assert.NoError(t, stopLocal()) }()
	calls := []struct{ component, body string }{
		{"search_object_attribute", `{"bk_obj_id":"set"}`},
		{"get_mainline_object_topo", `{}`},
		{"search_business", `{}`},
	}
	for _, biz := range []string{"1", "2", "3"} {
		calls = append(calls,
			struct{ component, body string }{"search_biz_inst_topo", `{"bk_biz_id":` + biz + `}`},
			struct{ component, body string }{"search_set", `{"bk_biz_id":` + biz + `}`},
			struct{ component, body string }{"search_module", `{"bk_biz_id":` + biz + `}`},
		)
	}
	for _, c := range calls {
		want := comparable(t, esb(t, target, c.component, c.body))
		assert.Equal(t, want, comparable(t, esb(t, "http://"+local, c.component, c.body)), "%s %s", c.component, c.body)
	}

	// The custom required attribute and the custom enum work as on the target.
	missing := `{"bk_biz_id":2,"data":{"bk_parent_id":202,"bk_set_name":"no-owner"}}`
	assert.Equal(t, comparable(t, esb(t, target, "create_set", missing)), comparable(t, esb(t, "http://"+local, "create_set", missing)))
	badTier := `{"bk_biz_id":2,"data":{"bk_parent_id":202,"bk_set_name":"x","owner_team":"a","tier":"bronze"}}`
	assert.Equal(t, comparable(t, esb(t, target, "create_set", badTier)), comparable(t, esb(t, "http://"+local, "create_set", badTier)))
	for _, bad := range []string{`"quota":3`, `"canary":"yes"`, `"zones":["sz","bj"]`, `"dept":[7,8]`} {
		body := `{"bk_biz_id":2,"data":{"bk_parent_id":202,"bk_set_name":"x","owner_team":"a",` + bad + `}}`
		answer := esb(t, target, "create_set", body)
		assert.NotEqual(t, json.Number("0"), answer["code"], bad)
		assert.Equal(t, comparable(t, answer), comparable(t, esb(t, "http://"+local, "create_set", body)), "a float, a bool, a multiple choice and an organization are imported with their checks: %s", bad)
	}
	badPort := `{"bk_biz_id":2,"bk_set_id":2,"data":{"bk_parent_id":2,"bk_module_name":"m","port":0}}`
	answer := esb(t, target, "create_module", badPort)
	assert.Equal(t, json.Number("1199006"), answer["code"], "%v", answer)
	assert.Equal(t, comparable(t, answer), comparable(t, esb(t, "http://"+local, "create_module", badPort)), "a custom module attribute is imported with its checks")
	made := esb(t, "http://"+local, "create_set", `{"bk_biz_id":2,"data":{"bk_parent_id":202,"bk_set_name":"new","owner_team":"a"}}`)
	assert.Equal(t, json.Number("8"), made["data"].(map[string]any)["bk_set_id"], "the counter goes on past the imported ids")

	var files strings.Builder
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		require.NoError(t, err)
		files.Write(b)
	}
	for _, secret := range []string{importerSecret, importerUser, "ops-secret", "request_id"} {
		assert.NotContains(t, files.String(), secret)
	}
}

// TestImportReplacesOnlyItsOwn: a second import replaces the first; a directory of other files
// is refused and left as it was.
func TestImportReplacesOnlyItsOwn(t *testing.T) {
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	out := filepath.Join(t.TempDir(), "imported")
	args := []string{"import", "--target", "http://" + addr, "--out", out, "--rps", "1000", "--quiet"}
	require.NoError(t, run(context.Background(), args, getenv(nil), io.Discard, io.Discard))
	require.NoError(t, os.WriteFile(filepath.Join(out, "stale.json"), []byte("{}"), 0o644))
	require.NoError(t, run(context.Background(), args, getenv(nil), io.Discard, io.Discard))
	_, err := os.Stat(filepath.Join(out, "stale.json"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the second import replaced the directory whole")

	mine := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(mine, "notes.txt"), []byte("mine"), 0o644))
	err = run(context.Background(), []string{"import", "--target", "http://" + addr, "--out", mine, "--rps", "1000", "--quiet"}, getenv(nil), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "did not write")
	assert.Equal(t, 2, exitCode(err))
	kept, _ := os.ReadFile(filepath.Join(mine, "notes.txt"))
	assert.Equal(t, "mine", string(kept))
	siblings, _ := os.ReadDir(filepath.Dir(out))
	assert.Len(t, siblings, 1, "no half-written directory beside it")
}

// TestImportCannotRun: an unreachable target, refused credentials, a target that is not a CMDB
// and one whose pages do not follow their start (each the first again, which a proxy may make)
// each end the import with a clear message and exit 2, writing nothing.
func TestImportCannotRun(t *testing.T) {
	strict, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--app", "ops:right"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	notCMDB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>a login page</html>")
	}))
	defer notCMDB.Close()
	// Targets that echo the app secret they were sent: in a refusal, and in a page that is not
	// CMDB's.
	echoing := func(answer func(secret string) string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var creds struct {
				Secret string `json:"bk_app_secret"`
			}
			_ = json.NewDecoder(r.Body).Decode(&creds)
			_, _ = io.WriteString(w, answer(creds.Secret))
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	echoingRefusal := echoing(func(secret string) string {
		return `{"result":false,"code":1306000,"message":"app secret ` + secret + ` is not the app's","data":null}`
	})
	echoingPage := echoing(func(secret string) string { return "<html>signed in with " + secret + "</html>" })
	// A gateway in front of the mock that drops every page's start: each page is the first.
	strictURL, err := url.Parse("http://" + strict)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(strictURL)
	firstPages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(body, &m) == nil && m["page"] != nil {
			m["page"].(map[string]any)["start"] = 0
			body, _ = json.Marshal(m)
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	defer firstPages.Close()
	// Gateways that change the modules they pass on: their ids left out, or made negative.
	modulesRewritten := func(rewrite func(module map[string]any)) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(r.URL.Path, "search_module") {
				proxy.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r)
			var answer map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer))
			if data, ok := answer["data"].(map[string]any); ok {
				for _, m := range data["info"].([]any) {
					rewrite(m.(map[string]any))
				}
			}
			_ = json.NewEncoder(w).Encode(answer)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	noIDs := modulesRewritten(func(m map[string]any) { delete(m, "bk_module_id") })
	negativeIDs := modulesRewritten(func(m map[string]any) { m["bk_module_id"] = -4 })
	// Gateways that say a call's list holds a billion records and answer every page of it with
	// new ones, to the thousandth: the modules of business 2, the businesses.
	endless := func(call string, record func(id string) string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(r.URL.Path, call) {
				proxy.ServeHTTP(w, r)
				return
			}
			var q struct {
				Page struct{ Start, Limit int } `json:"page"`
			}
			require.NoError(t, json.NewDecoder(r.Body).Decode(&q))
			var info []string
			for id := q.Page.Start + 1; id <= min(q.Page.Start+q.Page.Limit, 1000); id++ {
				info = append(info, record(strconv.Itoa(id)))
			}
			_, _ = io.WriteString(w, `{"result":true,"code":0,"message":"success","data":{"count":1000000000,"info":[`+strings.Join(info, ",")+`]}}`)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	endlessModules := endless("search_module", func(id string) string {
		return `{"bk_module_id":` + id + `,"bk_module_name":"m` + id + `","bk_set_id":2,"bk_biz_id":2}`
	})
	endlessBusinesses := endless("search_business", func(id string) string {
		return `{"bk_biz_id":` + id + `,"bk_biz_name":"b` + id + `","default":0}`
	})
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"unreachable":                      {[]string{"--target", "http://127.0.0.1:1"}, "connection refused"},
		"refused credentials":              {[]string{"--target", "http://" + strict, "--app-code", "ops", "--app-secret", "wrong"}, "refused"},
		"not a CMDB":                       {[]string{"--target", notCMDB.URL}, "not CMDB's envelope"},
		"a refusal that echoes the secret": {[]string{"--target", echoingRefusal.URL, "--app-secret", "wrong"}, "is not the app's"},
		"a page that echoes the secret":    {[]string{"--target", echoingPage.URL, "--app-secret", "wrong"}, "not CMDB's envelope"},
		"no out":                           {[]string{"--target", notCMDB.URL, "--out", ""}, "--out is required"},
		"a business the target lacks":      {[]string{"--target", "http://" + strict, "--app-code", "ops", "--app-secret", "right", "--biz", "99"}, "business 99: the target holds no such business"},
		"pages without start": {[]string{"--target", firstPages.URL, "--app-code", "ops", "--app-secret", "right", "--page-size", "1"},
			"bk_module_id 4 came twice: the target does not page by start"},
		"more modules than the mock holds": {[]string{"--target", endlessModules.URL, "--app-code", "ops", "--app-secret", "right", "--max-sets", "1", "--page-size", "5"},
			"the target holds more than 10 modules, what a mock of --max-sets 1 sets holds"},
		"more businesses than sets": {[]string{"--target", endlessBusinesses.URL, "--app-code", "ops", "--app-secret", "right", "--max-sets", "3", "--page-size", "2"},
			"businesses: more than 3, the --max-sets the import keeps to"},
		"records without ids": {[]string{"--target", noIDs.URL, "--app-code", "ops", "--app-secret", "right"},
			"modules of business 2: a record without a positive whole-number bk_module_id (the page from 0): not CMDB's envelope"},
		"records with negative ids": {[]string{"--target", negativeIDs.URL, "--app-code", "ops", "--app-secret", "right"},
			"modules of business 2: a record without a positive whole-number bk_module_id (the page from 0): not CMDB's envelope"},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "x")
			args := append([]string{"import", "--out", out, "--rps", "1000", "--retries", "0", "--quiet"}, tc.args...)
			err := run(context.Background(), args, getenv(nil), io.Discard, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "wrong", "no secret in the message")
			assert.Equal(t, 2, exitCode(err))
			_, statErr := os.Stat(out)
			assert.ErrorIs(t, statErr, os.ErrNotExist)
		})
	}
}

// TestImportTakesSetTemplates: where the target answers ESB's set template calls (here a proxy
// answers them for a mock, which does not), the templates and their service templates are
// imported, and a set created from one in the mock that serves the import gets its modules; a
// target that does not answer them is noted, and the import goes on.
func TestImportTakesSetTemplates(t *testing.T) {
	staging, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	backend, err := url.Parse("http://" + staging)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(backend)
	answering := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			BizID int64 `json:"bk_biz_id"`
			Page  struct {
				Limit int `json:"limit"`
			} `json:"page"`
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/list_set_template/"):
			assert.NoError(t, json.NewDecoder(r.Body).Decode(&body))
			var info []string
			switch body.BizID {
			case 1:
				info = []string{`{"id":1,"name":"web-cluster","bk_biz_id":1,"creator":"admin"}`}
			case 2: // two, every page the first: a target that does not page by start
				info = []string{`{"id":5,"name":"db","bk_biz_id":2,"creator":"admin"}`, `{"id":6,"name":"cache","bk_biz_id":2,"creator":"admin"}`}
			}
			page := info[:min(len(info), body.Page.Limit)]
			_, _ = io.WriteString(w, `{"result":true,"code":0,"message":"success","data":{"count":`+strconv.Itoa(len(info))+`,"info":[`+strings.Join(page, ",")+`]}}`)
		case strings.HasSuffix(r.URL.Path, "/list_set_template_related_service_template/"):
			_, _ = io.WriteString(w, `{"result":true,"code":0,"message":"success","data":[{"id":1,"name":"nginx","service_category_id":2},{"id":2,"name":"app-server","service_category_id":2}]}`)
		default:
			proxy.ServeHTTP(w, r)
		}
	})
	srv := httptest.NewServer(answering)
	defer srv.Close()

	out := filepath.Join(t.TempDir(), "with-templates")
	var stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"import", "--target", srv.URL, "--out", out, "--biz", "1,2", "--rps", "1000"}, getenv(nil), io.Discard, &stderr), stderr.String())
	assert.Contains(t, stderr.String(), "import: set templates of business 1: 1 of 1")
	assert.Equal(t, 1, strings.Count(stderr.String(), "import: set templates of business 1:"), "one line of progress")
	templates, err := os.ReadFile(filepath.Join(out, "set_templates.json"))
	require.NoError(t, err)
	assert.Contains(t, string(templates), `"name": "web-cluster"`)

	local, stopLocal := startRun(t, []string{"--addr", "127.0.0.1:0", "--fixtures", out}, nil)
	defer func() { assert.NoError(t, stopLocal()) }()
	made := esb(t, "http://"+local, "create_set", `{"bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"from-template","set_template_id":1}}`)
	require.Equal(t, json.Number("0"), made["code"], "%v", made)
	modules := esb(t, "http://"+local, "search_module", `{"bk_biz_id":1,"bk_set_id":`+made["data"].(map[string]any)["bk_set_id"].(json.Number).String()+`}`)
	assert.Contains(t, comparable(t, modules), `"bk_module_name": "nginx"`)
	assert.Contains(t, comparable(t, modules), `"bk_module_name": "app-server"`)

	// Business 2's two templates, read a page of one at a time, come as the same page twice.
	err = run(context.Background(), []string{"import", "--target", srv.URL, "--out", filepath.Join(t.TempDir(), "twice"), "--biz", "2", "--page-size", "1", "--rps", "1000"}, getenv(nil), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "set templates of business 2: id 5 came twice: the target does not page by start")

	stderr.Reset()
	require.NoError(t, run(context.Background(), []string{"import", "--target", "http://" + staging, "--out", filepath.Join(t.TempDir(), "plain"), "--rps", "1000"},
		getenv(nil), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "import: note: set templates not imported, as the target does not answer list_set_template")
	assert.Contains(t, stderr.String(), `import: note: hosts not read: a module that holds hosts on the target, which CMDB refuses to delete (1101030), holds none here unless businesses.json gives it "hosts"`)

	// A target's refusal is quoted in the note with what a terminal acts on escaped.
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/list_set_template/") {
			_, _ = io.WriteString(w, `{"result":false,"code":1199000,"message":"\u001b[2J\r\nimport: wrote everything","data":null}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer hostile.Close()
	stderr.Reset()
	require.NoError(t, run(context.Background(), []string{"import", "--target", hostile.URL, "--out", filepath.Join(t.TempDir(), "hostile"), "--rps", "1000"},
		getenv(nil), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), `\x1b[2J\r\nimport: wrote everything`)
	assert.NotContains(t, stderr.String(), "\x1b")
}

// TestImportChecksOutFirst: an --out the import could not write (its parent missing, or a
// directory of other files) stops it before its first request, where it read the whole target
// first.
func TestImportChecksOutFirst(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { calls.Add(1) }))
	defer srv.Close()
	others := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(others, "notes.txt"), []byte("mine"), 0o644))
	for out, want := range map[string]string{
		filepath.Join(t.TempDir(), "no such directory", "fixtures"): "--out ",
		others: "holds files that cmdbmock import did not write",
	} {
		err := run(context.Background(), []string{"import", "--target", srv.URL, "--out", out, "--rps", "1000", "--quiet"}, getenv(nil), io.Discard, io.Discard)
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
		assert.Equal(t, 2, exitCode(err))
	}
	assert.Zero(t, calls.Load(), "a request was sent with an --out the import cannot write")
	entries, err := os.ReadDir(others)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "nothing is left beside the other files")
}
