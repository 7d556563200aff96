package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/syncbuf"
	"github.com/cmdbmock/cmdbmock/mock"
)

// adminRequest is an admin call as a tool on the same machine sends it: from loopback, to the
// loopback address, JSON when it posts.
func adminRequest(method, path, body string) *http.Request {
	hr := httptest.NewRequest(method, path, strings.NewReader(body))
	hr.RemoteAddr, hr.Host = "127.0.0.1:40000", "127.0.0.1:8080"
	if method == http.MethodPost || method == http.MethodPut {
		hr.Header.Set("Content-Type", "application/json")
	}
	return hr
}

// admin sends an admin call from loopback and decodes the JSON answer into out.
func admin(t *testing.T, s http.Handler, method, path, body string, out any) int {
	t.Helper()
	hr := adminRequest(method, path, body)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, hr)
	if out != nil {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), out), "%s", rec.Body)
	}
	return rec.Code
}

// TestAdminAccess: loopback lets a call in only with no token configured, the trusted networks
// always, each straight and to a host named by an address or localhost; anywhere else a token,
// once configured, is needed; web pages of other origins and HTML forms are refused whatever
// else the call has (the probe's cross-site reset, DNS rebinding and same-host proxy).
func TestAdminAccess(t *testing.T) {
	withToken := newServer(t, mock.Config{Admin: mock.AdminAccess{Token: "t0ken"}, CORSOrigins: []string{"*"}})
	open := newServer(t, mock.Config{CORSOrigins: []string{"*"}})
	bridge := []netip.Prefix{netip.MustParsePrefix("172.17.0.0/16")}
	trusting := newServer(t, mock.Config{Admin: mock.AdminAccess{Networks: bridge}})
	trustingWithToken := newServer(t, mock.Config{Admin: mock.AdminAccess{Token: "t0ken", Networks: bridge}})
	type call struct {
		method, path, remote, host string
		header                     map[string]string
	}
	get := func(remote, host string, header map[string]string) call {
		return call{http.MethodGet, "/__mock/sets", remote, host, header}
	}
	reset := func(header map[string]string) call {
		return call{http.MethodPost, "/__mock/reset", "127.0.0.1:5000", "127.0.0.1:8080", header}
	}
	json := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		name string
		s    http.Handler
		c    call
		want int
	}{
		{"loopback", open, get("127.0.0.1:5000", "127.0.0.1:8080", nil), 200},
		{"loopback v6", open, get("[::1]:5000", "[::1]:8080", nil), 200},
		{"loopback as localhost", open, get("127.0.0.1:5000", "localhost:8080", nil), 200},
		{"remote", open, get("192.0.2.7:5000", "127.0.0.1:8080", nil), 403},
		{"remote with an empty token", open, get("192.0.2.7:5000", "127.0.0.1:8080", map[string]string{"X-Cmdbmock-Admin-Token": ""}), 403},
		{"DNS rebinding: loopback under another name", open, get("127.0.0.1:5000", "rebind.example:8080", nil), 403},
		{"a proxy on the same host", open, get("127.0.0.1:5000", "127.0.0.1:8080", map[string]string{"X-Forwarded-For": "192.0.2.7"}), 403},
		{"a proxy saying Forwarded", open, get("127.0.0.1:5000", "127.0.0.1:8080", map[string]string{"Forwarded": "for=192.0.2.7"}), 403},
		{"a page of another origin", open, get("127.0.0.1:5000", "127.0.0.1:8080", map[string]string{"Origin": "http://evil.example"}), 403},
		{"a page of the same origin", open, get("127.0.0.1:5000", "127.0.0.1:8080", map[string]string{"Origin": "http://127.0.0.1:8080"}), 200},
		{"a cross-site fetch", open, get("127.0.0.1:5000", "127.0.0.1:8080", map[string]string{"Sec-Fetch-Site": "cross-site"}), 403},
		{"reset as JSON", open, reset(json), 200},
		{"reset from an HTML form", open, reset(map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), 415},
		{"reset without a content type", open, reset(nil), 415},
		{"reset from another origin", open, reset(map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}), 403},
		{"token: loopback without it", withToken, get("127.0.0.1:5000", "127.0.0.1:8080", nil), 403},
		{"token: remote with it", withToken, get("192.0.2.7:5000", "cmdbmock.internal:8080", map[string]string{"X-Cmdbmock-Admin-Token": "t0ken"}), 200},
		{"token: remote with bearer", withToken, get("192.0.2.7:5000", "cmdbmock.internal:8080", map[string]string{"Authorization": "Bearer t0ken"}), 200},
		{"token: a proxy on the same host, with it", withToken, get("127.0.0.1:5000", "cmdbmock.internal", map[string]string{"X-Forwarded-For": "192.0.2.7", "X-Cmdbmock-Admin-Token": "t0ken"}), 200},
		{"token: a wrong one", withToken, get("192.0.2.7:5000", "cmdbmock.internal:8080", map[string]string{"X-Cmdbmock-Admin-Token": "guess"}), 403},
		{"trusted network", trusting, get("172.17.0.1:5000", "127.0.0.1:8080", nil), 200},
		{"trusted network, as an IPv4-mapped address", trusting, get("[::ffff:172.17.0.1]:5000", "localhost:8080", nil), 200},
		{"trusted network to the container's address", trusting, get("172.17.0.1:5000", "172.17.0.2:8080", nil), 200},
		{"trusted network: loopback still trusted", trusting, get("127.0.0.1:5000", "127.0.0.1:8080", nil), 200},
		{"trusted network under a DNS name", trusting, get("172.17.0.1:5000", "rebind.example:8080", nil), 403},
		{"trusted network through a proxy", trusting, get("172.17.0.1:5000", "127.0.0.1:8080", map[string]string{"X-Forwarded-For": "192.0.2.7"}), 403},
		{"another network", trusting, get("172.18.0.1:5000", "127.0.0.1:8080", nil), 403},
		{"trusted network from a page of another origin", trusting, get("172.17.0.1:5000", "127.0.0.1:8080", map[string]string{"Origin": "http://evil.example"}), 403},
		{"token and network: the network without it", trustingWithToken, get("172.17.0.1:5000", "127.0.0.1:8080", nil), 200},
		{"token and network: loopback without it", trustingWithToken, get("127.0.0.1:5000", "127.0.0.1:8080", nil), 403},
		{"token and network: elsewhere with it", trustingWithToken, get("192.0.2.7:5000", "cmdbmock.internal:8080", map[string]string{"X-Cmdbmock-Admin-Token": "t0ken"}), 200},
		{"token: from another origin", withToken, get("192.0.2.7:5000", "cmdbmock.internal:8080", map[string]string{"X-Cmdbmock-Admin-Token": "t0ken", "Origin": "http://evil.example"}), 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hr := httptest.NewRequest(tc.c.method, tc.c.path, nil)
			hr.RemoteAddr, hr.Host = tc.c.remote, tc.c.host
			for k, v := range tc.c.header {
				hr.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			tc.s.ServeHTTP(rec, hr)
			assert.Equal(t, tc.want, rec.Code, rec.Body.String())
			assert.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), "the admin API never takes the CMDB routes' CORS")
		})
	}
}

