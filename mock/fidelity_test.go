package mock_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// envelope names the shape of an answer (reference §2): which keys, in which order.
type envelope int

const (
	cmdbAnswer      envelope = iota // CMDB's topo server: on v3 code and message come last
	esbOwn                          // ESB's own check: no permission key
	apiServerAnswer                 // CMDB's API server (IAM): on v3 bk_error_code and bk_error_msg, no data
	jwtAnswer                       // the API server refusing the JWT: as apiServerAnswer, with data
	gatewayAnswer                   // the API gateway's own error: an HTTP error status and code_name
)

// keys are the top-level keys of the envelope on a surface, in order.
func (e envelope) keys(surface string, requestID bool) []string {
	if surface == "esb" {
		// The component's dict, then the request_id ESB adds (reference §2.1).
		keys := []string{"result", "code", "data", "message"}
		if e != esbOwn {
			keys = append(keys, "permission")
		}
		if requestID {
			keys = append(keys, "request_id")
		}
		return keys
	}
	switch e {
	case apiServerAnswer:
		return []string{"result", "bk_error_code", "bk_error_msg", "permission"}
	case jwtAnswer:
		return []string{"result", "bk_error_code", "bk_error_msg", "permission", "data"}
	case gatewayAnswer:
		return []string{"code", "code_name", "data", "message", "result"}
	}
	return []string{"result", "permission", "data", "code", "message"}
}

// fidelityCase is one row of the reference page: a call and the answer the real system gives.
type fidelityCase struct {
	row      string // the row of the reference: E1-E12, C1-C20, §2.2 for the gateway
	name     string
	surfaces []string // nil: both
	call     req      // surface and lang are set by the test
	cfg      mock.Config
	setup    func(t *testing.T, s *mock.Server, call req)
	code     int
	en, zh   string // zh "": the same text in both languages
	kind     envelope
	status   int  // 0: 200
	perm     bool // a permission body instead of null
	noID     bool // ESB answers before its component runs: no request_id (reference §2.1)
	wrapped  bool // release 3.14 wraps the answer once more in 1199011 (§4.3)
	// other is a call other than create_set, sent in place of call; server makes the mock when
	// the row needs other fixtures.
	other  *callReq
	server func(t testing.TB, cfg mock.Config) *mock.Server
	// code314, en314 and zh314 are release 3.14's answer where it differs otherwise (§11.9).
	code314      int
	en314, zh314 string
	action       string // the IAM action of a permission body; "": create_biz_topology
}

func set(kv ...any) map[string]any {
	return with(map[string]any{"bk_parent_id": 1, "bk_set_name": "web"}, kv...)
}

// with sets the keys and values kv in m and returns it; a nil value removes its key.
func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
			continue
		}
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// null stands for a JSON null inside set(), where nil removes a key.
var null = json.RawMessage("null")

// number is a JSON number written exactly so (1.0 and 1e3 would not survive a float64).
func number(s string) json.RawMessage { return json.RawMessage(s) }

func body(s string) *string { return &s }

var (
	esbOnly = []string{"esb"}
	v3Only  = []string{"v3"}
	iamOff  = mock.Config{IAMOff: true}
	apps    = mock.Config{Apps: map[string]string{"esb_test": "xxx"}}
)

