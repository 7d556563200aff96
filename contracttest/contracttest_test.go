package contracttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/fixturestest"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

const canarySecret = "canary-s3cret-9f1c"

func loadSpec(t *testing.T) *spec.Spec {
	t.Helper()
	return spec.Load(context.Background())
}

func newMock(t *testing.T, cfg mock.Config) *mock.Server {
	t.Helper()
	fx, err := fixtures.Default()
	require.NoError(t, err)
	m, err := mock.New(loadSpec(t), fx, cfg)
	require.NoError(t, err)
	return m
}

func config(t *testing.T, target string, surface contracttest.Surface) contracttest.Config {
	return contracttest.Config{
		Target: target, BizID: 1, Spec: loadSpec(t), Surface: surface, RPS: -1,
		AppCode: "contract", AppSecret: canarySecret, Username: "ops", DeniedUser: "noperm",
	}
}

// allReports is a run's report in every format, one after the other.
func allReports(t *testing.T, rep *contracttest.Report) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, rep.WriteText(&out))
	require.NoError(t, rep.WriteJSON(&out))
	require.NoError(t, rep.WriteJUnit(&out))
	return out.String()
}

func reasons(r *contracttest.Report) string {
	var b strings.Builder
	for _, c := range r.Cases {
		for _, reason := range c.Reasons {
			b.WriteString(c.Name + ": " + reason + "\n")
		}
	}
	return b.String()
}

// TestMockKeepsTheContract: the mock passes its own contract suite, on both surfaces, in both
// languages and both releases, and the run leaves nothing behind.
func TestMockKeepsTheContract(t *testing.T) {
	for _, surface := range []contracttest.Surface{contracttest.SurfaceESB, contracttest.SurfaceV3} {
		for _, lang := range []spec.Lang{spec.English, spec.Chinese} {
			for _, version := range spec.Versions {
				for _, iamOff := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/%d/%s/iam-off=%v", surface, lang, version, iamOff), func(t *testing.T) {
						m := newMock(t, mock.Config{Version: version, IAMOff: iamOff})
						srv := httptest.NewServer(m)
						defer srv.Close()
						cfg := config(t, srv.URL, surface)
						cfg.Lang, cfg.Version, cfg.IAMOff = lang, version, iamOff
						rep, err := contracttest.Run(context.Background(), cfg)
						require.NoError(t, err)
						assert.True(t, rep.Conformant(), "%s", reasons(rep))
						pass, fail, skip := rep.Counts()
						assert.Zero(t, fail)
						if iamOff {
							assert.Equal(t, 2, skip, "without IAM no user is denied, and the business has no custom level")
						} else {
							assert.Equal(t, 1, skip, "the business has no custom level")
						}
						assert.Greater(t, pass, 30)
						assert.Empty(t, rep.Leftovers)
						assert.Len(t, m.Store().Sets(), 2, "only the built-in sets are left")
					})
				}
			}
		}
	}
}

