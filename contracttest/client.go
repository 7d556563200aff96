package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/cmdbmock/cmdbmock/internal/redact"
	"github.com/cmdbmock/cmdbmock/spec"
)

// Exchange is one request and its answer as reports show them: secrets masked.
type Exchange struct {
	Operation       string            `json:"operation"`
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	RequestHeaders  map[string]string `json:"request_headers,omitempty"`
	RequestBody     string            `json:"request_body,omitempty"`
	Status          int               `json:"status,omitempty"`
	ResponseHeaders map[string]string `json:"response_headers,omitempty"`
	ResponseBody    string            `json:"response_body,omitempty"`
	Error           string            `json:"error,omitempty"`
	NotSent         bool              `json:"not_sent,omitempty"` // a dry run
	Retries         int               `json:"retries,omitempty"`  // sent again after 5xx or 1306429

	url    string // where the request goes; URL is what reports show
	header http.Header
	body   []byte
}

// maxAnswer bounds what is read of an answer: CMDB's answers to the suite's calls are a few KiB.
const maxAnswer = 1 << 20

// masked stands for a secret in reports.
const masked = "***"

// madeBy is the description of the sets the run creates with every field.
const madeBy = "made by cmdbmock contract"

// credentials are what a request authenticates with.
type credentials struct {
	AppCode   string `json:"bk_app_code,omitempty"`
	AppSecret string `json:"bk_app_secret,omitempty"`
	Username  string `json:"bk_username,omitempty"`
}

// drop marks a top-level ESB key to leave out of a request.
type dropKey struct{}

// request is one call to the target, described once for either surface.
type request struct {
	op    string // spec operation id
	biz   any    // ESB: the bk_biz_id value; v3: the path segment
	setID any    // delete_set, update_set and the module calls
	// moduleID names a module (update_module, delete_module); objID and instID a node of a
	// custom level (create_inst, delete_inst).
	moduleID, objID, instID any
	args                    map[string]any // create: the set fields; search: the query
	top                     map[string]any // ESB: top-level overrides; dropKey{} removes a key
	raw                     *string        // a raw body instead of the above
	creds                   *credentials   // nil: the configured ones
	// authHeader sends an ESB call's credentials in X-Bkapi-Authorization rather than in the
	// body, as the current BlueKing SDKs do.
	authHeader bool
}

// client sends requests at the configured pace and records them.
type client struct {
	cfg   Config
	base  string // the target's base URL
	shown string // the same, its password masked, for reports
	pace  *rate.Limiter
	// secretAt finds the secret where it stands as one, when it is also part of a value
	// reports show; nil: the secret is masked wherever it is.
	secretAt *regexp.Regexp
}

func (c *client) send(ctx context.Context, r request) *Exchange {
	method, path := c.cfg.Spec.Route(r.op)
	path = strings.NewReplacer(
		"{bk_biz_id}", fmt.Sprint(r.biz),
		"{bk_set_id}", fmt.Sprint(r.setID),
		"{bk_module_id}", fmt.Sprint(r.moduleID),
		"{bk_obj_id}", fmt.Sprint(r.objID),
		"{bk_inst_id}", fmt.Sprint(r.instID),
		"{bk_supplier_account}", "0",
	).Replace(path)
	creds := credentials{AppCode: c.cfg.AppCode, AppSecret: c.cfg.AppSecret, Username: c.cfg.Username}
	if r.creds != nil {
		creds = *r.creds
	}
	bodyCreds := creds
	if r.authHeader {
		bodyCreds = credentials{}
	}
	body, err := c.body(r, bodyCreds)
	shown, _ := c.body(r, bodyCreds.masked())
	ex := &Exchange{Operation: r.op, Method: method, URL: c.shown + path, url: c.base + path, RequestBody: string(shown)}
	if err != nil {
		ex.Error = err.Error()
		return ex
	}
	header := http.Header{}
	if len(body) > 0 {
		header.Set("Content-Type", "application/json")
	}
	lang := "zh-cn"
	if c.cfg.Lang == spec.English {
		lang = "en"
	}
	if c.cfg.Surface == SurfaceESB {
		header.Set(spec.HeaderESBLanguage, lang)
		// ESB's Django form messages follow the browser's language (reference §2.3).
		header.Set("Accept-Language", map[spec.Lang]string{spec.English: "en", spec.Chinese: "zh-CN"}[c.cfg.Lang])
	} else {
		header.Set(c.cfg.Version.V3LanguageHeader(), lang)
	}
	if (c.cfg.Surface == SurfaceV3 || r.authHeader) && creds != (credentials{}) {
		auth, _ := json.Marshal(creds)
		header.Set(spec.HeaderAuthorization, string(auth))
	}
	ex.RequestHeaders = map[string]string{}
	for k := range header {
		ex.RequestHeaders[k] = header.Get(k)
	}
	if _, ok := ex.RequestHeaders[spec.HeaderAuthorization]; ok {
		auth, _ := json.Marshal(creds.masked())
		ex.RequestHeaders[spec.HeaderAuthorization] = string(auth)
	}
	if c.cfg.DryRun {
		ex.NotSent = true
		return ex
	}
	c.exchange(ctx, method, body, header, ex)
	return ex
}

