package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A sample in the README or in docs/ is a ```sh block followed, with nothing but blank lines
// between, by a block whose info string ends in "output": ```json output, ```http output or
// ```text output. The commands run against a mock of the default flags, started for the
// document at http://127.0.0.1:8080 as the documents write it, and `go run ./cmd/cmdbmock` is
// the binary built from this tree; the samples of a document run in order, on one mock.
type sample struct {
	line    int    // where its command block starts
	command string // the sh block
	kind    string // json, http or text
	want    string // the output block
}

var fence = regexp.MustCompile("^```(.*)$")

// samples reads the samples of a Markdown document.
func samples(doc string) []sample {
	var (
		out    []sample
		blocks []struct {
			line       int
			info, body string
			after      int // the line after the block's closing fence
		}
	)
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		blocks = append(blocks, struct {
			line       int
			info, body string
			after      int
		}{start + 1, strings.TrimSpace(m[1]), strings.Join(body, "\n"), i + 1})
	}
	for k := 0; k+1 < len(blocks); k++ {
		cmd, res := blocks[k], blocks[k+1]
		kind, isOutput := strings.CutSuffix(res.info, " output")
		if cmd.info != "sh" || !isOutput || strings.TrimSpace(strings.Join(lines[cmd.after:res.line-1], "")) != "" {
			continue
		}
		out = append(out, sample{line: cmd.line, command: cmd.body, kind: kind, want: res.body})
	}
	return out
}

// volatile are the values that differ from run to run, written the same on both sides of a
// comparison: ids, times, a contract run's id, the client's version, a duration.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uuid>"},
	{regexp.MustCompile(`\b[0-9a-f]{32}\b`), "<request id>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "<time>"},
	{regexp.MustCompile(`(contract run |ct-|diff run |dn-)[0-9a-f]{8}\b`), "${1}<run id>"},
	{regexp.MustCompile(`curl/[0-9.]+`), "curl/<version>"},
	{regexp.MustCompile(`"duration_ms":\s*[0-9.e-]+`), `"duration_ms":<ms>`},
	{regexp.MustCompile(`(requests in )[0-9.]+ s\b`), "${1}<seconds> s"},
}

func normalize(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return strings.TrimRight(s, "\n")
}

// sameJSON: the two texts are the same JSON, keys in the same order, whatever the layout.
func sameJSON(t *testing.T, want, got, where string) {
	t.Helper()
	var w, g bytes.Buffer
	require.NoError(t, json.Indent(&w, []byte(want), "", "  "), "%s: the documented output is not JSON", where)
	if err := json.Indent(&g, []byte(got), "", "  "); err != nil {
		assert.Fail(t, "the output is not JSON", "%s: %s", where, got)
		return
	}
	assert.Equal(t, normalize(w.String()), normalize(g.String()), where)
}

// sameText: the lines are the same, but that a line "..." in the documented output stands for
// any number of lines.
func sameText(t *testing.T, want, got, where string) {
	t.Helper()
	w, g := strings.Split(normalize(want), "\n"), strings.Split(normalize(got), "\n")
	if !linesMatch(w, g) {
		assert.Equal(t, strings.Join(w, "\n"), strings.Join(g, "\n"), where)
	}
}

func linesMatch(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == "..." {
		for skip := 0; skip <= len(got); skip++ {
			if linesMatch(want[1:], got[skip:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && want[0] == got[0] && linesMatch(want[1:], got[1:])
}

// sameHTTP: the status line, the headers shown (the answer may have more) and the body.
func sameHTTP(t *testing.T, want, got, where string) {
	t.Helper()
	got = strings.ReplaceAll(got, "\r\n", "\n")
	wantHead, wantBody, _ := strings.Cut(want, "\n\n")
	gotHead, gotBody, _ := strings.Cut(got, "\n\n")
	gotLines := strings.Split(normalize(gotHead), "\n")
	for i, line := range strings.Split(normalize(wantHead), "\n") {
		if i == 0 {
			assert.Equal(t, line, gotLines[0], "%s: the status line", where)
			continue
		}
		assert.Contains(t, gotLines[1:], line, "%s: a header", where)
	}
	sameJSON(t, wantBody, gotBody, where)
}

// documents are the README and the documents of docs/.
func documents(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob("../../docs/*.md")
	require.NoError(t, err)
	return append([]string{"../../README.md"}, docs...)
}

// needTool finds a command the test runs; without it the test skips, and fails under CI.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run installs it", name)
		}
		t.Skipf("%s is not installed: the documents' samples are not run (CI installs it)", name)
	}
}

// buildCmdbmock builds this command into a temporary directory with the given go build flags.
func buildCmdbmock(t *testing.T, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cmdbmock")
	build := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), ".")...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// startBinary starts the built mock on a free loopback port and returns its address.
