// Command cmdbmock serves a faithful mock of BlueKing CMDB's create_set call.
//
//	cmdbmock [serve] [flags]    serve the mock (the default)
//	cmdbmock healthcheck        exit 0 when the mock at --addr answers /healthz
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
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "cmdbmock:", err)
		os.Exit(2)
	}
}
