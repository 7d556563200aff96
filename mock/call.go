package mock

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// systemUser is the user of a bk_token alone, and of the fixtures.
const systemUser = "admin"

type credentials struct {
	AppCode   string `json:"bk_app_code"`
	AppSecret string `json:"bk_app_secret"`
	Token     string `json:"bk_token"`
	Username  string `json:"bk_username"`
}

// user is the calling user: bk_username, or for a bk_token alone the mock's token user.
func (c credentials) user() string {
	switch {
	case c.Username != "":
		return c.Username
	case c.Token != "":
		return systemUser
	}
	return ""
}

// call is one request of a CMDB operation as its checks see it, whichever surface it came
// through.
type call struct {
	op        *operation
	surface   spec.Surface
	ctx       context.Context // the request's: done when its client goes away
	route     string          // the route it came by, such as /api/v3/set/:bk_biz_id
	path      string          // the path it came to
	rawQuery  string          // its query string
	lang      spec.Lang       // of CMDB's messages
	formLang  spec.Lang       // ESB: of Django's form messages, from Accept-Language
	requestID string
	body      []byte // as it came, for the journal

	jsonErr       bool            // the body is not the JSON the surface needs
	undecodable   bool            // ESB sends CMDB a body its decoder refuses (NaN, Infinity)
	nullBody      bool            // v3: the body is JSON null
	authHeader    authHeader      // what X-Bkapi-Authorization held
	fields        map[string]any  // ESB: the top-level fields, from JSON or a form
	esbViolations spec.Violations // ESB: what kin-openapi found in the whole body
	creds         credentials
	// The ids of CMDB's path as CMDB gets them: ESB makes them of its form's fields, or a
	// generic component of its body's.
	bizPath, setIDPath, moduleIDPath string
	objPath, instIDPath              string          // the generic instance API's object and instance
	supplier                         string          // ESB: the bk_supplier_account CMDB gets, "" for "0"
	data                             map[string]any  // the object's fields: ESB's data, or the v3 body
	maps                             jsonx.Stock     // the maps of fields and data, kept for the next call
	attrs                            []attrValue     // the object's attributes in data, read once: see attr
	violations                       spec.Violations // what kin-openapi found in data, pointers relative to it

	action iamAction // what IAM is asked for
	quota  quota     // what the gateway's rate limit tells the caller

	// Filled in as the call is answered, for the journal and the metrics.
	fault         string        // the id of the fault rule that fired
	answered      bool          // an envelope was written
	code          int           // its code
	response      []byte        // its bytes, but for the answer to a create that stored a set:
	createdAnswer createdAnswer // that answer
	answerBuf     *[]byte       // the buffer of answerBuffers response is in, given back by release

	// Worked out by the checks, in their order.
	bizID, setID, moduleID int64
	instID                 int64 // delete_inst: the node
	def                    int64 // default, as a number: built-in sets have a non-zero one
	templateID             int64 // the set template looked up, 0 for none
	template               fixtures.SetTemplate
	parentID               int64
	name                   string
	named                  bool // the call sends a name: always on a create
	set                    topo.Set
	module                 topo.Module
	service                serviceChoice  // create_module: the template and category
	query                  topo.Query     // a search's condition, fields and page
	filter                 filterRule     // search_set: its filter, decoded
	when                   *timeCondition // search_set, search_business: time_condition, decoded
	times                  map[string]any // its condition, merged into the read's
	batch                  batchArgs      // a batch find's ids and fields
	nodes                  []nodeRef      // find_topo_node_paths: the nodes asked for
	warnings               []string
	created                topo.Set // the stored set, a copy
}

func (c *call) warn(msg string) { c.warnings = append(c.warnings, msg) }

// calls recycles the calls of the CMDB routes: once a call is journaled nothing refers to it,
// as the journal keeps what it needs by value.
var calls = sync.Pool{New: func() any { return new(call) }}

// newCall returns an empty call; release hands it back when its request is done.
func newCall() *call { return calls.Get().(*call) }

func (c *call) release() {
	if c.answerBuf != nil {
		putAnswer(c.answerBuf)
	}
	attrs, maps := c.attrs[:0], c.maps
	clear(attrs[:cap(attrs)])
	maps.TakeBack()
	*c = call{attrs: attrs, maps: maps}
	calls.Put(c)
}

// attrValue is a model attribute as a call sent it.
type attrValue struct {
	value any
	sent  bool
}

