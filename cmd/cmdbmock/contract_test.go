package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/fixturestest"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

func TestContractCommand(t *testing.T) {
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	target := "http://" + addr
	secretEnv := map[string]string{"CMDBMOCK_APP_SECRET": "canary-cli-secret"}

	t.Run("conformant", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"contract", "--target", target, "--biz-id", "1", "--rps", "1000", "--denied-user", "noperm"}, getenv(secretEnv), &out, io.Discard)
		require.NoError(t, err, "%s", out.String())
		assert.Contains(t, out.String(), " passed, 0 failed, 1 skipped")
		assert.NotContains(t, out.String(), "canary-cli-secret")
	})
	t.Run("junit to a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "report.xml")
		var stderr bytes.Buffer
		err := run(context.Background(), []string{"contract", "--target", target, "--biz-id", "2", "--surface", "v3", "--lang", "zh", "--rps", "1000", "--format", "junit", "--out", file}, getenv(secretEnv), io.Discard, &stderr)
		require.NoError(t, err)
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		suites := junitSuites(t, data)
		require.Len(t, suites, 1)
		assert.Zero(t, suites[0].Failures)
		assert.NotContains(t, string(data), "canary-cli-secret")
		assert.Contains(t, stderr.String(), "report in "+file)
	})
	t.Run("violations exit 1", func(t *testing.T) {
		// The mock speaks 3.13; expecting 3.14's wrapped messages finds violations.
		err := run(context.Background(), []string{"contract", "--target", target, "--biz-id", "1", "--rps", "1000", "--cmdb-version", "3.14"}, getenv(nil), io.Discard, io.Discard)
		assert.ErrorIs(t, err, errNotConformant)
		assert.Equal(t, 1, exitCode(err))
	})
	t.Run("dry run", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"contract", "--target", target, "--biz-id", "1", "--dry-run"}, getenv(secretEnv), &out, io.Discard)
		require.NoError(t, err)
		assert.Contains(t, out.String(), "dry run: nothing sent")
		assert.Contains(t, out.String(), "> POST "+target+"/api/c/compapi/v2/cc/create_set/")
		assert.NotContains(t, out.String(), "canary-cli-secret")
	})
	t.Run("dry run with the default credentials shows the app code", func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"contract", "--target", target, "--biz-id", "1", "--dry-run"}, getenv(nil), &out, io.Discard))
		assert.Contains(t, out.String(), `{"bk_app_code":"cmdbmock","bk_app_secret":"***",`)
		assert.Contains(t, out.String(), `"description":"made by cmdbmock contract"`)
	})
}

// TestContractFillsRequiredFields: against a deployment whose set model requires a custom
// attribute the run makes no value for, contract stops before any create and names
// --set-field; given one, the run passes, and the report says what every set carried.
func TestContractFillsRequiredFields(t *testing.T) {
	files := fixturestest.Files(t, map[string]string{"set_attributes.json": `[
		{"id":900,"bk_property_id":"code","bk_property_name":"编码","bk_property_type":"singlechar","option":"^[0-9]{6}$","isrequired":true},
		{"id":901,"bk_property_id":"replicas","bk_property_name":"副本数","bk_property_type":"int","option":{"min":"3","max":"9"},"isrequired":true}]`})
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0", "--fixtures", writeFixtures(t, files)}, nil)
	defer func() { assert.NoError(t, stop()) }()
	args := []string{"contract", "--target", "http://" + addr, "--biz-id", "1", "--rps", "1000", "--denied-user", "noperm"}

	err := run(context.Background(), args, getenv(nil), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "code (singlechar, option \"^[0-9]{6}$\"): give one with --set-field code=VALUE")

	var out bytes.Buffer
	err = run(context.Background(), append(args, "--set-field", `code="000001"`), getenv(nil), &out, io.Discard)
	require.NoError(t, err, "%s", out.String())
	assert.Contains(t, out.String(), `every set it creates carries {"code":"000001","replicas":3} (the model's required custom attributes)`)
	assert.Contains(t, out.String(), " passed, 0 failed, 1 skipped")

	for _, bad := range []string{"code", "=1"} {
		assert.ErrorContains(t, run(context.Background(), append(args, "--set-field", bad), getenv(nil), io.Discard, io.Discard), "want key=value")
	}
}