func TestAdminSetsAndReset(t *testing.T) {
	s := newServer(t, mock.Config{})
	createNamed(t, s, "a", "b")
	require.True(t, req{surface: "v3", biz: 2, data: set("bk_parent_id", 2)}.send(t, s).Result)

	var list struct {
		Count int              `json:"count"`
		Sets  []map[string]any `json:"sets"`
	}
	require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/sets", "", &list))
	assert.Equal(t, 5, list.Count)
	admin(t, s, http.MethodGet, "/__mock/sets?bk_biz_id=1&bk_set_name=b", "", &list)
	require.Equal(t, 1, list.Count)
	assert.Equal(t, "b", list.Sets[0]["bk_set_name"])
	assert.Equal(t, 400, admin(t, s, http.MethodGet, "/__mock/sets?bk_biz_id=x", "", nil))

	var reset map[string]int
	require.Equal(t, 200, admin(t, s, http.MethodPost, "/__mock/reset", "", &reset))
	assert.Equal(t, 2, reset["sets"])
	r := req{surface: "esb", biz: 1, data: set("bk_set_name", "a")}.send(t, s)
	assert.Equal(t, json.Number("3"), r.Data["bk_set_id"], "the counter starts again")

	rec := httptest.NewRecorder()
	hr := adminRequest(http.MethodGet, "/__mock/openapi.yaml", "")
	s.ServeHTTP(rec, hr)
	assert.Contains(t, rec.Body.String(), "cmdbmock admin API")
}

