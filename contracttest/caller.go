package contracttest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/cmdbmock/cmdbmock/internal/lazyre"
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

// Username is the user the caller calls as, unless a call says otherwise.
func (c *Caller) Username() string { return c.cl.cfg.Username }

// Call is one call: an operation of the spec on the caller's surface and what it sends beside
// the credentials.
type Call struct {
	Op    string // such as spec.OpESBSearchSet, or spec.OpV3SearchSet on v3
	BizID int64  // ESB: bk_biz_id (0: none); v3: the path's business
	// IDs are the other ids the call names (bk_set_id, bk_module_id, bk_obj_id, bk_inst_id): in
	// the path on v3, at the top of the body on ESB.
	IDs  map[string]any
	Args map[string]any // ESB: beside the credentials; v3: the body
	// As, when set, is the user the call is made as in place of the configured one.
	As string
}

// Answer is what came back: the HTTP status, the headers and the body, as sent.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends the call. An error means no answer came (the target unreachable, a redirect, an
// answer over 1 MiB); its text has the secret masked.
func (c *Caller) Do(ctx context.Context, call Call) (Answer, error) {
	r := request{op: call.Op, args: call.Args, setID: call.IDs["bk_set_id"], moduleID: call.IDs["bk_module_id"],
		objID: call.IDs["bk_obj_id"], instID: call.IDs["bk_inst_id"]}
	if call.BizID != 0 {
		r.biz = call.BizID
	}
	if call.As != "" {
		r.creds = &credentials{AppCode: c.cl.cfg.AppCode, AppSecret: c.cl.cfg.AppSecret, Username: call.As}
	}
	return answerOf(c.cl.send(ctx, r))
}

// Send sends a request as it is (a journal's entry, replayed), at the caller's pace and with its
// retries; path holds the query string, if any.
func (c *Caller) Send(ctx context.Context, method, path string, header http.Header, body []byte) (Answer, error) {
	ex := &Exchange{Method: method, URL: c.cl.shown + path, url: c.cl.base + path}
	c.cl.exchange(ctx, method, body, header, ex)
	return answerOf(ex)
}

// Replay sends a request as a journal shows it (its app secret masked) with the caller's own
// secret where the request has it masked, in a JSON body or header, a form or a query string;
// path holds the query string, if any.
func (c *Caller) Replay(ctx context.Context, method, path string, header http.Header, body string) (Answer, error) {
	unmasked := http.Header{}
	for k, vs := range header {
		for _, v := range vs {
			unmasked.Add(k, c.unmask(v))
		}
	}
	return c.Send(ctx, method, c.unmask(path), unmasked, []byte(c.unmask(body)))
}

// maskedJSON is a masked app secret in a JSON body or header, maskedForm in a form body or a
// query string.
var (
	maskedJSON = lazyre.New(`"((?:bk_)?app_secret)"\s*:\s*"` + regexp.QuoteMeta(masked) + `"`)
	maskedForm = lazyre.New(`(^|[&;?])((?:bk_)?app_secret)=` + regexp.QuoteMeta(masked))
)

// unmask puts the caller's secret where s has it masked.
func (c *Caller) unmask(s string) string {
	secret := c.cl.cfg.AppSecret
	quoted, _ := json.Marshal(secret)
	s = maskedJSON().ReplaceAllString(s, `"$1":`+strings.ReplaceAll(string(quoted), "$", "$$"))
	return maskedForm().ReplaceAllString(s, "${1}${2}="+strings.ReplaceAll(url.QueryEscape(secret), "$", "$$"))
}

func answerOf(ex *Exchange) (Answer, error) {
	if ex.Error != "" {
		return Answer{}, errors.New(ex.Error)
	}
	return Answer{Status: ex.Status, Header: ex.header, Body: ex.body}, nil
}

// Scrub masks the configured secret in s, as reports mask it: for what a tool shows of an
// answer, which a target may have echoed the secret into.
func (c *Caller) Scrub(s string) string { return c.cl.scrub(s) }

// Component calls an ESB component the contract does not describe (list_set_template, say):
// POST /api/c/compapi/v2/cc/<name>/ with the credentials, the business and args in the body, as
// ESB's components take them. It needs the ESB surface.
func (c *Caller) Component(ctx context.Context, name string, bizID int64, args map[string]any) (Answer, error) {
	if c.surface != SurfaceESB {
		return Answer{}, errors.New("contracttest: a component is an ESB call")
	}
	body := map[string]any{"bk_app_code": c.cl.cfg.AppCode, "bk_app_secret": c.cl.cfg.AppSecret, "bk_username": c.cl.cfg.Username}
	if bizID != 0 {
		body["bk_biz_id"] = bizID
	}
	for k, v := range args {
		body[k] = v
	}
	b, err := json.Marshal(body)
	if err != nil {
		return Answer{}, err
	}
	return c.Send(ctx, http.MethodPost, "/api/c/compapi/v2/cc/"+name+"/", http.Header{"Content-Type": {"application/json"}}, b)
}