// TestRequiredCustomAttributesAreFilled: a deployment whose set and module models require
// custom attributes passes the suite as one without: every set and module the run creates
// carries a value of each, given (--set-field, --module-field) or made by the run for its type
// (an enum's default, a number within bounds, a string its pattern takes, ...), and the report
// says which. One the run cannot make a value for stops it before any create, naming the field.
func TestRequiredCustomAttributesAreFilled(t *testing.T) {
	models := map[string]string{"set_attributes.json": `[
		{"id":900,"bk_property_id":"owner_team","bk_property_name":"负责团队","bk_property_type":"singlechar","option":"^[a-z]+$","isrequired":true},
		{"id":901,"bk_property_id":"tier","bk_property_name":"等级","bk_property_type":"enum","isrequired":true,
		 "option":[{"id":"gold","name":"金","type":"text"},{"id":"iron","name":"铁","type":"text","is_default":true}]},
		{"id":902,"bk_property_id":"replicas","bk_property_name":"副本数","bk_property_type":"int","option":{"min":"3","max":"9"},"isrequired":true},
		{"id":903,"bk_property_id":"zones","bk_property_name":"可用区","bk_property_type":"enummulti","ismultiple":true,"isrequired":true,
		 "option":[{"id":"sz","name":"深圳","type":"text"}]},
		{"id":904,"bk_property_id":"dept","bk_property_name":"部门","bk_property_type":"organization","isrequired":true},
		{"id":905,"bk_property_id":"golive","bk_property_name":"上线日期","bk_property_type":"date","isrequired":true}]`,
		"module_attributes.json": `[
		{"id":910,"bk_property_id":"port","bk_property_name":"端口","bk_property_type":"int","option":{"min":"1","max":"65535"},"isrequired":true}]`}
	withModel := fixturestest.Load(t, models)
	for _, surface := range []contracttest.Surface{contracttest.SurfaceESB, contracttest.SurfaceV3} {
		m, err := mock.New(loadSpec(t), withModel, mock.Config{})
		require.NoError(t, err)
		srv := httptest.NewServer(m)
		cfg := config(t, srv.URL, surface)
		cfg.SetFields = map[string]any{"owner_team": "infra"}
		rep, err := contracttest.Run(context.Background(), cfg)
		require.NoError(t, err)
		assert.True(t, rep.Conformant(), "%s: %s", surface, reasons(rep))
		assert.Equal(t, map[string]any{"owner_team": "infra", "tier": "iron", "replicas": json.Number("3"), "zones": []any{"sz"},
			"dept": []any{json.Number("1")}, "golive": "2000-01-01"}, jsonRoundTrip(t, rep.SetFields), surface)
		assert.Equal(t, map[string]any{"port": json.Number("1")}, jsonRoundTrip(t, rep.ModuleFields), surface)
		assert.Len(t, m.Store().Sets(), 2, "only the built-in sets are left")
		srv.Close()
	}

	// A pattern the run's strings do not match, and no value given: the run says what to give.
	models["set_attributes.json"] = `[
		{"id":900,"bk_property_id":"code","bk_property_name":"编码","bk_property_type":"singlechar","option":"^[0-9]{6}$","isrequired":true}]`
	m, err := mock.New(loadSpec(t), fixturestest.Load(t, models), mock.Config{})
	require.NoError(t, err)
	srv := httptest.NewServer(m)
	defer srv.Close()
	_, err = contracttest.Run(context.Background(), config(t, srv.URL, contracttest.SurfaceESB))
	require.ErrorContains(t, err, "code")
	assert.ErrorContains(t, err, "--set-field")
	assert.Len(t, m.Store().Sets(), 2, "nothing created")

	// A model the target does not answer is noted, and the run goes on with the fields given.
	plain := newMock(t, mock.Config{})
	noModel := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "search_object_attribute") {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		plain.ServeHTTP(w, r)
	}))
	defer noModel.Close()
	rep := runRetryingAtOnce(t, noModel.URL)
	require.Len(t, rep.Notes, 2)
	assert.Contains(t, rep.Notes[0], "the set model could not be read (HTTP status 502")
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "note: the module model could not be read")

	// So is a model the target refuses.
	refused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "get_mainline_object_topo") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"result":false,"code":1199999,"message":"topo Internal Server Error","request_id":"0123456789abcdef0123456789abcdef","data":null}`))
			return
		}
		plain.ServeHTTP(w, r)
	}))
	defer refused.Close()
	rep = runRetryingAtOnce(t, refused.URL)
	assert.Equal(t, []string{"the mainline model could not be read (HTTP status 200, 1199999 topo Internal Server Error)"}, rep.Notes)
}

// TestCustomLevelsFindTheirParents: in a deployment whose businesses have custom levels between
// the business and its sets, the run hangs its sets under the first node of the level above
// them and uses a second for the duplicate-name case, unless --parent-id and --other-parent-id
// say which, and says so in the report; a business without two such nodes stops the run before
// any create, naming the flag to give.
func TestCustomLevelsFindTheirParents(t *testing.T) {
	withNodes := func(nodes string) *fixtures.Fixtures {
		var businesses []map[string]any
		require.NoError(t, json.Unmarshal([]byte(fixturestest.Files(t, nil)["businesses.json"]), &businesses))
		var parsed []any
		require.NoError(t, json.Unmarshal([]byte(nodes), &parsed))
		businesses[0]["nodes"] = parsed // business 1, which config runs in
		raw, err := json.Marshal(businesses)
		require.NoError(t, err)
		return fixturestest.Load(t, map[string]string{"businesses.json": string(raw),
			"mainline.json": `[{"bk_obj_id":"region","bk_obj_name":"地区"},{"bk_obj_id":"zone","bk_obj_name":"可用区"}]`})
	}
	start := func(fx *fixtures.Fixtures) (*mock.Server, string) {
		m, err := mock.New(loadSpec(t), fx, mock.Config{})
		require.NoError(t, err)
		srv := httptest.NewServer(m)
		t.Cleanup(srv.Close)
		return m, srv.URL
	}
	two := withNodes(`[{"bk_inst_id":201,"bk_inst_name":"华南","bk_obj_id":"region","bk_parent_id":0},
		{"bk_inst_id":202,"bk_inst_name":"深圳","bk_obj_id":"zone","bk_parent_id":201},
		{"bk_inst_id":203,"bk_inst_name":"广州","bk_obj_id":"zone","bk_parent_id":201}]`)
	for _, surface := range []contracttest.Surface{contracttest.SurfaceESB, contracttest.SurfaceV3} {
		m, target := start(two)
		rep, err := contracttest.Run(context.Background(), config(t, target, surface))
		require.NoError(t, err)
		assert.True(t, rep.Conformant(), "%s: %s", surface, reasons(rep))
		assert.Contains(t, rep.Notes, "sets hang under zone 202 and, for the duplicate-name case, zone 203: the first nodes of the level above sets")
		assert.Len(t, m.Store().Sets(), 2, "only the built-in sets are left")
		_, _, skip := rep.Counts()
		assert.Zero(t, skip, "%s: the node case runs", surface)
		assert.Len(t, m.Store().Nodes(1), 3, "%s: the node the run added is gone", surface)
	}

	// Targets that break the node case: one whose delete_inst says success and deletes nothing
	// (the case says what is left under the node, the cleanup deletes the set by its name and
	// lists the node), one whose create_inst answers another node's id (the case goes no
	// further, that node is left alone, and the run's own is deleted by its name).
	success := `{"result":true,"code":0,"data":null,"message":"success","permission":null,"request_id":"0123456789abcdef0123456789abcdef"}`
	for name, tc := range map[string]struct {
		change func(w http.ResponseWriter, r *http.Request, next http.Handler)
		want   string
		left   int // nodes the cleanup lists
	}{
		"a delete that deletes nothing": {change: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if isCall(r, "delete_inst", http.MethodDelete, "/api/v3/delete/instance/") {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(success))
				return
			}
			next.ServeHTTP(w, r)
		}, want: "search_set still finds set", left: 1},
		"a create answered with another node": {change: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if !isCall(r, "create_inst", http.MethodPost, "/api/v3/create/instance/") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := regexp.MustCompile(`"bk_inst_id":\d+`).ReplaceAll(rec.Body.Bytes(), []byte(`"bk_inst_id":202`))
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}, want: "does not show zone 202 as the node the run added"},
	} {
		for _, surface := range []contracttest.Surface{contracttest.SurfaceESB, contracttest.SurfaceV3} {
			m, err := mock.New(loadSpec(t), two, mock.Config{})
			require.NoError(t, err)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.change(w, r, m) }))
			rep, err := contracttest.Run(context.Background(), config(t, srv.URL, surface))
			srv.Close()
			require.NoError(t, err)
			assert.False(t, rep.Conformant(), "%s, %s", name, surface)
			assert.Contains(t, reasons(rep), tc.want, "%s, %s", name, surface)
			require.Len(t, rep.Leftovers, tc.left, "%s, %s", name, surface)
			for _, l := range rep.Leftovers {
				assert.Equal(t, "zone", l.Object)
				assert.Contains(t, l.String(), "delete_inst said success, but search_biz_inst_topo still shows it")
			}
			assert.Len(t, m.Store().Sets(), 2, "%s, %s: the sets are deleted by their names", name, surface)
			if tc.left == 0 {
				assert.Len(t, m.Store().Nodes(1), 3, "%s, %s: node 202 is left alone, the run's own deleted", name, surface)
			}
		}
	}

	// With --no-cleanup, a node the case could not delete is listed as kept.
	m, err := mock.New(loadSpec(t), two, mock.Config{})
	require.NoError(t, err)
	keeps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isCall(r, "delete_inst", http.MethodDelete, "/api/v3/delete/instance/") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(success))
			return
		}
		m.ServeHTTP(w, r)
	}))
	cfg := config(t, keeps.URL, contracttest.SurfaceESB)
	cfg.NoCleanup = true
	rep, err := contracttest.Run(context.Background(), cfg)
	keeps.Close()
	require.NoError(t, err)
	var nodes []string
	for _, l := range rep.Leftovers {
		if l.Object != "" {
			nodes = append(nodes, l.String())
		}
	}
	require.Len(t, nodes, 1)
	assert.Regexp(t, `^zone bk_inst_id \d+ ct-\w+-node: kept: --no-cleanup$`, nodes[0])

	m, target := start(two)
	cfg = config(t, target, contracttest.SurfaceESB)
	cfg.ParentID, cfg.OtherParentID = 203, 202
	rep, err = contracttest.Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.True(t, rep.Conformant(), "%s", reasons(rep))
	assert.Empty(t, rep.Notes, "the parents given are used as they are")
	assert.Len(t, m.Store().Sets(), 2)

	for nodes, flag := range map[string]string{
		`[{"bk_inst_id":201,"bk_inst_name":"华南","bk_obj_id":"region","bk_parent_id":0}]`: "--parent-id",
		`[{"bk_inst_id":201,"bk_inst_name":"华南","bk_obj_id":"region","bk_parent_id":0},
		  {"bk_inst_id":202,"bk_inst_name":"深圳","bk_obj_id":"zone","bk_parent_id":201}]`: "--other-parent-id",
	} {
		m, target := start(withNodes(nodes))
		_, err := contracttest.Run(context.Background(), config(t, target, contracttest.SurfaceESB))
		require.ErrorContains(t, err, flag)
		assert.ErrorContains(t, err, "zone")
		assert.Len(t, m.Store().Sets(), 2, "nothing created")
	}
}

// runRetryingAtOnce runs the suite on ESB against a target, retrying after a millisecond.
func runRetryingAtOnce(t *testing.T, target string) *contracttest.Report {
	t.Helper()
	cfg := config(t, target, contracttest.SurfaceESB)
	cfg.RetryBackoff = time.Millisecond
	rep, err := contracttest.Run(context.Background(), cfg)
	require.NoError(t, err)
	return rep
}

// jsonRoundTrip is a value as a JSON decoder with UseNumber reads it back.
func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	require.NoError(t, dec.Decode(&out))
	return out
}

// breaker serves the mock with its answers changed, to prove each rule is enforced.
func breaker(h http.Handler, mutate func(r *http.Request, w http.Header, status *int, body map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var body map[string]any
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.UseNumber()
		_ = dec.Decode(&body)
		status := rec.Code
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		order := jsonx.TopKeys(rec.Body.Bytes())
		mutate(r, w.Header(), &status, body)
		out := marshalInOrder(body, order)
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		_, _ = w.Write(out)
	})
}

// moveLast, set by a mutation to a key's name, makes marshalInOrder write that key last;
// trailing, set to some text, makes it write the text after the object.
const (
	moveLast = "\x00move-last"
	trailing = "\x00trailing"
)

// marshalInOrder writes an object with its keys in the given order first, as the target wrote
// them, then any key a mutation added (or moved last).
func marshalInOrder(body map[string]any, order []string) []byte {
	if k, ok := body[moveLast].(string); ok {
		delete(body, moveLast)
		order = slices.DeleteFunc(slices.Clone(order), func(o string) bool { return o == k })
	}
	after, _ := body[trailing].(string)
	delete(body, trailing)
	var b bytes.Buffer
	b.WriteByte('{')
	write := func(k string) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(body[k])
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	done := map[string]bool{}
	for _, k := range order {
		if _, ok := body[k]; ok {
			write(k)
			done[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(body)) {
		if !done[k] {
			write(k)
		}
	}
	b.WriteByte('}')
	b.WriteString(after)
	return b.Bytes()
}

func isCreate(r *http.Request) bool {
	return strings.Contains(r.URL.Path, "create_set") || (r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/v3/set/") && !strings.Contains(r.URL.Path, "search"))
}

// isCall reports whether a request is one of the call's, on ESB (by its component) or v3 (by the
// method and the start of its path).
func isCall(r *http.Request, component, method, v3Prefix string) bool {
	return strings.Contains(r.URL.Path, "/cc/"+component) || r.Method == method && strings.HasPrefix(r.URL.Path, v3Prefix)
}

func TestBrokenTargetsAreCaught(t *testing.T) {
	code := func(b map[string]any) string {
		if c, ok := b["bk_error_code"].(json.Number); ok {
			return string(c)
		}
		c, _ := b["code"].(json.Number)
		return string(c)
	}
	type variant struct {
		name    string
		surface contracttest.Surface
		mutate  func(r *http.Request, h http.Header, status *int, b map[string]any)
		want    string
	}
	// requests change the request of a variant before the mock sees it.
	requests := map[string]func(r *http.Request){}
	keep := func(*http.Request, http.Header, *int, map[string]any) {}
	cases := []variant{
		{"result disagrees with code", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) != "0" {
				b["result"] = true
			}
		}, "result must be true exactly when code is 0"},
		{"code is a string", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) { b["code"] = code(b) }, "\" is not a number"},
		{"empty message on a failure", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) != "0" {
				b["message"] = ""
			}
		}, "message is empty on a failure"},
		{"data on a failure", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) != "0" {
				b["data"] = map[string]any{}
			}
		}, "on a failure: it must be null"},
		{"permission key on a gateway error", contracttest.SurfaceESB, func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) == "1306000" {
				b["permission"] = nil
			}
		}, "permission key on a gateway error"},
		{"no permission key on a CMDB error", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if strings.HasPrefix(code(b), "1199") {
				delete(b, "permission")
			}
		}, "no permission key"},
		{"permission where none is due", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) == "1199006" {
				b["permission"] = map[string]any{"system_id": "bk_cmdb"}
			}
		}, "must be null except on 9900403"},
		{"request_id not hex", contracttest.SurfaceESB, func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			b["request_id"] = "NOT-HEX"
		}, "is not 32 lowercase hex digits"},
		{"no X-Request-Id", contracttest.SurfaceV3, func(_ *http.Request, h http.Header, _ *int, _ map[string]any) {
			h.Del("X-Request-Id")
		}, "no X-Request-Id header"},
		{"a 4xx for a refusal", "", func(_ *http.Request, _ http.Header, status *int, b map[string]any) {
			if code(b) != "0" {
				*status = http.StatusBadRequest
			}
		}, "HTTP status 400"},
		{"bytes after the object", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) { b[trailing] = "}" },
			"the body is not one JSON object: something follows it"},
		{"a text content type", "", func(_ *http.Request, h http.Header, _ *int, _ map[string]any) {
			h.Set("Content-Type", "text/plain")
		}, "is not application/json"},
		{"a record without its name", "", func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if d, ok := b["data"].(map[string]any); ok && isCreate(r) {
				delete(d, "bk_set_name")
			}
		}, "does not match spec/openapi.yaml"},
		{"a wrong default", "", func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if d, ok := b["data"].(map[string]any); ok && isCreate(r) && d["bk_set_env"] == "3" {
				d["bk_set_env"] = "1"
			}
		}, "bk_set_env left out came back as \"1\""},
		{"a field changed", "", func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if d, ok := b["data"].(map[string]any); ok && isCreate(r) && d["bk_set_desc"] != "" {
				d["bk_set_desc"] = "changed"
			}
		}, "bk_set_desc came back as \"changed\""},
		{"timestamps that differ", "", func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if d, ok := b["data"].(map[string]any); ok && isCreate(r) {
				d["last_time"] = "2030-01-01T00:00:00+08:00"
			}
		}, "differ on a create"},
		{"a wrong code", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) == "1199006" {
				b["code"] = json.Number("1199007")
			}
		}, "want 1199006"},
		{"a wrong message", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) == "1199006" {
				b["message"] = "invalid"
			}
		}, `message "invalid"; want`},
		{"duplicates accepted", "", func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) == "1101108" {
				b["result"], b["code"], b["message"] = true, json.Number("0"), "success"
				b["data"] = map[string]any{"bk_set_id": json.Number("999999"), "bk_set_name": "x"}
			}
		}, "accepted (check C20 of the reference)"},
		{"search_set gives other fields", "", func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if d, ok := b["data"].(map[string]any); ok && strings.Contains(r.URL.Path, "search") {
				for _, item := range d["info"].([]any) {
					item.(map[string]any)["bk_set_desc"] = "other"
				}
			}
		}, "search_set gives bk_set_desc"},
	}
	cases = append(cases,
		// The rows of the reference's second version that matter most to a caller.
		variant{name: "ESB credentials header ignored", surface: contracttest.SurfaceESB, mutate: keep, want: "expected success, got 1306000"},
		variant{name: "API server errors renamed", surface: contracttest.SurfaceV3, mutate: func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if c, ok := b["bk_error_code"]; ok {
				b["code"], b["message"], b["data"] = c, b["bk_error_msg"], nil
				delete(b, "bk_error_code")
				delete(b, "bk_error_msg")
			}
		}, want: "written as code/message"},
		variant{name: "digit strings accepted", mutate: keep, want: "accepted (check C17, I6 of the reference)"},
		variant{name: "ESB keys in another order", surface: contracttest.SurfaceESB, mutate: func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			b[moveLast] = "data"
		}, want: "ESB writes them in the order"},
		variant{name: "system attributes listed", mutate: func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if list, ok := b["data"].([]any); ok && strings.Contains(r.URL.Path, "attr") {
				b["data"] = append(list, map[string]any{"bk_property_id": "bk_parent_id", "bk_property_name": "", "bk_property_type": "int",
					"option": "", "isrequired": true, "bk_obj_id": "set"})
			}
		}, want: "bk_parent_id is listed"},
		variant{name: "a batch delete that deletes nothing", mutate: keep, want: "still finds bk_set_id"},
		// The module, business and topology calls (reference §11, §12).
		variant{name: "duplicate modules accepted", mutate: func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
			if code(b) == "1199014" {
				b["result"], b["code"], b["message"] = true, json.Number("0"), "success"
				b["data"] = map[string]any{"bk_module_id": json.Number("999999"), "bk_module_name": "x", "bk_set_id": json.Number("1"),
					"bk_biz_id": json.Number("1"), "bk_parent_id": json.Number("1"), "default": json.Number("0"), "service_category_id": json.Number("2"),
					"service_template_id": json.Number("0"), "create_time": "x", "last_time": "x"}
			}
		}, want: "accepted (check M24 of the reference)"},
		variant{name: "a module under another parent", mutate: func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if d, ok := b["data"].(map[string]any); ok && isCall(r, "create_module", http.MethodPost, "/api/v3/module/") && !strings.Contains(r.URL.Path, "search") {
				d["bk_parent_id"] = json.Number("1")
			}
		}, want: "create_module gives bk_parent_id"},
		variant{name: "the resource pool listed", mutate: func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if d, ok := b["data"].(map[string]any); ok && isCall(r, "search_business", http.MethodPost, "/api/v3/biz/search/") {
				d["info"] = append(d["info"].([]any), map[string]any{"bk_biz_id": json.Number("1"), "bk_biz_name": "资源池", "default": json.Number("1")})
				d["count"] = json.Number(fmt.Sprint(len(d["info"].([]any))))
			}
		}, want: "search_business lists default 0 only"},
		variant{name: "find_module_batch with a count", mutate: func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if list, ok := b["data"].([]any); ok && isCall(r, "find_module_batch", http.MethodPost, "/api/v3/findmany/module/") {
				b["data"] = map[string]any{"count": json.Number(fmt.Sprint(len(list))), "info": list}
			}
		}, want: "does not match spec/openapi.yaml"},
		variant{name: "no built-in modules", mutate: func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if d, ok := b["data"].(map[string]any); ok && isCall(r, "get_biz_internal_module", http.MethodGet, "/api/v3/topo/internal/") {
				d["module"] = []any{}
			}
		}, want: "no built-in module in the idle set"},
		variant{name: "a module's path without its set", mutate: func(r *http.Request, _ http.Header, _ *int, b map[string]any) {
			if list, ok := b["data"].([]any); ok && isCall(r, "find_topo_node_paths", http.MethodPost, "/api/v3/cache/") && len(list) == 1 {
				item := list[0].(map[string]any)
				path := item["bk_paths"].([]any)[0].([]any)
				item["bk_paths"] = []any{path[:len(path)-1]}
			}
		}, want: "the module's path is"},
		variant{name: "an update_module that changes nothing", mutate: keep, want: "after update_module gives"},
		variant{name: "an update_set that writes other values", mutate: keep, want: "search_set after update_set gives"},
		variant{name: "a gone set's delete refused", mutate: keep, want: "CMDB answers success for a set that is gone"},
		variant{name: "a gone module's delete refused", mutate: keep, want: "CMDB answers success for a module that is gone"},
		variant{name: "a built-in module updated", mutate: succeedsOn("1101098"), want: "accepted (check U3 of the reference); want code 1101098"},
		variant{name: "a gone module updated", mutate: succeedsOn("1199019"), want: "accepted (check U4 of the reference); want code 1199019"},
		variant{name: "the idle set updated", mutate: succeedsOn("1101098"), want: "accepted (check §9 of the reference); want code 1101098"},
		variant{name: "a deleted set updated", mutate: succeedsOn("1199019"), want: "accepted (check §9 of the reference); want code 1199019"},
	)
	// Targets that refuse to delete a set or a module twice: the second delete of the same one is
	// sent on without its id, which the mock refuses.
	requests["a gone set's delete refused"] = refusesTwice("delete_set", "/api/v3/set/", "bk_set_id")
	requests["a gone module's delete refused"] = refusesTwice("delete_module", "/api/v3/module/", "bk_module_id")
	requests["an update_set that writes other values"] = func(r *http.Request) {
		if !isCall(r, "update_set", http.MethodPut, "/api/v3/set/") {
			return
		}
		body, _ := io.ReadAll(r.Body)
		body = bytes.ReplaceAll(body, []byte(`"updated by cmdbmock contract"`), []byte(`"other"`))
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	requests["an update_module that changes nothing"] = func(r *http.Request) {
		if !isCall(r, "update_module", http.MethodPut, "/api/v3/module/") {
			return
		}
		body := []byte(`{}`)
		if !strings.HasPrefix(r.URL.Path, "/api/v3/") { // ESB: the same ids, no fields
			var top map[string]any
			_ = json.NewDecoder(r.Body).Decode(&top)
			top["data"] = map[string]any{}
			body, _ = json.Marshal(top)
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	requests["a batch delete that deletes nothing"] = func(r *http.Request) {
		if strings.Contains(r.URL.Path, "batch") {
			body := []byte(`{"bk_app_code":"contract","bk_app_secret":"` + canarySecret + `","bk_username":"ops","bk_biz_id":1,"delete":{"inst_ids":[999999]}}`)
			if strings.HasPrefix(r.URL.Path, "/api/v3/") {
				body = []byte(`{"delete":{"inst_ids":[999999]}}`)
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
	}
	requests["ESB credentials header ignored"] = func(r *http.Request) { r.Header.Del("X-Bkapi-Authorization") }
	requests["digit strings accepted"] = func(r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		body = regexp.MustCompile(`"(bk_parent_id|set_template_id)":"(\d+)"`).ReplaceAll(body, []byte(`"$1":$2`))
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	for _, tc := range cases {
		for _, surface := range []contracttest.Surface{contracttest.SurfaceESB, contracttest.SurfaceV3} {
			if tc.surface != "" && tc.surface != surface {
				continue
			}
			t.Run(string(surface)+"/"+tc.name, func(t *testing.T) {
				var target http.Handler = newMock(t, mock.Config{})
				if change := requests[tc.name]; change != nil {
					inner := target
					target = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						change(r)
						inner.ServeHTTP(w, r)
					})
				}
				srv := httptest.NewServer(breaker(target, tc.mutate))
				defer srv.Close()
				rep, err := contracttest.Run(context.Background(), config(t, srv.URL, surface))
				require.NoError(t, err)
				assert.False(t, rep.Conformant())
				assert.Contains(t, reasons(rep), tc.want)
			})
		}
	}
}

// refusesTwice changes the second delete of the same set or module (component on ESB, a DELETE
// under v3Prefix) into one the mock refuses: its id left out of the ESB body, not a number in the
// v3 path.
func refusesTwice(component, v3Prefix, idKey string) func(r *http.Request) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(r *http.Request) {
		if !isCall(r, component, http.MethodDelete, v3Prefix) || strings.Contains(r.URL.Path, "batch") {
			return
		}
		body, _ := io.ReadAll(r.Body)
		key := r.URL.Path + string(body)
		mu.Lock()
		again := seen[key]
		seen[key] = true
		mu.Unlock()
		switch {
		case !again:
		case strings.HasPrefix(r.URL.Path, "/api/v3/"):
			r.URL.Path += "x"
		default:
			body = regexp.MustCompile(`"`+idKey+`":\d+,?`).ReplaceAll(body, nil)
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
}

// succeedsOn turns a refusal with the code into a success whose data is null, as a target that
// took the call would answer an update.
func succeedsOn(refusal string) func(*http.Request, http.Header, *int, map[string]any) {
	return func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
		if c, _ := b["code"].(json.Number); string(c) == refusal {
			b["result"], b["code"], b["message"], b["data"] = true, json.Number("0"), "success", nil
		}
	}
}

func TestLenientComparesCodesOnly(t *testing.T) {
	srv := httptest.NewServer(breaker(newMock(t, mock.Config{}), func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
		if b["result"] == false {
			b["message"] = "something else"
		}
	}))
	defer srv.Close()
	cfg := config(t, srv.URL, contracttest.SurfaceESB)
	cfg.Lenient = true
	rep, err := contracttest.Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.True(t, rep.Conformant(), "%s", reasons(rep))
}

func TestDeletesThatDoNothingAreListed(t *testing.T) {
	m := newMock(t, mock.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "delete_set") || r.Method == http.MethodDelete {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Request-Id", "0123456789abcdef0123456789abcdef")
			_, _ = w.Write([]byte(`{"result":true,"code":0,"message":"success","permission":null,"request_id":"0123456789abcdef0123456789abcdef","data":null}`))
			return
		}
		m.ServeHTTP(w, r)
	}))
	defer srv.Close()
	rep, err := contracttest.Run(context.Background(), config(t, srv.URL, contracttest.SurfaceESB))
	require.NoError(t, err)
	assert.False(t, rep.Conformant())
	assert.Contains(t, reasons(rep), "still finds bk_set_id")
	require.NotEmpty(t, rep.Leftovers)
	assert.Contains(t, rep.Leftovers[0].Reason, "search_set still finds it")
	assert.Len(t, rep.Leftovers, len(m.Store().Sets())-2, "every set left in the store is listed")

	first := fmt.Sprintf("bk_set_id %d %s: %s", rep.Leftovers[0].SetID, rep.Leftovers[0].Name, rep.Leftovers[0].Reason)
	var text, junit bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	require.NoError(t, rep.WriteJUnit(&junit))
	assert.Contains(t, text.String(), "  LEFT "+first+"\n", "the text report lists each set left")
	assert.Contains(t, junit.String(), first, "so does the cleanup case of the JUnit report")
	assert.Contains(t, junit.String(), fmt.Sprintf(`message="%d sets left behind"`, len(rep.Leftovers)))
}

func TestDryRunSendsNothing(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	cfg := config(t, srv.URL, contracttest.SurfaceV3)
	cfg.DryRun = true
	rep, err := contracttest.Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Zero(t, hits.Load())
	pass, fail, skip := rep.Counts()
	assert.Zero(t, pass+fail)
	assert.Equal(t, len(rep.Cases), skip)
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "> POST "+srv.URL+"/api/v3/set/1")
	assert.Contains(t, text.String(), "> DELETE "+srv.URL+"/api/v3/set/1/0", "the stateful cases are planned through")
	assert.NotContains(t, text.String(), canarySecret)
}

func TestCleanup(t *testing.T) {
	m := newMock(t, mock.Config{})
	srv := httptest.NewServer(m)
	defer srv.Close()
	cfg := config(t, srv.URL, contracttest.SurfaceESB)
	cfg.NoCleanup = true
	rep, err := contracttest.Run(context.Background(), cfg)
	require.NoError(t, err)
	kept := len(m.Store().Sets()) - 2
	assert.Positive(t, kept)
	assert.Len(t, rep.Leftovers, kept, "--no-cleanup lists what it kept")
	for _, rec := range m.Store().Sets()[2:] {
		assert.True(t, strings.HasPrefix(rec["bk_set_name"].(string), "ct-"+rep.RunID+"-"), "every set created is named ct-<run id>-...: %v", rec["bk_set_name"])
	}

	cfg.NoCleanup = false
	rep, err = contracttest.Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Empty(t, rep.Leftovers)
	assert.Equal(t, kept, rep.Deleted)
	assert.Len(t, m.Store().Sets(), 2+kept, "the second run deleted all it created and only that")
}

func TestSecretsNeverReachReports(t *testing.T) {
	// A target that echoes the secret back, in a message or in a header the report keeps, must
	// not carry it into a report either.
	srv := httptest.NewServer(breaker(newMock(t, mock.Config{}), func(_ *http.Request, h http.Header, _ *int, b map[string]any) {
		if b["result"] == false {
			b["message"] = "echo " + canarySecret
			h.Set("X-Request-Id", "echo-"+canarySecret)
			h.Set("Content-Type", "application/json; echo="+canarySecret)
		}
	}))
	defer srv.Close()
	for _, surface := range []contracttest.Surface{contracttest.SurfaceESB, contracttest.SurfaceV3} {
		rep, err := contracttest.Run(context.Background(), config(t, srv.URL, surface))
		require.NoError(t, err)
		out := allReports(t, rep)
		assert.NotContains(t, out, canarySecret)
		assert.Contains(t, out, "***", "the secret is shown masked")
	}
}

// TestASecretEqualToAnotherValueHidesOnlyTheSecret: with the app code and the secret alike (both
// "cmdbmock" by default), reports mask the secret where it stands as a secret, in what was sent
// and in what a target echoed, and still show the app code and the sets' description.
func TestASecretEqualToAnotherValueHidesOnlyTheSecret(t *testing.T) {
	srv := httptest.NewServer(breaker(newMock(t, mock.Config{}), func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
		if b["result"] == false {
			b["message"] = `app cmdbmock refused: {"bk_app_code":"cmdbmock","bk_app_secret":"cmdbmock"} bk_app_secret=cmdbmock`
		}
	}))
	defer srv.Close()
	for _, dry := range []bool{true, false} {
		cfg := config(t, srv.URL, contracttest.SurfaceESB)
		cfg.AppCode, cfg.AppSecret, cfg.DryRun = "cmdbmock", "cmdbmock", dry
		rep, err := contracttest.Run(context.Background(), cfg)
		require.NoError(t, err)
		out := allReports(t, rep)
		assert.Contains(t, out, `"bk_app_code":"cmdbmock"`, "dry run %v", dry)
		assert.Contains(t, out, `made by cmdbmock contract`, "dry run %v", dry)
		assert.Contains(t, out, `"bk_app_secret":"***"`, "dry run %v", dry)
		assert.NotRegexp(t, `(?i)app_secret(\\?"|&quot;)?\s*[:=]\s*(\\?"|&quot;)?cmdbmock`, out, "dry run %v", dry)
		if !dry {
			assert.Contains(t, out, "app cmdbmock refused", "an echo of the app code stays readable")
		}
	}
}

// TestProgressIsTheTextReportAsItGoes: with Config.Progress the run writes its text report while
// it goes, case by case, the reason of each skip included; what it wrote is WriteText's report.
func TestProgressIsTheTextReportAsItGoes(t *testing.T) {
	srv := httptest.NewServer(newMock(t, mock.Config{}))
	defer srv.Close()
	cfg := config(t, srv.URL, contracttest.SurfaceV3)
	cfg.DeniedUser = "" // its case is skipped, and says why
	var progress bytes.Buffer
	var linesWhenCaseEnded []int
	cfg.Progress = writerFunc(func(p []byte) (int, error) {
		linesWhenCaseEnded = append(linesWhenCaseEnded, strings.Count(progress.String(), "\n"))
		return progress.Write(p)
	})
	rep, err := contracttest.Run(context.Background(), cfg)
	require.NoError(t, err)
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Equal(t, text.String(), progress.String())
	assert.Len(t, linesWhenCaseEnded, len(rep.Cases)+2, "the head, each case, the foot: a write each")
	assert.Regexp(t, `: \d+ cases\n\[ 1/\d+\] PASS`, progress.String())
	assert.Regexp(t, `SKIP negative  [^\n]+\n       - [^\n]*--denied-user`, progress.String(), "a skip says why")
}

// hostileText is what a target may put in its answers to take over the terminal that shows a
// report: an escape that retitles the window, colours, a carriage return and a new line that
// forge a line of the report, a bell, a right-to-left override, and bytes that are not UTF-8.
const hostileText = "\x1b]0;pwned\a\x1b[31mRED\x1b[0m\r\n[ 1/50] PASS positive  forged\u202e\xff\x9b"

// TestTextReportShowsNoControlCharacters: what a target answers reaches the text report and its
// progress with its control characters, bidirectional overrides and invalid UTF-8 escaped, so
// that a report on a terminal is only the report: no line of it is forged and nothing in it
// acts on the terminal. The target answers every call with that text, as JSON and as raw bytes.
func TestTextReportShowsNoControlCharacters(t *testing.T) {
	quoted, err := json.Marshal(hostileText)
	require.NoError(t, err)
	for name, body := range map[string]string{
		"in JSON":     `{"result":false,"code":1199011,"message":` + string(quoted) + `,"data":{"count":1,"info":[{"bk_set_id":9,"bk_set_name":` + string(quoted) + `}]}}`,
		"as raw text": hostileText,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, body)
			}))
			defer srv.Close()
			cfg := config(t, srv.URL, contracttest.SurfaceESB)
			var progress bytes.Buffer
			cfg.Progress = &progress
			rep, err := contracttest.Run(context.Background(), cfg)
			require.NoError(t, err)
			var text bytes.Buffer
			require.NoError(t, rep.WriteText(&text))
			for _, out := range []string{text.String(), progress.String()} {
				assert.True(t, utf8.ValidString(out), "the report is not UTF-8")
				assert.Contains(t, out, `\x1b]0;pwned`, "the target's text is shown, escaped")
				for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
					assert.NotRegexp(t, `[\x00-\x1f\x7f\x{80}-\x{9f}\x{202a}-\x{202e}\x{2066}-\x{2069}]`, line, "line %d", i+1)
					assert.False(t, strings.HasPrefix(line, "[ 1/50] PASS positive  forged"), "line %d is forged", i+1)
				}
			}
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestReports(t *testing.T) {
	srv := httptest.NewServer(breaker(newMock(t, mock.Config{}), func(_ *http.Request, _ http.Header, _ *int, b map[string]any) {
		if b["code"] == json.Number("1199006") {
			b["code"] = json.Number("1199007")
		}
	}))
	defer srv.Close()
	rep, err := contracttest.Run(context.Background(), config(t, srv.URL, contracttest.SurfaceESB))
	require.NoError(t, err)
	pass, fail, skip := rep.Counts()
	require.Positive(t, fail)

	var junit bytes.Buffer
	require.NoError(t, rep.WriteJUnit(&junit))
	var parsed struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(junit.Bytes(), &parsed))
	require.Len(t, parsed.Suites, 1)
	assert.Equal(t, pass+fail+skip+1, parsed.Suites[0].Tests, "the cases and the cleanup")
	assert.Equal(t, fail, parsed.Suites[0].Failures)

	var js bytes.Buffer
	require.NoError(t, rep.WriteJSON(&js))
	var back contracttest.Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, rep.RunID, back.RunID)
	assert.Len(t, back.Cases, len(rep.Cases))

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "FAIL negative  bk_parent_id not positive")
	assert.Contains(t, text.String(), "< 200 {")
}

func TestConfigErrors(t *testing.T) {
	sp := loadSpec(t)
	good := contracttest.Config{Target: "http://127.0.0.1:1", BizID: 1, Spec: sp, AppCode: "a", AppSecret: "b", Username: "u", RPS: -1}
	cases := map[string]func(c *contracttest.Config){
		"no business":        func(c *contracttest.Config) { c.BizID = 0 },
		"no spec":            func(c *contracttest.Config) { c.Spec = nil },
		"not a URL":          func(c *contracttest.Config) { c.Target = "127.0.0.1:8080" },
		"unknown surface":    func(c *contracttest.Config) { c.Surface = "soap" },
		"no credentials":     func(c *contracttest.Config) { c.AppSecret = "" },
		"a negative parent":  func(c *contracttest.Config) { c.OtherParentID = -1 },
		"target unreachable": func(*contracttest.Config) {},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := good
			mutate(&cfg)
			_, err := contracttest.Run(context.Background(), cfg)
			assert.Error(t, err)
		})
	}
}

// TestConfigRPSNotANumber: an RPS that is not a number is refused before a request is sent;
// it was neither the default's zero nor unpaced's negative, and the run went unpaced.
func TestConfigRPSNotANumber(t *testing.T) {
	var calls atomic.Int64
	m := newMock(t, mock.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		m.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := config(t, srv.URL, contracttest.SurfaceESB)
	cfg.RPS = math.NaN()
	_, err := contracttest.Run(context.Background(), cfg)
	assert.ErrorContains(t, err, "RPS is not a number")
	assert.Zero(t, calls.Load(), "no request sent")
}

func TestInterruptCleansUp(t *testing.T) {
	m := newMock(t, mock.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var creates atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "create_set") && creates.Add(1) == 3 {
			cancel() // SIGINT, as the command turns it into a cancelled context
		}
		m.ServeHTTP(w, r)
	}))
	defer srv.Close()
	rep, err := contracttest.Run(ctx, config(t, srv.URL, contracttest.SurfaceESB))
	require.NoError(t, err)
	_, _, skip := rep.Counts()
	assert.Positive(t, skip, "the cases after the interrupt are skipped")
	assert.Empty(t, rep.Leftovers)
	assert.Len(t, m.Store().Sets(), 2, "the sets created before the interrupt are deleted")
}

func TestRetriesOn5xxAndRateLimits(t *testing.T) {
	m := newMock(t, mock.Config{})
	var creates atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isCreate(r) {
			m.ServeHTTP(w, r)
			return
		}
		switch creates.Add(1) {
		case 1, 2: // the first create: two gateway errors, then a rate limit
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case 3:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"result":false,"code":1306429,"message":"Request has been throttled","request_id":"0123456789abcdef0123456789abcdef","data":null}`))
			return
		}
		m.ServeHTTP(w, r)
	}))
	defer srv.Close()
	rep := runRetryingAtOnce(t, srv.URL)
	assert.True(t, rep.Conformant(), "%s", reasons(rep))
	assert.Equal(t, 3, rep.Cases[0].Exchanges[0].Retries)
}