func TestJournal(t *testing.T) {
	const canary = "canary-journal-secret"
	s := newServer(t, mock.Config{JournalSize: 3})
	for i := range 5 {
		req{surface: "esb", biz: 1, creds: map[string]any{"bk_app_secret": canary, "bk_token": canary},
			data: set("bk_set_name", fmt.Sprintf("j%d", i))}.send(t, s)
	}
	req{surface: "v3", biz: 1, creds: map[string]any{"bk_app_secret": canary, "bk_username": "bob"}, data: set("bk_parent_id", 77)}.send(t, s)

	var j struct {
		Entries []mock.Entry `json:"entries"`
	}
	require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/journal", "", &j))
	require.Len(t, j.Entries, 3, "bounded by the journal size")
	assert.Equal(t, []int64{6, 5, 4}, []int64{j.Entries[0].ID, j.Entries[1].ID, j.Entries[2].ID}, "newest first")
	newest := j.Entries[0]
	assert.Equal(t, "bob", newest.User)
	assert.Equal(t, 0, *newest.Code)
	assert.Equal(t, http.MethodPost, newest.Method)
	assert.Contains(t, newest.Response, `"result":true`)
	require.Len(t, newest.Warnings, 1, "the fidelity warnings stay with the request")
	assert.Contains(t, newest.Warnings[0], "bk_parent_id 77")
	assert.Positive(t, newest.DurationMS)

	raw, err := json.Marshal(j)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), canary, "secrets are masked in the journal")
	assert.Contains(t, j.Entries[1].Body, `"bk_app_secret":"***"`)
	assert.Contains(t, newest.Headers["X-Bkapi-Authorization"], `"bk_app_secret":"***"`)

	admin(t, s, http.MethodGet, "/__mock/journal?user=bob", "", &j)
	assert.Len(t, j.Entries, 1)
	admin(t, s, http.MethodGet, "/__mock/journal?path=create_set&limit=1", "", &j)
	assert.Len(t, j.Entries, 1)
	admin(t, s, http.MethodGet, "/__mock/journal?code=1101108", "", &j)
	assert.Empty(t, j.Entries)
	assert.Equal(t, 400, admin(t, s, http.MethodGet, "/__mock/journal?code=x", "", nil))

	assert.Equal(t, 204, admin(t, s, http.MethodDelete, "/__mock/journal", "", nil))
	admin(t, s, http.MethodGet, "/__mock/journal", "", &j)
	assert.Empty(t, j.Entries)
}

func TestJournalRedactsFormBodies(t *testing.T) {
	s := newServer(t, mock.Config{})
	hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader("bk_app_code=a&bk_app_secret=form-canary&bk_username=u"))
	send(t, s, hr)
	entries := s.Journal().Entries(mock.JournalFilter{})
	require.Len(t, entries, 1)
	assert.NotContains(t, entries[0].Body, "form-canary")
	bad := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(`{"bk_app_secret": "json-canary", `))
	send(t, s, bad)
	assert.NotContains(t, s.Journal().Entries(mock.JournalFilter{Limit: 1})[0].Body, "json-canary", "a broken JSON body that names a secret is withheld")
}