// attr is the i-th attribute of the operation's object as the call sent it; a call without
// fields (a fixture's, a populated one) sent none.
func (c *call) attr(i int) attrValue {
	if i >= len(c.attrs) {
		return attrValue{}
	}
	return c.attrs[i]
}

// args are the arguments of a call that takes no object's fields: ESB's top-level fields, or
// the v3 body.
func (c *call) args() map[string]any {
	if c.surface == spec.SurfaceESB {
		return c.fields
	}
	return c.data
}

// owners are the supplier accounts whose data the call sees: "0" for a caller of account "0",
// else "0" and the caller's (reference §6).
func (c *call) owners() []string {
	if c.supplier == "" || c.supplier == topo.DefaultSupplierAccount {
		return []string{topo.DefaultSupplierAccount}
	}
	return []string{topo.DefaultSupplierAccount, c.supplier}
}

// requestedBiz is the business the request names, before any check: 0 when it names none.
func (c *call) requestedBiz() int64 {
	id, _ := strconv.ParseInt(c.bizPath, 10, 64)
	return id
}

// authHeader is what a call's X-Bkapi-Authorization header held.
type authHeader int

const (
	authAbsent    authHeader = iota // none: ESB reads the body's credentials, 3.12's gateway its parameters
	authObject                      // credentials: the only source of them
	authNotJSON                     // present but not one JSON value, empty included on ESB (row E1)
	authNotObject                   // JSON that holds no credentials: ESB fails on it, the gateway calls it not JSON
)

// readAuthHeader reads the credentials header X-Bkapi-Authorization. On ESB, when a call sends it,
// it is the only source of credentials and the body's are not read (reference §3.1); the API
// gateway reads only the header from 3.13 on (§3.2). Both parse it as one JSON value, as a body
// is: anything after it, a stray bracket included, makes it not JSON. ESB reads a JSON null as
// no header and an object's credentials as its body's; the gateway reads an empty header as
// none, a JSON null as not JSON, and any Lua table, a list included, for its keys
// (blueking-apigateway-apisix src/apisix/plugins/bk-auth-verify.lua:66-79 @abf2b17). A header
// sent twice is its first value to the gateway, and to ESB what esbHeader makes of it.
func readAuthHeader(r *http.Request, surf spec.Surface, maxDepth int) (authHeader, credentials) {
	values, present := r.Header[spec.HeaderAuthorization]
	gateway := surf == spec.SurfaceV3
	if !present || gateway && values[0] == "" {
		return authAbsent, credentials{}
	}
	var v any
	var err error
	if gateway {
		v, err = decodeJSON(values[0], maxDepth, nil)
	} else {
		v, _, err = decodePython(esbHeader(r, spec.HeaderAuthorization), maxDepth, nil) // json.loads
	}
	if err != nil {
		return authNotJSON, credentials{}
	}
	switch t := v.(type) {
	case nil:
		if !gateway {
			return authAbsent, credentials{}
		}
	case map[string]any:
		if gateway {
			return authObject, gatewayCredentials(t)
		}
		return authObject, credentialsOf(t)
	case []any:
		if gateway {
			return authObject, credentials{}
		}
	}
	return authNotObject, credentials{}
}

// esbHeader is a header as ESB reads it: a header sent more than once is its values joined by
// commas, as gunicorn puts them in the WSGI environ (benoitc/gunicorn gunicorn/http/wsgi.py:227-230
// @65ac1a3). The gateway and CMDB read a header's first value. name is in canonical form.
func esbHeader(r *http.Request, name string) string {
	switch values := r.Header[name]; len(values) {
	case 0:
		return ""
	case 1:
		return values[0]
	default:
		return strings.Join(values, ",")
	}
}

// credentialsOf reads credentials as ESB does: a key or its legacy name, the first that is not
// empty (bk_app_code or app_code, bk_app_secret or app_secret, bk_username or username).
func credentialsOf(fields map[string]any) credentials {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := text(fields[k]); v != "" {
				return v
			}
		}
		return ""
	}
	return credentials{
		AppCode:   first("bk_app_code", "app_code"),
		AppSecret: first("bk_app_secret", "app_secret"),
		Token:     first("bk_token"),
		Username:  first("bk_username", "username"),
	}
}

