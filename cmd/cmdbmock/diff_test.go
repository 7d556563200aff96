package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/fixturestest"
)

// drifting is a proxy in front of a deployment that rewrites its JSON answers as a deployment
// that drifted would answer.
func drifting(t *testing.T, backend string, rewrite func(answer map[string]any)) string {
	t.Helper()
	u, err := url.Parse(backend)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var answer map[string]any
		if dec.Decode(&answer) == nil {
			rewrite(answer)
			body, _ = json.Marshal(answer)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

func diffRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return diffRunEnv(t, nil, args...)
}

func diffRunEnv(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"diff", "--rps", "1000", "--quiet"}, args...), getenv(vars), &out, io.Discard)
	return out.String(), err
}

// created is a set-creating answer's data, when it is one.
func created(answer map[string]any) (map[string]any, bool) {
	data, ok := answer["data"].(map[string]any)
	if !ok || answer["result"] != true {
		return nil, false
	}
	_, isSet := data["bk_set_env"]
	return data, isSet && data["bk_set_name"] != nil && data["create_time"] != nil
}

// TestDiffCatchesDrift: against a faithful target the diff says nothing and exits 0; against a
// target at another release and against deployments that drift the ways real ones do, it names
// the call and the JSON path of each difference and exits 1.
func TestDiffCatchesDrift(t *testing.T) {
	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	base := "http://" + target

	for _, surface := range []string{"esb", "v3", "both"} {
		out, err := diffRun(t, "--target", base, "--biz-id", "2", "--surface", surface, "--denied-user", "noperm")
		require.NoError(t, err, "a faithful target, %s: %s", surface, out)
		assert.Contains(t, out, " 0 differences")
	}
	other, stopOther := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stopOther()) }()
	out, err := diffRun(t, "--target", base, "--against", "http://"+other, "--biz-id", "2")
	require.NoError(t, err, "two live systems alike: %s", out)

	newer, stopNewer := startRun(t, []string{"--addr", "127.0.0.1:0", "--cmdb-version", "3.14"}, nil)
	defer func() { assert.NoError(t, stopNewer()) }()
	out, err = diffRun(t, "--target", "http://"+newer, "--biz-id", "2")
	assert.Equal(t, 1, exitCode(err), out)
	assert.Contains(t, out, "create_set: bk_set_env not in its list  $.code  reference 1199006  target 1199011  (value)")

	cases := []struct {
		name    string
		rewrite func(map[string]any)
		want    string
	}{
		{"an id's JSON type", func(a map[string]any) {
			if d, ok := created(a); ok {
				d["bk_set_id"] = fmtJSON(d["bk_set_id"])
			}
		}, "create_set: every documented field  $.data.bk_set_id"},
		{"a field's JSON type", func(a map[string]any) {
			if d, ok := created(a); ok && d["bk_capacity"] != nil {
				d["bk_capacity"] = fmtJSON(d["bk_capacity"])
			}
		}, "create_set: every documented field  $.data.bk_capacity  reference 100  target \"100\"  (type)"},
		{"an envelope key missing", func(a map[string]any) { delete(a, "permission") },
			"search_business: the business  $.permission  reference null  target (absent)  (missing)"},
		{"an envelope key more", func(a map[string]any) { a["trace_id"] = "x" },
			"search_business: the business  $.trace_id  reference (absent)  target \"x\"  (extra)"},
		{"data on errors", func(a map[string]any) {
			if a["result"] == false {
				a["data"] = map[string]any{}
			}
		}, "create_set: no bk_set_name  $.data  reference null  target {}  (type)"},
		{"a code", func(a map[string]any) {
			if a["code"] == json.Number("1101108") {
				a["code"] = json.Number("1199014")
			}
		}, "create_set: the same name again (duplicate)  $.code  reference 1101108  target 1199014  (value)"},
		{"a stored field's default", func(a map[string]any) {
			if d, ok := created(a); ok && d["bk_set_env"] == "3" {
				d["bk_set_env"] = "1"
			}
		}, "create_set: the required fields only (stored defaults)  $.data.bk_set_env  reference \"3\"  target \"1\"  (value)"},
		{"the format of times", func(a map[string]any) {
			if d, ok := created(a); ok {
				d["create_time"] = "2026-12-04 21:00:00"
			}
		}, "create_set: every documented field  $.data.create_time  reference an RFC 3339 time"},
		{"the format of request ids", func(a map[string]any) {
			if id, ok := a["request_id"].(string); ok && len(id) == 32 {
				a["request_id"] = id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
			}
		}, "$.request_id  reference 32 lowercase hex digits"},
		{"duplicates accepted", func(a map[string]any) {
			if a["code"] == json.Number("1101108") {
				a["result"], a["code"], a["message"] = true, json.Number("0"), "success"
			}
		}, "create_set: the same name again (duplicate)  $.result  reference false  target true  (value)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := diffRun(t, "--target", drifting(t, base, tc.rewrite), "--biz-id", "2")
			assert.Equal(t, 1, exitCode(err), "%v\n%s", err, out)
			assert.Contains(t, out, tc.want)
		})
	}
}

