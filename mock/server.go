package mock

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/spec"
)

// Fill says what a created set gets for the optional fields a request left out.
type Fill string

// The fill modes.
const (
	FillDefaults Fill = ""     // the real system's defaults, nothing random
	FillFake     Fill = "fake" // realistic fake values from gofakeit, deterministic under Seed
)

// Routes of the mock.
const (
	PathESBCreateSet = "/api/c/compapi/v2/cc/create_set/"
	PathV3CreateSet  = "/api/v3/set/:bk_biz_id"
	PathESBSearchSet = "/api/c/compapi/v2/cc/search_set/"
	PathV3SearchSet  = "/api/v3/set/search/:bk_supplier_account/:bk_biz_id"
	PathESBDeleteSet = "/api/c/compapi/v2/cc/delete_set/"
	PathV3DeleteSet  = "/api/v3/set/:bk_biz_id/:bk_set_id"
	PathOpenAPI      = "/openapi.yaml"
	PathHealth       = "/healthz"
)

// DefaultMaxBody is the largest request body read when Config.MaxBody is zero.
const DefaultMaxBody = 1 << 20

// Config holds the optional settings of a Server; its zero value serves like a fresh CMDB 3.13.
type Config struct {
	Logger    *slog.Logger     // nil: logs are discarded
	Now       func() time.Time // nil: time.Now
	Location  *time.Location   // the zone of timestamps; nil: UTC+8, as the documents show
	RequestID func() string    // nil: 32 random lowercase hex digits
	Fill      Fill
	Seed      int64 // gofakeit's seed for Fill and Populate; 0 draws one at random
	Populate  int   // fake sets created under each business at start
	MaxBody   int64 // bytes; 0: DefaultMaxBody
	// Apps maps app codes to secrets. Empty: any non-empty code and secret pass (local
	// development); otherwise ESB's real checks of unknown codes and wrong secrets apply.
	Apps    map[string]string
	Version spec.Version // "": spec.V313
}

// Server is the mock: an http.Handler over one Store.
type Server struct {
	spec   *spec.Spec
	fx     *fixtures.Fixtures
	cfg    Config
	log    *slog.Logger
	fields []spec.Field
	steps  []boundStep // create_set: every step
	// The companions make the steps of ESB and of the business, not those of a set's fields.
	lookupSteps []boundStep
	deleteSteps []boundStep
	store       *Store
	echo        *echo.Echo

	fakeMu sync.Mutex
	faker  *gofakeit.Faker
}

// New builds a mock from the contract and the fixtures. It does not change its inputs.
func New(sp *spec.Spec, fx *fixtures.Fixtures, cfg Config) (*Server, error) {
	if sp == nil || fx == nil {
		return nil, errors.New("mock: a spec and fixtures are required")
	}
	cfg = withDefaults(cfg)
	if cfg.Version != spec.V313 && cfg.Version != spec.V314 {
		return nil, fmt.Errorf("mock: unsupported CMDB version %q (want %s or %s)", cfg.Version, spec.V313, spec.V314)
	}
	if cfg.Fill != FillDefaults && cfg.Fill != FillFake {
		return nil, fmt.Errorf("mock: unknown fill mode %q", cfg.Fill)
	}
	s := &Server{
		spec:   sp,
		fx:     fx,
		cfg:    cfg,
		log:    cfg.Logger,
		fields: sp.Fields(),
		store:  NewStore(),
		faker:  gofakeit.New(cfg.Seed),
	}
	var err error
	if s.steps, err = s.bindSteps(); err != nil {
		return nil, err
	}
	s.lookupSteps = subset(s.steps, slices.Concat(credentialSteps(), []spec.StepID{spec.StepJSON, spec.StepBizPath, spec.StepBusiness})...)
	s.deleteSteps = subset(s.steps, slices.Concat(credentialSteps(), []spec.StepID{spec.StepBizPath, spec.StepPermission, spec.StepBusiness})...)
	s.seedBuiltIns()
	if err := s.populate(cfg.Populate); err != nil {
		return nil, err
	}
	s.echo = s.routes()
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("UTC+8", 8*60*60)
	}
	if cfg.RequestID == nil {
		cfg.RequestID = newRequestID
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Version == "" {
		cfg.Version = spec.V313
	}
	return cfg
}

