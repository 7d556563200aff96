package mock

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/labstack/echo/v4"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// Fill says what a created set gets for the optional fields a request left out.
type Fill string

// The fill modes.
const (
	FillDefaults Fill = ""     // the real system's defaults, nothing random
	FillFake     Fill = "fake" // realistic fake values from gofakeit, deterministic under Seed
)

// Defaults of the limits in Config.
const (
	DefaultMaxBody        = 1 << 20     // bytes of a request body
	DefaultMaxHeaderBytes = 64 << 10    // bytes of a request's headers
	DefaultMaxDepth       = 1000        // nesting of a JSON body
	DefaultMaxSets        = 1_000_000   // sets in the store
	DefaultStorePrefix    = "cmdbmock:" // the keys of a shared store
	DefaultMaxPage        = topo.DefaultMaxPage
)

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
	// MaxHeaderBytes bounds a request's headers (names, values and separators); 0: the default.
	MaxHeaderBytes int
	MaxDepth       int // nesting of a JSON body; 0: DefaultMaxDepth
	MaxSets        int // sets the store holds at most; 0: DefaultMaxSets
	MaxPage        int // records a search_set or search_module page holds at most, up to topo.MaxWindow; 0: DefaultMaxPage
	// Apps maps app codes to secrets. Empty: any non-empty code and secret pass (local
	// development); otherwise ESB's real checks of unknown codes and wrong secrets apply.
	Apps    map[string]string
	Version spec.Version // "": spec.V313
	// IAMOff runs the mock as a CMDB without IAM: no permission is checked, and a bad business
	// id in a v3 path is CMDB's 1199009 rather than the API server's 1199045 (reference §7).
	IAMOff bool
	// RateLimit, when positive, is the API gateway's limit of calls a second for one app on
	// one resource; beyond it the gateway answers 429 (reference §2.2).
	RateLimit int

	JournalSize int // requests the journal keeps; 0: DefaultJournalSize
	// JournalBytes bounds the memory the journal's entries hold; 0: DefaultJournalBytes.
	JournalBytes int64
	Admin        AdminAccess // who may make admin calls; the zero value: loopback alone
	CORSOrigins  []string    // origins allowed to call from a browser; none: no CORS headers
	// StateFile, when set, is loaded at start and written by SaveState and /__mock/snapshot.
	StateFile string
	// Store, when set, is the shared store of several replicas: redis://[user:password@]host:port/db
	// (rediss:// for TLS). Their writes go through one log in Redis, which holds the state; the
	// journal and the metrics stay each replica's own. StorePrefix is the keys' prefix.
	Store, StorePrefix string
}

// Server is the mock: an http.Handler over one Store.
type Server struct {
	spec *spec.Spec
	cfg  Config
	log  *slog.Logger
	// model is the set model the store was made for; inRow, the attributes a row holds in
	// vals, in its order, as indexes into model; absent, the JSON text each of them is stored
	// as when a create leaves it out, in the same order.
	model  []fixtures.Attribute
	inRow  []int
	absent [][]byte
	// The objects of the model: the business, the set, the module and a custom level; the calls
	// check the fields of the last three.
	bizObj, setObj, moduleObj, levelObj *object
	started                             time.Time // when the mock started
	document                            []byte    // the contract served, with the model's custom attributes

	fx      atomic.Pointer[fixtures.Fixtures]
	store   *topo.Store
	journal *Journal
	faults  *Faults
	limiter *rateLimiter
	metrics *metrics
	echo    *echo.Echo
	saveMu  sync.Mutex    // one state write at a time
	heavy   chan struct{} // places for reads that build a whole tree, one a core
	streams chan struct{} // places for the page's journal streams
	shared  *replica      // the shared store, with --store; nil: the store is this mock's alone
	// compactEvery is how many entries a shared log holds past its snapshot (tests lower it).
	compactEvery atomic.Int64
	writeWait    time.Duration // how long a stream waits for its reader to take a write

	closing   chan struct{} // closed by Close: open streams end
	closeOnce sync.Once

	fakeMu sync.Mutex
	faker  *gofakeit.Faker
}