func fmtJSON(v any) string { return string(v.(json.Number)) }

// TestDiffReports: the JSON report lists each difference with its call, path, both values and
// kind; JUnit has a test case per call; HTML is a page; no password of a target's address and no
// secret is in any of them.
func TestDiffReports(t *testing.T) {
	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	drift := drifting(t, "http://"+target, func(a map[string]any) {
		if a["code"] == json.Number("1101108") {
			a["code"] = json.Number("1199014")
		}
		a["echo"] = "canary-diff-secret"
	})
	withPassword := strings.Replace(drift, "http://", "http://ops:canary-diff-password@", 1)
	secret := map[string]string{"CMDBMOCK_APP_SECRET": "canary-diff-secret"}
	dir := t.TempDir()
	for _, format := range []string{"json", "junit", "html", "text"} {
		file := filepath.Join(dir, "report."+format)
		err := run(context.Background(), []string{"diff", "--target", withPassword, "--biz-id", "2", "--rps", "1000", "--quiet", "--format", format, "--out", file},
			getenv(secret), io.Discard, io.Discard)
		assert.Equal(t, 1, exitCode(err), "%v", err)
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "canary-diff-password", format)
		assert.NotContains(t, string(b), "canary-diff-secret", format)
		switch format {
		case "json":
			var rep struct {
				Differences []struct{ Call, Path, Reference, Target, Kind string } `json:"differences"`
			}
			require.NoError(t, json.Unmarshal(b, &rep))
			require.NotEmpty(t, rep.Differences)
			assert.Contains(t, rep.Differences, struct{ Call, Path, Reference, Target, Kind string }{
				"create_set: the same name again (duplicate)", "$.code", "1101108", "1199014", "value"})
		case "junit":
			suites := junitSuites(t, b)
			require.Len(t, suites, 1)
			assert.Equal(t, 30, suites[0].Tests)
			assert.Equal(t, 30, suites[0].Failures, "the echo key is in every answer")
		case "html":
			assert.Contains(t, string(b), "<h2 class=\"differ\">create_set: the same name again (duplicate)</h2>")
		}
	}
}

