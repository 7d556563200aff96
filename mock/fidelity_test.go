package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// fidelityCase is one row of the reference page: a call and the answer the real system gives.
type fidelityCase struct {
	name     string
	surfaces []string // nil: both
	call     req      // surface and lang are set by the test
	setup    func(t *testing.T, s *mock.Server, call req)
	code     int
	en, zh   string // zh "": the same text in both languages
	esbLayer bool   // ESB's own error: no permission key
	perm     bool   // a permission body instead of null
	noID     bool   // ESB answers before its component runs: no request_id (reference §2.1)
}

func set(kv ...any) map[string]any {
	m := map[string]any{"bk_parent_id": 1, "bk_set_name": "web"}
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

func body(s string) *string { return &s }

var (
	esbOnly = []string{"esb"}
	v3Only  = []string{"v3"}
)

func fidelityCases() []fidelityCase {
	long := strings.Repeat("中", 257)
	return []fidelityCase{
		// ESB's own checks, in order; always English, no permission key.
		{name: "esb/json malformed", surfaces: esbOnly, call: req{body: body(`{"bk_app_code": "a",`)}, code: 1306000, esbLayer: true, noID: true,
			en: "Request JSON string is wrong in format, which cannot be analyzed."},
		{name: "esb/json before credentials", surfaces: esbOnly, call: req{body: body(`{bk_app_code}`)}, code: 1306000, esbLayer: true, noID: true,
			en: "Request JSON string is wrong in format, which cannot be analyzed."},
		// A body that is not JSON carries no credentials; ESB checks the secret first (E3).
		{name: "esb/plain text body has no credentials", surfaces: esbOnly, call: req{body: body(`hello`)}, code: 1306000, esbLayer: true,
			en: "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time"},
		{name: "esb/empty body", surfaces: esbOnly, call: req{body: body(``)}, code: 1306000, esbLayer: true,
			en: "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time"},
		{name: "app code missing", call: req{creds: map[string]any{"bk_app_code": nil}}, code: 1306000, esbLayer: true,
			en: "APP Code [bk_app_code] cannot be empty"},
		{name: "app code empty", call: req{creds: map[string]any{"bk_app_code": ""}}, code: 1306000, esbLayer: true,
			en: "APP Code [bk_app_code] cannot be empty"},
		{name: "app secret missing", call: req{creds: map[string]any{"bk_app_secret": nil}}, code: 1306000, esbLayer: true,
			en: "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time"},
		{name: "user missing", call: req{creds: map[string]any{"bk_username": nil}}, code: 1306000, esbLayer: true,
			en: "User authentication failed, please provide a valid user identity, such as bk_token, bk_username"},
		{name: "esb/biz missing", surfaces: esbOnly, call: req{top: map[string]any{"bk_biz_id": nil}}, code: 1306000, esbLayer: true,
			en: "business id [bk_biz_id] This field is required."},
		{name: "esb/biz empty string", surfaces: esbOnly, call: req{biz: ""}, code: 1306000, esbLayer: true,
			en: "business id [bk_biz_id] This field is required."},
		{name: "esb/biz abc", surfaces: esbOnly, call: req{biz: "abc"}, code: 1306000, esbLayer: true,
			en: "business id [bk_biz_id] Enter a whole number."},
		{name: "esb/biz 3.5", surfaces: esbOnly, call: req{biz: 3.5}, code: 1306000, esbLayer: true,
			en: "business id [bk_biz_id] Enter a whole number."},
		{name: "esb/biz true", surfaces: esbOnly, call: req{biz: true}, code: 1306000, esbLayer: true,
			en: "business id [bk_biz_id] Enter a whole number."},
		{name: "esb/biz before data", surfaces: esbOnly, call: req{biz: "abc", top: map[string]any{"data": nil}}, code: 1306000, esbLayer: true,
			en: "business id [bk_biz_id] Enter a whole number."},
		{name: "esb/data missing", surfaces: esbOnly, call: req{top: map[string]any{"data": nil}}, code: 1306000, esbLayer: true,
			en: "data [data] This field is required."},
		{name: "esb/data {}", surfaces: esbOnly, call: req{data: map[string]any{}}, code: 1306000, esbLayer: true,
			en: "data [data] This field is required."},
		{name: "esb/data []", surfaces: esbOnly, call: req{data: []any{}}, code: 1306000, esbLayer: true,
			en: "data [data] This field is required."},
		{name: "esb/data string", surfaces: esbOnly, call: req{data: "web"}, code: 1306000, esbLayer: true,
			en: "data [data] Must be the specified parameter data type dict"},
		{name: "esb/data number", surfaces: esbOnly, call: req{data: 5}, code: 1306000, esbLayer: true,
			en: "data [data] Must be the specified parameter data type dict"},
		{name: "esb/data list", surfaces: esbOnly, call: req{data: []any{1}}, code: 1306000, esbLayer: true,
			en: "data [data] Must be the specified parameter data type dict"},

		// CMDB's checks, in order.
		{name: "1 v3 body not JSON", surfaces: v3Only, call: req{body: body(`{"bk_set_name":`)}, code: 1199000,
			en: "Deserializing JSON data failed", zh: "反序列化JSON数据失败"},
		{name: "1 v3 body a list", surfaces: v3Only, call: req{body: body(`[1]`)}, code: 1199000,
			en: "Deserializing JSON data failed", zh: "反序列化JSON数据失败"},
		{name: "1 v3 body empty", surfaces: v3Only, call: req{body: body(``)}, code: 1199000,
			en: "Deserializing JSON data failed", zh: "反序列化JSON数据失败"},
		{name: "2 v3 path not integer", surfaces: v3Only, call: req{biz: "abc"}, code: 1199009,
			en: "'business id' parameters must be integral", zh: "'business id' 参数必须是整型"},
		{name: "2 esb biz beyond int64", surfaces: esbOnly, call: req{biz: "99999999999999999999"}, code: 1199009,
			en: "'business id' parameters must be integral", zh: "'business id' 参数必须是整型"},
		{name: "- permission", call: req{creds: map[string]any{"bk_username": "noperm"}, data: set("default", "abc")}, code: 9900403, perm: true,
			en: "Do not have access permission.", zh: "没有操作的权限"},
		{name: "3 default abc", call: req{data: set("default", "abc")}, code: 1199998,
			en: `strconv.ParseInt: parsing "abc": invalid syntax`},
		{name: "3 default 1.5", call: req{data: set("default", 1.5)}, code: 1199998,
			en: `strconv.ParseInt: parsing "1.5": invalid syntax`},
		{name: "3 default true", call: req{data: set("default", true)}, code: 1199998, en: "invalid num"},
		{name: "3 default null", call: req{data: set("default", null)}, code: 1199998, en: "invalid key(default), not found value"},
		{name: "3 default before template", call: req{data: set("default", "x", "set_template_id", "y")}, code: 1199998,
			en: `strconv.ParseInt: parsing "x": invalid syntax`},
		{name: "4 template id abc", call: req{data: set("set_template_id", "abc")}, code: 1199006,
			en: "'Set template ID' data parameter verification does not pass", zh: "'集群模板ID' 数据参数校验不通过"},
		{name: "5 template not in business", call: req{biz: 2, data: set("set_template_id", 1, "bk_parent_id", 2)}, code: 1199019,
			en: "No relevant data found", zh: "未找到相关数据"},
		{name: "5 template before business", call: req{biz: 999, data: set("set_template_id", 7)}, code: 1199019,
			en: "No relevant data found", zh: "未找到相关数据"},
		{name: "6 business does not exist", call: req{biz: 999}, code: 1199011,
			en: "'bk_biz_id' the parameter is invalid or does not exist", zh: "'bk_biz_id' 参数无效或不存在"},
		{name: "6 business before name", call: req{biz: 999, data: set("bk_set_name", nil)}, code: 1199011,
			en: "'bk_biz_id' the parameter is invalid or does not exist", zh: "'bk_biz_id' 参数无效或不存在"},
		{name: "7 name missing before parent", call: req{data: set("bk_set_name", nil, "bk_parent_id", nil, "bk_set_desc", "x")}, code: 1199010,
			en: "'bk_set_name' unassigned", zh: "'bk_set_name' 未赋值"},
		{name: "8 parent missing", call: req{data: set("bk_parent_id", nil)}, code: 1199010,
			en: "'bk_parent_id' unassigned", zh: "'bk_parent_id' 未赋值"},
		{name: "9 name a number", call: req{data: set("bk_set_name", 5)}, code: 1199007,
			en: "'bk_set_name' must be a string type", zh: "'bk_set_name' 必须为字符串类型"},
		{name: "9 name null", call: req{data: set("bk_set_name", null)}, code: 1199007,
			en: "'bk_set_name' must be a string type", zh: "'bk_set_name' 必须为字符串类型"},
		{name: "10 name spaces", call: req{data: set("bk_set_name", "   ")}, code: 1199010,
			en: "'bk_set_name' unassigned", zh: "'bk_set_name' 未赋值"},
		{name: "11 name 257 characters", call: req{data: set("bk_set_name", long)}, code: 1199073,
			en: "bk_set_name field exceeds maximum value %!s(int=256)", zh: "字段bk_set_name超过最大值256"},
		{name: "11 length before characters", call: req{data: set("bk_set_name", strings.Repeat("a b", 90))}, code: 1199073,
			en: "bk_set_name field exceeds maximum value %!s(int=256)", zh: "字段bk_set_name超过最大值256"},
		{name: "12 name inner space", call: req{data: set("bk_set_name", "a b")}, code: 1199006,
			en: "'bk_set_name' data parameter verification does not pass", zh: "'bk_set_name' 数据参数校验不通过"},
		{name: "12 name tab", call: req{data: set("bk_set_name", "\tweb")}, code: 1199006,
			en: "'bk_set_name' data parameter verification does not pass", zh: "'bk_set_name' 数据参数校验不通过"},
		{name: "12 name slash", call: req{data: set("bk_set_name", "a/b")}, code: 1199006,
			en: "'bk_set_name' data parameter verification does not pass", zh: "'bk_set_name' 数据参数校验不通过"},
		{name: "12 name hash", call: req{data: set("bk_set_name", "a#b")}, code: 1199006,
			en: "'bk_set_name' data parameter verification does not pass", zh: "'bk_set_name' 数据参数校验不通过"},
		{name: "12 name before parent", call: req{data: set("bk_set_name", "a|b", "bk_parent_id", 0)}, code: 1199006,
			en: "'bk_set_name' data parameter verification does not pass", zh: "'bk_set_name' 数据参数校验不通过"},
		{name: "13 parent 0", call: req{data: set("bk_parent_id", 0)}, code: 1199006,
			en: "'bk_parent_id' data parameter verification does not pass", zh: "'bk_parent_id' 数据参数校验不通过"},
		{name: "13 parent negative", call: req{data: set("bk_parent_id", -4)}, code: 1199006,
			en: "'bk_parent_id' data parameter verification does not pass", zh: "'bk_parent_id' 数据参数校验不通过"},
		{name: "13 parent abc", call: req{data: set("bk_parent_id", "abc")}, code: 1199006,
			en: "'bk_parent_id' data parameter verification does not pass", zh: "'bk_parent_id' 数据参数校验不通过"},
		{name: "13 parent 1.5", call: req{data: set("bk_parent_id", 1.5)}, code: 1199006,
			en: "'bk_parent_id' data parameter verification does not pass", zh: "'bk_parent_id' 数据参数校验不通过"},
		{name: "14 desc a number", call: req{data: set("bk_set_desc", 5)}, code: 1199007,
			en: "'集群描述' must be a string type", zh: "'集群描述' 必须为字符串类型"},
		{name: "14 description a bool", call: req{data: set("description", true)}, code: 1199007,
			en: "'备注' must be a string type", zh: "'备注' 必须为字符串类型"},
		{name: "14 capacity a string", call: req{data: set("bk_capacity", "10")}, code: 1199009,
			en: "'设计容量' parameters must be integral", zh: "'设计容量' 参数必须是整型"},
		{name: "14 capacity 0", call: req{data: set("bk_capacity", 0)}, code: 1199006,
			en: "'设计容量' data parameter verification does not pass", zh: "'设计容量' 数据参数校验不通过"},
		{name: "14 capacity too large", call: req{data: set("bk_capacity", 1_000_000_000)}, code: 1199006,
			en: "'设计容量' data parameter verification does not pass", zh: "'设计容量' 数据参数校验不通过"},
		{name: "14 capacity fractional", call: req{data: set("bk_capacity", 2.5)}, code: 1199006,
			en: "'设计容量' data parameter verification does not pass", zh: "'设计容量' 数据参数校验不通过"},
		{name: "14 env a number", call: req{data: set("bk_set_env", 3)}, code: 1199006,
			en: "'环境类型' data parameter verification does not pass", zh: "'环境类型' 数据参数校验不通过"},
		{name: "14 env unknown", call: req{data: set("bk_set_env", "4")}, code: 1199006,
			en: "'环境类型' data parameter verification does not pass", zh: "'环境类型' 数据参数校验不通过"},
		{name: "14 service status unknown", call: req{data: set("bk_service_status", "3")}, code: 1199006,
			en: "'服务状态' data parameter verification does not pass", zh: "'服务状态' 数据参数校验不通过"},
		{name: "14 type before bytes", call: req{data: set("bk_capacity", "x", "bk_set_desc", strings.Repeat("x", 300))}, code: 1199009,
			en: "'设计容量' parameters must be integral", zh: "'设计容量' 参数必须是整型"},
		{name: "15 desc over 256 bytes", call: req{data: set("bk_set_desc", strings.Repeat("x", 257))}, code: 1199015,
			en: "Data out of bounds%!(EXTRA string=集群描述)", zh: "'集群描述' 数据越界"},
		{name: "15 description over 2000 bytes", call: req{data: set("description", strings.Repeat("x", 2001))}, code: 1199015,
			en: "Data out of bounds%!(EXTRA string=备注)", zh: "'备注' 数据越界"},
		{name: "15 name of 86 Chinese characters", call: req{data: set("bk_set_name", strings.Repeat("中", 86))}, code: 1199015,
			en: "Data out of bounds%!(EXTRA string=集群名)", zh: "'集群名' 数据越界"},
		{name: "16 duplicate name under one parent", call: req{}, code: 1101108,
			setup: func(t *testing.T, s *mock.Server, call req) {
				require.True(t, call.send(t, s).Result)
			},
			en: "the same set name exist", zh: "已经存在同名的集群"},
		{name: "16 built-in set counts", call: req{data: set("bk_set_name", "空闲机池")}, code: 1101108,
			en: "the same set name exist", zh: "已经存在同名的集群"},
	}
}

// TestFidelity sends every row of the reference page through both surfaces in both languages
// and asserts the code and message to the byte.
func TestFidelity(t *testing.T) {
	for _, tc := range fidelityCases() {
		surfaces := tc.surfaces
		if surfaces == nil {
			surfaces = []string{"esb", "v3"}
		}
		for _, surface := range surfaces {
			for _, lang := range []string{"en", "zh-cn"} {
				t.Run(surface+"/"+lang+"/"+tc.name, func(t *testing.T) {
					s := newServer(t, mock.Config{})
					call := tc.call
					call.surface, call.lang = surface, lang
					if call.biz == nil {
						call.biz = 1
					}
					if call.data == nil {
						call.data = set()
					}
					if tc.setup != nil {
						tc.setup(t, s, call)
					}
					r := call.send(t, s)

					want := tc.en
					if lang != "en" && tc.zh != "" && !tc.esbLayer {
						want = tc.zh
					}
					assert.Equal(t, 200, r.Status)
					assert.False(t, r.Result)
					assert.Equal(t, tc.code, r.Code)
					assert.Equal(t, want, r.Message)
					assert.Nil(t, r.Data)
					_, hasPermission := r.Keys["permission"]
					switch {
					case tc.esbLayer:
						assert.False(t, hasPermission, "ESB's own errors carry no permission key")
					case tc.perm:
						assert.Contains(t, string(r.Permission), `"create_biz_topology"`)
					default:
						assert.JSONEq(t, "null", string(r.Permission))
					}
					if tc.noID {
						assert.NotContains(t, r.Keys, "request_id")
					} else {
						assertRequestID(t, surface, r)
					}
				})
			}
		}
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