// gatewayCredentials reads the credentials of the gateway's header as it does: its app code
// and secret from the first of a key and its legacy name that is present, empty or not
// (blueking-apigateway-apisix src/apisix/plugins/bk-auth-verify/auth-params.lua:62-74 @abf2b17).
func gatewayCredentials(fields map[string]any) credentials {
	c := credentialsOf(fields)
	for _, k := range [...]struct {
		into        *string
		key, legacy string
	}{{&c.AppCode, "bk_app_code", "app_code"}, {&c.AppSecret, "bk_app_secret", "app_secret"}} {
		if v, sent := fields[k.key]; sent {
			*k.into = text(v)
		} else if v, sent := fields[k.legacy]; sent {
			*k.into = text(v)
		}
	}
	return c
}

func (s *Server) readESB(r *http.Request, body []byte, op *operation) *call {
	c := newCall()
	c.surface, c.lang = spec.SurfaceESB, spec.ParseLanguage(esbHeader(r, spec.HeaderESBLanguage), spec.English)
	c.formLang = spec.ParseAcceptLanguage(esbHeader(r, "Accept-Language"))
	c.authHeader, c.creds = readAuthHeader(r, c.surface, s.cfg.MaxDepth)
	nonFinite := false // a NaN or an Infinity in the body
	switch {
	case r.Method == http.MethodGet:
		c.fields = djangoQuery(r.URL.RawQuery)
	case bytes.HasPrefix(bytes.TrimLeft(body, " \t\n\r\v\f"), []byte("{")):
		// A body that starts with { after the white space of Python's bytes.strip() is JSON
		// to ESB (blueking-apigateway src/esb/esb/common/base_utils.py:238 @048bdd7), which
		// decodes it as UTF-8 before it parses it: invalid bytes are a bad body, and so is a
		// \v or \f before the {, which json.loads does not skip.
		var v any
		var err error
		v, nonFinite, err = decodePython(body, s.cfg.MaxDepth, &c.maps)
		if err != nil || !utf8.Valid(body) {
			c.jsonErr = true
			return c
		}
		c.fields = v.(map[string]any)
	default:
		// Any other body is Django's request.POST: form fields under a form's content type.
		c.fields = djangoForm(r.Header.Get("Content-Type"), body)
	}
	// ESB forwards a whole-number bk_biz_id (bk_set_id, bk_module_id) to CMDB's path as its
	// digits; a component without a form formats whatever it gets (reference §11.1). The
	// supplier account goes in a header, which makes it the owner of what CMDB stores.
	if op.generic {
		for into, name := range map[*string]string{&c.bizPath: "bk_biz_id", &c.objPath: "bk_obj_id", &c.instIDPath: "bk_inst_id"} {
			if v, sent := c.fields[name]; sent {
				*into = pythonText(v)
			}
		}
	} else {
		c.bizPath, _ = wholeNumber(c.fields["bk_biz_id"])
		c.setIDPath, _ = wholeNumber(c.fields["bk_set_id"])
		c.moduleIDPath, _ = wholeNumber(c.fields["bk_module_id"])
	}
	c.supplier = text(c.fields["bk_supplier_account"])
	if c.authHeader == authAbsent {
		c.creds = credentialsOf(c.fields)
	}
	if op.generic && op.object != nil {
		c.data = forwarded(c.fields, op.params) // the body a generic component sends CMDB
	} else {
		c.data, _ = c.fields["data"].(map[string]any) // its values trimmed in place: c.fields holds them too
	}
	c.undecodable = nonFinite && c.forwardsNonFinite(op)
	return c
}

func (s *Server) readV3(r *http.Request, params func(string) string, body []byte) *call {
	c := newCall()
	c.surface, c.lang = spec.SurfaceV3, spec.ParseLanguage(r.Header.Get(s.cfg.Version.V3LanguageHeader()), spec.Chinese)
	c.bizPath, c.setIDPath, c.moduleIDPath = pathParam(params("bk_biz_id")), pathParam(params("bk_set_id")), pathParam(params("bk_module_id"))
	c.objPath, c.instIDPath = pathParam(params("bk_obj_id")), pathParam(params("bk_inst_id"))
	c.authHeader, c.creds = readAuthHeader(r, c.surface, s.cfg.MaxDepth)
	if len(body) == 0 {
		// CMDB reads an empty body as no fields, not as bad JSON (reference §4.2 C3).
		c.data = map[string]any{}
		s.credentialsFromParams(c, r, nil)
		return c
	}
	v, err := decodeCMDB(body, s.cfg.MaxDepth, &c.maps)
	switch data := v.(type) {
	case map[string]any:
		c.data = data
	case nil:
		// "null" decodes into CMDB's map as nil, which it cannot write to (C5).
		c.nullBody = err == nil
	}
	c.jsonErr = err != nil || c.data == nil && !c.nullBody
	s.credentialsFromParams(c, r, c.data)
	return c
}

