package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/syncbuf"
)

// TestGracefulStop: a stop lets the request in flight finish, writes the state and returns nil.
func TestGracefulStop(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--state", file}, nil)
	base := "http://" + addr

	// Every create waits 300 ms, so the stop below comes while one is in flight.
	resp, err := http.Post(base+"/__mock/faults", "application/json", strings.NewReader(`{"delay_ms":300}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	answered := make(chan string, 1)
	go func() { answered <- createV3(t, addr, 1, "in-flight") }()
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, stop(), "run returns nil after a graceful stop")
	assert.Contains(t, <-answered, `"code":0`, "the request in flight got its answer")

	state, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(state), "in-flight", "the state holds the set created during the stop")
}

// TestStopEndsInjectedDelays: a call held by a fault rule's delay goes on at a stop, as if its
// delay were over, and is answered; the stop waits on no delay of the mock's own making, up to
// an hour, and then cuts the call.
func TestStopEndsInjectedDelays(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--state", file, "--shutdown-timeout", "200ms"}, nil)
	base := "http://" + addr
	resp, err := http.Post(base+"/__mock/faults", "application/json", strings.NewReader(`{"delay_ms":3600000}`))
	require.NoError(t, err)
	resp.Body.Close()

	answered := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v3/set/1", strings.NewReader(fmt.Sprintf(v3Create, 1, "held")))
		req.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- "no answer: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- string(b)
	}()
	require.Eventually(t, func() bool { // the call is in its delay
		resp, err := http.Get(base + "/__mock/faults")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"fired":1`)
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, stop())
	assert.Contains(t, <-answered, `"code":0`, "the held call was answered")
	state, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(state), `"bk_set_name":"held"`), "and its set kept")
}

// TestSecretsNeverInAnyOutput sends canary secrets every way a caller can and searches every
// output: the logs, the journal, the saved state and the contract reports.
func TestSecretsNeverInAnyOutput(t *testing.T) {
	const secret, token, authSecret = "canary-body-secret", "canary-token", "canary-header-secret"
	file := filepath.Join(t.TempDir(), "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var logs syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--state", file, "--log-level", "debug"}, getenv(nil), w, &logs)
		w.Close()
	}()
	addr := listenAddr(t, out)
	waitHealthy(t, addr)
	base := "http://" + addr

	postJSON(t, base+"/api/c/compapi/v2/cc/create_set/", fmt.Sprintf(
		`{"bk_app_code":"a","bk_app_secret":%q,"bk_token":%q,"bk_biz_id":1,"data":{"bk_parent_id":9,"bk_set_name":"s1"}}`, secret, token))
	postJSON(t, base+"/api/c/compapi/v2/cc/create_set/", fmt.Sprintf(`{"bk_app_secret":%q,`, secret)) // malformed
	form, err := http.Post(base+"/api/c/compapi/v2/cc/create_set/", "application/x-www-form-urlencoded",
		strings.NewReader("bk_app_code=a&bk_app_secret="+secret+"&bk_token="+token))
	require.NoError(t, err)
	form.Body.Close()
	var parts bytes.Buffer // as curl -F sends them
	mw := multipart.NewWriter(&parts)
	for k, v := range map[string]string{"bk_app_code": "a", "bk_app_secret": secret, "bk_token": token, "bk_biz_id": "1"} {
		require.NoError(t, mw.WriteField(k, v))
	}
	require.NoError(t, mw.Close())
	multi, err := http.Post(base+"/api/c/compapi/v2/cc/search_set/", mw.FormDataContentType(), &parts)
	require.NoError(t, err)
	multi.Body.Close()
	postJSON(t, base+"/api/c/compapi/v2/cc/create_set/", fmt.Sprintf( // JSON to ESB's Python only
		`{"bk_app_code":"a","bk_app_secret":%q,"bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"s3","bk_capacity":NaN}}`, secret))
	req, err := http.NewRequest(http.MethodPost, base+"/api/v3/set/1", strings.NewReader(`{"bk_parent_id":1,"bk_set_name":"s2"}`))
	require.NoError(t, err)
	req.Header.Set("X-Bkapi-Authorization", fmt.Sprintf(`{"bk_app_code":"a","bk_app_secret":%q,"bk_token":%q}`, authSecret, token))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	var outputs strings.Builder
	for _, path := range []string{"/__mock/journal", "/__mock/sets", "/metrics"} {
		outputs.WriteString(getBody(t, base+path))
	}
	var journal struct {
		Entries []json.RawMessage `json:"entries"`
	}
	resp, err = http.Get(base + "/__mock/journal")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&journal))
	resp.Body.Close()
	assert.Len(t, journal.Entries, 6, "the journal holds the requests the canaries came in")

	for _, format := range []string{"text", "json", "junit"} {
		var report strings.Builder
		err := run(context.Background(), []string{"contract", "--target", base, "--biz-id", "1", "--rps", "1000", "--format", format},
			getenv(map[string]string{"CMDBMOCK_APP_SECRET": secret}), &report, &report)
		require.NoError(t, err)
		outputs.WriteString(report.String())
	}
	cancel()
	require.NoError(t, <-done)
	state, err := os.ReadFile(file)
	require.NoError(t, err)
	outputs.Write(state)
	outputs.WriteString(logs.String())

	for _, canary := range []string{secret, token, authSecret} {
		assert.NotContains(t, outputs.String(), canary)
	}
	assert.Contains(t, outputs.String(), "***", "secrets show masked")
}