// TestDiffReplaysTheJournal: --calls sends a journal's export to both sides, the masked secret
// restored, oldest first; a drifted target is caught; --dry-run sends nothing.
func TestDiffReplaysTheJournal(t *testing.T) {
	source, stopSource := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stopSource()) }()
	createV3(t, source, 2, "from-the-journal")
	createV3(t, source, 2, "from-the-journal")
	postJSON(t, "http://"+source+"/api/c/compapi/v2/cc/search_set/", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2}`)
	calls := filepath.Join(t.TempDir(), "journal.json")
	require.NoError(t, os.WriteFile(calls, []byte(getBody(t, "http://"+source+"/__mock/journal")), 0o644))

	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	out, err := diffRun(t, "--target", "http://"+target, "--calls", calls, "--app-secret", "b")
	require.NoError(t, err, out)
	assert.Contains(t, out, "3 calls, 0 differences")

	out, err = diffRun(t, "--target", drifting(t, "http://"+target, func(a map[string]any) { a["result"] = "yes" }), "--calls", calls)
	assert.Equal(t, 1, exitCode(err))
	assert.Contains(t, out, "#1 POST /api/v3/set/2  $.result  reference true  target \"yes\"  (type)")

	untouched, stopUntouched := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stopUntouched()) }()
	_, err = diffRun(t, "--target", "http://"+untouched, "--biz-id", "2", "--dry-run")
	require.NoError(t, err)
	assert.Contains(t, getBody(t, "http://"+untouched+"/__mock/journal"), `"entries":[]`, "a dry run sends nothing")
}

// TestDiffCannotRun: bad flags, an unreachable target and an unknown format exit 2.
func TestDiffCannotRun(t *testing.T) {
	for name, args := range map[string][]string{
		"no business": {"diff", "--target", "http://127.0.0.1:1"},
		"unreachable": {"diff", "--target", "http://127.0.0.1:1", "--biz-id", "2", "--retries", "0"},
		"bad format":  {"diff", "--target", "http://127.0.0.1:1", "--biz-id", "2", "--format", "pdf"},
		"bad release": {"diff", "--target", "http://127.0.0.1:1", "--biz-id", "2", "--cmdb-version", "2.0"},
		"no calls":    {"diff", "--target", "http://127.0.0.1:1", "--calls", "/nonexistent.json"},
		"bad surface": {"diff", "--target", "http://127.0.0.1:1", "--biz-id", "2", "--surface", "soap"},
		"stray":       {"diff", "--target", "http://127.0.0.1:1", "--biz-id", "2", "x"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), args, getenv(nil), io.Discard, io.Discard)
			require.Error(t, err)
			assert.Equal(t, 2, exitCode(err), "%v", err)
		})
	}
}

// TestDiffLearnsNoise: a key whose value changes from one answer of the target to the next (a
// counter the target adds to its searches) is noise, reported as such and not as a difference.
func TestDiffLearnsNoise(t *testing.T) {
	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	u, err := url.Parse("http://" + target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var served atomic.Int64
	proxy.ModifyResponse = func(resp *http.Response) error {
		if !strings.Contains(resp.Request.URL.Path, "search") {
			return nil
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = bytes.Replace(body, []byte(`"result":`), []byte(`"served":`+strconv.FormatInt(served.Add(1), 10)+`,"result":`), 1)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	var out bytes.Buffer
	err = run(context.Background(), []string{"diff", "--target", srv.URL, "--biz-id", "2", "--rps", "1000", "--quiet", "--format", "json"}, getenv(nil), &out, io.Discard)
	require.NoError(t, err, out.String())
	var rep struct {
		Noise       []string `json:"noise"`
		Differences []any    `json:"differences"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	assert.Equal(t, []string{"$.served"}, rep.Noise)
	assert.Empty(t, rep.Differences)
}

// recording is a proxy in front of a deployment that keeps every request it passes on, as the
// deployment receives it: the path and query, the headers and the body.
func recording(t *testing.T, backend string) (addr string, seen func() string) {
	t.Helper()
	u, err := url.Parse(backend)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var mu sync.Mutex
	var all strings.Builder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		fmt.Fprintf(&all, "%s %s %v %s\n", r.Method, r.URL, r.Header, body)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() string {
		mu.Lock()
		defer mu.Unlock()
		return all.String()
	}
}

