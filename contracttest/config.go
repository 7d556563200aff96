package contracttest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/cmdbmock/cmdbmock/spec"
)

// Surface is the gateway the run goes through.
type Surface = spec.Surface

// The surfaces of create_set.
const (
	SurfaceESB = spec.SurfaceESB
	SurfaceV3  = spec.SurfaceV3
)

// DefaultRPS paces a run unless Config.RPS says otherwise.
const DefaultRPS = 5

// Config says what to check and how. Target, BizID and Spec are required.
type Config struct {
	Target string // base URL of the deployment, a path prefix allowed
	BizID  int64  // the business the run works in; no default, on purpose
	// ParentID is the node new sets hang under; 0: the business itself, or, where custom levels
	// sit between the business and its sets, the first node of the level above sets.
	ParentID int64
	// OtherParentID is a second parent, for "the same name under another parent succeeds";
	// 0: ParentID + 1 (CMDB stores any positive parent under a business), or the second node of
	// the level above sets.
	OtherParentID int64

	AppCode, AppSecret, Username string
	// DeniedUser, when set, is a user without permission on the business: the run then checks
	// the 9900403 answer and its permission body.
	DeniedUser string

	Surface Surface      // "": SurfaceESB
	Lang    spec.Lang    // the language asked for; messages are compared in it
	Version spec.Version // the release whose messages are expected; "": spec.V313
	Lenient bool         // compare codes only, not messages
	// IAMOff expects a deployment without IAM: a bad business id in a v3 path is 1199009 rather
	// than the API server's 1199045.
	IAMOff bool

	// SetFields and ModuleFields are values of custom attributes the deployment's set and module
	// models require, which every set and module the run creates carries; the run makes a value
	// for each other required custom attribute whose type it knows (Report.SetFields).
	SetFields, ModuleFields map[string]any

	RPS       float64 // requests per second; 0: DefaultRPS; negative: unpaced
	NoCleanup bool    // leave the created sets in place
	DryRun    bool    // build and list the requests, send none

	Spec   *spec.Spec
	Client *http.Client // nil: a client with a 30 s timeout
	RunID  string       // "": 8 random hex digits

	// Retries is how often a request is sent again after a 5xx or a 1306429 (rate limited)
	// answer, waiting RetryBackoff, then twice as long each time; 0: 3 retries from 200 ms.
	// A negative Retries sends every request once.
	Retries      int
	RetryBackoff time.Duration

	// Progress, when set, gets the text report while the run goes: its head at the start, each
	// case as it ends, the cleanup and the counts at the end (what WriteText writes at once).
	Progress io.Writer
}

func (c Config) withDefaults() (Config, *url.URL, error) {
	if c.BizID <= 0 {
		return c, nil, errors.New("contracttest: an explicit business id (--biz-id) is required: the run creates and deletes sets in it")
	}
	if c.ParentID < 0 || c.OtherParentID < 0 {
		return c, nil, errors.New("contracttest: a parent id (--parent-id, --other-parent-id) is positive, or 0 for its default")
	}
	return c.withClientDefaults()
}

// withClientDefaults checks and completes what a client of the target needs: the target, the
// surface, the release, the pace, the credentials and an HTTP client that follows no redirect.
func (c Config) withClientDefaults() (Config, *url.URL, error) {
	if c.Spec == nil {
		return c, nil, errors.New("contracttest: Config.Spec is required")
	}
	base, err := url.Parse(c.Target)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return c, nil, fmt.Errorf("contracttest: target %s is not an http(s) URL", Redacted(c.Target))
	}
	if base.RawQuery != "" || base.ForceQuery || base.Fragment != "" {
		return c, nil, fmt.Errorf("contracttest: target %s has a query string or a fragment: give the deployment's base URL alone, "+
			"to which each call's path is added (credentials go with the app code and secret)", Redacted(c.Target))
	}
	if c.ParentID == 0 {
		c.ParentID = c.BizID
	}
	if c.OtherParentID == 0 {
		c.OtherParentID = c.ParentID + 1
	}
	if c.Surface == "" {
		c.Surface = SurfaceESB
	}
	if c.Surface != SurfaceESB && c.Surface != SurfaceV3 {
		return c, nil, fmt.Errorf("contracttest: unknown surface %q (want esb or v3)", c.Surface)
	}
	if c.Version == "" {
		c.Version = spec.V313
	}
	if _, err := spec.ParseVersion(string(c.Version)); err != nil {
		return c, nil, fmt.Errorf("contracttest: %w", err)
	}
	if math.IsNaN(c.RPS) { // neither the default's zero nor unpaced's negative
		return c, nil, errors.New("contracttest: RPS is not a number")
	}
	if c.RPS == 0 {
		c.RPS = DefaultRPS
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 200 * time.Millisecond
	}
	if c.AppCode == "" || c.AppSecret == "" || c.Username == "" {
		return c, nil, errors.New("contracttest: an app code, app secret and username are required")
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 30 * time.Second}
	}
	// Every request carries credentials (the ESB body, the v3 header), and a redirected request
	// would take them wherever the target points: a redirect is the target's answer, never
	// followed. The caller's client is copied, not changed.
	noRedirects := *c.Client
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Client = &noRedirects
	if c.RunID == "" {
		c.RunID = NewRunID()
	}
	return c, base, nil
}

// NewRunID is a run's id: 8 random hex digits, which mark what the run makes and its reports.
func NewRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
