package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/fixtures/importer"
	"github.com/cmdbmock/cmdbmock/internal/printable"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// importCmd reads a running CMDB (or a mock) and writes its model and topology as a fixtures
// directory that cmdbmock --fixtures serves.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	e := env(getenv)
	var (
		target  targetFlags
		out     string
		bizs    bizList
		maxSets int
		page    int
		quiet   bool
	)
	fs := flag.NewFlagSet("cmdbmock import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addTargetFlags(fs, e, &target, contracttest.DefaultRPS, false)
	fs.StringVar(&out, "out", "", "the fixtures directory to write: absent, empty, or an earlier import's, which it replaces; required")
	fs.Var(&bizs, "biz", "a business to import, repeatable or comma-separated; none: every business search_business lists")
	fs.IntVar(&maxSets, "max-sets", mock.DefaultMaxSets, "the most sets to read in all; past it the import stops")
	fs.IntVar(&page, "page-size", importer.DefaultPageSize, "sets or modules read by one search")
	fs.BoolVar(&quiet, "quiet", false, "no progress on standard error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if out == "" {
		return errors.New("--out is required: the fixtures directory to write")
	}
	if page <= 0 || maxSets <= 0 {
		return errors.New("--page-size and --max-sets must be positive")
	}
	if err := importer.CheckOut(out); err != nil {
		return err
	}
	cfg, err := target.config(ctx, stderr)
	if err != nil {
		return err
	}
	caller, err := contracttest.NewCaller(cfg)
	if err != nil {
		return err
	}
	ic := importer.Config{Caller: caller, Businesses: bizs, MaxSets: maxSets, MaxModules: topo.ModuleLimitOf(maxSets), PageSize: page}
	if !quiet {
		ic.Progress = stderr
	}
	res, err := importer.Read(ctx, ic)
	if err != nil {
		return fmt.Errorf("import from %s: %w", contracttest.Redacted(cfg.Target), err)
	}
	if err := res.Write(out); err != nil {
		return err
	}
	for _, note := range res.Notes {
		fmt.Fprintf(stderr, "import: note: %s\n", printable.String(note))
	}
	fmt.Fprintf(stderr, "import: wrote %s: %d businesses, %d custom levels, %d nodes, %d sets, %d modules, %d custom set attributes, %d custom module attributes, %d custom business attributes, %d custom level attributes (%d requests in %.1f s)\n",
		out, len(res.Businesses), len(res.Mainline), res.Nodes, res.Sets, res.Modules, len(res.SetAttributes), len(res.ModuleAttributes), len(res.BizAttributes), len(res.LevelAttributes), res.Requests, res.Elapsed.Seconds())
	return nil
}

// bizList is the repeatable --biz flag.
type bizList []int64

func (b *bizList) String() string { return fmt.Sprint([]int64(*b)) }

func (b *bizList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not a business id", f)
		}
		*b = append(*b, id)
	}
	return nil
}