// TestJournalShowsWhatIsNotJSON: a body or an X-Bkapi-Authorization header with bytes after its
// JSON value is not JSON to ESB and the gateway, and the journal does not show it as JSON either:
// withheld when it names a secret, else kept as it came.
func TestJournalShowsWhatIsNotJSON(t *testing.T) {
	s := newServer(t, mock.Config{})
	for _, tc := range []struct{ body, header, wantBody, wantHeader string }{
		{`{"bk_app_secret":"trailing-canary"}}`, `{"bk_app_secret":"header-canary"}]`,
			"(not JSON, 36 bytes: withheld, as it may hold a secret)", "(not JSON, 34 bytes: withheld, as it may hold a secret)"},
		{`{"bk_biz_id":1} x`, `{"bk_app_code":"a"} x`, `{"bk_biz_id":1} x`, `{"bk_app_code":"a"} x`},
		// A body that is not JSON keeps its separators; only a secret's value is masked.
		{"note; bk_biz_id=1&bk_token=t;x", `{}`, "note; bk_biz_id=1&bk_token=***;x", `{}`},
		{"--b\r\nContent-Disposition: form-data; name=\"bk_biz_id\"\r\n\r\n1\r\n--b--\r\n", `{}`,
			"--b\r\nContent-Disposition: form-data; name=\"bk_biz_id\"\r\n\r\n1\r\n--b--\r\n", `{}`},
	} {
		hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(tc.body))
		hr.Header.Set("X-Bkapi-Authorization", tc.header)
		send(t, s, hr)
		e := s.Journal().Entries(mock.JournalFilter{Limit: 1})[0]
		assert.Equal(t, tc.wantBody, e.Body)
		assert.Equal(t, tc.wantHeader, e.Headers["X-Bkapi-Authorization"])
	}
}

func addFault(t *testing.T, s http.Handler, rule string) mock.FaultRule {
	t.Helper()
	var added mock.FaultRule
	require.Equal(t, 201, admin(t, s, http.MethodPost, "/__mock/faults", rule, &added))
	return added
}