// TestContractOnBothSurfaces: --surface both makes a run on ESB, then one on v3, each with its
// own run id and cleanup: the text reports one after the other, a JSON array of the two reports,
// a JUnit document with a suite each, a summary line each on standard error.
func TestContractOnBothSurfaces(t *testing.T) {
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	args := []string{"contract", "--target", "http://" + addr, "--biz-id", "1", "--rps", "1000", "--denied-user", "noperm", "--surface", "both"}

	var text bytes.Buffer
	require.NoError(t, run(context.Background(), args, getenv(nil), &text, io.Discard), "%s", text.String())
	assert.Regexp(t, `(?s)^contract run \w+ against \S+ \(surface esb, .*\ncontract run \w+ against \S+ \(surface v3, `, text.String())
	assert.Equal(t, 2, strings.Count(text.String(), " failed, 1 skipped\n"))

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), append(slices.Clone(args), "--format", "json", "--quiet"), getenv(nil), &out, io.Discard))
	var reports []struct {
		RunID   string `json:"run_id"`
		Surface string `json:"surface"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &reports), "%s", out.String())
	require.Len(t, reports, 2)
	assert.Equal(t, "esb", reports[0].Surface)
	assert.Equal(t, "v3", reports[1].Surface)
	assert.NotEqual(t, reports[0].RunID, reports[1].RunID)

	file := filepath.Join(t.TempDir(), "contract.xml")
	var stderr bytes.Buffer
	require.NoError(t, run(context.Background(), append(slices.Clone(args), "--format", "junit", "--out", file), getenv(nil), io.Discard, &stderr))
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	suites := junitSuites(t, raw)
	require.Len(t, suites, 2)
	assert.Equal(t, "cmdbmock contract esb", suites[0].Name)
	assert.Equal(t, "cmdbmock contract v3", suites[1].Name)
	assert.Contains(t, stderr.String(), "contract (esb): ")
	assert.Contains(t, stderr.String(), "contract (v3): ")
}

// junitSuite is a JUnit report's suite as the tests read it.
type junitSuite struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
}

// junitSuites are the suites of a JUnit report.
func junitSuites(t *testing.T, data []byte) []junitSuite {
	t.Helper()
	var doc struct {
		Suites []junitSuite `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &doc), "%s", data)
	return doc.Suites
}

// TestContractShowsProgress: a text report to standard output is written case by case as the run
// goes, each skip with its reason, and nothing goes to standard error; any other report goes out
// at the end while the cases show on standard error, unless --quiet.
func TestContractShowsProgress(t *testing.T) {
	addr, stop := startRun(t, []string{"--addr", "127.0.0.1:0"}, nil)
	defer func() { assert.NoError(t, stop()) }()
	args := []string{"contract", "--target", "http://" + addr, "--biz-id", "1", "--rps", "1000"}

	var stdout, stderr bytes.Buffer
	writes := 0
	counted := writerFunc(func(p []byte) (int, error) { writes++; return stdout.Write(p) })
	require.NoError(t, run(context.Background(), args, getenv(nil), counted, &stderr))
	assert.Empty(t, stderr.String())
	cases := strings.Count(stdout.String(), "\n[")
	assert.Greater(t, cases, 40)
	assert.Equal(t, cases+2, writes, "the head, then each case as it ends, then the counts")
	assert.Contains(t, stdout.String(), "SKIP negative  a user without permission\n       - no --denied-user given\n")
	assert.Regexp(t, `\n\d+ passed, 0 failed, 2 skipped\n$`, stdout.String())

	for _, quiet := range []bool{false, true} {
		stdout.Reset()
		stderr.Reset()
		asJSON := append(slices.Clone(args), "--format", "json")
		if quiet {
			asJSON = append(asJSON, "--quiet")
		}
		require.NoError(t, run(context.Background(), asJSON, getenv(nil), &stdout, &stderr))
		var report map[string]any
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &report), "standard output is the report alone")
		if quiet {
			assert.Empty(t, stderr.String())
			continue
		}
		assert.Regexp(t, `^contract run \w+ against http://[^ ]+ \(surface esb.*\): \d+ cases\n\[ 1/\d+\] PASS `, stderr.String())
		assert.Contains(t, stderr.String(), "       - no --denied-user given\n")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestContractCannotRun(t *testing.T) {
	cases := map[string][]string{
		"no business":    {"contract", "--target", "http://127.0.0.1:1"},
		"no target":      {"contract", "--biz-id", "1"},
		"unreachable":    {"contract", "--target", "http://127.0.0.1:1", "--biz-id", "1"},
		"bad format":     {"contract", "--target", "http://127.0.0.1:1", "--biz-id", "1", "--format", "xml"},
		"bad lang":       {"contract", "--target", "http://127.0.0.1:1", "--biz-id", "1", "--lang", "fr"},
		"bad surface":    {"contract", "--target", "http://127.0.0.1:1", "--biz-id", "1", "--surface", "soap"},
		"zero rps":       {"contract", "--target", "http://127.0.0.1:1", "--biz-id", "1", "--rps", "0"},
		"not a url":      {"contract", "--target", "localhost", "--biz-id", "1"},
		"stray argument": {"contract", "--target", "http://127.0.0.1:1", "--biz-id", "1", "x"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), args, getenv(nil), io.Discard, io.Discard)
			require.Error(t, err)
			assert.Equal(t, 2, exitCode(err))
		})
	}
}

