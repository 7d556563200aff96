package mock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
)

// TestESBHeaderCredentials: ESB takes the credentials from X-Bkapi-Authorization when a call
// sends it, as the current BlueKing SDKs do, and then ignores the body's; it checks the secret
// before the app code and reads the legacy keys (reference §3.1, rows E1-E4 of §4.1).
func TestESBHeaderCredentials(t *testing.T) {
	const data = `"bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"%s"}`
	cases := []struct {
		name      string
		header    *string // nil: no header
		body      string  // the keys before bk_biz_id and data
		setName   string
		code      int
		message   string
		requestID bool
	}{
		{"header credentials, none in the body", ptr(`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"bob"}`), ``, "hdr-1", 0, "success", true},
		{"the header wins over the body", ptr(`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"bob"}`), `"bk_app_code":"b","bk_app_secret":"","bk_username":"eve",`, "hdr-2", 0, "success", true},
		{"a header without a secret ignores the body's", ptr(`{"bk_app_code":"a","bk_username":"bob"}`), `"bk_app_secret":"s",`, "hdr-3", 1306000,
			"Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time", true},
		{"a header that is not JSON", ptr(`bk_app_code=a`), `"bk_app_code":"a","bk_app_secret":"s","bk_username":"u",`, "hdr-4", 1306406,
			"Parameters error, request header X-Bkapi-Authorization is not a valid JSON format string", false},
		{"an empty header", ptr(``), `"bk_app_code":"a","bk_app_secret":"s","bk_username":"u",`, "hdr-5", 1306406,
			"Parameters error, request header X-Bkapi-Authorization is not a valid JSON format string", false},
		{"a header of JSON null falls back to the body", ptr(`null`), `"bk_app_code":"a","bk_app_secret":"s","bk_username":"u",`, "hdr-6", 0, "success", true},
		{"a header of a JSON list", ptr(`["a"]`), `"bk_app_code":"a","bk_app_secret":"s","bk_username":"u",`, "hdr-7", 1306000,
			"Component error, please contact the component developer to handle it.", true},
		{"legacy keys in the header", ptr(`{"app_code":"a","app_secret":"s","username":"bob"}`), ``, "hdr-8", 0, "success", true},
		{"legacy keys in the body", nil, `"app_code":"a","app_secret":"s","username":"bob",`, "hdr-9", 0, "success", true},
		{"neither code nor secret: the secret is checked first", nil, `"bk_username":"u",`, "hdr-10", 1306000,
			"Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time", true},
		{"a secret without a code", nil, `"bk_app_secret":"s","bk_username":"u",`, "hdr-11", 1306000, "APP Code [bk_app_code] cannot be empty", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, mock.Config{})
			body := "{" + tc.body + strings.Replace(data, "%s", tc.setName, 1) + "}"
			hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(body))
			hr.Header.Set("Content-Type", "application/json")
			if tc.header != nil {
				hr.Header["X-Bkapi-Authorization"] = []string{*tc.header}
			}
			r := send(t, s, hr)
			assert.Equal(t, tc.code, r.Code, "%s", r.Raw)
			assert.Equal(t, tc.message, r.Message)
			_, hasID := r.Keys["request_id"]
			assert.Equal(t, tc.requestID, hasID, "request_id in the answer")
			if tc.code == 0 && strings.Contains(tc.name, "bob") {
				assert.Equal(t, "bob", r.Data["bk_created_by"])
			}
		})
	}

	// The header sent twice reaches ESB as one, its values joined by commas (gunicorn's WSGI
	// environ), which is no JSON; the gateway reads the first (TestGatewayHeaderSentTwice).
	twice := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet,
		strings.NewReader("{"+strings.Replace(data, "%s", "twice", 1)+"}"))
	twice.Header["X-Bkapi-Authorization"] = []string{`{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u"}`, `{"bk_app_code":"b"}`}
	r := send(t, newServer(t, mock.Config{}), twice)
	assert.Equal(t, 1306406, r.Code, "%s", r.Raw)
	// So is the language: "en,zh" is not exactly "en", and CMDB answers in Chinese.
	langs := req{surface: "esb", biz: 1, data: set("bk_set_name", "langs", "bk_capacity", "x")}.httpRequest(t)
	langs.Header["Blueking-Language"] = []string{"en", "zh"}
	r = send(t, newServer(t, mock.Config{}), langs)
	assert.Equal(t, "'设计容量' 参数必须是整型", r.Message, "%s", r.Raw)

	// A malformed body: no request_id without the header, one with it (§2.1).
	for _, header := range []bool{false, true} {
		s := newServer(t, mock.Config{})
		hr := httptest.NewRequest(http.MethodPost, mock.PathESBCreateSet, strings.NewReader(`{"bk_biz_id":`))
		if header {
			hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"s","bk_username":"u"}`)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		var keys map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &keys))
		assert.JSONEq(t, "1306000", string(keys["code"]))
		_, hasID := keys["request_id"]
		assert.Equal(t, header, hasID, "header %v: %s", header, rec.Body)
	}
}

// TestTokens: the tokens fixture stands in for the login service. A listed token logs in its
// user; an unlisted one is accepted unless the fixture is strict, as the seed example's "xxx"
// must be, and is then refused as invalid (reference E7, §3.1, §10).
func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tokens string
		token  string
		code   int
		user   string
	}{
		{"no fixture: any token, bk_username names the user", "", "xxx", 0, "alice"},
		{"listed token wins over bk_username", `{"users":{"t-1":"carol"}}`, "t-1", 0, "carol"},
		{"unlisted token, not strict", `{"users":{"t-1":"carol"}}`, "t-2", 0, "alice"},
		{"unlisted token, strict", `{"strict":true,"users":{"t-1":"carol"}}`, "t-2", 1306000, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := fstest.MapFS{"businesses.json": {Data: []byte(`[{"bk_biz_id":1,"bk_biz_name":"资源池"}]`)}}
			if tc.tokens != "" {
				files["tokens.json"] = &fstest.MapFile{Data: []byte(tc.tokens)}
			}
			fx, err := fixtures.Load(files)
			require.NoError(t, err)
			sp := loadSpec()
			s, err := mock.New(sp, fx, mock.Config{})
			require.NoError(t, err)
			r := req{surface: "esb", biz: 1, creds: map[string]any{"bk_token": tc.token}, data: set()}.send(t, s)
			require.Equal(t, tc.code, r.Code, "%s", r.Raw)
			if tc.code != 0 {
				assert.Equal(t, "User authentication failed, please check if the bk_token is valid", r.Message)
				assert.NotContains(t, r.Keys, "permission")
				return
			}
			assert.Equal(t, tc.user, r.Data["bk_created_by"])
		})
	}
}

// TestDjangoMessagesFollowAcceptLanguage: ESB's form messages take their language from
// Accept-Language as Django picks it, not from Blueking-Language (reference §2.3).
func TestDjangoMessagesFollowAcceptLanguage(t *testing.T) {
	s := newServer(t, mock.Config{})
	for _, tc := range []struct {
		accept, blueking, want string
	}{
		{"", "", "business id [bk_biz_id] This field is required."},
		{"", "zh-cn", "business id [bk_biz_id] This field is required."},
		{"zh-CN", "en", "business id [bk_biz_id] 这个字段是必填项。"},
		{"zh-hans", "", "business id [bk_biz_id] 这个字段是必填项。"},
		{"zh-TW", "", "business id [bk_biz_id] 这个字段是必填项。"},
		{"en-US,zh;q=0.8", "", "business id [bk_biz_id] This field is required."},
		{"fr,zh;q=0.5", "", "business id [bk_biz_id] 这个字段是必填项。"},
		{"de", "", "business id [bk_biz_id] This field is required."},
	} {
		call := req{surface: "esb", lang: tc.blueking, top: map[string]any{"bk_biz_id": nil}, headers: map[string]string{}}
		if tc.accept != "" {
			call.headers["Accept-Language"] = tc.accept
		}
		r := call.send(t, s)
		assert.Equal(t, tc.want, r.Message, "Accept-Language %q", tc.accept)
	}
}
