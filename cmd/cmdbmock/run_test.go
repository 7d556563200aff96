package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/syncbuf"
	"github.com/cmdbmock/cmdbmock/mock"
)

const seedRequest = `{"bk_app_code":"esb_test","bk_app_secret":"xxx","bk_username":"xxx","bk_token":"xxx",
"bk_supplier_account":"123456789","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"test-set","default":0,
"bk_set_desc":"test-set","bk_capacity":1000,"description":"description","set_template_id":1}}`

func getenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// listenAddr reads the address a server prints on its first line, then keeps draining.
func listenAddr(t *testing.T, r io.Reader) string {
	t.Helper()
	lines := bufio.NewScanner(r)
	require.True(t, lines.Scan(), "the server printed nothing")
	line := lines.Text()
	go func() {
		for lines.Scan() {
		}
	}()
	_, addr, ok := strings.Cut(line, "listening on http://")
	require.True(t, ok, "first line: %q", line)
	return addr
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 10*time.Millisecond)
}

func startRun(t *testing.T, args []string, vars map[string]string) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, getenv(vars), w, io.Discard)
		w.Close()
	}()
	addr = listenAddr(t, out)
	waitHealthy(t, addr)
	return addr, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("run did not return after cancel")
			return nil
		}
	}
}

func TestRunServesAndStops(t *testing.T) {
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)

	resp, err := http.Post("http://"+addr+"/api/c/compapi/v2/cc/create_set/", "application/json", strings.NewReader(seedRequest))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"result":true`)
	assert.Contains(t, string(body), `"bk_set_id":3`)

	assert.NoError(t, run(context.Background(), []string{"healthcheck", "--addr", addr}, getenv(nil), io.Discard, io.Discard))
	assert.NoError(t, stop())
	assert.Error(t, run(context.Background(), []string{"healthcheck", "--addr", addr, "--timeout", "1s"}, getenv(nil), io.Discard, io.Discard),
		"healthcheck fails once the server is gone")
}

func TestServeSpelledOutAndEnv(t *testing.T) {
	addr, stop := startRun(t, []string{"serve"}, map[string]string{"CMDBMOCK_ADDR": "127.0.0.1:0", "CMDBMOCK_POPULATE": "2"})
	resp, err := http.Get("http://" + addr + "/openapi.yaml")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NoError(t, stop())
}

func TestFlagBeatsEnv(t *testing.T) {
	f, err := parseServeFlags([]string{"--addr", "127.0.0.1:9"}, getenv(map[string]string{"CMDBMOCK_ADDR": "127.0.0.1:8", "CMDBMOCK_SEED": "5"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9", f.addr)
	assert.Equal(t, int64(5), f.seed)
	f, err = parseServeFlags(nil, getenv(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, defaultAddr, f.addr)
	assert.Equal(t, int64(1), f.seed)
}

func TestBadInvocations(t *testing.T) {
	cases := map[string]struct {
		args []string
		env  map[string]string
	}{
		"unknown command":    {args: []string{"frobnicate"}},
		"unknown flag":       {args: []string{"--nope"}},
		"bad app":            {args: []string{"--app", "nosecret"}},
		"bad env app":        {env: map[string]string{"CMDBMOCK_APPS": "a:b,c"}},
		"bad tz":             {args: []string{"--tz", "Mars/Olympus"}},
		"bad version":        {args: []string{"--addr", "127.0.0.1:0", "--cmdb-version", "2.0"}},
		"bad fill":           {args: []string{"--addr", "127.0.0.1:0", "--fill", "random"}},
		"bad env number":     {env: map[string]string{"CMDBMOCK_POPULATE": "many"}},
		"missing fixtures":   {args: []string{"--fixtures", "/nonexistent"}},
		"stray argument":     {args: []string{"serve", "extra"}},
		"bad log format":     {args: []string{"--log-format", "xml"}},
		"bad log level":      {args: []string{"--log-level", "loud"}},
		"bad journal size":   {args: []string{"--journal-size", "0"}},
		"address in use bad": {args: []string{"--addr", "256.0.0.1:0"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), tc.args, getenv(tc.env), io.Discard, io.Discard)
			assert.Error(t, err)
		})
	}
}

// TestContainerBinary builds the binary as the Dockerfile does and runs its healthcheck against
// it, since no container engine runs here.
func TestContainerBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	// As the Dockerfile builds it, with its flags: no repository in the build context, the
	// commit stamped from the build arguments.
	dockerfile, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	ldflags := regexp.MustCompile(`-ldflags="([^"]+)"`).FindSubmatch(dockerfile)
	require.NotNil(t, ldflags, "the Dockerfile's go build has -ldflags")
	stamp := strings.NewReplacer("${COMMIT}", "0123456789abcdef", "${COMMIT_TIME}", "2026-12-04T10:00:00Z").Replace(string(ldflags[1]))
	bin := buildCmdbmock(t, "-trimpath", "-buildvcs=false", "-ldflags="+stamp)
	out, err := exec.Command(bin, "version").Output()
	require.NoError(t, err)
	assert.Regexp(t, `^cmdbmock \S+, commit 0123456789ab, built 2026-12-04T10:00:00Z, go1\.`, string(out))

	srv := exec.Command(bin)
	srv.Env = append(os.Environ(), "CMDBMOCK_ADDR=127.0.0.1:0")
	stdout, err := srv.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() { _ = srv.Process.Kill() })
	addr := listenAddr(t, stdout)

	require.Eventually(t, func() bool {
		return exec.Command(bin, "healthcheck", "--addr", addr).Run() == nil
	}, 10*time.Second, 50*time.Millisecond)

	require.NoError(t, srv.Process.Signal(syscall.SIGTERM))
	assert.NoError(t, srv.Wait(), "SIGTERM stops it with exit 0")
	assert.Error(t, exec.Command(bin, "healthcheck", "--addr", addr, "--timeout", "1s").Run())

	// The documented docker run line trusts the network a published port's calls come from:
	// Docker's default bridge, whose gateway is 172.17.0.1.
	trusted := regexp.MustCompile(`docker run [^\n]*-e CMDBMOCK_ADMIN_NETWORKS=(\S+)`).FindSubmatch(dockerfile)
	require.NotNil(t, trusted, "the Dockerfile documents its docker run line with CMDBMOCK_ADMIN_NETWORKS")
	networks, err := mock.ParseNetworks(string(trusted[1]))
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(networks, func(n netip.Prefix) bool { return n.Contains(netip.MustParseAddr("172.17.0.1")) }))
}