func TestLostAnswerIsCleanedUp(t *testing.T) {
	m := newMock(t, mock.Config{})
	var lost atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "create_set") && lost.CompareAndSwap(false, true) {
			m.ServeHTTP(httptest.NewRecorder(), r) // created, but the answer is lost
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		m.ServeHTTP(w, r)
	}))
	defer srv.Close()
	rep := runRetryingAtOnce(t, srv.URL)
	assert.Contains(t, reasons(rep), "1101108", "the retry meets the set the lost answer created")
	assert.Empty(t, rep.Leftovers)
	assert.Len(t, m.Store().Sets(), 2, "the stray set is found by its ct- name and deleted")
}

// TestRedirectsAreNotFollowed: a target that redirects is a failing target. The request is not
// sent again, so neither the ESB body with its secret nor the v3 header reaches the other host,
// whether the target redirects every call (the run stops at its first read) or only creates.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var leaked atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer elsewhere.Close()
	m := newMock(t, mock.Config{})
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, surface := range []contracttest.Surface{contracttest.SurfaceESB, contracttest.SurfaceV3} {
			t.Run(fmt.Sprintf("%d %s every call", status, surface), func(t *testing.T) {
				srv := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/steal", status))
				defer srv.Close()
				_, err := contracttest.Run(context.Background(), config(t, srv.URL, surface))
				require.Error(t, err)
				assert.Contains(t, err.Error(), "redirect")
				assert.NotContains(t, err.Error(), canarySecret)
			})
			t.Run(fmt.Sprintf("%d %s creates", status, surface), func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if isCreate(r) {
						http.Redirect(w, r, elsewhere.URL+"/steal", status)
						return
					}
					m.ServeHTTP(w, r)
				}))
				defer srv.Close()
				rep, err := contracttest.Run(context.Background(), config(t, srv.URL, surface))
				require.NoError(t, err)
				assert.False(t, rep.Conformant())
				assert.Contains(t, reasons(rep), "redirect")
			})
		}
	}
	assert.Zero(t, leaked.Load(), "a request reached the host a redirect pointed to")
}

