// Command cmdbmock serves a faithful mock of BlueKing CMDB's create_set call and the topology
// calls around it, and checks any deployment against the same contract.
//
//	cmdbmock [serve] [flags]    serve the mock (the default)
//	cmdbmock contract [flags]   check a deployment against the contract: exit 0 conformant,
//	                            1 violations found, 2 could not run
//	cmdbmock import [flags]     read a running CMDB's model and topology into fixtures
//	cmdbmock diff [flags]       the same calls to a target and a reference: exit 0 the same,
//	                            1 differences, 2 could not run
//	cmdbmock healthcheck        exit 0 when the mock at --addr answers /healthz
//	cmdbmock version            the version, commit and build date (also --version)
//	cmdbmock help [command]     the commands, then a command's flags (also --help, -h)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // --tz works in a final image without zoneinfo

	"github.com/cmdbmock/cmdbmock/internal/printable"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks for a clean stop; once it came, signals are the system's again, so a
	// second one ends the process at once, whatever the stop is waiting for.
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, errorLine(err))
	}
	os.Exit(exitCode(err))
}

// errorLine is how a command's error is shown: on a line of its own, whatever a target's answer
// quoted in it holds (printable).
func errorLine(err error) string {
	return "cmdbmock: " + printable.String(err.Error())
}

// exitCode is 0 on success, 1 when a contract run found violations, 2 when a command could not
// run at all.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errNotConformant), errors.Is(err, errDifferent):
		return 1
	}
	return 2
}