func fidelityCases() []fidelityCase {
	long := strings.Repeat("中", 257)
	const (
		needName    = "'bk_set_name' unassigned"
		needNameZh  = "'bk_set_name' 未赋值"
		badName     = "'bk_set_name' data parameter verification does not pass"
		badNameZh   = "'bk_set_name' 数据参数校验不通过"
		badParent   = "'bk_parent_id' data parameter verification does not pass"
		badParentZh = "'bk_parent_id' 数据参数校验不通过"
		badTpl      = "'Set template ID' data parameter verification does not pass"
		badTplZh    = "'集群模板ID' 数据参数校验不通过"
		noBiz       = "'bk_biz_id' the parameter is invalid or does not exist"
		noBizZh     = "'bk_biz_id' 参数无效或不存在"
		notFound    = "No relevant data found"
		notFoundZh  = "未找到相关数据"
		noSecret    = "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time"
		badJSON     = "Request JSON string is wrong in format, which cannot be analyzed."
		decode      = "Deserializing JSON data failed"
		decodeZh    = "反序列化JSON数据失败"
		internal    = "topo Internal Server Error"
	)
	invalid := func(label string) (string, string) {
		return "'" + label + "' data parameter verification does not pass", "'" + label + "' 数据参数校验不通过"
	}
	cases := []fidelityCase{
		// §4.1: ESB's own checks, in order; English unless Django's, no permission key.
		{row: "E1", name: "header not JSON", surfaces: esbOnly, call: req{headers: map[string]string{"X-Bkapi-Authorization": "{"}}, code: 1306406, kind: esbOwn, noID: true,
			en: "Parameters error, request header X-Bkapi-Authorization is not a valid JSON format string"},
		{row: "E1", name: "header empty", surfaces: esbOnly, call: req{headers: map[string]string{"X-Bkapi-Authorization": ""}}, code: 1306406, kind: esbOwn, noID: true,
			en: "Parameters error, request header X-Bkapi-Authorization is not a valid JSON format string"},
		{row: "E1", name: "header before body", surfaces: esbOnly, call: req{body: body(`{`), headers: map[string]string{"X-Bkapi-Authorization": "x"}}, code: 1306406, kind: esbOwn, noID: true,
			en: "Parameters error, request header X-Bkapi-Authorization is not a valid JSON format string"},
		{row: "E1", name: "header with a bracket after its object", surfaces: esbOnly, call: req{headers: map[string]string{"X-Bkapi-Authorization": `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}}`}},
			code: 1306406, kind: esbOwn, noID: true, en: "Parameters error, request header X-Bkapi-Authorization is not a valid JSON format string"},
		{row: "E1", name: "header a JSON string", surfaces: esbOnly, call: req{headers: map[string]string{"X-Bkapi-Authorization": `"a"`}}, code: 1306000, kind: esbOwn,
			en: "Component error, please contact the component developer to handle it."},
		{row: "E2", name: "json malformed", surfaces: esbOnly, call: req{body: body(`{"bk_app_code": "a",`)}, code: 1306000, kind: esbOwn, noID: true, en: badJSON},
		{row: "E2", name: "json after white space", surfaces: esbOnly, call: req{body: body(" \n{bk_app_code}")}, code: 1306000, kind: esbOwn, noID: true, en: badJSON},
		// base_utils.py:238: bytes.strip() takes \v and \f too, then json.loads refuses them.
		{row: "E2", name: "json after a form feed", surfaces: esbOnly, call: req{body: body("\f{\"bk_app_code\":\"a\"}")}, code: 1306000, kind: esbOwn, noID: true, en: badJSON},
		{row: "E2", name: "json invalid UTF-8", surfaces: esbOnly, call: req{body: body("{\"bk_app_code\":\"\xff\"}")}, code: 1306000, kind: esbOwn, noID: true, en: badJSON},
		{row: "E2", name: "json malformed with the header has a request id", surfaces: esbOnly,
			call: req{body: body(`{`), headers: map[string]string{"X-Bkapi-Authorization": `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`}}, code: 1306000, kind: esbOwn, en: badJSON},
		{row: "E3", name: "plain text body has no credentials", surfaces: esbOnly, call: req{body: body(`hello`)}, code: 1306000, kind: esbOwn, en: noSecret},
		{row: "E3", name: "JSON list body has no credentials", surfaces: esbOnly, call: req{body: body(`[1]`)}, code: 1306000, kind: esbOwn, en: noSecret},
		{row: "E3", name: "empty body", surfaces: esbOnly, call: req{body: body(``)}, code: 1306000, kind: esbOwn, en: noSecret},
		{row: "E3", name: "secret missing", surfaces: esbOnly, call: req{creds: map[string]any{"bk_app_secret": nil}}, code: 1306000, kind: esbOwn, en: noSecret},
		{row: "E3", name: "secret before code", surfaces: esbOnly, call: req{creds: map[string]any{"bk_app_secret": nil, "bk_app_code": nil}}, code: 1306000, kind: esbOwn, en: noSecret},
		{row: "E4", name: "app code missing", surfaces: esbOnly, call: req{creds: map[string]any{"bk_app_code": nil}}, code: 1306000, kind: esbOwn,
			en: "APP Code [bk_app_code] cannot be empty"},
		{row: "E4", name: "app code empty", surfaces: esbOnly, call: req{creds: map[string]any{"bk_app_code": ""}}, code: 1306000, kind: esbOwn,
			en: "APP Code [bk_app_code] cannot be empty"},
		{row: "E5", name: "unknown app", surfaces: esbOnly, cfg: apps, call: req{creds: map[string]any{"bk_app_code": "other"}}, code: 1306000, kind: esbOwn,
			en: "Invalid APP Code [bk_app_code=other], please confirm if the APP Code has been registered"},
		{row: "E6", name: "wrong secret", surfaces: esbOnly, cfg: apps, call: req{creds: map[string]any{"bk_app_secret": "yyy"}}, code: 1306000, kind: esbOwn,
			en: "APP Secret verification failed, pelase confirm if the APP Secret and APP Code [bk_app_code=esb_test] match"},
		{row: "E8", name: "user missing", surfaces: esbOnly, call: req{creds: map[string]any{"bk_username": nil}}, code: 1306000, kind: esbOwn,
			en: "User authentication failed, please provide a valid user identity, such as bk_token, bk_username"},
		{row: "E9", name: "biz missing", surfaces: esbOnly, call: req{top: map[string]any{"bk_biz_id": nil}}, code: 1306000, kind: esbOwn,
			en: "business id [bk_biz_id] This field is required.", zh: "business id [bk_biz_id] 这个字段是必填项。"},
		{row: "E9", name: "biz null", surfaces: esbOnly, call: req{biz: null}, code: 1306000, kind: esbOwn,
			en: "business id [bk_biz_id] This field is required.", zh: "business id [bk_biz_id] 这个字段是必填项。"},
		{row: "E9", name: "biz empty string", surfaces: esbOnly, call: req{biz: ""}, code: 1306000, kind: esbOwn,
			en: "business id [bk_biz_id] This field is required.", zh: "business id [bk_biz_id] 这个字段是必填项。"},
		{row: "E10", name: "biz abc", surfaces: esbOnly, call: req{biz: "abc"}, code: 1306000, kind: esbOwn,
			en: "business id [bk_biz_id] Enter a whole number.", zh: "business id [bk_biz_id] 输入整数。"},
		{row: "E10", name: "biz 3.5", surfaces: esbOnly, call: req{biz: 3.5}, code: 1306000, kind: esbOwn,
			en: "business id [bk_biz_id] Enter a whole number.", zh: "business id [bk_biz_id] 输入整数。"},
		{row: "E10", name: "biz false", surfaces: esbOnly, call: req{biz: false}, code: 1306000, kind: esbOwn,
			en: "business id [bk_biz_id] Enter a whole number.", zh: "business id [bk_biz_id] 输入整数。"},
		{row: "E10", name: "biz before data", surfaces: esbOnly, call: req{biz: "abc", top: map[string]any{"data": nil}}, code: 1306000, kind: esbOwn,
			en: "business id [bk_biz_id] Enter a whole number.", zh: "business id [bk_biz_id] 输入整数。"},
		{row: "E11", name: "data missing", surfaces: esbOnly, call: req{top: map[string]any{"data": nil}}, code: 1306000, kind: esbOwn,
			en: "data [data] This field is required.", zh: "data [data] 这个字段是必填项。"},
		{row: "E11", name: "data null", surfaces: esbOnly, call: req{data: null}, code: 1306000, kind: esbOwn,
			en: "data [data] This field is required.", zh: "data [data] 这个字段是必填项。"},
		{row: "E11", name: "data {}", surfaces: esbOnly, call: req{data: map[string]any{}}, code: 1306000, kind: esbOwn,
			en: "data [data] This field is required.", zh: "data [data] 这个字段是必填项。"},
		{row: "E11", name: "data []", surfaces: esbOnly, call: req{data: []any{}}, code: 1306000, kind: esbOwn,
			en: "data [data] This field is required.", zh: "data [data] 这个字段是必填项。"},
		{row: "E12", name: "data string", surfaces: esbOnly, call: req{data: "web"}, code: 1306000, kind: esbOwn,
			en: "data [data] Must be the specified parameter data type dict"},
		{row: "E12", name: "data list", surfaces: esbOnly, call: req{data: []any{1}}, code: 1306000, kind: esbOwn,
			en: "data [data] Must be the specified parameter data type dict"},

		// §2.2: the API gateway's own errors, English only, before CMDB sees the call.
		{row: "§2.2", name: "gateway without credentials", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_code": nil, "bk_app_secret": nil, "bk_username": nil}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be empty"]`},
		{row: "§2.2", name: "gateway header not JSON", surfaces: v3Only, call: req{headers: map[string]string{"X-Bkapi-Authorization": "{"}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="request header X-Bkapi-Authorization is not a valid JSON"]`},
		{row: "§2.2", name: "gateway header with a bracket after its object", surfaces: v3Only, call: req{headers: map[string]string{"X-Bkapi-Authorization": `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}]`}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="request header X-Bkapi-Authorization is not a valid JSON"]`},
		// bk-auth-verify.lua:66-79: an empty header is none, and only a Lua table (a JSON object
		// or list) holds credentials.
		{row: "§2.2", name: "gateway header empty is none", surfaces: v3Only, call: req{headers: map[string]string{"X-Bkapi-Authorization": ""}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be empty"]`},
		{row: "§2.2", name: "gateway header null", surfaces: v3Only, call: req{headers: map[string]string{"X-Bkapi-Authorization": "null"}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="request header X-Bkapi-Authorization is not a valid JSON"]`},
		{row: "§2.2", name: "gateway header a JSON string", surfaces: v3Only, call: req{headers: map[string]string{"X-Bkapi-Authorization": `"esb_test"`}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="request header X-Bkapi-Authorization is not a valid JSON"]`},
		{row: "§2.2", name: "gateway header a JSON list", surfaces: v3Only, call: req{headers: map[string]string{"X-Bkapi-Authorization": `["esb_test"]`}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be empty"]`},
		{row: "§2.2", name: "gateway app code empty", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_code": ""}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be empty"]`},
		{row: "§2.2", name: "gateway app code of 33 characters", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_code": strings.Repeat("a", 33)}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be longer than 32 characters"]`},
		// app-account-verifier.lua:44-57: lengths in bytes, checked only when a secret is sent.
		{row: "§2.2", name: "gateway app code of 33 bytes", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_code": strings.Repeat("应", 11)}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be longer than 32 characters"]`},
		{row: "§2.2", name: "gateway secret before the code's length", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_code": strings.Repeat("a", 33), "bk_app_secret": nil}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="please provide bk_app_secret or bk_signature to verify app"]`},
		{row: "§2.2", name: "gateway secret of 129 bytes", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_secret": strings.Repeat("s", 129)}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app secret cannot be longer than 128 characters"]`},
		// auth-params.lua:62-74: the first key present wins, empty or not.
		{row: "§2.2", name: "gateway empty bk_app_code before app_code", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_code": "", "app_code": "esb_test"}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be empty"]`},
		{row: "§2.2", name: "gateway code before secret", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_code": nil, "bk_app_secret": nil}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be empty"]`},
		{row: "§2.2", name: "gateway secret missing", surfaces: v3Only, call: req{creds: map[string]any{"bk_app_secret": nil}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="please provide bk_app_secret or bk_signature to verify app"]`},
		{row: "§2.2", name: "gateway unknown app", surfaces: v3Only, cfg: apps, call: req{creds: map[string]any{"bk_app_code": "other"}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app not found"]`},
		{row: "§2.2", name: "gateway wrong secret", surfaces: v3Only, cfg: apps, call: req{creds: map[string]any{"bk_app_secret": "yyy"}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]`},
		{row: "§2.2", name: "gateway before the body", surfaces: v3Only, call: req{body: body(`{`), creds: map[string]any{"bk_app_code": nil}},
			code: 1640001, kind: gatewayAnswer, status: 400, en: `Parameters error [reason="app code cannot be empty"]`},
		{row: "§2.2", name: "JWT without a user", surfaces: v3Only, call: req{creds: map[string]any{"bk_username": nil}},
			code: 1199998, kind: jwtAnswer, en: "user is not set"},

		// §4.2: CMDB's checks, in order.
		{row: "C1", name: "IAM: path id abc", surfaces: v3Only, call: req{biz: "abc"}, code: 1199045, kind: apiServerAnswer, en: "no matched rules"},
		{row: "C1", name: "IAM: path id -1", surfaces: v3Only, call: req{biz: "-1"}, code: 1199045, kind: apiServerAnswer, en: "no matched rules"},
		{row: "C1", name: "IAM: path id 1.5", surfaces: v3Only, call: req{biz: "1.5"}, code: 1199045, kind: apiServerAnswer, en: "no matched rules"},
		{row: "C1", name: "IAM: path id beyond int64", surfaces: v3Only, call: req{biz: "99999999999999999999"}, code: 1199045, kind: apiServerAnswer,
			en: "create set, but got invalid business id 99999999999999999999"},
		{row: "C1", name: "IAM: before the body", surfaces: v3Only, call: req{biz: "abc", body: body(`{`)}, code: 1199045, kind: apiServerAnswer, en: "no matched rules"},
		{row: "C1", name: "IAM: ESB business -1", surfaces: esbOnly, call: req{biz: -1}, code: 1199045, kind: apiServerAnswer, en: "no matched rules"},
		{row: "C1", name: "IAM: ESB business beyond int64", surfaces: esbOnly, call: req{biz: "99999999999999999999"}, code: 1199045, kind: apiServerAnswer,
			en: "create set, but got invalid business id 99999999999999999999"},
		{row: "C2", name: "permission", call: req{creds: map[string]any{"bk_username": "noperm"}, data: set("default", "abc")}, code: 9900403, kind: apiServerAnswer, perm: true,
			en: "Do not have access permission.", zh: "没有操作的权限"},
		{row: "C2", name: "permission before the body", surfaces: v3Only, call: req{creds: map[string]any{"bk_username": "noperm"}, body: body(`[`)}, code: 9900403,
			kind: apiServerAnswer, perm: true, en: "Do not have access permission.", zh: "没有操作的权限"},
		{row: "C3", name: "v3 body not JSON", surfaces: v3Only, call: req{body: body(`{"bk_set_name":`)}, code: 1199000, en: decode, zh: decodeZh},
		{row: "C3", name: "v3 body a list", surfaces: v3Only, call: req{body: body(`[1]`)}, code: 1199000, en: decode, zh: decodeZh},
		{row: "C3", name: "v3 body a string", surfaces: v3Only, call: req{body: body(`"web"`)}, code: 1199000, en: decode, zh: decodeZh},
		{row: "C3", name: "v3 body with trailing bytes", surfaces: v3Only, call: req{body: body(`{} x`)}, code: 1199000, en: decode, zh: decodeZh},
		{row: "C3", name: "v3 empty body is no fields", surfaces: v3Only, call: req{body: body(``)}, code: 1199010, en: needName, zh: needNameZh},
		{row: "C4", name: "IAM off: path id abc", surfaces: v3Only, cfg: iamOff, call: req{biz: "abc"}, code: 1199009,
			en: "'business id' parameters must be integral", zh: "'business id' 参数必须是整型"},
		{row: "C4", name: "IAM off: body before path", surfaces: v3Only, cfg: iamOff, call: req{biz: "abc", body: body(`[`)}, code: 1199000, en: decode, zh: decodeZh},
		{row: "C4", name: "IAM off: ESB business beyond int64", surfaces: esbOnly, cfg: iamOff, call: req{biz: "99999999999999999999"}, code: 1199009,
			en: "'business id' parameters must be integral", zh: "'business id' 参数必须是整型"},
		{row: "C5", name: "v3 body null", surfaces: v3Only, call: req{body: body(`null`)}, code: 1199999, en: internal},
		{row: "C6", name: "default abc", call: req{data: set("default", "abc")}, code: 1199998, en: `strconv.ParseInt: parsing "abc": invalid syntax`},
		{row: "C6", name: "default with a space", call: req{data: set("default", " 5")}, code: 1199998, en: `strconv.ParseInt: parsing " 5": invalid syntax`},
		{row: "C6", name: "default 1.5", call: req{data: set("default", number("1.5"))}, code: 1199998, en: `strconv.ParseInt: parsing "1.5": invalid syntax`},
		{row: "C6", name: "default 5.0", call: req{data: set("default", number("5.0"))}, code: 1199998, en: `strconv.ParseInt: parsing "5.0": invalid syntax`},
		{row: "C6", name: "default true", call: req{data: set("default", true)}, code: 1199998, en: "invalid num"},
		{row: "C6", name: "default []", call: req{data: set("default", []any{})}, code: 1199998, en: "invalid num"},
		{row: "C6", name: "default {}", call: req{data: set("default", map[string]any{})}, code: 1199998, en: "invalid num"},
		{row: "C6", name: "default null", call: req{data: set("default", null)}, code: 1199998, en: "invalid key(default), not found value"},
		{row: "C6", name: "default before template", call: req{data: set("default", "x", "set_template_id", "y")}, code: 1199998,
			en: `strconv.ParseInt: parsing "x": invalid syntax`},
		{row: "C7", name: "template id abc", call: req{data: set("set_template_id", "abc")}, code: 1199006, en: badTpl, zh: badTplZh},
		{row: "C7", name: "template id a digit string", call: req{data: set("set_template_id", "1")}, code: 1199006, en: badTpl, zh: badTplZh},
		{row: "C7", name: "template id 1.0", call: req{data: set("set_template_id", number("1.0"))}, code: 1199006, en: badTpl, zh: badTplZh},
		{row: "C7", name: "template id 1e3", call: req{data: set("set_template_id", number("1e3"))}, code: 1199006, en: badTpl, zh: badTplZh},
		{row: "C7", name: "template id true", call: req{data: set("set_template_id", true)}, code: 1199006, en: badTpl, zh: badTplZh},
		{row: "C7", name: "template id null", call: req{data: set("set_template_id", null)}, code: 1199006, en: badTpl, zh: badTplZh},
		{row: "C7", name: "template id an object", call: req{data: set("set_template_id", map[string]any{})}, code: 1199006, en: badTpl, zh: badTplZh},
		{row: "C8", name: "template not in business", call: req{biz: 2, data: set("set_template_id", 1, "bk_parent_id", 2)}, code: 1199019, en: notFound, zh: notFoundZh},
		{row: "C8", name: "template negative", call: req{data: set("set_template_id", -1)}, code: 1199019, en: notFound, zh: notFoundZh},
		{row: "C8", name: "template looked up whatever default", call: req{data: set("default", 1, "set_template_id", 7)}, code: 1199019, en: notFound, zh: notFoundZh},
		{row: "C8", name: "template before business", call: req{biz: 999, data: set("set_template_id", 7)}, code: 1199019, en: notFound, zh: notFoundZh},
		{row: "C10", name: "business does not exist", call: req{biz: 999}, code: 1199011, en: noBiz, zh: noBizZh},
		{row: "C10", name: "business before name", call: req{biz: 999, data: set("bk_set_name", nil)}, code: 1199011, en: noBiz, zh: noBizZh},
		{row: "C11", name: "name missing before parent", call: req{data: set("bk_set_name", nil, "bk_parent_id", nil, "bk_set_desc", "x")}, code: 1199010, en: needName, zh: needNameZh},
		{row: "C12", name: "parent missing", call: req{data: set("bk_parent_id", nil)}, code: 1199010,
			en: "'bk_parent_id' unassigned", zh: "'bk_parent_id' 未赋值"},
		{row: "C13", name: "name a number", call: req{data: set("bk_set_name", 5)}, code: 1199007, wrapped: true,
			en: "'bk_set_name' must be a string type", zh: "'bk_set_name' 必须为字符串类型"},
		{row: "C13", name: "name null", call: req{data: set("bk_set_name", null)}, code: 1199007, wrapped: true,
			en: "'bk_set_name' must be a string type", zh: "'bk_set_name' 必须为字符串类型"},
		{row: "C13", name: "name a list", call: req{data: set("bk_set_name", []any{"web"})}, code: 1199007, wrapped: true,
			en: "'bk_set_name' must be a string type", zh: "'bk_set_name' 必须为字符串类型"},
		{row: "C14", name: "name spaces", call: req{data: set("bk_set_name", "   ")}, code: 1199010, wrapped: true, en: needName, zh: needNameZh},
		{row: "C15", name: "name 257 characters", call: req{data: set("bk_set_name", long)}, code: 1199073, wrapped: true,
			en: "bk_set_name field exceeds maximum value %!s(int=256)", zh: "字段bk_set_name超过最大值256"},
		{row: "C15", name: "length before characters", call: req{data: set("bk_set_name", strings.Repeat("a b", 90))}, code: 1199073, wrapped: true,
			en: "bk_set_name field exceeds maximum value %!s(int=256)", zh: "字段bk_set_name超过最大值256"},
		{row: "C16", name: "name inner space", call: req{data: set("bk_set_name", "a b")}, code: 1199006, wrapped: true, en: badName, zh: badNameZh},
		{row: "C16", name: "name tab", call: req{data: set("bk_set_name", "\tweb")}, code: 1199006, wrapped: true, en: badName, zh: badNameZh},
		{row: "C16", name: "name line feed", call: req{data: set("bk_set_name", "web\n")}, code: 1199006, wrapped: true, en: badName, zh: badNameZh},
		{row: "C16", name: "name slash", call: req{data: set("bk_set_name", "a/b")}, code: 1199006, wrapped: true, en: badName, zh: badNameZh},
		{row: "C16", name: "name hash", call: req{data: set("bk_set_name", "a#b")}, code: 1199006, wrapped: true, en: badName, zh: badNameZh},
		{row: "C16", name: "name before parent", call: req{data: set("bk_set_name", "a|b", "bk_parent_id", 0)}, code: 1199006, wrapped: true, en: badName, zh: badNameZh},
		{row: "C17", name: "parent 0", call: req{data: set("bk_parent_id", 0)}, code: 1199006, wrapped: true, en: badParent, zh: badParentZh},
		{row: "C17", name: "parent negative", call: req{data: set("bk_parent_id", -4)}, code: 1199006, wrapped: true, en: badParent, zh: badParentZh},
		{row: "C17", name: "parent a digit string", call: req{data: set("bk_parent_id", "1")}, code: 1199006, wrapped: true, en: badParent, zh: badParentZh},
		{row: "C17", name: "parent 1.0", call: req{data: set("bk_parent_id", number("1.0"))}, code: 1199006, wrapped: true, en: badParent, zh: badParentZh},
		{row: "C17", name: "parent 1.5", call: req{data: set("bk_parent_id", 1.5)}, code: 1199006, wrapped: true, en: badParent, zh: badParentZh},
		{row: "C17", name: "parent null", call: req{data: set("bk_parent_id", null)}, code: 1199006, wrapped: true, en: badParent, zh: badParentZh},
		{row: "C17", name: "parent true", call: req{data: set("bk_parent_id", true)}, code: 1199006, wrapped: true, en: badParent, zh: badParentZh},
		{row: "C18", name: "desc a number", call: req{data: set("bk_set_desc", 5)}, code: 1199007, wrapped: true,
			en: "'集群描述' must be a string type", zh: "'集群描述' 必须为字符串类型"},
		{row: "C18", name: "description a bool", call: req{data: set("description", true)}, code: 1199007, wrapped: true,
			en: "'备注' must be a string type", zh: "'备注' 必须为字符串类型"},
		{row: "C18", name: "name only Unicode white space", call: req{data: set("bk_set_name", "\u00a0\u3000")}, code: 1199010, wrapped: true,
			en: "'集群名' unassigned", zh: "'集群名' 未赋值"},
		{row: "C18", name: "updated by a number", call: req{data: set("bk_updated_by", 5)}, code: 1199007, wrapped: true,
			en: "'更新人' must be a string type", zh: "'更新人' 必须为字符串类型"},
		{row: "C18", name: "template version a string", call: req{data: set("set_template_version", "x")}, code: 1199009, wrapped: true,
			en: "'集群模板' parameters must be integral", zh: "'集群模板' 参数必须是整型"},
		// Not on the reference page: CMDB's user validator matches a user name against its
		// pattern (bk-cmdb src/common/metadata/attribute.go:804-810 @111e7ac, util.IsUser).
		{row: "C18", name: "updated by not a user name", call: req{data: set("bk_updated_by", "bob smith")}, code: 1199016, wrapped: true,
			en: "'更新人' Field regular check failed", zh: "'更新人' 字段正则校验失败"},
		{row: "C18", name: "type before bytes", call: req{data: set("bk_capacity", "x", "bk_set_desc", strings.Repeat("x", 300))}, code: 1199009, wrapped: true,
			en: "'设计容量' parameters must be integral", zh: "'设计容量' 参数必须是整型"},
		{row: "C19", name: "desc over 256 bytes", call: req{data: set("bk_set_desc", strings.Repeat("x", 257))}, code: 1199015, wrapped: true,
			en: "Data out of bounds%!(EXTRA string=集群描述)", zh: "'集群描述' 数据越界"},
		{row: "C19", name: "desc over 256 bytes after the trim", call: req{data: set("bk_set_desc", "\t"+strings.Repeat("x", 257))}, code: 1199015, wrapped: true,
			en: "Data out of bounds%!(EXTRA string=集群描述)", zh: "'集群描述' 数据越界"},
		{row: "C19", name: "description over 2000 bytes", call: req{data: set("description", strings.Repeat("x", 2001))}, code: 1199015, wrapped: true,
			en: "Data out of bounds%!(EXTRA string=备注)", zh: "'备注' 数据越界"},
		{row: "C19", name: "name of 86 Chinese characters", call: req{data: set("bk_set_name", strings.Repeat("中", 86))}, code: 1199015, wrapped: true,
			en: "Data out of bounds%!(EXTRA string=集群名)", zh: "'集群名' 数据越界"},
		{row: "C20", name: "duplicate name under one parent", call: req{}, code: 1101108,
			setup: func(t *testing.T, s *mock.Server, call req) {
				require.True(t, call.send(t, s).Result)
			},
			en: "the same set name exist", zh: "已经存在同名的集群"},
		{row: "C20", name: "built-in set counts", call: req{data: set("bk_set_name", "空闲机池")}, code: 1101108,
			en: "the same set name exist", zh: "已经存在同名的集群"},
		{row: "C20", name: "across businesses", call: req{biz: 2, data: set("bk_set_name", "空闲机池", "bk_parent_id", 1)}, code: 1101108,
			en: "the same set name exist", zh: "已经存在同名的集群"},
	}
	// C18 for each type of the set model: the label is the Chinese name in both languages.
	for _, tc := range []struct {
		field string
		value any
		label string
		code  int
	}{
		{"bk_capacity", "10", "设计容量", 1199009},
		{"bk_capacity", "", "设计容量", 1199009},
		{"bk_capacity", true, "设计容量", 1199009},
		{"bk_capacity", []any{}, "设计容量", 1199009},
		{"bk_capacity", 0, "设计容量", 1199006},
		{"bk_capacity", 1_000_000_000, "设计容量", 1199006},
		{"bk_capacity", 2.5, "设计容量", 1199006},
		{"bk_capacity", number("5.0"), "设计容量", 1199006},
		{"bk_capacity", number("1e3"), "设计容量", 1199006},
		{"bk_set_env", 3, "环境类型", 1199006},
		{"bk_set_env", "", "环境类型", 1199006},
		{"bk_set_env", "4", "环境类型", 1199006},
		{"bk_service_status", "3", "服务状态", 1199006},
		{"bk_created_at", "x", "创建时间", 1199006},
		{"bk_updated_at", "2022-02-22", "更新时间", 1199006},
		{"bk_created_by", "a,b", "创建人", 1199006},
		{"bk_updated_by", "a,b", "更新人", 1199006},
	} {
		c := fidelityCase{row: "C18", name: fmt.Sprintf("%s %v", tc.field, tc.value), call: req{data: set(tc.field, tc.value)}, code: tc.code, wrapped: true}
		if tc.code == 1199009 {
			c.en, c.zh = "'"+tc.label+"' parameters must be integral", "'"+tc.label+"' 参数必须是整型"
		} else {
			c.en, c.zh = invalid(tc.label)
		}
		cases = append(cases, c)
	}
	cases = append(cases, moduleFidelityCases()...)
	return append(cases, topologyFidelityCases()...)
}

// TestFidelity sends every row of the reference page through both surfaces, in both languages
// and on every release, and asserts the status, code, message and envelope keys to the byte.
func TestFidelity(t *testing.T) {
	for _, tc := range fidelityCases() {
		surfaces := tc.surfaces
		if surfaces == nil {
			surfaces = []string{"esb", "v3"}
		}
		for _, version := range spec.Versions {
			for _, surface := range surfaces {
				for _, lang := range []string{"en", "zh"} {
					t.Run(fmt.Sprintf("%s/%s/%s/%s %s", version, surface, lang, tc.row, tc.name), func(t *testing.T) {
						checkFidelity(t, tc, version, surface, lang)
					})
				}
			}
		}
	}
}

func checkFidelity(t *testing.T, tc fidelityCase, version spec.Version, surface, lang string) {
	cfg := tc.cfg
	cfg.Version = version
	newMock := newServer
	if tc.server != nil {
		newMock = tc.server
	}
	s := newMock(t, cfg)
	call := tc.call
	call.surface, call.lang = surface, "en"
	if lang == "zh" {
		// Each surface's language header, and the browser's for ESB's Django messages.
		call.lang = "zh-cn"
		call.headers = maps.Clone(call.headers)
		if call.headers == nil {
			call.headers = map[string]string{}
		}
		call.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
	}
	if call.biz == nil {
		call.biz = 1
	}
	if call.data == nil {
		call.data = set()
	}
	if tc.setup != nil {
		tc.setup(t, s, call)
	}
	var r reply
	if tc.other != nil {
		other := *tc.other
		other.surface, other.lang, other.headers = surface, call.lang, call.headers
		r = other.send(t, s)
	} else {
		r = call.send(t, s)
	}

	code, want := tc.code, tc.en
	if lang == "zh" && tc.zh != "" {
		want = tc.zh
	}
	if tc.wrapped && version == spec.V314 {
		code = 1199011
		want = spec.MsgInvalidOrNone.Format(map[bool]spec.Lang{true: spec.Chinese, false: spec.English}[lang == "zh"], want)
	}
	if tc.code314 != 0 && version == spec.V314 {
		code, want = tc.code314, tc.en314
		if lang == "zh" {
			want = tc.zh314
		}
	}
	status := tc.status
	if status == 0 {
		status = http.StatusOK
	}
	assert.Equal(t, status, r.Status)
	assert.False(t, r.Result)
	assert.Equal(t, code, r.Code)
	assert.Equal(t, want, r.Message)
	assert.Nil(t, r.Data)
	assert.Equal(t, tc.kind.keys(surface, !tc.noID), r.Order, "%s", r.Raw)
	if tc.kind != esbOwn && tc.kind != gatewayAnswer {
		if tc.perm {
			assert.Contains(t, string(r.Permission), `"`+cmp.Or(tc.action, "create_biz_topology")+`"`)
		} else {
			assert.JSONEq(t, "null", string(r.Permission))
		}
	}
	if tc.kind == gatewayAnswer {
		assert.Equal(t, strconv.Itoa(code), r.Header.Get("X-Bkapi-Error-Code"))
		assert.Equal(t, want, r.Header.Get("X-Bkapi-Error-Message"))
	}
	if !tc.noID {
		assertRequestID(t, surface, r)
	}
}

func assertRequestID(t *testing.T, surface string, r reply) {
	t.Helper()
	id := r.Header.Get("X-Request-Id")
	assert.Regexp(t, `^[0-9a-f]{32}$`, id)
	if surface == "esb" {
		assert.Equal(t, id, r.RequestID)
	} else {
		assert.NotContains(t, r.Keys, "request_id")
	}
}

// TestNullStringAttributes: CMDB accepts null for bk_set_desc, description, bk_set_env and
// bk_service_status and stores null (reference §5: the validators of singlechar, longchar and
// enum pass a nil value), on both surfaces.
func TestNullStringAttributes(t *testing.T) {
	s := newServer(t, mock.Config{})
	for i, surface := range []string{"esb", "v3"} {
		for j, field := range []string{"bk_set_desc", "description", "bk_set_env", "bk_service_status"} {
			r := req{surface: surface, lang: "en", biz: 1, data: set("bk_set_name", fmt.Sprintf("null-%d-%d", i, j), field, null)}.send(t, s)
			require.Equal(t, 0, r.Code, "%s %s: %s", surface, field, r.Raw)
			v, present := r.Data[field]
			assert.True(t, present, field)
			assert.Nil(t, v, "%s is stored null", field)
		}
	}
}

// TestV3LanguageHeaderPerRelease: the v3 route takes its language from X-Bkapi-Language on 3.13
// (and 3.12) and from X-Bkcmdb-Language on 3.14 (reference §2.3); the other header is not read,
// and without the release's header messages are Chinese.
func TestV3LanguageHeaderPerRelease(t *testing.T) {
	cases := []struct {
		version spec.Version
		header  string
		want    string
	}{
		{spec.V312, "X-Bkapi-Language", "'bk_set_name' unassigned"},
		{spec.V312, "X-Bkcmdb-Language", "'bk_set_name' 未赋值"},
		{spec.V313, "X-Bkapi-Language", "'bk_set_name' unassigned"},
		{spec.V313, "X-Bkcmdb-Language", "'bk_set_name' 未赋值"},
		{spec.V314, "X-Bkcmdb-Language", "'bk_set_name' unassigned"},
		{spec.V314, "X-Bkapi-Language", "'bk_set_name' 未赋值"},
	}
	for _, tc := range cases {
		t.Run(string(tc.version)+" "+tc.header, func(t *testing.T) {
			s := newServer(t, mock.Config{Version: tc.version})
			hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/1", strings.NewReader(`{"bk_parent_id":1}`))
			hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`)
			hr.Header.Set(tc.header, "en")
			r := send(t, s, hr)
			assert.Equal(t, 1199010, r.Code)
			assert.Equal(t, tc.want, r.Message)
		})
	}
}

// TestIAMOff: without IAM no permission is checked: a user the denials fixture names creates
// sets (reference §7).
func TestIAMOff(t *testing.T) {
	s := newServer(t, mock.Config{IAMOff: true})
	for _, surface := range []string{"esb", "v3"} {
		r := req{surface: surface, biz: 1, creds: map[string]any{"bk_username": "noperm"}, data: set("bk_set_name", "iam-off-"+surface)}.send(t, s)
		assert.Equal(t, 0, r.Code, "%s", r.Raw)
	}
}