// New builds a mock from the contract and the fixtures. It does not change its inputs.
func New(sp *spec.Spec, fx *fixtures.Fixtures, cfg Config) (*Server, error) {
	if sp == nil || fx == nil {
		return nil, errors.New("mock: a spec and fixtures are required")
	}
	cfg = withDefaults(cfg)
	if _, err := spec.ParseVersion(string(cfg.Version)); err != nil {
		return nil, fmt.Errorf("mock: %w", err)
	}
	if cfg.Fill != FillDefaults && cfg.Fill != FillFake {
		return nil, fmt.Errorf("mock: unknown fill mode %q", cfg.Fill)
	}
	if cfg.MaxPage > topo.MaxWindow { // no page of more records is ranked
		return nil, fmt.Errorf("mock: --max-page %d is not from 1 to %d", cfg.MaxPage, topo.MaxWindow)
	}
	// Populate > MaxSets / businesses, not Populate * businesses > MaxSets: the product of a
	// large populate wraps below zero.
	if cfg.Populate < 0 || len(fx.Businesses) > 0 && cfg.Populate > cfg.MaxSets/len(fx.Businesses) {
		return nil, fmt.Errorf("mock: --populate %d in each of %d businesses is not from 0 to --max-sets %d", cfg.Populate, len(fx.Businesses), cfg.MaxSets)
	}
	s := &Server{
		spec:    sp,
		cfg:     cfg,
		log:     cfg.Logger,
		model:   fx.SetModel,
		journal: newJournal(cfg.JournalSize, cfg.JournalBytes),
		faults:  &Faults{},
		limiter: &rateLimiter{limit: cfg.RateLimit, window: time.Second},
		faker:   gofakeit.New(cfg.Seed),
		heavy:   make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		streams: make(chan struct{}, uiStreams), writeWait: uiWriteWait,
		closing: make(chan struct{}),
	}
	s.compactEvery.Store(compactEvery)
	inRow, names := rowAttributes(s.model)
	s.inRow = inRow
	for _, i := range inRow {
		s.absent = append(s.absent, topo.AppendValue(nil, s.model[i].StoredWhenAbsent()))
	}
	s.setObj = newObject(spec.ObjectSet, nameField, s.model, unchecked, nil)
	s.moduleObj = newObject(spec.ObjectModule, moduleNameField, fx.ModuleModel, moduleUnchecked, moduleFilled)
	s.bizObj = newObject(fixtures.ObjectBiz, "bk_biz_name", fx.BizModel, nil, nil)
	s.levelObj = newObject(spec.ObjectLevel, "bk_inst_name", fx.LevelModel, []string{"bk_biz_id", "bk_parent_id", "bk_supplier_account"}, nil)
	s.store = topo.New(names, cfg.Location, cfg.MaxSets)
	s.store.SetNodeLimit(fixtures.MaxNodes)
	s.started = cfg.Now()
	s.store.SetInstalled(s.started.UnixMilli())
	s.store.SetTopology(s.topology(fx))
	s.fx.Store(fx)
	var err error
	custom := func(object string, model []fixtures.Attribute) []spec.Property {
		var props []spec.Property
		for _, a := range model {
			if !a.Predefined() {
				props = append(props, describe(a, object))
			}
		}
		return props
	}
	if s.document, err = spec.DocumentWith(custom("set", s.model), custom("module", fx.ModuleModel), custom("custom levels'", fx.LevelModel)); err != nil {
		return nil, err
	}
	if err := s.describeModel(); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(s.store)
	if s.echo, err = s.routes(); err != nil {
		return nil, err
	}
	if cfg.Store != "" {
		// The shared log holds the state: the replica takes it from there, seeded once.
		if cfg.StateFile != "" {
			return nil, errors.New("mock: --state and --store are exclusive: the shared store holds the state")
		}
		if s.shared, err = openReplica(context.Background(), s); err != nil {
			return nil, err
		}
		s.limiter.shared = s.shared.log // the replicas count their calls together, as the gateway does
		return s, nil
	}
	loaded, err := s.loadState()
	if err != nil {
		return nil, err
	}
	if loaded {
		s.seedBuiltIns() // built-in sets the fixtures added since the state was saved
	} else if err := s.seed(cfg.Seed, 0); err != nil {
		return nil, err
	}
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StorePrefix == "" {
		cfg.StorePrefix = DefaultStorePrefix
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
	if cfg.JournalSize <= 0 {
		cfg.JournalSize = DefaultJournalSize
	}
	if cfg.JournalBytes <= 0 {
		cfg.JournalBytes = DefaultJournalBytes
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxSets <= 0 {
		cfg.MaxSets = DefaultMaxSets
	}
	if cfg.MaxPage <= 0 {
		cfg.MaxPage = DefaultMaxPage
	}
	return cfg
}

// rowAttributes returns the attributes a row holds in vals, as indexes into the model, and
// their names, in the store's order (by name): all but those the server owns.
func rowAttributes(model []fixtures.Attribute) ([]int, []string) {
	var at []int
	for i, a := range model {
		if !slices.Contains(serverOwned, a.PropertyID) {
			at = append(at, i)
		}
	}
	slices.SortFunc(at, func(i, j int) int { return strings.Compare(model[i].PropertyID, model[j].PropertyID) })
	names := make([]string, len(at))
	for k, i := range at {
		names[k] = model[i].PropertyID
	}
	return at, names
}

// newRequestID is a request chain id as ESB makes it: a uuid4's 32 hex digits. An id needs to be
// unique, not secret: math/rand/v2's generator, seeded at random, is enough and cheaper.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// seed fills the store as a fresh start has it, in one step: the built-in sets of the fixtures
// and the populated fake sets, the faker started anew from the seed.
func (s *Server) seed(seed, at int64) error {
	s.fakeMu.Lock()
	s.faker = gofakeit.New(seed)
	s.fakeMu.Unlock()
	now := s.cfg.Now().UnixMilli()
	seeds := s.builtIns()
	all := append(seeds, s.populated(s.cfg.Populate, seeds)...)
	if at != 0 { // a shared store's reset: every replica stamps the sets it made now alike
		for i := range all {
			if all[i].Draft.Created >= now {
				all[i].Draft.Created = at
			}
		}
		now = at
	}
	s.store.SetInstalled(now) // a reset installs the fixtures' topology anew
	s.store.Reset(all)
	return nil
}

// seedBuiltIns stores the fixtures' built-in sets that the store lacks, as full records.
func (s *Server) seedBuiltIns() { s.store.PutMissing(s.builtIns()) }

// builtIns are the fixtures' built-in sets with their modules, as the store holds them.
func (s *Server) builtIns() []topo.Seed {
	var out []topo.Seed
	for _, b := range s.fixtures().Businesses {
		for _, set := range b.Sets {
			parent := set.ParentID
			if parent == 0 {
				parent = b.ID
			}
			c := &call{bizID: b.ID, parentID: parent, name: set.Name, def: set.Default, creds: credentials{Username: systemUser}}
			draft := s.buildRow(c, false)
			if set.Fields != nil {
				draft = s.recordRow(draft, set.Fields)
			}
			sd := topo.Seed{ID: set.ID, Draft: draft, Modules: make([]topo.Module, len(set.Modules))}
			for i, m := range set.Modules {
				sd.Modules[i] = recordModule(topo.Module{ID: m.ID, Name: m.Name, Default: m.Default}, m.Fields)
				if m.Hosts > 0 {
					if sd.Hosts == nil {
						sd.Hosts = map[int64]int64{}
					}
					sd.Hosts[m.ID] = m.Hosts
				}
			}
			out = append(out, sd)
		}
	}
	return out
}

// recordRow is the row of a fixture set whose record a live CMDB answered (the fields
// cmdbmock import writes): the model's attributes as the record has them (the model's default
// for one it lacks), the template, times and creator of the server's fields, an owner other
// than "0", and every other key kept as it is.
func (s *Server) recordRow(d topo.Draft, fields map[string]any) topo.Draft {
	var b []byte
	for k, i := range s.inRow {
		if v, ok := fields[s.model[i].PropertyID]; ok {
			b = topo.AppendValue(b, v)
		} else {
			b = append(b, s.absent[k]...)
		}
		b = append(b, 0)
	}
	d.Attrs, d.Extra = b, nil
	if id, ok := intValue(fields["set_template_id"]); ok {
		d.TemplateID = id
	}
	if by, ok := fields["bk_created_by"].(string); ok {
		d.CreatedBy = by
	}
	if t, ok := topo.ParseTime(fields["create_time"]); ok {
		d.Created = t
	}
	if t, ok := topo.ParseTime(fields["last_time"]); ok {
		d.Updated = t
	}
	for k, v := range fields {
		owner, _ := v.(string)
		keep := !topo.ServerField(k) && !slices.ContainsFunc(s.model, func(a fixtures.Attribute) bool { return a.PropertyID == k }) ||
			k == "bk_supplier_account" && owner != topo.DefaultSupplierAccount
		if keep {
			if d.Extra == nil {
				d.Extra = topo.Record{}
			}
			d.Extra[k] = v
		}
	}
	return d
}

// recordModule is a fixture module whose record a live CMDB answered: its templates, category,
// times and creator from the record, the rest of it kept as its fields.
func recordModule(m topo.Module, fields map[string]any) topo.Module {
	if fields == nil {
		return m
	}
	m.ServiceTemplateID, _ = intValue(fields["service_template_id"])
	m.ServiceCategoryID, _ = intValue(fields["service_category_id"])
	m.SetTemplateID, _ = intValue(fields["set_template_id"])
	m.Created, _ = topo.ParseTime(fields["create_time"])
	m.Updated, _ = topo.ParseTime(fields["last_time"])
	m.CreatedBy, _ = fields["bk_created_by"].(string)
	m.Fields = topo.Record{}
	for k, v := range fields {
		switch k {
		case "bk_module_id", "bk_module_name", "bk_set_id", "bk_biz_id", "bk_parent_id", "default", "service_template_id",
			"service_category_id", "set_template_id", "create_time", "bk_created_at", "last_time", "bk_updated_at", "bk_created_by":
		default:
			m.Fields[k] = v
		}
	}
	return m
}

// topology is the mainline of the fixtures, above the sets: businesses (made when the store was
// installed), custom levels and their nodes.
func (s *Server) topology(fx *fixtures.Fixtures) topo.Topology {
	var t topo.Topology
	for _, b := range fx.Businesses {
		t.Businesses = append(t.Businesses, topo.Business{ID: b.ID, Name: b.Name, Default: b.Default, Fields: b.Fields})
		for _, n := range b.Nodes {
			t.Nodes = append(t.Nodes, topo.Node{ID: n.ID, Name: n.Name, ObjID: n.ObjID, BizID: b.ID, ParentID: n.ParentID})
		}
	}
	for _, l := range fx.Mainline {
		t.Levels = append(t.Levels, topo.Level{ObjID: l.ObjID, Name: l.Name})
	}
	return t
}

// ServeHTTP serves the mock's routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.headersTooLarge(w, r) {
		s.echo.ServeHTTP(w, r)
	}
	dropRest(r)
}