// TestTargetPasswordNeverReachesReports: a target URL with a user and password is shown
// without the password, in every report and in errors.
func TestTargetPasswordNeverReachesReports(t *testing.T) {
	const password = "url-pa55word-7e2"
	srv := httptest.NewServer(newMock(t, mock.Config{}))
	defer srv.Close()
	target := strings.Replace(srv.URL, "http://", "http://ops:"+password+"@", 1)
	rep, err := contracttest.Run(context.Background(), config(t, target, contracttest.SurfaceESB))
	require.NoError(t, err)
	out := allReports(t, rep)
	assert.NotContains(t, out, password)
	assert.Contains(t, out, "ops:xxxxx@", "the URL is shown, its password masked")

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = contracttest.Run(context.Background(), config(t, strings.Replace(closed.URL, "http://", "http://ops:"+password+"@", 1), contracttest.SurfaceESB))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), password)
}

// TestTargetIsABaseURL: a target is a base URL, to which the calls' paths are added. One with a
// query string or a fragment, where a URL copied from a call may carry credentials, is refused
// before any request, without its secrets; so is one that is not an http(s) URL, without its
// password.
func TestTargetIsABaseURL(t *testing.T) {
	const password, secret, token = "url-pa55word-7e2", "query-s3cret-41d", "query-t0ken-88a"
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	for name, tc := range map[string]struct{ target, want string }{
		"a query string":      {srv.URL + "/?bk_app_secret=" + secret + "&bk_token=" + token, "query string"},
		"an empty query":      {srv.URL + "/cmdb?", "query string"},
		"a fragment":          {srv.URL + "/#bk_token=" + token, "fragment"},
		"another scheme":      {"ftp://ops:" + password + "@cmdb.example/", "not an http(s) URL"},
		"no host":             {"http:///api?bk_token=" + token, "not an http(s) URL"},
		"a port that is none": {"http://ops:" + password + "@cmdb.example:port/", "not an http(s) URL"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := contracttest.Run(context.Background(), config(t, tc.target, contracttest.SurfaceESB))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, s := range []string{password, secret, token} {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}
	assert.Zero(t, calls.Load(), "a request was sent to a target that is not a base URL")
}

// TestRedacted: a URL as reports and messages show it keeps its scheme, host, path and the
// names of its query's keys, and masks its password, its query's values (a key without a value
// whole) and its fragment.
func TestRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"https://cmdb.example/prod":                        "https://cmdb.example/prod",
		"https://ops:pw@cmdb.example/prod":                 "https://ops:xxxxx@cmdb.example/prod",
		"https://cmdb.example/login?bk_token=t&c_url=%2Fx": "https://cmdb.example/login?bk_token=xxxxx&c_url=xxxxx",
		"https://cmdb.example/login?t0ken&x=1":             "https://cmdb.example/login?xxxxx&x=xxxxx",
		"https://cmdb.example/cb#access_token=t":           "https://cmdb.example/cb#xxxxx",
		"https://ops:pw@cmdb.example/?app_secret=s#t":      "https://ops:xxxxx@cmdb.example/?app_secret=xxxxx#xxxxx",
		"http://ops:pw@cmdb.example:port/":                 "(an unreadable URL)",
		"":                                                 "",
	} {
		assert.Equal(t, want, contracttest.Redacted(in), in)
	}
}

