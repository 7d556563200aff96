package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/contracttest/diff"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// errDifferent ends a diff that found differences: exit code 1.
var errDifferent = errors.New("the target answers differently from the reference")

// diffCmd sends the same calls to a target and a reference and reports where they differ.
func diffCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env(getenv)
	var (
		target                  targetFlags
		against, version, dir   string
		format, out, calls      string
		denied                  string
		bizID, parent           int64
		dryRun, quiet           bool
		ref                     referenceFlags
		setFields, moduleFields map[string]any
	)
	fs := flag.NewFlagSet("cmdbmock diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addTargetFlags(fs, e, &target, contracttest.DefaultRPS, true)
	fs.StringVar(&against, "against", "", "base URL of the reference deployment; none: the mock, started in-process")
	ref.add(fs, e)
	fs.StringVar(&version, "cmdb-version", string(spec.V313), "without --against: the release the mock imitates, 3.12, 3.13 or 3.14")
	fs.StringVar(&dir, "fixtures", "", "without --against: the mock's fixtures directory (an import of the target, say)")
	fs.Int64Var(&bizID, "biz-id", 0, "the business the scenario creates and deletes its sets in; required unless --calls")
	fs.Int64Var(&parent, "parent-id", 0, "the node the scenario's sets hang under on both sides (default: the business, or on each side the first node of the custom level above sets)")
	addFieldFlags(fs, &setFields, &moduleFields)
	fs.StringVar(&denied, "denied-user", "", "a user without permission on the business, for the 9900403 call")
	fs.StringVar(&calls, "calls", "", "a file of calls to send in place of the scenario: the export of /__mock/journal, or a list of its entries")
	fs.StringVar(&format, "format", "text", "report format: text, json, junit or html")
	fs.StringVar(&out, "out", "", "write the report to this file instead of standard output")
	fs.BoolVar(&dryRun, "dry-run", false, "list the calls, send none")
	fs.BoolVar(&quiet, "quiet", false, "no line per call on standard error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	write, ok := map[string]func(*diff.Report, io.Writer) error{
		"text": (*diff.Report).WriteText, "json": (*diff.Report).WriteJSON, "junit": (*diff.Report).WriteJUnit, "html": (*diff.Report).WriteHTML,
	}[format]
	if !ok {
		return fmt.Errorf("--format %q: want text, json, junit or html", format)
	}
	if calls == "" && bizID <= 0 {
		return errors.New("--biz-id is required: the scenario creates and deletes sets in that business")
	}
	surfaces := target.surfaces()
	var replay []diff.Replayed
	if calls != "" {
		var err error
		if replay, err = diff.ReadReplay(calls); err != nil {
			return err
		}
	}
	file, err := openReport(out)
	if err != nil {
		return err
	}
	defer file.discard()
	reference, referenceName := against, contracttest.Redacted(against)
	if against == "" {
		if err := ref.unused(fs); err != nil {
			return err
		}
		addr, stop, err := startReference(version, dir)
		if err != nil {
			return err
		}
		defer stop()
		reference, referenceName = "http://"+addr, "the mock (CMDB "+version+")"
	}
	var merged *diff.Report
	for _, surface := range surfaces {
		target.surface = string(surface)
		tcfg, err := target.config(ctx, stderr)
		if err != nil {
			return err
		}
		rcfg, err := ref.config(tcfg, reference, target.timeout, stderr)
		if err != nil {
			return err
		}
		tc, err := contracttest.NewCaller(tcfg)
		if err != nil {
			return err
		}
		rc, err := contracttest.NewCaller(rcfg)
		if err != nil {
			return fmt.Errorf("--against: %w", err)
		}
		dc := diff.Config{Target: tc, Reference: rc, TargetName: contracttest.Redacted(tcfg.Target), ReferenceName: referenceName,
			BizID: bizID, ParentID: parent, DeniedUser: denied, SetFields: setFields, ModuleFields: moduleFields, Replay: replay, DryRun: dryRun}
		if !quiet {
			dc.Output = stderr
		}
		rep, err := diff.Run(ctx, dc)
		if err != nil {
			return err
		}
		merged = merge(merged, rep, len(surfaces) > 1)
	}
	var buf bytes.Buffer
	if err := write(merged, &buf); err != nil {
		return err
	}
	if out == "" {
		_, err = stdout.Write(buf.Bytes())
	} else if err = file.write(buf.Bytes()); err == nil && !quiet {
		fmt.Fprintf(stderr, "diff: %d differences; report in %s\n", len(merged.Differences), out)
	}
	switch {
	case err != nil:
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted; the sets made so far were cleaned up: %w", ctx.Err())
	case !merged.Same():
		return errDifferent
	}
	return nil
}