// TestDiffSendsEachSideItsOwnCredentials: a reference that knows other credentials than the
// target's gets those of --against-app-code, --against-app-secret (or CMDBMOCK_AGAINST_APP_SECRET)
// and --against-username, for the scenario and for a replayed journal, and never the target's
// secret; no secret is in the report. Without them the reference gets the target's credentials,
// refuses them, and the calls differ. The flags without --against cannot run.
func TestDiffSendsEachSideItsOwnCredentials(t *testing.T) {
	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--app", "team-a:target-s3cret"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	refAddr, stopRef := startRun(t, []string{"--addr", "127.0.0.1:0", "--app", "team-b:reference-s3cret", "--app", "team-a:other-s3cret"}, nil)
	defer func() { assert.NoError(t, stopRef()) }()
	secrets := []string{"target-s3cret", "reference-s3cret", "other-s3cret"}
	targetCreds := []string{"--target", "http://" + target, "--app-code", "team-a", "--app-secret", "target-s3cret", "--username", "ops"}

	reference, seen := recording(t, "http://"+refAddr)
	args := append(slices.Clone(targetCreds), "--against", reference, "--biz-id", "2", "--surface", "both",
		"--against-app-code", "team-b", "--against-username", "ref-ops")
	out, err := diffRunEnv(t, map[string]string{"CMDBMOCK_AGAINST_APP_SECRET": "reference-s3cret"}, args...)
	require.NoError(t, err, out)
	assert.Contains(t, out, " 0 differences")
	assert.Contains(t, seen(), "reference-s3cret")
	assert.Contains(t, seen(), "ref-ops")
	assert.NotContains(t, seen(), "target-s3cret", "the target's secret never reaches the reference")
	for _, secret := range secrets {
		assert.NotContains(t, out, secret)
	}

	source, stopSource := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stopSource()) }()
	postJSON(t, "http://"+source+"/api/c/compapi/v2/cc/search_set/", `{"bk_app_code":"team-a","bk_app_secret":"any","bk_username":"ops","bk_biz_id":2}`)
	req, err := http.NewRequest(http.MethodPost, "http://"+source+"/api/v3/set/search/0/2", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"team-a","bk_app_secret":"any","bk_username":"ops"}`)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	calls := filepath.Join(t.TempDir(), "journal.json")
	require.NoError(t, os.WriteFile(calls, []byte(getBody(t, "http://"+source+"/__mock/journal")), 0o644))
	reference, seen = recording(t, "http://"+refAddr)
	out, err = diffRun(t, append(slices.Clone(targetCreds), "--against", reference, "--calls", calls, "--against-app-secret", "other-s3cret")...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "2 calls, 0 differences")
	assert.Contains(t, seen(), "other-s3cret")
	assert.NotContains(t, seen(), "target-s3cret")

	reference, seen = recording(t, "http://"+refAddr)
	out, err = diffRun(t, append(slices.Clone(targetCreds), "--against", reference, "--biz-id", "2", "--retries", "0")...)
	assert.Equal(t, 1, exitCode(err), out)
	assert.Contains(t, seen(), "target-s3cret", "unset, the reference's credentials are the target's")

	_, err = diffRun(t, append(slices.Clone(targetCreds), "--biz-id", "2", "--against-app-secret", "x")...)
	assert.Equal(t, 2, exitCode(err))
	assert.ErrorContains(t, err, "--against-app-secret needs --against")
	// The variables, set for a CI job's every diff, do not stop one against the in-process mock.
	out, err = diffRunEnv(t, map[string]string{"CMDBMOCK_AGAINST_APP_SECRET": "reference-s3cret"}, append(slices.Clone(targetCreds), "--biz-id", "2")...)
	require.NoError(t, err, out)
}

// TestDiffCleanupDeletesOnlyItsOwn: a target whose search_set ignores its condition lists every
// set of the business to the cleanup's search for the run's sets; the cleanup deletes only those
// named as the run's, and the target keeps its own.
func TestDiffCleanupDeletesOnlyItsOwn(t *testing.T) {
	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	made := esb(t, "http://"+target, "create_set", `{"bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"production-db"}}`)
	require.Equal(t, json.Number("0"), made["code"], "%v", made)
	u, err := url.Parse("http://" + target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var deletes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case strings.HasSuffix(r.URL.Path, "/search_set/"):
			var q map[string]any
			if json.Unmarshal(body, &q) == nil {
				delete(q, "condition")
				body, _ = json.Marshal(q)
			}
		case strings.Contains(r.URL.Path, "delete_set"):
			deletes = append(deletes, string(body))
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	out, _ := diffRun(t, "--target", srv.URL, "--biz-id", "2")
	names := esb(t, "http://"+target, "search_set", `{"bk_biz_id":2,"fields":["bk_set_name"]}`)
	assert.Contains(t, comparable(t, names), "production-db", "the cleanup deleted a set the run did not make")
	prod := made["data"].(map[string]any)["bk_set_id"].(json.Number).String()
	for _, d := range deletes {
		assert.NotRegexp(t, `\b`+prod+`\b`, d, "a delete asked for the target's own set %s", prod)
	}
	assert.Contains(t, out, "not named dn-")
}

// TestDiffChangesOnlyItsOwn: a target that answers each create_set with the id of a set the run
// did not make has none of the scenario's updates and deletes sent to that set: a set id is used
// once search_set gives it back under the run's names, and the call says why it was not.
func TestDiffChangesOnlyItsOwn(t *testing.T) {
	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	made := esb(t, "http://"+target, "create_set", `{"bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"production-db","bk_set_desc":"as it was"}}`)
	require.Equal(t, json.Number("0"), made["code"], "%v", made)
	prod := made["data"].(map[string]any)["bk_set_id"].(json.Number).String()
	lying := drifting(t, "http://"+target, func(answer map[string]any) {
		if data, ok := created(answer); ok {
			data["bk_set_id"] = json.Number(prod)
		}
	})
	var changes []string
	u, err := url.Parse(lying)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(r.URL.Path, "delete_") || strings.Contains(r.URL.Path, "update_") || strings.Contains(r.URL.Path, "create_module") {
			changes = append(changes, r.URL.Path+" "+string(body))
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	out, _ := diffRun(t, "--target", srv.URL, "--biz-id", "2")
	for _, c := range changes {
		assert.NotRegexp(t, `\b`+prod+`\b`, c, "a change was sent to the target's own set %s", prod)
	}
	sets := esb(t, "http://"+target, "search_set", `{"bk_biz_id":2,"fields":["bk_set_name","bk_set_desc"]}`)
	assert.Contains(t, comparable(t, sets), `"bk_set_desc": "as it was"`)
	assert.Contains(t, out, "does not give back under the run's names")
}

// TestDiffMasksAnEchoedSecret: a target whose search_set refusals echo the app secret it was
// sent has them shown with the secret masked, in the report's calls and its leftovers.
func TestDiffMasksAnEchoedSecret(t *testing.T) {
	const secret = "diff-s3cret-6c1"
	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	u, err := url.Parse("http://" + target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/search_set/") {
			proxy.ServeHTTP(w, r)
			return
		}
		var creds struct {
			Secret string `json:"bk_app_secret"`
		}
		_ = json.NewDecoder(r.Body).Decode(&creds)
		_, _ = io.WriteString(w, `{"result":false,"code":1199000,"message":"no search for app secret `+creds.Secret+`","data":null}`)
	}))
	defer srv.Close()
	for _, format := range []string{"text", "json"} {
		out, _ := diffRun(t, "--target", srv.URL, "--biz-id", "2", "--app-secret", secret, "--format", format)
		assert.Contains(t, out, "no search for app secret", "the refusal is shown")
		assert.NotContains(t, out, secret)
	}
}