func startBinary(t *testing.T, bin string, args ...string) string {
	t.Helper()
	srv := exec.Command(bin, args...)
	srv.Env = append(os.Environ(), "CMDBMOCK_ADDR=127.0.0.1:0")
	stdout, err := srv.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() { _ = srv.Process.Signal(syscall.SIGTERM); _ = srv.Wait() })
	return listenAddr(t, stdout)
}

// TestDocumentedSamples runs every sample of the README and of docs/ and compares what it
// prints with what the document shows, so that an example that no longer holds fails.
func TestDocumentedSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the documents' commands")
	}
	needTool(t, "curl")
	docs := documents(t)
	bin := buildCmdbmock(t)
	checked := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		require.NoError(t, err)
		found := samples(string(text))
		if len(found) == 0 {
			continue
		}
		name := strings.TrimPrefix(doc, "../../")
		t.Run(name, func(t *testing.T) {
			addr := startBinary(t, bin)
			waitHealthy(t, addr)
			for _, s := range found {
				where := name + ":" + strconv.Itoa(s.line)
				script := strings.NewReplacer("http://127.0.0.1:8080", "http://"+addr, "go run ./cmd/cmdbmock", bin).Replace(s.command)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				cmd := exec.CommandContext(ctx, "bash", "-c", script)
				cmd.Dir = "../.."
				out, _ := cmd.CombinedOutput() // a sample may show a failing exit, such as contract's 1
				cancel()
				got := strings.ReplaceAll(string(out), addr, "127.0.0.1:8080")
				switch s.kind {
				case "json":
					sameJSON(t, s.want, got, where)
				case "http":
					sameHTTP(t, s.want, got, where)
				default:
					sameText(t, s.want, got, where)
				}
				checked++
			}
		})
	}
	assert.GreaterOrEqual(t, checked, 8, "the README's walk-through alone has eight samples")
}

// TestDocumentedGoIsTested: every Go block of the README and docs/ is, verbatim, in one of the
// repository's test files, where go test compiles it and checks its Output.
func TestDocumentedGoIsTested(t *testing.T) {
	files, err := exec.Command("git", "-C", "../..", "ls-files", "*_test.go").Output()
	require.NoError(t, err)
	var tests strings.Builder
	for _, name := range strings.Fields(string(files)) {
		text, err := os.ReadFile(filepath.Join("../..", name))
		require.NoError(t, err)
		tests.Write(text)
	}
	goBlock := regexp.MustCompile("(?s)```go\n(.*?)\n```")
	found := 0
	for _, doc := range documents(t) {
		text, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range goBlock.FindAllStringSubmatch(string(text), -1) {
			found++
			assert.Contains(t, tests.String(), m[1], "%s: a Go block that no test file holds", doc)
		}
	}
	assert.Positive(t, found)
}

// TestSamplesAreFoundAndCompared holds the reading of samples: a command block and its output
// with only blank lines between; "..." standing for any lines.
func TestSamplesAreFoundAndCompared(t *testing.T) {
	doc := "```sh\necho a\n```\n\n```text output\na\n```\n\n```sh\necho b\n```\nprose\n```json output\n{}\n```\n```sh\nx\n```\n```go\ny\n```\n"
	found := samples(doc)
	require.Len(t, found, 1, "prose between a command and a block, or a block that is no output, is no sample")
	assert.Equal(t, sample{line: 1, command: "echo a", kind: "text", want: "a"}, found[0])

	for _, tc := range []struct {
		want, got string
		match     bool
	}{
		{"a\n...\nd", "a\nb\nc\nd", true},
		{"a\n...\nd", "a\nd", true},
		{"a\n...", "a", true},
		{"a\n...\nd", "a\nb\nc", false},
		{"a\nb", "a\nc", false},
		{"request 0123456789abcdef0123456789abcdef at 2026-12-04T10:00:00.1+08:00", "request ffffffffffffffffffffffffffffffff at 2025-01-01T00:00:00Z", true},
	} {
		assert.Equal(t, tc.match, linesMatch(strings.Split(normalize(tc.want), "\n"), strings.Split(normalize(tc.got), "\n")), "%q against %q", tc.want, tc.got)
	}
}

// TestDocumentLinksResolve: every link of the README and docs/ to a file of the repository finds
// it.
func TestDocumentLinksResolve(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	for _, doc := range documents(t) {
		text, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(string(text), -1) {
			if strings.Contains(m[1], "://") {
				continue
			}
			_, err := os.Stat(filepath.Join(filepath.Dir(doc), m[1]))
			assert.NoError(t, err, "%s links to %s", doc, m[1])
		}
	}
}