// TestCleanupDeletesOnlyItsOwn: the cleanup deletes only sets that search_set finds under the
// run's names, whatever else the target answers: a target that ignores search_set's condition
// and lists every set of the business, or that answers a create with the id of a set the run did
// not make, keeps its other sets; what the run cannot account for is reported, left alone.
func TestCleanupDeletesOnlyItsOwn(t *testing.T) {
	for name, tc := range map[string]struct {
		alter func(r *http.Request, body []byte, prodID int64) ([]byte, func([]byte) []byte)
		want  string
	}{
		"search_set ignores its condition": {
			alter: func(r *http.Request, body []byte, _ int64) ([]byte, func([]byte) []byte) {
				if !strings.Contains(r.URL.Path, "/cc/search_set/") {
					return body, nil
				}
				var q map[string]any
				require.NoError(t, json.Unmarshal(body, &q))
				delete(q, "condition")
				body, _ = json.Marshal(q)
				return body, nil
			},
			want: "not named ct-",
		},
		"a create answered with another set's id": {
			alter: func(r *http.Request, body []byte, prodID int64) ([]byte, func([]byte) []byte) {
				if !strings.Contains(r.URL.Path, "/cc/create_set/") || !strings.Contains(string(body), "-minimal") {
					return body, nil
				}
				return body, func(answer []byte) []byte {
					return regexp.MustCompile(`"bk_set_id":\d+`).ReplaceAll(answer, []byte(fmt.Sprintf(`"bk_set_id":%d`, prodID)))
				}
			},
			want: "search_set does not find it under the run's names",
		},
		"every create answered with another set's id": {
			alter: func(r *http.Request, body []byte, prodID int64) ([]byte, func([]byte) []byte) {
				if !strings.Contains(r.URL.Path, "/cc/create_set/") {
					return body, nil
				}
				return body, func(answer []byte) []byte {
					return regexp.MustCompile(`"bk_set_id":\d+`).ReplaceAll(answer, []byte(fmt.Sprintf(`"bk_set_id":%d`, prodID)))
				}
			},
			want: "search_set does not find it under the run's names",
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t, mock.Config{})
			req := httptest.NewRequest(http.MethodPost, "/api/c/compapi/v2/cc/create_set/", strings.NewReader(
				`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"ops","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"production-db"}}`))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			m.ServeHTTP(rec, req)
			var made struct {
				Data struct {
					ID int64 `json:"bk_set_id"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &made))
			require.Positive(t, made.Data.ID, "%s", rec.Body)
			var changes []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if regexp.MustCompile(`/cc/(delete_set|batch_delete_set|create_module|update_module|delete_module)/`).MatchString(r.URL.Path) {
					changes = append(changes, r.URL.Path+" "+string(body))
				}
				body, answer := tc.alter(r, body, made.Data.ID)
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
				if answer == nil {
					m.ServeHTTP(w, r)
					return
				}
				rec := httptest.NewRecorder()
				m.ServeHTTP(rec, r)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(answer(rec.Body.Bytes()))
			}))
			defer srv.Close()
			rep, err := contracttest.Run(context.Background(), config(t, srv.URL, contracttest.SurfaceESB))
			require.NoError(t, err)
			var names []string
			for _, set := range m.Store().Sets() {
				names = append(names, fmt.Sprint(set["bk_set_name"]))
			}
			assert.Contains(t, names, "production-db", "the cleanup deleted a set the run did not make")
			prod := regexp.MustCompile(fmt.Sprintf(`"(bk_set_id|bk_parent_id)":%d\b|"inst_ids":\[[^\]]*\b%d\b`, made.Data.ID, made.Data.ID))
			for _, c := range changes {
				assert.NotRegexp(t, prod, c, "a change was sent to the set the run did not make")
			}
			assert.False(t, rep.Conformant())
			var text bytes.Buffer
			require.NoError(t, rep.WriteText(&text))
			assert.Contains(t, text.String(), tc.want)
		})
	}
}

// TestAnswersAreReadUpToALimit: an endless answer is cut at the limit and reported as such,
// instead of being read into memory without end.
func TestAnswersAreReadUpToALimit(t *testing.T) {
	m := newMock(t, mock.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isCreate(r) {
			m.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"result":true,"code":0,"message":"`)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	rep, err := contracttest.Run(context.Background(), config(t, srv.URL, contracttest.SurfaceESB))
	require.NoError(t, err)
	assert.False(t, rep.Conformant())
	assert.Contains(t, reasons(rep), "larger than")
}

// TestInterruptStopsThePace: a run at one request in 1,000 s sends its first request at once (or
// it would hang), and an interrupt after it ends the run with nothing sent and nothing left.
func TestInterruptStopsThePace(t *testing.T) {
	m := newMock(t, mock.Config{})
	before := len(m.Store().Sets())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		m.ServeHTTP(w, r)
		cancel() // the preflight is answered; the first case waits for its turn
	}))
	defer srv.Close()
	cfg := config(t, srv.URL, contracttest.SurfaceESB)
	cfg.RPS = 0.001
	rep, err := contracttest.Run(ctx, cfg)
	require.NoError(t, err)
	assert.Equal(t, int64(1), calls.Load(), "only the preflight was sent")
	pass, _, skip := rep.Counts()
	assert.Zero(t, pass)
	assert.Positive(t, skip, "the cases after the interrupt are skipped")
	assert.Empty(t, rep.Leftovers)
	assert.Len(t, m.Store().Sets(), before, "nothing was created")
	// The cleanup keeps the pace too, on its own two minutes: at this pace its search has no
	// turn in them, and the report says so rather than claiming a clean business.
	require.Len(t, rep.Unchecked, 1)
	assert.Contains(t, rep.Unchecked[0], "not sent: at 0.001 requests a second its turn comes after the deadline")
}