// referenceFlags are what --against needs of its own when it does not share the target's
// credentials or CA: each unset one is the target's.
type referenceFlags struct {
	appCode, appSecret, username, caFile string
	insecure                             bool
}

func (f *referenceFlags) add(fs *flag.FlagSet, e env) {
	fs.StringVar(&f.appCode, "against-app-code", e.str("CMDBMOCK_AGAINST_APP_CODE", ""), "the reference's app code (CMDBMOCK_AGAINST_APP_CODE); none: --app-code")
	fs.StringVar(&f.appSecret, "against-app-secret", e.str("CMDBMOCK_AGAINST_APP_SECRET", ""),
		"the reference's app secret; none: --app-secret; prefer CMDBMOCK_AGAINST_APP_SECRET, which stays out of the process list")
	fs.StringVar(&f.username, "against-username", e.str("CMDBMOCK_AGAINST_USERNAME", ""), "the reference's calling user (CMDBMOCK_AGAINST_USERNAME); none: --username")
	fs.StringVar(&f.caFile, "against-ca-file", "", "PEM file of the CA that signed the reference's certificate; none: --ca-file")
	fs.BoolVar(&f.insecure, "against-insecure", false, "do not check the reference's TLS certificate (a warning is printed)")
}

// unused drops what the flags hold when there is no --against: a flag given without it is a
// mistake, said as one; the variables, which a CI job may set for all its diffs, are let be.
func (f *referenceFlags) unused(fs *flag.FlagSet) error {
	var given []string
	fs.Visit(func(fl *flag.Flag) {
		if strings.HasPrefix(fl.Name, "against-") {
			given = append(given, "--"+fl.Name)
		}
	})
	if len(given) > 0 {
		return fmt.Errorf("%s needs --against: the mock started in-process takes any credentials", strings.Join(given, ", "))
	}
	*f = referenceFlags{}
	return nil
}

// config is the reference's configuration: the target's, but for its address and what the
// flags set.
func (f *referenceFlags) config(target contracttest.Config, reference string, timeout time.Duration, stderr io.Writer) (contracttest.Config, error) {
	cfg := target
	cfg.Target = reference
	cfg.AppCode = cmp.Or(f.appCode, cfg.AppCode)
	cfg.AppSecret = cmp.Or(f.appSecret, cfg.AppSecret)
	cfg.Username = cmp.Or(f.username, cfg.Username)
	if f.caFile != "" || f.insecure {
		client, err := httpClient(timeout, f.caFile, f.insecure, stderr)
		if err != nil {
			return cfg, fmt.Errorf("--against: %w", err)
		}
		cfg.Client = client
	}
	return cfg, nil
}

// merge adds a surface's report to the others', its calls named by their surface when there
// are several.
func merge(all, rep *diff.Report, named bool) *diff.Report {
	if named {
		for i := range rep.Calls {
			rep.Calls[i].Name = rep.Surface + ": " + rep.Calls[i].Name
			for j := range rep.Calls[i].Differences {
				rep.Calls[i].Differences[j].Call = rep.Calls[i].Name
			}
		}
		rep.Differences = rep.Differences[:0]
		for _, c := range rep.Calls {
			rep.Differences = append(rep.Differences, c.Differences...)
		}
		for i := range rep.Notes {
			rep.Notes[i] = rep.Surface + ": " + rep.Notes[i]
		}
	}
	if all == nil {
		return rep
	}
	all.Surface = strings.Join([]string{all.Surface, rep.Surface}, "+")
	all.Calls = append(all.Calls, rep.Calls...)
	all.Differences = append(all.Differences, rep.Differences...)
	all.Noise = append(all.Noise, rep.Noise...)
	all.Leftovers = append(all.Leftovers, rep.Leftovers...)
	all.Notes = append(all.Notes, rep.Notes...)
	all.Duration += rep.Duration
	return all
}

// startReference serves a mock on a free loopback port, as the reference of a diff.
func startReference(version, dir string) (addr string, stop func(), err error) {
	v, err := spec.ParseVersion(version)
	if err != nil {
		return "", nil, fmt.Errorf("--cmdb-version: %w", err)
	}
	sp := spec.Load(context.Background())
	fx, err := loadFixtures(dir)
	if err != nil {
		return "", nil, err
	}
	m, err := mock.New(sp, fx, mock.Config{Version: v})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { m.Close(); _ = srv.Close() }, nil
}