// credentialsFromParams reads a v3 call's credentials from its query string and body when the
// release's gateway allows it and the header is absent (3.12, reference §4.3).
func (s *Server) credentialsFromParams(c *call, r *http.Request, body map[string]any) {
	if c.authHeader != authAbsent || !s.cfg.Version.CredentialsFromBody() {
		return
	}
	params := formFields(r.URL.Query())
	for k, v := range body {
		params[k] = v
	}
	if creds := credentialsOf(params); creds != (credentials{}) {
		c.creds, c.authHeader = creds, authObject
	}
}

// decodeJSON decodes exactly one JSON value, numbers kept as written, nested at most maxDepth
// (the real gateway's parser gives up too: Python's, at about a thousand levels). Its strings
// share one copy of the text; its objects come from stock, which may be nil.
func decodeJSON[T []byte | string](text T, maxDepth int, stock *jsonx.Stock) (any, error) {
	return jsonx.Parse(string(text), maxDepth, stock)
}

// decodeCMDB decodes a body as CMDB's decoder does (json-iterator): a number is any run of the
// characters of one that starts with a digit or a minus, 01 and 1. included.
func decodeCMDB(body []byte, maxDepth int, stock *jsonx.Stock) (any, error) {
	return jsonx.ParseCMDB(string(body), maxDepth, stock)
}

// decodePython decodes a value as ESB's Python does (json.loads): NaN, Infinity and -Infinity
// are values, each a jsonx.NonFinite.
func decodePython[T []byte | string](text T, maxDepth int, stock *jsonx.Stock) (v any, nonFinite bool, err error) {
	return jsonx.ParsePython(string(text), maxDepth, stock)
}

// forwardsNonFinite reports whether what an ESB component sends CMDB holds a NaN or an Infinity:
// Python's json.dumps writes them as json.loads read them, and CMDB's decoder refuses the body
// (reference §4.2 C3). A component forwards its data, the fields of its form, or, without a
// form, what it was sent.
func (c *call) forwardsNonFinite(op *operation) bool {
	return jsonx.HoldsNonFinite(c.data) ||
		op.form != nil && jsonx.HoldsNonFinite(formValues(c.fields, op.form)) ||
		op.generic && jsonx.HoldsNonFinite(forwarded(c.fields, op.params))
}

// credentialKeys are the keys of ESB's parameters that carry credentials.
var credentialKeys = []string{"bk_app_code", "bk_app_secret", "app_code", "app_secret", "bk_token", "bk_username", "username"}

// forwarded is the body a generic ESB component sends CMDB: its parameters but the
// credentials, the supplier account and the path's variables (reference §12.1).
func forwarded(fields map[string]any, params []string) map[string]any {
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		if !slices.Contains(credentialKeys, k) && !slices.Contains(params, k) && k != "bk_supplier_account" {
			out[k] = v
		}
	}
	return out
}

// pathParam unescapes a path parameter; one that does not unescape is taken as it came.
func pathParam(p string) string {
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return p
}

// formFields is a v3 call's query string as a map of its keys, a repeated key its first value.
// ESB reads its own in form.go.
func formFields(q url.Values) map[string]any {
	m := make(map[string]any, len(q))
	for k, vs := range q {
		m[k] = vs[0]
	}
	return m
}

// readFields reads the object's attributes from the call's fields, string values trimmed of all
// Unicode white space as CMDB trims them before it checks them and stores them (reference §5).
// The name is the exception: its own rules (C13-C16) see it trimmed of spaces only, and so does
// kin-openapi, which checks its characters.
func (c *call) readFields(o *object) {
	data := c.data
	c.attrs = slices.Grow(c.attrs[:0], len(o.model))[:len(o.model)]
	for i, a := range o.model {
		v, sent := data[a.PropertyID]
		if str, ok := v.(string); ok {
			if a.PropertyID == o.nameField {
				if t := strings.Trim(str, " "); len(t) != len(str) {
					data[a.PropertyID] = t
				}
			}
			if t := strings.TrimSpace(str); len(t) != len(str) {
				v = t
				if a.PropertyID != o.nameField {
					data[a.PropertyID] = t
				}
			}
		}
		c.attrs[i] = attrValue{v, sent}
	}
}
