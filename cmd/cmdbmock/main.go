// Command cmdbmock serves a faithful mock of BlueKing CMDB's create_set call and the topology
// calls around it, and checks any deployment against the same contract.
//
//	cmdbmock [serve] [flags]    serve the mock (the default)
//	cmdbmock contract [flags]   check a deployment against the contract: exit 0 conformant,
//	                            1 violations found, 2 could not run
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
		fmt.Fprintln(os.Stderr, "cmdbmock:", err)
	}
	os.Exit(exitCode(err))
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