// newRequestID is a request chain id as ESB makes it: a uuid4's 32 hex digits.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// ServeHTTP serves the mock's routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Store is the mock's store, for tests and tools that look at what was created.
func (s *Server) Store() *Store { return s.store }

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.routingError

	esb := func(c echo.Context) error { return s.createSet(c, surfaceESB) }
	for _, p := range []string{PathESBCreateSet, PathESBCreateSet[:len(PathESBCreateSet)-1]} {
		e.POST(p, esb)
		e.GET(p, esb)
	}
	e.POST(PathV3CreateSet, func(c echo.Context) error { return s.createSet(c, surfaceV3) })
	for _, p := range []string{PathESBSearchSet, PathESBSearchSet[:len(PathESBSearchSet)-1]} {
		e.POST(p, func(c echo.Context) error { return s.searchSet(c, surfaceESB) })
	}
	e.POST(PathV3SearchSet, func(c echo.Context) error { return s.searchSet(c, surfaceV3) })
	for _, p := range []string{PathESBDeleteSet, PathESBDeleteSet[:len(PathESBDeleteSet)-1]} {
		e.POST(p, func(c echo.Context) error { return s.deleteSet(c, surfaceESB) })
	}
	e.DELETE(PathV3DeleteSet, func(c echo.Context) error { return s.deleteSet(c, surfaceV3) })
	e.GET(PathOpenAPI, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", spec.Document())
	})
	e.GET(PathHealth, func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	return e
}

// begin reads a call on either surface; when the body is over the limit it answers at once and
// returns a nil call.
func (s *Server) begin(ec echo.Context, surf surface) (*call, error) {
	r := ec.Request()
	body, err := io.ReadAll(http.MaxBytesReader(ec.Response(), r.Body, s.cfg.MaxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, s.write(ec, surf, s.cfg.RequestID(), http.StatusRequestEntityTooLarge,
			failed(spec.MsgBodyTooLarge, spec.MsgBodyTooLarge.Format(spec.English, s.cfg.MaxBody), nil))
	}
	// Any other read error leaves a truncated body, which the checks answer as such.
	var c *call
	if surf == surfaceESB {
		c = s.readESB(r, body)
	} else {
		c = s.readV3(r, ec.Param("bk_biz_id"), body)
	}
	c.requestID = s.cfg.RequestID()
	return c, nil
}

// finish runs the steps of an operation over a call and answers: the first failure, or what
// ok makes of the call once every step passed.
func (s *Server) finish(ec echo.Context, c *call, steps []boundStep, ok func(*call) answer) error {
	a, failedStep := s.runSteps(c, steps)
	for _, w := range c.warnings {
		s.log.Warn("accepted a probable caller's bug", "path", ec.Request().URL.Path, "request_id", c.requestID, "warning", w)
	}
	if !failedStep {
		a = ok(c)
	}
	return s.write(ec, c.surface, c.requestID, http.StatusOK, a)
}

// createSet answers create_set on either surface.
func (s *Server) createSet(ec echo.Context, surf surface) error {
	c, err := s.begin(ec, surf)
	if c == nil {
		return err
	}
	s.validate(c)
	return s.finish(ec, c, s.steps, func(c *call) answer { return succeeded(c.created) })
}

// seedBuiltIns stores the fixtures' built-in sets as full records, as a fresh CMDB has them.
func (s *Server) seedBuiltIns() {
	for _, b := range s.fx.Businesses {
		for _, set := range b.Sets {
			parent := set.ParentID
			if parent == 0 {
				parent = b.ID
			}
			c := &call{bizID: b.ID, parentID: parent, name: set.Name, def: set.Default, creds: credentials{Username: systemUser}}
			rec := s.buildRecord(c, false)
			rec["bk_set_id"] = set.ID
			s.store.put(rec, set.Modules)
		}
	}
}