func TestFaults(t *testing.T) {
	t.Run("fires exactly N times", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		rule := addFault(t, s, `{"match":{"surface":"esb","bk_biz_id":1},"code":1306201,"message":"Request backend service failed","times":2}`)
		var codes []int
		for i := range 4 {
			r := req{surface: "esb", biz: 1, data: set("bk_set_name", fmt.Sprintf("f%d", i))}.send(t, s)
			codes = append(codes, r.Code)
			if r.Code == 1306201 {
				assert.NotContains(t, r.Keys, "permission", "a gateway error has no permission key")
				assert.Equal(t, "Request backend service failed", r.Message)
			}
		}
		assert.Equal(t, []int{1306201, 1306201, 0, 0}, codes)
		assert.Equal(t, 0, req{surface: "v3", biz: 1, data: set("bk_set_name", "other-surface")}.send(t, s).Code)
		var list struct {
			Faults []mock.FaultRule `json:"faults"`
		}
		admin(t, s, http.MethodGet, "/__mock/faults", "", &list)
		require.Len(t, list.Faults, 1)
		assert.Equal(t, rule.ID, list.Faults[0].ID)
		assert.Equal(t, 2, list.Faults[0].Fired)
		entries := s.Journal().Entries(mock.JournalFilter{Code: ptr(1306201)})
		require.Len(t, entries, 2)
		assert.Equal(t, rule.ID, entries[0].Fault)
	})
	t.Run("a seeded probability repeats its sequence", func(t *testing.T) {
		run := func() []int {
			s := newServer(t, mock.Config{})
			addFault(t, s, `{"code":1199999,"message":"flaky","probability":0.5,"seed":42}`)
			var codes []int
			for i := range 20 {
				codes = append(codes, req{surface: "v3", biz: 1, data: set("bk_set_name", fmt.Sprintf("p%d", i))}.send(t, s).Code)
			}
			return codes
		}
		first := run()
		assert.Equal(t, first, run())
		assert.Contains(t, first, 0)
		assert.Contains(t, first, 1199999)
	})
	t.Run("matches by name and user", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		addFault(t, s, `{"match":{"bk_set_name":"^slow-","user":"alice"},"http_status":503,"delay_ms":1}`)
		r := req{surface: "esb", biz: 1, data: set("bk_set_name", "slow-1")}.send(t, s)
		assert.Equal(t, 503, r.Status)
		assert.False(t, r.Result)
		assert.True(t, req{surface: "esb", biz: 1, creds: map[string]any{"bk_username": "carol"}, data: set("bk_set_name", "slow-2")}.send(t, s).Result)
		assert.True(t, req{surface: "esb", biz: 1, data: set("bk_set_name", "fast")}.send(t, s).Result)
	})
	t.Run("a delay alone lets the call go on", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		addFault(t, s, `{"delay_ms":1,"delay_max_ms":3,"seed":1}`)
		assert.True(t, req{surface: "esb", biz: 1, data: set()}.send(t, s).Result)
	})
	t.Run("a dropped connection", func(t *testing.T) {
		var log syncbuf.Buffer
		s := newServer(t, mock.Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
		srv := httptest.NewServer(s)
		defer srv.Close()
		addFault(t, s, `{"drop":true,"times":1}`)
		_, err := http.Post(srv.URL+"/api/v3/set/1", "application/json", strings.NewReader(`{}`))
		require.Error(t, err)
		resp, err := http.Post(srv.URL+"/api/v3/set/1", "application/json", strings.NewReader(`{}`))
		require.NoError(t, err, "only the next call is dropped")
		resp.Body.Close()
		// The journal and the log say no answer went out (status 0), not the 200 nobody sent.
		require.Eventually(t, func() bool { return strings.Count(log.String(), "msg=request") == 2 }, 5*time.Second, time.Millisecond)
		var statuses []int
		for _, e := range s.Journal().Entries(mock.JournalFilter{}) {
			statuses = append(statuses, e.Status)
			assert.Equal(t, e.Status == 0, e.Fault == "1", "only the dropped call went unanswered")
		}
		assert.ElementsMatch(t, []int{resp.StatusCode, 0}, statuses)
		assert.Contains(t, log.String(), "status=0 code=-1")
	})
	t.Run("a caller gone during a delay", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		srv := httptest.NewServer(s)
		defer srv.Close()
		addFault(t, s, `{"delay_ms":60000,"times":1}`)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/api/v3/set/1", strings.NewReader(`{}`))
		require.NoError(t, err)
		_, err = http.DefaultClient.Do(r)
		require.Error(t, err)
		require.Eventually(t, func() bool { return len(s.Journal().Entries(mock.JournalFilter{})) == 1 }, 5*time.Second, 5*time.Millisecond)
		assert.Equal(t, 0, s.Journal().Entries(mock.JournalFilter{})[0].Status, "nothing was answered")
	})
	t.Run("rules are listed and deleted; bad rules refused", func(t *testing.T) {
		s := newServer(t, mock.Config{})
		a := addFault(t, s, `{"code":1}`)
		addFault(t, s, `{"code":2}`)
		assert.Equal(t, 204, admin(t, s, http.MethodDelete, "/__mock/faults/"+a.ID, "", nil))
		assert.Equal(t, 404, admin(t, s, http.MethodDelete, "/__mock/faults/"+a.ID, "", nil))
		assert.Len(t, s.Faults().List(), 1)
		assert.Equal(t, 204, admin(t, s, http.MethodDelete, "/__mock/faults", "", nil))
		assert.Empty(t, s.Faults().List())
		for _, bad := range []string{`{}`, `{"code":1,"nope":1}`, `{"code":1,"probability":2}`, `{"match":{"bk_set_name":"("},"code":1}`,
			`{"match":{"surface":"soap"},"code":1}`, `{"http_status":42}`, `{"delay_ms":5,"delay_max_ms":1}`, `not json`,
			`{"code":1306201}}`, `{"code":1306201} {"code":1}`,
			// A delay past an hour: delay_max_ms at int's end made the rule's first firing panic
			// (its random window wrapped below zero), delay_ms there wrapped the wait itself.
			`{"delay_ms":0,"delay_max_ms":9223372036854775807}`, `{"delay_ms":9223372036854775807}`,
			`{"delay_ms":3600001}`, `{"delay_ms":1,"delay_max_ms":3600001}`} {
			var e map[string]string
			assert.Equal(t, 400, admin(t, s, http.MethodPost, "/__mock/faults", bad, &e), bad)
			assert.NotEmpty(t, e["error"])
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestState(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s := newServer(t, mock.Config{StateFile: file})
	createNamed(t, s, "kept-1", "kept-2")
	require.True(t, req{surface: "esb", biz: 1, data: set("set_template_id", 1, "bk_set_name", "templated")}.send(t, s).Result)
	var snap map[string]any
	require.Equal(t, 200, admin(t, s, http.MethodPost, "/__mock/snapshot", "", &snap))
	assert.Equal(t, file, snap["file"])

	again := newServer(t, mock.Config{StateFile: file})
	assert.Equal(t, s.Store().Sets(), again.Store().Sets(), "a restart loses nothing")
	assert.Equal(t, s.Store().Modules(5), again.Store().Modules(5))
	assert.Equal(t, 1101108, req{surface: "esb", biz: 1, data: set("bk_set_name", "kept-1")}.send(t, again).Code)
	r := req{surface: "esb", biz: 1, data: set("bk_set_name", "new")}.send(t, again)
	assert.Equal(t, json.Number("7"), r.Data["bk_set_id"], "ids continue, the duplicate's included")

	assert.Equal(t, 409, admin(t, newServer(t, mock.Config{}), http.MethodPost, "/__mock/snapshot", "", nil))
	require.NoError(t, os.WriteFile(file, []byte(`{"format":1,"sets":[{"bk_set_id":"x"}]}`), 0o644))
	sp := loadSpec()
	fx, err := fixtures.Default()
	require.NoError(t, err)
	_, err = mock.New(sp, fx, mock.Config{StateFile: file})
	assert.Error(t, err, "a broken state file stops the start")
}

func TestMetrics(t *testing.T) {
	s := newServer(t, mock.Config{})
	createNamed(t, s, "m1")
	req{surface: "v3", biz: 1, data: set("bk_set_name", "m1")}.send(t, s)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	assert.Contains(t, body, `cmdbmock_requests_total{code="0",route="/api/c/compapi/v2/cc/create_set/",surface="esb"} 1`)
	assert.Contains(t, body, `cmdbmock_requests_total{code="1101108",route="/api/v3/set/:bk_biz_id",surface="v3"} 1`)
	assert.Contains(t, body, `cmdbmock_request_duration_seconds_count{route="/api/v3/set/:bk_biz_id",surface="v3"} 1`)
	assert.Contains(t, body, "cmdbmock_stored_sets 3")
}

func TestCORS(t *testing.T) {
	s := newServer(t, mock.Config{CORSOrigins: []string{"http://localhost:3000"}})
	pre := httptest.NewRequest(http.MethodOptions, "/api/v3/set/1", nil)
	pre.Header.Set("Origin", "http://localhost:3000")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "X-Bkapi-Authorization")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, pre)
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Equal(t, "http://localhost:3000", rec.Header().Get("Access-Control-Allow-Origin"))
	assert.Contains(t, rec.Header().Get("Access-Control-Allow-Headers"), "X-Bkapi-Authorization")
	assert.Contains(t, rec.Header().Get("Access-Control-Allow-Headers"), "X-Request-Id", "a caller's own id, which the gateway echoes")

	call := req{surface: "v3", biz: 1, data: set()}.httpRequest(t)
	call.Header.Set("Origin", "http://localhost:3000")
	r := send(t, s, call)
	assert.True(t, r.Result)
	assert.Equal(t, "http://localhost:3000", r.Header.Get("Access-Control-Allow-Origin"))
	// What the gateway adds for its caller to read: ids, its errors, the rate limit's quota.
	for _, h := range []string{"X-Request-Id", "X-Bkapi-Request-Id", "X-Bkapi-Error-Code", "X-Bkapi-Error-Message",
		"X-Bkapi-Ratelimit-Limit", "X-Bkapi-Ratelimit-Remaining", "X-Bkapi-Ratelimit-Reset"} {
		assert.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), h)
	}

	other := req{surface: "v3", biz: 1, data: set("bk_set_name", "x")}.httpRequest(t)
	other.Header.Set("Origin", "http://evil.example")
	assert.Empty(t, send(t, s, other).Header.Get("Access-Control-Allow-Origin"))
}