// TestCleanupThatCannotLookIsSaid: the cleanup looks for the run's sets by their name's prefix
// (to find one whose create answer was lost) and again after its deletes (to see them gone).
// When the target fails those searches, with no CMDB answer or with a failed one, the report
// says what went unchecked and is not conformant, in every format, rather than counting the
// deletes it could not see as done.
func TestCleanupThatCannotLookIsSaid(t *testing.T) {
	for name, fail := range map[string]struct {
		answer func(w http.ResponseWriter)
		said   string
	}{
		"no CMDB answer": {func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, "HTTP status 503"},
		"a failed answer": {func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"result":false,"code":1199000,"message":"Deserializing JSON data failed","permission":null,"request_id":"0123456789abcdef0123456789abcdef","data":null}`))
		}, "HTTP status 200, 1199000 Deserializing JSON data failed"},
	} {
		t.Run(name, func(t *testing.T) {
			m := newMock(t, mock.Config{})
			before := len(m.Store().Sets())
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if strings.Contains(string(body), `"$regex"`) {
					fail.answer(w)
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				m.ServeHTTP(w, r)
			}))
			defer srv.Close()
			cfg := config(t, srv.URL, contracttest.SurfaceESB)
			cfg.Retries = -1
			rep, err := contracttest.Run(context.Background(), cfg)
			require.NoError(t, err)
			_, failed, _ := rep.Counts()
			require.Zero(t, failed, "%s", reasons(rep))
			assert.Len(t, m.Store().Sets(), before, "the sets the run knew of are deleted")
			assert.Zero(t, rep.Deleted, "no delete is counted that could not be seen done")
			require.Len(t, rep.Unchecked, 2)
			assert.Contains(t, rep.Unchecked[0], fail.said)
			assert.Contains(t, rep.Unchecked[1], "could not check that 11 deletes that said success took")
			assert.False(t, rep.Conformant())
			out := allReports(t, rep)
			assert.Contains(t, out, "UNCHECKED")
			assert.Contains(t, out, `"unchecked"`)
			assert.Contains(t, out, "2 things the cleanup could not check")
		})
	}
}

// TestPaceWaitsAreCutShort: a request that waits for its turn is not sent when the caller is
// interrupted, nor when its turn comes after the context's deadline, and says which at once.
func TestPaceWaitsAreCutShort(t *testing.T) {
	m := newMock(t, mock.Config{})
	srv := httptest.NewServer(m)
	defer srv.Close()
	cfg := config(t, srv.URL, contracttest.SurfaceESB)
	cfg.RPS = 0.001
	c, err := contracttest.NewCaller(cfg)
	require.NoError(t, err)
	call := contracttest.Call{Op: spec.OpESBSearchBusiness, Args: map[string]any{"fields": []string{"bk_biz_id"}}}
	a, err := c.Do(context.Background(), call)
	require.NoError(t, err, "the first request goes at once")
	assert.Equal(t, http.StatusOK, a.Status)

	interrupted, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Do(interrupted, call)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not sent: interrupted while it waited for its turn")

	soon, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Do(soon, call)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not sent: at 0.001 requests a second its turn comes after the deadline")
}

// TestReplayPutsTheCallersSecretBack: a call as the journal shows it, its app secret masked, is
// sent with the caller's own secret wherever the mask stands: a JSON body, a JSON header, a form
// body and a query string; a "***" that is not an app secret stays.
func TestReplayPutsTheCallersSecretBack(t *testing.T) {
	var got struct{ query, header, body string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.query, got.header, got.body = r.URL.RawQuery, r.Header.Get("X-Bkapi-Authorization"), string(body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"result":true,"code":0,"message":"success","permission":null,"request_id":"0123456789abcdef0123456789abcdef","data":null}`))
	}))
	defer srv.Close()
	cfg := config(t, srv.URL, contracttest.SurfaceESB)
	cfg.AppSecret = `s3cr$t&"x`
	c, err := contracttest.NewCaller(cfg)
	require.NoError(t, err)
	header := http.Header{"X-Bkapi-Authorization": {`{"bk_app_code":"a","bk_app_secret":"***"}`}}
	_, err = c.Replay(context.Background(), http.MethodPost, "/api/c/compapi/v2/cc/search_set/?bk_app_secret=***&q=***", header,
		`{"bk_app_secret": "***","note":"***","app_secret":"***"}`)
	require.NoError(t, err)
	assert.Equal(t, "bk_app_secret=s3cr%24t%26%22x&q=***", got.query)
	assert.Equal(t, `{"bk_app_code":"a","bk_app_secret":"s3cr$t\u0026\"x"}`, got.header)
	assert.Equal(t, `{"bk_app_secret":"s3cr$t\u0026\"x","note":"***","app_secret":"s3cr$t\u0026\"x"}`, got.body)

	_, err = c.Replay(context.Background(), http.MethodPost, "/api/c/compapi/v2/cc/search_set/", nil, "bk_app_code=a&bk_app_secret=***")
	require.NoError(t, err)
	assert.Equal(t, "bk_app_code=a&bk_app_secret=s3cr%24t%26%22x", got.body)
}
