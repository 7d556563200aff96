package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/spec"
)

// targetFlags are the flags of the commands that call a deployment (contract, import): where it
// is, as whom, through which surface, how fast, and how its certificate is checked.
type targetFlags struct {
	cfg      contracttest.Config
	surface  string
	timeout  time.Duration
	caFile   string
	insecure bool
}

// addTargetFlags defines the target flags on fs, their defaults from the environment; both says
// whether the command takes --surface both (a run on each surface in turn).
func addTargetFlags(fs *flag.FlagSet, e env, t *targetFlags, rps float64, both bool) {
	fs.StringVar(&t.cfg.Target, "target", e.str("CMDBMOCK_TARGET", ""), "base URL of the deployment (CMDBMOCK_TARGET)")
	fs.StringVar(&t.cfg.AppCode, "app-code", e.str("CMDBMOCK_APP_CODE", "cmdbmock"), "app code (CMDBMOCK_APP_CODE)")
	fs.StringVar(&t.cfg.AppSecret, "app-secret", e.str("CMDBMOCK_APP_SECRET", "cmdbmock"), "app secret; prefer CMDBMOCK_APP_SECRET, which stays out of the process list")
	fs.StringVar(&t.cfg.Username, "username", e.str("CMDBMOCK_USERNAME", "admin"), "the calling user (CMDBMOCK_USERNAME)")
	surfaces := "esb or v3"
	if both {
		surfaces = "esb, v3, or both (each in turn)"
	}
	fs.StringVar(&t.surface, "surface", "esb", surfaces)
	fs.Float64Var(&t.cfg.RPS, "rps", rps, "requests per second")
	fs.DurationVar(&t.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.IntVar(&t.cfg.Retries, "retries", 3, "times a request is sent again after a 5xx or 1306429 answer, with backoff")
	fs.StringVar(&t.caFile, "ca-file", "", "PEM file of the CA that signed the target's certificate")
	fs.BoolVar(&t.insecure, "insecure", false, "do not check the target's TLS certificate (a warning is printed)")
}

// surfaces are the surfaces --surface names: one, or with both, ESB and then v3.
func (t *targetFlags) surfaces() []contracttest.Surface {
	if t.surface == "both" {
		return []contracttest.Surface{contracttest.SurfaceESB, contracttest.SurfaceV3}
	}
	return []contracttest.Surface{contracttest.Surface(t.surface)}
}

// config checks the target flags and completes the configuration: the surface, the contract,
// the HTTP client.
func (t *targetFlags) config(ctx context.Context, stderr io.Writer) (contracttest.Config, error) {
	cfg := t.cfg
	switch {
	case cfg.Target == "":
		return cfg, errors.New("--target is required")
	case t.timeout <= 0:
		return cfg, fmt.Errorf("--timeout must be positive, not %s: a request without one could wait forever", t.timeout)
	case !(cfg.RPS > 0): // NaN too, which no comparison holds
		return cfg, errors.New("--rps must be a positive number")
	}
	cfg.Surface = contracttest.Surface(t.surface)
	cfg.Spec = spec.Load(ctx)
	var err error
	if cfg.Client, err = httpClient(t.timeout, t.caFile, t.insecure, stderr); err != nil {
		return cfg, err
	}
	if cfg.Retries == 0 {
		cfg.Retries = -1 // --retries 0: send once
	}
	return cfg, nil
}