func TestReloadFixturesKeepsCreatedSets(t *testing.T) {
	s := newServer(t, mock.Config{})
	createNamed(t, s, "survivor")
	assert.Equal(t, 1199011, req{surface: "esb", biz: 3, data: set("bk_parent_id", 3)}.send(t, s).Code)

	_, err := fixtures.Load(os.DirFS(t.TempDir()))
	require.Error(t, err, "a directory without businesses.json is refused")
	fx, err := fixtures.Default()
	require.NoError(t, err)
	grown := *fx
	grown.Businesses = append(append([]fixtures.Business(nil), fx.Businesses...),
		fixtures.Business{ID: 3, Name: "game", Sets: []fixtures.Set{{ID: 50, Name: "空闲机池", Default: 1}}})
	require.NoError(t, s.ReloadFixtures(&grown))

	assert.True(t, req{surface: "esb", biz: 3, data: set("bk_parent_id", 3)}.send(t, s).Result)
	_, ok := s.Store().Set(50)
	assert.True(t, ok, "the new built-in set is stored")
	assert.Equal(t, 1101108, req{surface: "esb", biz: 1, data: set("bk_set_name", "survivor")}.send(t, s).Code, "created sets stay")

	other := grown
	other.SetModel = append(slices.Clone(grown.SetModel), fixtures.Attribute{PropertyID: "zone", Type: fixtures.TypeSingleChar})
	assert.Error(t, s.ReloadFixtures(&other), "the set model stays as the store was made")
	other = grown
	other.ModuleModel = append(slices.Clone(grown.ModuleModel), fixtures.Attribute{PropertyID: "port", Type: fixtures.TypeInt})
	assert.Error(t, s.ReloadFixtures(&other), "the module model stays as the mock was made: its checks and the listed model are made once")
	other = grown
	other.BizModel = append(slices.Clone(grown.BizModel), fixtures.Attribute{PropertyID: "bk_oper", Type: fixtures.TypeUser})
	assert.Error(t, s.ReloadFixtures(&other), "the business model stays as the mock was made")
	other = grown
	other.LevelModel = append(slices.Clone(grown.LevelModel), fixtures.Attribute{PropertyID: "idc", Type: fixtures.TypeSingleChar})
	assert.ErrorContains(t, s.ReloadFixtures(&other), "level_attributes.json", "the custom levels' model stays as the mock was made")
}