// dropLimit bounds what dropRest reads of a body.
const dropLimit = 64 << 20

// dropRest reads what is left of a request's body once it is answered, up to dropLimit, and
// drops it: a client that sends its whole body before it reads the answer (Python's
// http.client, and so requests and the BlueKing SDKs) then reads an answer given before the body
// was read (a 413, a 431, an admin call refused) where it would be reset while it sent. A body
// declared longer than the bound is not read; past the bound, or the server's read timeout,
// net/http closes the connection. Nor is the body of a request that asked to be told to send it
// (Expect: 100-continue): its client sends nothing once it has a final answer, and reads that
// answer while it waits. A CMDB call's body, once read whole, is http.NoBody here (begin): the
// calls that pass cost nothing more.
func dropRest(r *http.Request) {
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength <= dropLimit && r.Header.Get("Expect") == "" {
		_, _ = io.CopyN(io.Discard, r.Body, dropLimit)
	}
}

// Store is the mock's store, for tests and tools that look at what was created.
func (s *Server) Store() *topo.Store { return s.store }

// Journal is the mock's request journal.
func (s *Server) Journal() *Journal { return s.journal }

// Faults are the mock's fault rules.
func (s *Server) Faults() *Faults { return s.faults }

// fixtures are the data the mock answers from now; ReloadFixtures replaces them.
func (s *Server) fixtures() *fixtures.Fixtures { return s.fx.Load() }