// TestDiffReadsTheModel: against a deployment whose set and module models require custom
// attributes and whose business has a custom level above its sets, the scenario's creates carry a
// value for each required attribute (those of --set-field, and one made for each other) and hang
// its sets under the first node of that level on each side, and it adds a node of that level with
// a set under it and deletes it: the creates succeed on both sides, nothing is left, and the
// report says what every set and module carried and where the sets hung. An attribute no
// value is made for stops the diff before any call, naming the flag that gives one.
func TestDiffReadsTheModel(t *testing.T) {
	files := fixturestest.Files(t, map[string]string{
		"set_attributes.json": `[
		{"id":900,"bk_property_id":"code","bk_property_name":"编码","bk_property_type":"singlechar","option":"^[0-9]{6}$","isrequired":true},
		{"id":901,"bk_property_id":"replicas","bk_property_name":"副本数","bk_property_type":"int","option":{"min":"3","max":"9"},"isrequired":true}]`,
		"module_attributes.json": `[
		{"id":910,"bk_property_id":"port","bk_property_name":"端口","bk_property_type":"int","option":{"min":"1","max":"65535"},"isrequired":true}]`,
		"mainline.json": `[{"bk_obj_id":"zone","bk_obj_name":"可用区"}]`})
	var businesses []map[string]any
	require.NoError(t, json.Unmarshal([]byte(files["businesses.json"]), &businesses))
	require.EqualValues(t, 2, businesses[1]["bk_biz_id"])
	businesses[1]["nodes"] = []any{
		map[string]any{"bk_inst_id": 202, "bk_inst_name": "深圳", "bk_obj_id": "zone", "bk_parent_id": 0},
		map[string]any{"bk_inst_id": 203, "bk_inst_name": "广州", "bk_obj_id": "zone", "bk_parent_id": 0}}
	raw, err := json.Marshal(businesses)
	require.NoError(t, err)
	files["businesses.json"] = string(raw)
	dir := writeFixtures(t, files)

	target, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--fixtures", dir}, nil)
	defer func() { assert.NoError(t, stop()) }()
	var sets, modules, nodes atomic.Int32
	counted := drifting(t, "http://"+target, func(answer map[string]any) {
		if data, ok := created(answer); ok && data["bk_parent_id"] == json.Number("202") && data["replicas"] == json.Number("3") {
			sets.Add(1)
		}
		data, ok := answer["data"].(map[string]any)
		if ok && answer["result"] == true && data["bk_module_name"] != nil && data["port"] == json.Number("1") {
			modules.Add(1)
		}
		if ok && answer["result"] == true && data["bk_obj_id"] == "zone" && data["bk_parent_id"] == json.Number("2") {
			nodes.Add(1)
		}
	})

	for _, surface := range []string{"esb", "v3"} {
		sets.Store(0)
		modules.Store(0)
		nodes.Store(0)
		out, err := diffRun(t, "--target", counted, "--fixtures", dir, "--biz-id", "2", "--surface", surface, "--set-field", `code="000001"`)
		require.NoError(t, err, "%s: %s", surface, out)
		assert.Contains(t, out, "36 calls, 0 differences", surface)
		assert.NotContains(t, out, "left behind", surface)
		assert.Contains(t, out, `every set it creates carries {"code":"000001","replicas":3} (the model's required custom attributes)`, surface)
		assert.Contains(t, out, `every module it creates carries {"port":1}`, surface)
		assert.Contains(t, out, "note: target: sets hang under zone 202, the first node of the level above sets", surface)
		assert.Contains(t, out, "note: reference: sets hang under zone 202, the first node of the level above sets", surface)
		assert.EqualValues(t, 3, sets.Load(), "%s: sets a, b and c created under zone 202", surface)
		assert.EqualValues(t, 1, modules.Load(), "%s: module m created", surface)
		assert.EqualValues(t, 1, nodes.Load(), "%s: node n created beside zone 202, once", surface)
	}

	// A target whose delete_inst says success and deletes nothing: the set under the node is
	// still found, and the node is left behind, which the report says.
	u, err := url.Parse(counted)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	keeps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "delete_inst") || r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/v3/delete/instance/") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"result":true,"code":0,"data":null,"message":"success","permission":null,"request_id":"0123456789abcdef0123456789abcdef"}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer keeps.Close()
	out, err := diffRun(t, "--target", keeps.URL, "--fixtures", dir, "--biz-id", "2", "--set-field", `code="000001"`)
	assert.Equal(t, 1, exitCode(err), "%v %s", err, out)
	assert.Contains(t, out, "search_set: set n went with its node  $.data.count  reference 0  target 1")
	assert.Regexp(t, `left behind: target: zone nodes \[\d+\] left behind`, out)

	sets.Store(0)
	out, err = diffRun(t, "--target", counted, "--fixtures", dir, "--biz-id", "2")
	assert.Equal(t, 2, exitCode(err), "%v %s", err, out)
	assert.ErrorContains(t, err, "code (singlechar, option \"^[0-9]{6}$\"): give one with --set-field code=VALUE")
	assert.ErrorContains(t, err, "the target")
	assert.Zero(t, sets.Load(), "no create sent")
}