// TestJournalKeepsAnswersAsSent: the journal's answer of each request is the bytes the caller
// got, a created set's (written out again when read) as much as a failure's.
func TestJournalKeepsAnswersAsSent(t *testing.T) {
	s := newServer(t, mock.Config{})
	var sent []string
	for _, r := range []req{
		{surface: "esb", biz: 1, data: set("bk_set_name", "journal-esb")},
		{surface: "v3", biz: 1, data: set("bk_set_name", "journal-v3")},
		{surface: "esb", biz: 1, data: set("bk_set_name", "journal-esb")}, // a duplicate
		{surface: "esb", biz: 1, data: set("bk_set_name", "canned-set")},  // a canned record
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r.httpRequest(t))
		sent = append(sent, rec.Body.String())
	}
	entries := s.Journal().Entries(mock.JournalFilter{})
	require.Len(t, entries, len(sent))
	for i, e := range entries {
		assert.Equal(t, sent[len(sent)-1-i], e.Response, "entry %d", e.ID)
	}
	assert.Contains(t, entries[1].Response, `"code":1101`)
}

// TestParseNetworks: --admin-networks takes networks and single addresses, comma-separated.
func TestParseNetworks(t *testing.T) {
	for _, tc := range []struct {
		list, want, err string
	}{
		{"172.17.0.0/16", "[172.17.0.0/16]", ""},
		{" 10.1.2.3/8 , 192.0.2.7,::1", "[10.0.0.0/8 192.0.2.7/32 ::1/128]", ""},
		{"::ffff:192.0.2.7", "[192.0.2.7/32]", ""},
		{"", "[]", ""},
		{"10.0.0.0/8,docker0", "", `"docker0" is neither a network`},
		{"10.0.0.0/33", "", "neither a network"},
	} {
		got, err := mock.ParseNetworks(tc.list)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.list)
			continue
		}
		require.NoError(t, err, tc.list)
		assert.Equal(t, tc.want, fmt.Sprint(got), tc.list)
	}
}