// Reset empties the store and seeds it again from the fixtures, as at start.
func (s *Server) Reset() error {
	if s.shared == nil {
		return s.seed(s.cfg.Seed, 0)
	}
	out, err := s.submit(context.Background(), reset{Seed: s.resetSeed(), At: s.cfg.Now().UnixMilli()})
	if err != nil {
		return err
	}
	return out.err
}

// ErrHostsNegative: a module holds no fewer than 0 hosts.
var ErrHostsNegative = errors.New("hosts: a module holds 0 hosts or more")

// PlaceHosts makes a module hold hosts hosts, in place of those it held: while it holds any, a
// delete that would take it (delete_module, delete_set, batch_delete_set, delete_inst) is
// refused with 1101030, as CMDB refuses it. It returns the module; topo.ErrNoModule when no
// module has that id, ErrHostsNegative for fewer than 0 hosts, else what the shared store
// answered.
func (s *Server) PlaceHosts(ctx context.Context, module, hosts int64) (topo.Module, error) {
	if hosts < 0 {
		return topo.Module{}, ErrHostsNegative
	}
	out, err := s.submit(ctx, placeHosts{Module: module, Hosts: hosts})
	if err != nil {
		return topo.Module{}, err
	}
	return out.module, out.err
}

// ReloadFixtures answers from fx from now on. The sets created since start stay; built-in sets
// that fx adds are stored; none is removed. The set model cannot change while the mock runs (the
// store's records are laid out by it): fixtures with other set attributes are refused.
func (s *Server) ReloadFixtures(fx *fixtures.Fixtures) error {
	if s.shared != nil {
		return errors.New("mock: the fixtures of a shared store (--store) are its replicas' alike: restart the replicas to change them")
	}
	for _, m := range []struct {
		name, file string
		now, next  []fixtures.Attribute
	}{
		{"set", fixtures.FileSetAttributes, s.model, fx.SetModel},
		{"module", fixtures.FileModuleAttributes, s.moduleObj.model, fx.ModuleModel},
		{"business", fixtures.FileBizAttributes, s.bizObj.model, fx.BizModel},
		{"custom levels'", fixtures.FileLevelAttributes, s.levelObj.model, fx.LevelModel},
	} {
		if !sameModel(m.now, m.next) {
			return fmt.Errorf("mock: the new fixtures change the %s model (%s); restart the mock to change it", m.name, m.file)
		}
	}
	if !slices.Equal(levelIDs(s.fixtures().Mainline), levelIDs(fx.Mainline)) {
		return errors.New("mock: the new fixtures change the mainline levels (mainline.json); restart the mock to change them")
	}
	s.fx.Store(fx)
	s.store.SetTopology(s.topology(fx))
	s.seedBuiltIns()
	return nil
}

// levelIDs are the ids of custom mainline levels, top down.
func levelIDs(levels []fixtures.Level) []string {
	out := make([]string, len(levels))
	for i, l := range levels {
		out[i] = l.ObjID
	}
	return out
}

// sameModel reports whether two models check and store alike.
func sameModel(a, b []fixtures.Attribute) bool {
	return slices.EqualFunc(a, b, func(x, y fixtures.Attribute) bool {
		return x.PropertyID == y.PropertyID && x.Type == y.Type && x.IsRequired == y.IsRequired &&
			string(x.Option) == string(y.Option) && fmt.Sprint(x.Default) == fmt.Sprint(y.Default)
	})
}
