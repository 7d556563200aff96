package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
)

// TestNoCollectionBeforeTheMockListens: a start on the built-in fixtures allocates less than the
// collector's first goal of 4 MB, so that no collection runs before the mock listens; a start
// that makes sets collects as it goes, and once the mock listens the collector runs. Read from
// the runtime's trace of each collection (GODEBUG=gctrace=1), written to the same pipe as the
// line that says the mock listens, so that the two keep their order.
func TestNoCollectionBeforeTheMockListens(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := buildCmdbmock(t)
	for _, tc := range []struct {
		args          []string
		collectsFirst bool // a collection before the mock listens
	}{
		{nil, false},
		{[]string{"--populate", "20000"}, true},
	} {
		t.Run(strings.Join(append([]string{"cmdbmock"}, tc.args...), " "), func(t *testing.T) {
			out, w, err := os.Pipe()
			require.NoError(t, err)
			srv := exec.Command(bin, tc.args...)
			srv.Env = append(os.Environ(), "CMDBMOCK_ADDR=127.0.0.1:0", "CMDBMOCK_MAX_SETS=100000", "GODEBUG=gctrace=1")
			srv.Stdout, srv.Stderr = w, w
			require.NoError(t, srv.Start())
			w.Close()
			t.Cleanup(func() { _ = srv.Process.Signal(syscall.SIGTERM); _ = srv.Wait(); out.Close() })

			lines := bufio.NewScanner(out)
			collected, addr := false, ""
			for addr == "" && lines.Scan() {
				collected = collected || strings.HasPrefix(lines.Text(), "gc ")
				_, addr, _ = strings.Cut(lines.Text(), "listening on http://")
			}
			require.NotEmpty(t, addr, "the mock never said it listens")
			assert.Equal(t, tc.collectsFirst, collected, "a collection before the mock listens")

			// Once it listens the collector runs: bodies of most of a megabyte each are garbage
			// it must collect.
			collections := make(chan struct{}, 1)
			go func() {
				for lines.Scan() {
					if strings.HasPrefix(lines.Text(), "gc ") {
						select {
						case collections <- struct{}{}:
						default:
						}
					}
				}
			}()
			body := `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"big","bk_set_desc":"` +
				strings.Repeat("x", 900<<10) + `"}}`
			deadline := time.After(30 * time.Second)
			for {
				resp, err := http.Post("http://"+addr+mock.PathESBCreateSet, "application/json", strings.NewReader(body))
				require.NoError(t, err)
				resp.Body.Close()
				select {
				case <-collections:
					return
				case <-deadline:
					t.Fatal("no collection after the start")
				default:
				}
			}
		})
	}
}

// TestNoSchemaCompiledAtInit: the JSON Schema package that kin-openapi links compiles its
// meta-schemas on its first Compile, which the mock never makes, and not at init
// (third_party/README.md): its initialisation allocates a few hundred times, where the
// release's, compiling five drafts' meta-schemas, allocates 21,278 times. Read from the
// runtime's trace of each package's initialisation (GODEBUG=inittrace=1) in this test binary,
// which links the same packages as the mock.
func TestNoSchemaCompiledAtInit(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	m := regexp.MustCompile(`(?m)^init github\.com/santhosh-tekuri/jsonschema/v6 @.*, (\d+) allocs$`).FindSubmatch(out)
	require.NotNil(t, m, "no line of the JSON Schema package's initialisation in\n%s", out)
	allocs, err := strconv.Atoi(string(m[1]))
	require.NoError(t, err)
	assert.Less(t, allocs, 1000, "the JSON Schema package's initialisation allocated %d times", allocs)
}