// TestStalledClientIsCut: a client that never finishes its headers loses the connection after
// --read-header-timeout.
func TestStalledClientIsCut(t *testing.T) {
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--read-header-timeout", "200ms"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST /api/v3/set/1 HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = io.ReadAll(conn) // returns once the server closes the connection
	require.NoError(t, err, "the server closed the stalled connection before the test's own deadline")
}

// TestPprofIsAnAdminEndpoint: the profiler answers only as the admin API does, and never shows
// the command line, which holds the admin token and app secrets given as flags.
func TestPprofIsAnAdminEndpoint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pprofAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--pprof", pprofAddr, "--admin-token", "pprof-t0ken", "--app", "app:app-s3cret"}, nil)
	defer func() { require.NoError(t, stop()) }()

	get := func(path string, header map[string]string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, "http://"+pprofAddr+path, nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		var resp *http.Response
		require.Eventually(t, func() bool {
			resp, err = http.DefaultClient.Do(req)
			return err == nil
		}, 5*time.Second, 10*time.Millisecond)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	token := map[string]string{"X-Cmdbmock-Admin-Token": "pprof-t0ken"}
	status, _ := get("/debug/pprof/", nil)
	assert.Equal(t, http.StatusForbidden, status, "a token is configured: loopback alone is not enough")
	status, _ = get("/debug/pprof/", token)
	assert.Equal(t, http.StatusOK, status)
	status, _ = get("/debug/pprof/", map[string]string{"X-Cmdbmock-Admin-Token": "pprof-t0ken", "Origin": "http://evil.example"})
	assert.Equal(t, http.StatusForbidden, status)
	status, body := get("/debug/pprof/cmdline", token)
	assert.Equal(t, http.StatusNotFound, status)
	assert.NotContains(t, body, "pprof-t0ken")
	assert.NotContains(t, body, "app-s3cret")
}

// TestAdminNetworks: --admin-networks (or CMDBMOCK_ADMIN_NETWORKS) lets callers from the networks
// it names make admin calls without a token, as a published container port needs; without it,
// a caller that is not on loopback is refused. The caller is this machine under an address of
// its own that is not loopback.
func TestAdminNetworks(t *testing.T) {
	own := ownAddress(t)
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want int
	}{
		{nil, nil, http.StatusForbidden},
		{[]string{"--admin-networks", own + "/32"}, nil, http.StatusOK},
		{nil, map[string]string{"CMDBMOCK_ADMIN_NETWORKS": "198.51.100.0/24, " + own}, http.StatusOK},
		{[]string{"--admin-networks", "198.51.100.0/24"}, nil, http.StatusForbidden},
	} {
		addr, stop := startRun(t, append([]string{"--addr", own + ":0"}, tc.args...), tc.env)
		resp, err := http.Get("http://" + addr + "/__mock/sets")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.want, resp.StatusCode, "%v %v", tc.args, tc.env)
		require.NoError(t, stop())
	}
	err := run(context.Background(), []string{"--admin-networks", "docker0"}, getenv(nil), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "--admin-networks")
	assert.Equal(t, 2, exitCode(err))
}

// ownAddress is an IPv4 address of this machine that is not loopback; the test skips without one.
func ownAddress(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no IPv4 address besides loopback to call from")
	return ""
}
