package contracttest

import (
	"context"
	"errors"
	"strings"
)

// Caller sends one CMDB call at a time to a deployment, as a contract run sends its own: in the
// shape of the configured surface with the configured credentials, paced and retried, never
// following a redirect, reading at most 1 MiB of an answer. Tools that read a deployment use it
// (cmdbmock import). Config.BizID and the fields of the run's cases are not needed.
type Caller struct {
	cl      *client
	surface Surface
}

// NewCaller checks cfg as Run does, but for the business.
func NewCaller(cfg Config) (*Caller, error) {
	cfg, base, err := cfg.withClientDefaults()
	if err != nil {
		return nil, err
	}
	return &Caller{cl: newClient(cfg, strings.TrimRight(base.String(), "/"), strings.TrimRight(base.Redacted(), "/")), surface: cfg.Surface}, nil
}

// Surface is the surface the caller goes through.
func (c *Caller) Surface() Surface { return c.surface }

// Call is one call: an operation of the spec on the caller's surface and what it sends beside
// the credentials.
type Call struct {
	Op    string         // such as spec.OpESBSearchSet, or spec.OpV3SearchSet on v3
	BizID int64          // ESB: bk_biz_id (0: none); v3: the path's business
	SetID int64          // v3: the path's set, where it has one (search_module: 0 is every set)
	Args  map[string]any // ESB: beside the credentials; v3: the body
}

// Answer is what came back: the HTTP status and the body, as sent.
type Answer struct {
	Status int
	Body   []byte
}

// Do sends the call. An error means no answer came (the target unreachable, a redirect, an
// answer over 1 MiB); its text has the secret masked.
func (c *Caller) Do(ctx context.Context, call Call) (Answer, error) {
	r := request{op: call.Op, args: call.Args}
	if call.BizID != 0 {
		r.biz = call.BizID
	}
	if c.surface == SurfaceV3 {
		r.setID = call.SetID
	}
	ex := c.cl.send(ctx, r)
	if ex.Error != "" {
		return Answer{}, errors.New(ex.Error)
	}
	return Answer{Status: ex.Status, Body: ex.body}, nil
}
