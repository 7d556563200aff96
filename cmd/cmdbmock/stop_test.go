package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStopWritesStateWithRequestsInFlight: a stop whose --shutdown-timeout runs out while a
// request is still in flight (a client that sent its headers and stalls its body) still writes
// --state: every acknowledged set is kept.
func TestStopWritesStateWithRequestsInFlight(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--state", file, "--shutdown-timeout", "200ms", "--read-timeout", "1m"}, nil)
	assert.Contains(t, createV3(t, addr, 1, "acknowledged"), `"code":0`)

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST /api/v3/set/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"bk_parent_id\":1,"))
	require.NoError(t, err)
	// The request is in flight once its headers are read; a health check after it proves it.
	waitHealthy(t, addr)

	require.NoError(t, stop(), "a stop that cut a stalled client is still a clean stop")
	saved, err := os.ReadFile(file)
	require.NoError(t, err, "the state is written although a request was in flight")
	assert.Contains(t, string(saved), `"acknowledged"`)
}

// TestStartChecksStateAndNumbers: a state file that cannot be written, and numbers out of their
// range, are refused at start with a clear error, not found out at the first stop (or never).
func TestStartChecksStateAndNumbers(t *testing.T) {
	readOnly := t.TempDir()
	require.NoError(t, os.Chmod(readOnly, 0o555))
	t.Cleanup(func() { _ = os.Chmod(readOnly, 0o755) })
	cases := map[string]struct {
		args []string
		want string
	}{
		"a missing directory":           {[]string{"--state", "/nonexistent/dir/state.json"}, "state /nonexistent/dir/state.json cannot be written"},
		"a journal too large":           {[]string{"--journal-size", "2000000"}, "--journal-size"},
		"a zero read-header timeout":    {[]string{"--read-header-timeout", "0s"}, "--read-header-timeout"},
		"a negative read timeout":       {[]string{"--read-timeout", "-1s"}, "--read-timeout"},
		"a zero write timeout":          {[]string{"--write-timeout", "0"}, "--write-timeout"},
		"a zero idle timeout":           {[]string{"--idle-timeout", "0"}, "--idle-timeout"},
		"a negative shutdown timeout":   {[]string{"--shutdown-timeout", "-5s"}, "--shutdown-timeout"},
		"a negative populate":           {[]string{"--populate", "-1"}, "--populate"},
		"more fake sets than the store": {[]string{"--populate", "600", "--max-sets", "1000"}, "--populate"},
		"a page larger than the window": {[]string{"--max-page", "200000"}, "--max-page"},
		"a body limit of a terabyte":    {[]string{"--max-body", "1099511627776"}, "--max-body"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases["a read-only directory"] = struct {
			args []string
			want string
		}{[]string{"--state", filepath.Join(readOnly, "state.json")}, "--state"}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// A start that takes the bad value serves until this runs out, then returns no error.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			err := run(ctx, append([]string{"--addr", "127.0.0.1:0"}, tc.args...), getenv(nil), io.Discard, io.Discard)
			require.Error(t, err)
			assert.True(t, strings.Contains(err.Error(), tc.want), "%v", err)
		})
	}
}

// TestContractStopsOnASecondSignal: the first SIGINT of a contract run lets it clean up; a
// second one ends it at once, even while a request to a target that never answers is waiting
// (it used to be ignored). A request timeout of 0 (no limit at all) is refused.
func TestContractStopsOnASecondSignal(t *testing.T) {
	err := run(context.Background(), []string{"contract", "--target", "http://127.0.0.1:1", "--biz-id", "1", "--timeout", "0"}, getenv(nil), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--timeout")

	if testing.Short() {
		t.Skip("builds a binary")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() { // a target that takes connections and never answers
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	bin := filepath.Join(t.TempDir(), "cmdbmock")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(bin, "contract", "--target", "http://"+ln.Addr().String(), "--biz-id", "1", "--timeout", "1m")
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(300 * time.Millisecond) // the run is waiting on its first request
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	select {
	case err := <-done:
		assert.Error(t, err, "interrupted, not conformant")
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("a second SIGINT did not end the contract run")
	}
}

// TestStopDoesNotWaitOnAnOpenPage: a page's journal stream ends when the mock stops, so a stop
// with a page open is as quick as one without (the shutdown timeout is longer than the wait
// startRun allows a stop).
func TestStopDoesNotWaitOnAnOpenPage(t *testing.T) {
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--shutdown-timeout", "1m"}, nil)
	resp, err := http.Get("http://" + addr + "/__mock/journal/stream")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, stop())
	_, err = io.ReadAll(resp.Body)
	assert.NoError(t, err, "the stream ended cleanly")
}