// TestContainerModuleDownload replays the Dockerfile's build stage up to its `go mod download`,
// since no container engine runs here: what it copies before it, alone in a directory, is all
// that the download reads (go.mod replaces a module with a directory under third_party).
func TestContainerModuleDownload(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod download")
	}
	dockerfile, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	before, _, found := strings.Cut(string(dockerfile), "\nRUN go mod download\n")
	require.True(t, found, "the Dockerfile downloads the modules before it copies the source")
	copies := regexp.MustCompile(`(?m)^COPY ((?:\S+ )+)(\S+)$`).FindAllStringSubmatch(before, -1)
	require.NotEmpty(t, copies, "the Dockerfile copies go.mod before it downloads")
	dir := t.TempDir()
	for _, c := range copies {
		for _, src := range strings.Fields(c[1]) {
			from := filepath.Join("../..", src)
			info, err := os.Stat(from)
			require.NoError(t, err)
			to := filepath.Join(dir, c[2])
			switch {
			case info.IsDir(): // its contents, into the destination
				require.NoError(t, os.CopyFS(to, os.DirFS(from)))
			default: // into the destination directory
				b, err := os.ReadFile(from)
				require.NoError(t, err)
				require.NoError(t, os.MkdirAll(to, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(to, filepath.Base(src)), b, 0o644))
			}
		}
	}
	download := exec.Command("go", "mod", "download")
	download.Dir = dir
	out, err := download.CombinedOutput()
	assert.NoError(t, err, "go mod download with what the Dockerfile copies before it:\n%s", out)
}

func postJSON(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

const v3Create = `{"bk_parent_id":%d,"bk_set_name":"%s"}`

func createV3(t *testing.T, addr string, biz int, name string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v3/set/"+strconv.Itoa(biz), strings.NewReader(fmt.Sprintf(v3Create, biz, name)))
	require.NoError(t, err)
	req.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestStateSurvivesARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--state", file}, nil)
	assert.Contains(t, createV3(t, addr, 1, "before-restart"), `"bk_set_id":3`)
	require.NoError(t, stop())
	require.FileExists(t, file, "the state is written on a graceful stop")

	addr, stop = startRun(t, []string{"--addr", "127.0.0.1:0"}, map[string]string{"CMDBMOCK_STATE": file})
	defer func() { assert.NoError(t, stop()) }()
	assert.Contains(t, createV3(t, addr, 1, "before-restart"), `"code":1101108`)
	assert.Contains(t, createV3(t, addr, 1, "after-restart"), `"bk_set_id":5`)
}

func TestSIGHUPReloadsFixtures(t *testing.T) {
	dir := t.TempDir()
	write := func(businesses string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "businesses.json"), []byte(businesses), 0o644))
	}
	write(`[{"bk_biz_id":1,"bk_biz_name":"one","sets":[{"bk_set_id":1,"bk_set_name":"空闲机池","default":1}]}]`)
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--fixtures", dir}, nil)
	defer func() { assert.NoError(t, stop()) }()
	assert.Contains(t, createV3(t, addr, 1, "kept"), `"code":0`)
	assert.Contains(t, createV3(t, addr, 7, "web"), `"code":1199011`)

	write(`[{"bk_biz_id":1,"bk_biz_name":"one","sets":[{"bk_set_id":1,"bk_set_name":"空闲机池","default":1}]},
	        {"bk_biz_id":7,"bk_biz_name":"seven","sets":[{"bk_set_id":70,"bk_set_name":"空闲机池","default":1}]}]`)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	require.Eventually(t, func() bool {
		return strings.Contains(createV3(t, addr, 7, "web"), `"code":0`)
	}, 5*time.Second, 20*time.Millisecond)
	assert.Contains(t, createV3(t, addr, 1, "kept"), `"code":1101108`, "sets created before the reload stay")
}

