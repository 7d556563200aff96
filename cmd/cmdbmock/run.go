package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
)

// commands are the subcommands, one line each, in the order help lists them.
var commands = []struct{ name, line string }{
	{"serve", "serve the mock (the default command)"},
	{"contract", "check a deployment against the contract: exit 0 conformant, 1 violations found, 2 could not run"},
	{"import", "read a running CMDB's model and topology into a fixtures directory that --fixtures serves"},
	{"diff", "send the same calls to a target and a reference (another deployment, or the mock): exit 0 the same, 1 differences, 2 could not run"},
	{"healthcheck", "exit 0 when the mock at --addr answers /healthz"},
	{"version", "print the version, the commit and the build date"},
	{"help", "this list, then a command's flags: cmdbmock help contract"},
}

// run is the whole program behind main, so that tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			return help(ctx, args[1:], getenv, stdout)
		case "version", "-version", "--version":
			_, err := fmt.Fprintln(stdout, version())
			return err
		}
	}
	cmd, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, rest, getenv, stderr)
	case "contract":
		return contract(ctx, rest, getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, getenv, stderr)
	case "diff":
		return diffCmd(ctx, rest, getenv, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q (cmdbmock help lists them)", cmd)
	}
}

// help lists the commands, then the flags of the one named (serve when none is), as that
// command's own flag set writes them.
func help(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	name := "serve"
	if len(args) > 0 {
		name = args[0]
	}
	fmt.Fprintln(stdout, "cmdbmock: a mock of BlueKing CMDB's create_set and the topology calls around it, and a contract test of any deployment.")
	fmt.Fprintln(stdout, "\nUsage: cmdbmock [command] [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(stdout, "  %-12s %s\n", c.name, c.line)
	}
	fmt.Fprintln(stdout)
	var err error
	switch name {
	case "serve":
		err = serve(ctx, []string{"-h"}, getenv, io.Discard, stdout)
	case "contract":
		err = contract(ctx, []string{"-h"}, getenv, io.Discard, stdout)
	case "import":
		err = importCmd(ctx, []string{"-h"}, getenv, stdout)
	case "diff":
		err = diffCmd(ctx, []string{"-h"}, getenv, io.Discard, stdout)
	case "healthcheck":
		err = healthcheck(ctx, []string{"-h"}, getenv, stdout)
	case "version", "help":
		return nil // no flags
	default:
		return fmt.Errorf("unknown command %q (cmdbmock help lists them)", name)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// stampedCommit and stampedTime stand in for the commit and its time where a build has no
// repository to read them from: the Docker image's (-ldflags "-X main.stampedCommit=...").
var stampedCommit, stampedTime string

// version is the module's version, the commit and the time of the build, and the Go release,
// as the build recorded them (go build and go install in a git checkout record the commit).
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "cmdbmock (no build information)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	commit := cmp.Or(settings["vcs.revision"], stampedCommit, "unknown")
	built := cmp.Or(settings["vcs.time"], stampedTime, "unknown")
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if settings["vcs.modified"] == "true" {
		commit += " (modified)"
	}
	return fmt.Sprintf("cmdbmock %s, commit %s, built %s, %s", info.Main.Version, commit, built, info.GoVersion)
}

// env reads a flag's default from the environment: flag > env > default.
type env func(string) string

func (e env) str(name, def string) string {
	if v := e(name); v != "" {
		return v
	}
	return def
}

func (e env) int64(name string, def int64) (int64, error) {
	v := e(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

// onOff is a flag that is on or off, spelt on/off or true/false (or 1/0), the same for every
// command; it is not a boolean flag, so "--iam off" reads as it looks.
type onOff struct{ on *bool }

func (f onOff) String() string {
	if f.on == nil || *f.on {
		return "on"
	}
	return "off"
}

func (f onOff) Set(v string) error {
	switch strings.ToLower(v) {
	case "on":
		*f.on = true
	case "off":
		*f.on = false
	default:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q: want on or off", v)
		}
		*f.on = b
	}
	return nil
}