// TestAdminSetsIsPaged: the stored sets are listed a page at a time, by id (1,000 unless limit
// says otherwise, at most 10,000), with the count of all that match: a store of any size costs a
// page to list.
func TestAdminSetsIsPaged(t *testing.T) {
	s := newServer(t, mock.Config{})
	for i := range 1200 {
		require.True(t, req{surface: "esb", biz: 2, data: set("bk_parent_id", 2, "bk_set_name", fmt.Sprint("s", i))}.send(t, s).Result)
	}
	type list struct {
		Count int              `json:"count"`
		Sets  []map[string]any `json:"sets"`
	}
	ids := func(l list) (out []int64) {
		for _, set := range l.Sets {
			out = append(out, int64(set["bk_set_id"].(float64)))
		}
		return out
	}
	var all list
	require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/sets", "", &all))
	assert.Equal(t, 1202, all.Count, "the built-in sets and those made")
	require.Len(t, all.Sets, 1000)
	assert.Equal(t, int64(1), ids(all)[0])
	assert.True(t, slices.IsSorted(ids(all)), "by id")

	var rest list
	require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/sets?start=1000&limit=500", "", &rest))
	assert.Equal(t, 1202, rest.Count)
	assert.Len(t, rest.Sets, 202)
	assert.Greater(t, ids(rest)[0], ids(all)[999])

	var biz list
	require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/sets?bk_biz_id=2&bk_parent_id=2&limit=10", "", &biz))
	assert.Equal(t, 1201, biz.Count, "its idle pool and the sets made")
	assert.Len(t, biz.Sets, 10)

	for _, bad := range []string{"limit=10001", "limit=-1", "start=-1", "start=x", "start=99999&limit=10", "start=9223372036854775807&limit=10"} {
		assert.Equal(t, 400, admin(t, s, http.MethodGet, "/__mock/sets?"+bad, "", nil), bad)
	}
	// Past the 100,000th set, narrowed to a business: its sets are paged by id from any start,
	// as its search_set pages are.
	for _, deep := range []string{"bk_biz_id=2&start=99999&limit=10", "bk_biz_id=2&bk_parent_id=2&start=9223372036854775807&limit=10"} {
		var past list
		require.Equal(t, 200, admin(t, s, http.MethodGet, "/__mock/sets?"+deep, "", &past), deep)
		assert.Equal(t, 1201, past.Count, deep)
		assert.Empty(t, past.Sets, deep)
	}
}