// TestContractRPS: --rps is a positive number of requests a second, or the run does not start:
// NaN passed a check of "not positive" and ran the contract unpaced against the target.
func TestContractRPS(t *testing.T) {
	for _, rps := range []string{"0", "-1", "NaN", "-Inf"} {
		err := run(context.Background(), []string{"contract", "--target", "http://127.0.0.1:1", "--biz-id", "1", "--rps", rps}, getenv(nil), io.Discard, io.Discard)
		assert.ErrorContains(t, err, "--rps must be a positive number", rps)
		assert.Equal(t, 2, exitCode(err), rps)
	}
}

func TestExitCode(t *testing.T) {
	assert.Equal(t, 0, exitCode(nil))
	assert.Equal(t, 0, exitCode(flag.ErrHelp))
	assert.Equal(t, 1, exitCode(errNotConformant))
	assert.Equal(t, 2, exitCode(errors.New("boom")))
}

func TestContractOverTLS(t *testing.T) {
	sp := spec.Load(context.Background())
	fx, err := fixtures.Default()
	require.NoError(t, err)
	m, err := mock.New(sp, fx, mock.Config{})
	require.NoError(t, err)
	srv := httptest.NewTLSServer(m)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))
	args := []string{"contract", "--target", srv.URL, "--biz-id", "1", "--rps", "1000"}

	err = run(context.Background(), args, getenv(nil), io.Discard, io.Discard)
	require.Error(t, err, "an unknown CA is refused")
	assert.Equal(t, 2, exitCode(err))

	assert.NoError(t, run(context.Background(), append(args, "--ca-file", ca), getenv(nil), io.Discard, io.Discard))

	var stderr bytes.Buffer
	assert.NoError(t, run(context.Background(), append(args, "--insecure"), getenv(nil), io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "warning: --insecure")
}

func TestContractTimesOut(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	defer close(release) // before Close, which waits for the handlers
	err := run(context.Background(), []string{"contract", "--target", slow.URL, "--biz-id", "1", "--timeout", "200ms"}, getenv(nil), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Equal(t, 2, exitCode(err))
	assert.Contains(t, err.Error(), "Client.Timeout", "the request is cut at --timeout")
}

// TestReportFileCheckedFirst: a --out that cannot be written (in a directory that does not
// exist, or a directory itself) stops contract and diff before
// they send a request (where they ran the whole suite against the target and then failed to
// write, having said "report in" the file); a report that can be written replaces the file
// whole, and leaves nothing else in its directory.
func TestReportFileCheckedFirst(t *testing.T) {
	fx, err := fixtures.Default()
	require.NoError(t, err)
	m, err := mock.New(spec.Load(context.Background()), fx, mock.Config{})
	require.NoError(t, err)
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		m.ServeHTTP(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	for _, command := range []string{"contract", "diff"} {
		t.Run(command, func(t *testing.T) {
			calls = 0
			var stderr bytes.Buffer
			err := run(context.Background(), []string{command, "--target", srv.URL, "--biz-id", "2", "--rps", "1000", "--quiet",
				"--out", filepath.Join(dir, "no such directory", "report.txt")}, getenv(nil), io.Discard, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "--out")
			assert.Equal(t, 2, exitCode(err))
			assert.Zero(t, calls, "a request was sent with a report that cannot be written")
			assert.NotContains(t, stderr.String(), "report in")
			err = run(context.Background(), []string{command, "--target", srv.URL, "--biz-id", "2", "--rps", "1000", "--quiet", "--out", t.TempDir()},
				getenv(nil), io.Discard, io.Discard)
			assert.ErrorContains(t, err, "is a directory")
			assert.Zero(t, calls, "a request was sent with a report that would go over a directory")

			file := filepath.Join(dir, command+".json")
			require.NoError(t, os.WriteFile(file, []byte("an earlier report"), 0o644))
			err = run(context.Background(), []string{command, "--target", srv.URL, "--biz-id", "2", "--rps", "1000", "--quiet",
				"--format", "json", "--out", file}, getenv(nil), io.Discard, io.Discard)
			require.NoError(t, err)
			written, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.True(t, json.Valid(written), "%s", written)
		})
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"contract.json", "diff.json"}, names, "nothing but the reports is left")
}

// TestParentIDsArePositive: a negative --parent-id or --other-parent-id is refused before a
// request, by contract and diff, where the runs went ahead and every create was refused alike.
func TestParentIDsArePositive(t *testing.T) {
	for _, args := range [][]string{
		{"contract", "--parent-id", "-5"},
		{"contract", "--other-parent-id", "-1"},
		{"diff", "--parent-id", "-5"},
	} {
		err := run(context.Background(), append(args, "--target", "http://127.0.0.1:1", "--biz-id", "2", "--retries", "0"), getenv(nil), io.Discard, io.Discard)
		require.Error(t, err, "%v", args)
		assert.Contains(t, err.Error(), "parent", "%v", args)
		assert.NotContains(t, err.Error(), "connection refused", "%v: a request was sent", args)
		assert.Equal(t, 2, exitCode(err))
	}
}