// runWithLogs serves with args, its log kept; stop stops it and returns the log.
func runWithLogs(t *testing.T, args ...string) (addr string, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var logs syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, getenv(nil), w, &logs)
		w.Close()
	}()
	addr = listenAddr(t, out)
	waitHealthy(t, addr)
	return addr, func() string {
		cancel()
		require.NoError(t, <-done)
		return logs.String()
	}
}

func TestJSONLogsWithoutSecrets(t *testing.T) {
	addr, stop := runWithLogs(t, "--addr", "127.0.0.1:0", "--log-format", "json")
	postJSON(t, "http://"+addr+"/api/c/compapi/v2/cc/create_set/", `{"bk_app_code":"a","bk_app_secret":"log-canary","bk_token":"log-canary","bk_biz_id":1,"data":{"bk_parent_id":9,"bk_set_name":"x"}}`)
	text := stop()
	assert.NotContains(t, text, "log-canary")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	require.NotEmpty(t, lines)
	for _, line := range lines {
		var v map[string]any
		assert.NoError(t, json.Unmarshal([]byte(line), &v), line)
	}
	assert.Contains(t, text, `"msg":"request"`)
	assert.Contains(t, text, `"level":"WARN"`, "the parent warning is logged")
}

// TestJournalTimesInTheZoneOfTZ: the journal writes its times in the zone of --tz, the zone the
// answers' create_time is in (+08:00 by default, as the documents show).
func TestJournalTimesInTheZoneOfTZ(t *testing.T) {
	for _, tc := range []struct {
		args []string
		zone string
	}{
		{nil, "+08:00"},
		{[]string{"--tz", "UTC"}, "Z"},
		{[]string{"--tz", "-05:00"}, "-05:00"},
	} {
		addr, stop := startRun(t, append([]string{"--addr", "127.0.0.1:0"}, tc.args...), nil)
		var created struct {
			Data struct {
				CreateTime string `json:"create_time"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(createV3(t, addr, 1, "tz")), &created))
		var journal struct {
			Entries []struct {
				Time string `json:"time"`
			} `json:"entries"`
		}
		require.NoError(t, json.Unmarshal([]byte(getBody(t, "http://"+addr+"/__mock/journal")), &journal))
		require.Len(t, journal.Entries, 1)
		assert.True(t, strings.HasSuffix(created.Data.CreateTime, tc.zone), "%v: create_time %s", tc.args, created.Data.CreateTime)
		assert.True(t, strings.HasSuffix(journal.Entries[0].Time, tc.zone), "%v: journal time %s", tc.args, journal.Entries[0].Time)
		require.NoError(t, stop())
	}
}

// TestLogTimesFollowTheZone: the log's times are in the zone of --tz, as the answers' and the
// journal's are, in both formats.
func TestLogTimesFollowTheZone(t *testing.T) {
	for _, tc := range []struct{ format, tz, want string }{
		{"text", "+08:00", `^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00 level=INFO msg=request `},
		{"text", "-05:30", `^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-05:30 level=INFO msg=request `},
		{"json", "+08:00", `^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00","level":"INFO","msg":"request",`},
		{"json", "UTC", `^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z","level":"INFO","msg":"request",`},
	} {
		t.Run(tc.format+tc.tz, func(t *testing.T) {
			addr, stop := runWithLogs(t, "--addr", "127.0.0.1:0", "--log-format", tc.format, "--tz", tc.tz)
			createV3(t, addr, 1, "zoned")
			var requests []string
			for _, line := range strings.Split(stop(), "\n") {
				if strings.Contains(line, "msg=request") || strings.Contains(line, `"msg":"request"`) {
					requests = append(requests, line)
				}
			}
			require.Len(t, requests, 1)
			assert.Regexp(t, tc.want, requests[0])
		})
	}
}

// TestErrorLineEscapes: an error that quotes a target's answer is shown on one line, with what a
// terminal acts on escaped.
func TestErrorLineEscapes(t *testing.T) {
	err := fmt.Errorf("import from http://t: target refused: %s", "\x1b]0;pwned\a\r\ncmdbmock: all good\u202e")
	assert.Equal(t, `cmdbmock: import from http://t: target refused: \x1b]0;pwned\a\r\ncmdbmock: all good\u202e`, errorLine(err))
}

// TestFixturesErrorNamesTheDirectory: a --fixtures that cannot be loaded is named with the flag
// in the message, by serve and by diff, where the message named a file alone ("fixtures: open
// businesses.json: no such file or directory").
func TestFixturesErrorNamesTheDirectory(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{"--addr", "127.0.0.1:0", "--fixtures", empty},
		{"diff", "--target", "http://127.0.0.1:1", "--biz-id", "2", "--fixtures", empty},
	} {
		err := run(context.Background(), args, getenv(nil), io.Discard, io.Discard)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "--fixtures "+empty+": ")
		assert.Equal(t, 2, exitCode(err))
	}
}
