package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

const defaultAddr = "127.0.0.1:8080"

// serveFlags are the settings of the serve command.
type serveFlags struct {
	addr, fixtures, fill, version, tz string
	populate, seed, maxBody           int64
	apps                              appsFlag
	shutdown                          time.Duration
	journalSize, journalBytes         int64
	adminToken, adminNetworks, state  string
	store, storePrefix                string
	corsOrigins                       listFlag
	logFormat, logLevel               string
	pprof                             string
	maxHeaderBytes, maxDepth, maxSets int64
	maxPage, rateLimit                int64
	iam                               bool
	readHeaderTimeout, readTimeout    time.Duration
	writeTimeout, idleTimeout         time.Duration
}

func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (*serveFlags, error) {
	e := env(getenv)
	f := &serveFlags{apps: appsFlag{}}
	fs := flag.NewFlagSet("cmdbmock serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", e.str("CMDBMOCK_ADDR", defaultAddr), "address to listen on; :0 picks a free port (CMDBMOCK_ADDR)")
	fs.StringVar(&f.fixtures, "fixtures", e.str("CMDBMOCK_FIXTURES", ""), "directory of fixtures replacing the embedded ones (CMDBMOCK_FIXTURES)")
	fs.StringVar(&f.fill, "fill", e.str("CMDBMOCK_FILL", "defaults"), "optional fields left out: defaults (as CMDB) or fake (CMDBMOCK_FILL)")
	fs.StringVar(&f.version, "cmdb-version", e.str("CMDBMOCK_CMDB_VERSION", string(spec.V313)), "CMDB release to imitate: 3.12, 3.13 or 3.14 (CMDBMOCK_CMDB_VERSION)")
	f.iam = true
	if err := (onOff{&f.iam}).Set(e.str("CMDBMOCK_IAM", "on")); err != nil {
		return nil, fmt.Errorf("CMDBMOCK_IAM %w", err)
	}
	fs.Var(onOff{&f.iam}, "iam", "on: IAM checks permissions (the fixtures' denials) and path ids; off: a CMDB without IAM (CMDBMOCK_IAM; true and false too)")
	fs.StringVar(&f.tz, "tz", e.str("CMDBMOCK_TZ", "+08:00"), "zone of timestamps: +08:00, UTC, Asia/Shanghai, ... (CMDBMOCK_TZ)")
	fs.Var(&f.apps, "app", "CODE:SECRET of a registered app, repeatable; none: any app passes (CMDBMOCK_APPS, comma-separated)")
	fs.DurationVar(&f.shutdown, "shutdown-timeout", 10*time.Second, "how long a stop waits for requests in flight")
	fs.DurationVar(&f.readHeaderTimeout, "read-header-timeout", 10*time.Second, "how long a client may take to send its headers")
	fs.DurationVar(&f.readTimeout, "read-timeout", 30*time.Second, "how long a client may take to send a whole request")
	fs.DurationVar(&f.writeTimeout, "write-timeout", 30*time.Second, "how long an answer may take, injected delays included")
	fs.DurationVar(&f.idleTimeout, "idle-timeout", 2*time.Minute, "how long an idle keep-alive connection stays open")
	fs.StringVar(&f.adminToken, "admin-token", e.str("CMDBMOCK_ADMIN_TOKEN", ""), "required by every /__mock/ and --pprof call once set, from anywhere (CMDBMOCK_ADMIN_TOKEN)")
	fs.StringVar(&f.adminNetworks, "admin-networks", e.str("CMDBMOCK_ADMIN_NETWORKS", ""), "networks and addresses, comma-separated, whose callers make /__mock/ and --pprof calls without the token; none: loopback, until a token is set (CMDBMOCK_ADMIN_NETWORKS)")
	fs.StringVar(&f.state, "state", e.str("CMDBMOCK_STATE", ""), "file the store is loaded from at start and saved to on stop (CMDBMOCK_STATE)")
	fs.StringVar(&f.store, "store", e.str("CMDBMOCK_STORE", ""), "a store shared by several replicas: redis://[user:password@]host:port/db, rediss:// for TLS; none: this process's memory (CMDBMOCK_STORE)")
	fs.StringVar(&f.storePrefix, "store-prefix", e.str("CMDBMOCK_STORE_PREFIX", mock.DefaultStorePrefix), "prefix of the shared store's keys, so that one Redis holds several mocks (CMDBMOCK_STORE_PREFIX)")
	fs.Var(&f.corsOrigins, "cors-origin", "origin a browser may call from, repeatable (CMDBMOCK_CORS_ORIGINS, comma-separated)")
	fs.StringVar(&f.logFormat, "log-format", e.str("CMDBMOCK_LOG_FORMAT", "text"), "text or json (CMDBMOCK_LOG_FORMAT)")
	fs.StringVar(&f.logLevel, "log-level", e.str("CMDBMOCK_LOG_LEVEL", "info"), "debug, info, warn or error (CMDBMOCK_LOG_LEVEL)")
	fs.StringVar(&f.pprof, "pprof", e.str("CMDBMOCK_PPROF", ""), "serve net/http/pprof on this address, such as 127.0.0.1:6060 (CMDBMOCK_PPROF)")
	for _, n := range numberFlags {
		v, err := e.int64(n.env, n.def)
		if err != nil {
			return nil, err
		}
		fs.Int64Var(n.into(f), n.flag, v, n.usage+" ("+n.env+")")
	}
	if v := getenv("CMDBMOCK_CORS_ORIGINS"); v != "" {
		f.corsOrigins = strings.Split(v, ",")
	}
	if v := getenv("CMDBMOCK_APPS"); v != "" {
		for _, app := range strings.Split(v, ",") {
			if err := f.apps.Set(app); err != nil {
				return nil, fmt.Errorf("CMDBMOCK_APPS: %w", err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return f, nil
}

// listFlag collects a repeatable flag; given on the command line it replaces the env's list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// appsFlag collects --app CODE:SECRET.
type appsFlag map[string]string

func (a appsFlag) String() string { return fmt.Sprintf("%d apps", len(a)) }

func (a appsFlag) Set(v string) error {
	code, secret, ok := strings.Cut(v, ":")
	if !ok || code == "" || secret == "" {
		return errors.New("want CODE:SECRET")
	}
	a[code] = secret
	return nil
}

// config is the mock's configuration of the flags; its Logger is left to the caller.
func (f *serveFlags) config() (mock.Config, error) {
	loc, err := location(f.tz)
	if err != nil {
		return mock.Config{}, err
	}
	fill := mock.Fill(f.fill)
	if f.fill == "defaults" {
		fill = mock.FillDefaults
	}
	if err := f.checkNumbers(); err != nil {
		return mock.Config{}, err
	}
	version, err := spec.ParseVersion(f.version)
	if err != nil {
		return mock.Config{}, fmt.Errorf("--cmdb-version: %w", err)
	}
	admin := mock.AdminAccess{Token: f.adminToken}
	if f.adminNetworks != "" {
		if admin.Networks, err = mock.ParseNetworks(f.adminNetworks); err != nil {
			return mock.Config{}, fmt.Errorf("--admin-networks: %w", err)
		}
	}
	return mock.Config{
		Location:       loc,
		Fill:           fill,
		Seed:           f.seed,
		Populate:       int(f.populate),
		MaxBody:        f.maxBody,
		Apps:           f.apps,
		Version:        version,
		IAMOff:         !f.iam,
		RateLimit:      int(f.rateLimit),
		JournalSize:    int(f.journalSize),
		JournalBytes:   f.journalBytes,
		MaxHeaderBytes: int(f.maxHeaderBytes),
		MaxDepth:       int(f.maxDepth),
		MaxSets:        int(f.maxSets),
		MaxPage:        int(f.maxPage),
		Admin:          admin,
		CORSOrigins:    f.corsOrigins,
		StateFile:      f.state,
		Store:          f.store,
		StorePrefix:    f.storePrefix,
	}, nil
}

// numberFlags are the numeric flags, each with its variable, default and range: a wrong value
// would make memory or time endless, or too large to ever be had.
var numberFlags = []struct {
	into      func(*serveFlags) *int64
	flag, env string
	def       int64
	min, max  int64
	usage     string
}{
	{func(f *serveFlags) *int64 { return &f.populate }, "populate", "CMDBMOCK_POPULATE", 0, 0, 50_000_000, "fake sets to create under each business at start"},
	{func(f *serveFlags) *int64 { return &f.seed }, "seed", "CMDBMOCK_SEED", 1, math.MinInt64, math.MaxInt64, "seed of the fake values; 0 draws one at random"},
	{func(f *serveFlags) *int64 { return &f.maxBody }, "max-body", "CMDBMOCK_MAX_BODY", mock.DefaultMaxBody, 1, 1 << 30, "largest request body in bytes"},
	{func(f *serveFlags) *int64 { return &f.journalSize }, "journal-size", "CMDBMOCK_JOURNAL_SIZE", mock.DefaultJournalSize, 1, mock.MaxJournalSize, "requests the journal keeps"},
	{func(f *serveFlags) *int64 { return &f.journalBytes }, "journal-bytes", "CMDBMOCK_JOURNAL_BYTES", mock.DefaultJournalBytes, 1 << 20, 16 << 30, "bytes the journal's entries hold at most (each part of an entry is cut at 64 KiB); the oldest go first"},
	{func(f *serveFlags) *int64 { return &f.maxHeaderBytes }, "max-header-bytes", "CMDBMOCK_MAX_HEADER_BYTES", mock.DefaultMaxHeaderBytes, 1, 1 << 20, "largest request headers in bytes"},
	{func(f *serveFlags) *int64 { return &f.maxDepth }, "max-depth", "CMDBMOCK_MAX_DEPTH", mock.DefaultMaxDepth, 1, 10_000, "deepest nesting of a JSON body"},
	{func(f *serveFlags) *int64 { return &f.maxSets }, "max-sets", "CMDBMOCK_MAX_SETS", mock.DefaultMaxSets, 1, 50_000_000, "most sets the store holds"},
	{func(f *serveFlags) *int64 { return &f.maxPage }, "max-page", "CMDBMOCK_MAX_PAGE", mock.DefaultMaxPage, 1, topo.MaxWindow, "most records a search_set or search_module page holds"},
	{func(f *serveFlags) *int64 { return &f.rateLimit }, "rate-limit", "CMDBMOCK_RATE_LIMIT", 0, 0, 1_000_000, "the API gateway's calls a second for one app on one resource, then 429 (CMDB's gateway: 100); 0: no limit"},
}

// checkNumbers refuses a numeric flag out of its range, and a timeout that is not positive
// (net/http reads zero as "no limit", which would silently turn the slow-client protection off).
func (f *serveFlags) checkNumbers() error {
	for _, n := range numberFlags {
		if v := *n.into(f); v < n.min || v > n.max {
			return fmt.Errorf("--%s must be from %d to %d, not %d", n.flag, n.min, n.max, v)
		}
	}
	for name, d := range map[string]time.Duration{
		"--read-header-timeout": f.readHeaderTimeout, "--read-timeout": f.readTimeout, "--write-timeout": f.writeTimeout,
		"--idle-timeout": f.idleTimeout, "--shutdown-timeout": f.shutdown,
	} {
		if d <= 0 {
			return fmt.Errorf("%s must be positive, not %s", name, d)
		}
	}
	return nil
}

// newLogger is the one logger of the process, as --log-format and --log-level say; its times are
// in the zone of --tz, as the answers' and the journal's are.
func newLogger(w io.Writer, format, level string, loc *time.Location) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	switch format {
	case "text", "json":
		return slog.New(newLineHandler(w, format == "json", lvl, loc)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// location reads --tz: an offset such as +08:00, or a zone name.
func location(tz string) (*time.Location, error) {
	if t, err := time.Parse("-07:00", tz); err == nil {
		_, offset := t.Zone()
		return time.FixedZone(tz, offset), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("--tz: %w", err)
	}
	return loc, nil
}

func loadFixtures(dir string) (*fixtures.Fixtures, error) {
	if dir == "" {
		return fixtures.Default()
	}
	fx, err := fixtures.Load(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("--fixtures %s: %w", dir, err)
	}
	return fx, nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	// Each request's line is kept, and the log is written in batches: flushed every 100 ms,
	// when 64 KiB are waiting, and at the stop.
	logs := newLogWriter(stderr, 64<<10, 100*time.Millisecond)
	defer logs.Close()
	logger, err := newLogger(logs, f.logFormat, f.logLevel, cfg.Location)
	if err != nil {
		return err
	}
	cfg.Logger = logger
	fx, err := loadFixtures(f.fixtures)
	if err != nil {
		return err
	}
	handler, err := mock.New(spec.Load(ctx), fx, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: f.readHeaderTimeout,
		ReadTimeout:       f.readTimeout,
		WriteTimeout:      f.writeTimeout,
		IdleTimeout:       f.idleTimeout,
		// Room above the mock's own limit, which answers in the envelope; past twice the
		// limit net/http refuses on its own.
		MaxHeaderBytes: int(2 * f.maxHeaderBytes),
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(handler.EndWaits) // the pages' journal streams end and faults' delays: a stop does not wait on them
	defer handler.Close()                    // a shared store is let go once the calls in flight are answered
	if f.pprof != "" {
		if err := servePprof(ctx, f.pprof, cfg.Admin, logger); err != nil {
			return err
		}
	}
	// SIGHUP is caught before the address is printed: a reload is never a kill.
	reload := make(chan os.Signal, 1)
	signal.Notify(reload, syscall.SIGHUP)
	defer signal.Stop(reload)
	fmt.Fprintf(stdout, "cmdbmock listening on http://%s\n", ln.Addr())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	for {
		select {
		case err := <-served:
			return err
		case <-reload:
			// New fixtures; the sets created since start stay.
			fx, err := loadFixtures(f.fixtures)
			if err != nil {
				logger.Error("reload fixtures", "err", err)
				continue
			}
			if err := handler.ReloadFixtures(fx); err != nil {
				logger.Error("reload fixtures", "err", err)
				continue
			}
			logger.Info("fixtures reloaded", "dir", f.fixtures)
		case <-ctx.Done():
			return stop(srv, handler, f, logger)
		}
	}
}

// servePprof serves the profiler on a listener of its own, never on the mock's address, under
// the admin API's rules (mock.AdminAccess). It leaves out /debug/pprof/cmdline, which would
// show the command line: --admin-token and --app secrets among it.
func servePprof(ctx context.Context, addr string, admin mock.AdminAccess, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", http.NotFound)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	guarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, why := admin.Refusal(r); status != 0 {
			http.Error(w, why, status)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: guarded, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	logger.Info("pprof", "addr", ln.Addr().String())
	return nil
}

// stop lets the requests in flight finish, then saves the state when --state is set.
func stop(srv *http.Server, handler *mock.Server, f *serveFlags, logger *slog.Logger) error {
	logger.Info("stopping", "timeout", f.shutdown)
	ctx, cancel := context.WithTimeout(context.Background(), f.shutdown)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		// The requests still in flight are cut; the state is written all the same, so that
		// every set the mock acknowledged is kept.
		logger.Warn("requests still in flight when the shutdown timeout ran out were cut", "err", err)
		_ = srv.Close()
	}
	if f.state == "" {
		return nil
	}
	if err := handler.SaveState(); err != nil {
		return err
	}
	logger.Info("state saved", "file", f.state, "sets", handler.Store().Len())
	return nil
}
