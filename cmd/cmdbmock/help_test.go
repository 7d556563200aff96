package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelpListsTheCommands: help, --help and -h list every command with a line each, then the
// flags of the command named (serve when none is); help of an unknown command is an error.
func TestHelpListsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "contract"}, {"help", "healthcheck"}} {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), args, getenv(nil), &out, &out), "%v", args)
		for _, c := range commands {
			assert.Contains(t, out.String(), "  "+c.name+" ", "%v lists %s", args, c.name)
		}
		want := map[string]string{"contract": "-target", "healthcheck": "-timeout"}[args[len(args)-1]]
		if want == "" {
			want = "-addr" // serve's
		}
		assert.Contains(t, out.String(), want, "%v", args)
	}
	err := run(context.Background(), []string{"help", "nosuch"}, getenv(nil), &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "unknown command")
	assert.Equal(t, 2, exitCode(err))
}

// TestReadmeListsTheCommands: the README's list of the commands names every command help lists,
// and the README names every tool .ci/run installs for the tests.
func TestReadmeListsTheCommands(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	list := regexp.MustCompile(`lists the commands \(([^)]*)\)`).FindSubmatch(readme)
	require.NotNil(t, list, "the README lists the commands")
	for _, c := range commands {
		if c.name != "help" {
			assert.Contains(t, string(list[1]), "`"+c.name+"`", "the README's list names %s", c.name)
		}
	}
	// And what .ci/run installs for the tests, which a new user's machine may lack as well.
	ci, err := os.ReadFile("../../.ci/run")
	require.NoError(t, err)
	tools := regexp.MustCompile(`(?m)^for tool in (.+); do$`).FindSubmatch(ci)
	require.NotNil(t, tools, ".ci/run's list of the tools it installs")
	for _, tool := range strings.Fields(string(tools[1])) {
		named := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(tool) + `\b`).Match(readme)
		assert.True(t, named, "the README names %s, which .ci/run installs", tool)
	}
}

// TestVersion: version and --version print the module's version, the commit and the build's
// date (unknown where the build recorded none), and the Go release; exit 0.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		err := run(context.Background(), args, getenv(nil), &out, &out)
		require.NoError(t, err)
		assert.Regexp(t, `^cmdbmock \S+, commit \S+( \(modified\))?, built \S+, go1\.\d+`, out.String())
		assert.Equal(t, 0, exitCode(err))
	}
}

// TestIAMIsSpeltAlike: --iam takes on/off and true/false on serve and on contract (each command's
// old spelling still works), and CMDBMOCK_IAM the same; anything else is refused.
func TestIAMIsSpeltAlike(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		off  bool
	}{
		{nil, nil, false},
		{[]string{"--iam", "off"}, nil, true},
		{[]string{"--iam=false"}, nil, true},
		{[]string{"--iam", "on"}, nil, false},
		{[]string{"--iam=true"}, nil, false},
		{nil, map[string]string{"CMDBMOCK_IAM": "off"}, true},
		{[]string{"--iam", "on"}, map[string]string{"CMDBMOCK_IAM": "false"}, false},
	} {
		f, err := parseServeFlags(tc.args, getenv(tc.env), &bytes.Buffer{})
		require.NoError(t, err, "%v %v", tc.args, tc.env)
		cfg, err := f.config()
		require.NoError(t, err)
		assert.Equal(t, tc.off, cfg.IAMOff, "%v %v", tc.args, tc.env)
	}
	_, err := parseServeFlags([]string{"--iam", "maybe"}, getenv(nil), &bytes.Buffer{})
	assert.ErrorContains(t, err, "want on or off")
	err = run(context.Background(), []string{"contract", "--iam", "maybe"}, getenv(nil), &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "want on or off", "contract takes the same spelling")
}