// exchange sends a request at the configured pace, again after a retryable answer, and records
// the last answer in ex.
func (c *client) exchange(ctx context.Context, method string, body []byte, header http.Header, ex *Exchange) {
	backoff := c.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		if err := c.pace.Wait(ctx); err != nil {
			ex.Error = "not sent: interrupted while it waited for its turn"
			if ctx.Err() == nil {
				ex.Error = fmt.Sprintf("not sent: at %g requests a second its turn comes after the deadline", c.cfg.RPS)
			}
			return
		}
		c.do(ctx, method, body, header, ex)
		if attempt >= c.cfg.Retries || !retryable(ex) {
			break
		}
		ex.Retries++
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff *= 2
	}
	ex.ResponseBody = c.scrub(string(ex.body))
	ex.ResponseHeaders = map[string]string{}
	for _, k := range []string{"Content-Type", spec.HeaderRequestID} {
		if v := ex.header.Get(k); v != "" {
			ex.ResponseHeaders[k] = c.scrub(v)
		}
	}
}

// do sends one request and records its answer in ex. A request once sent is let finish even
// when ctx is cancelled, so that a set it creates is known and cleaned up.
func (c *client) do(ctx context.Context, method string, body []byte, header http.Header, ex *Exchange) {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), method, ex.url, bytes.NewReader(body))
	if err != nil {
		ex.Error = err.Error()
		return
	}
	req.Header = header
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		ex.Error, ex.Status, ex.header, ex.body = c.scrub(err.Error()), 0, nil, nil
		return
	}
	defer resp.Body.Close()
	ex.Error = ""
	ex.Status, ex.header = resp.StatusCode, resp.Header
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		ex.Error = fmt.Sprintf("the target answered %d, a redirect to %s: not followed, as the request carries credentials",
			resp.StatusCode, Redacted(resp.Header.Get("Location")))
		return
	}
	if ex.body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1)); err != nil {
		ex.Error = c.scrub(err.Error())
	}
	if len(ex.body) > maxAnswer {
		ex.Error, ex.body = fmt.Sprintf("the answer is larger than %d bytes: not read further", maxAnswer), nil
	}
}

// Redacted is a URL as reports and messages may show it: its password, its query's values and
// its fragment masked; one that does not parse is not shown.
func Redacted(location string) string {
	return redact.URL(location, "(an unreadable URL)")
}

// retryable: the gateway answered 5xx or said the caller is rate limited (1306429); the call
// did not reach CMDB and can be sent again.
func retryable(ex *Exchange) bool {
	if ex.Error != "" {
		return false
	}
	if ex.Status >= 500 || ex.Status == http.StatusTooManyRequests {
		return true // a server error, or the API gateway's rate limit (1642903)
	}
	var env struct {
		Code json.Number `json:"code"`
	}
	return json.Unmarshal(ex.body, &env) == nil && env.Code == "1306429"
}

// body is the request body for the surface; ESB puts the credentials, the business and the
// arguments in it, v3 the arguments alone.
func (c *client) body(r request, creds credentials) ([]byte, error) {
	if r.raw != nil {
		return []byte(*r.raw), nil
	}
	if c.cfg.Surface == SurfaceV3 {
		if r.args == nil {
			return nil, nil
		}
		return json.Marshal(r.args)
	}
	top := map[string]any{}
	if r.biz != nil {
		top["bk_biz_id"] = r.biz
	}
	for k, v := range map[string]string{"bk_app_code": creds.AppCode, "bk_app_secret": creds.AppSecret, "bk_username": creds.Username} {
		if v != "" {
			top[k] = v
		}
	}
	// ESB's forms take the object's fields under data and the ids beside it; the generic
	// components take everything at the top.
	for k, v := range map[string]any{"bk_set_id": r.setID, "bk_module_id": r.moduleID, "bk_obj_id": r.objID, "bk_inst_id": r.instID} {
		if v != nil {
			top[k] = v
		}
	}
	switch r.op {
	case spec.OpESBCreateSet, spec.OpESBUpdateSet, spec.OpESBCreateModule, spec.OpESBUpdateModule:
		top["data"] = r.args
	default:
		for k, v := range r.args {
			top[k] = v
		}
	}
	for k, v := range r.top {
		if _, drop := v.(dropKey); drop {
			delete(top, k)
			continue
		}
		top[k] = v
	}
	return json.Marshal(top)
}

func (c credentials) masked() credentials {
	if c.AppSecret != "" {
		c.AppSecret = masked
	}
	return c
}

// newClient is the run's client of base; shown is base as reports show it.
func newClient(cfg Config, base, shown string) *client {
	// One request at a time at cfg.RPS, the first at once; negative: unpaced.
	limit := rate.Limit(cfg.RPS)
	if cfg.RPS < 0 {
		limit = rate.Inf
	}
	c := &client{cfg: cfg, base: base, shown: shown, pace: rate.NewLimiter(limit, 1)}
	secret := cfg.AppSecret
	if secret != "" && slices.ContainsFunc([]string{cfg.AppCode, cfg.Username, cfg.DeniedUser, madeBy},
		func(open string) bool { return strings.Contains(open, secret) }) {
		// The secret is also (in) a value the run sends in the open: masking it everywhere would
		// hide that value too ("cmdbmock" is the default app code and secret, and in madeBy). It
		// is masked where it stands as a secret: the value of an app secret's key, in JSON
		// (escaped or not) or in a form.
		c.secretAt = regexp.MustCompile(`((?i:(?:bk_)?app_secret)(?:\\?"\s*:\s*\\?"|=))` + regexp.QuoteMeta(secret))
	}
	return c
}

// scrub masks the configured secret wherever a target might echo it. What the run sends needs
// none of this: its reports are built from masked credentials.
func (c *client) scrub(s string) string {
	switch {
	case c.cfg.AppSecret == "":
		return s
	case c.secretAt != nil:
		return c.secretAt.ReplaceAllString(s, "${1}"+masked)
	}
	return strings.ReplaceAll(s, c.cfg.AppSecret, masked)
}
