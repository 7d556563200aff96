package mock_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/spec"
)

// assertEnvelope checks what every answer must be: no 5xx, JSON, and result true exactly when
// code is 0.
func assertEnvelope(t testing.TB, status int, body []byte) map[string]any {
	t.Helper()
	assert.Less(t, status, 500, "no 5xx: %s", body)
	var env map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&env), "not JSON: %q", body)
	if _, ok := env["bk_error_code"]; ok {
		// The API server's own answer on v3 (reference §2.2 b).
		env["code"], env["message"] = env["bk_error_code"], env["bk_error_msg"]
	}
	code, ok := env["code"].(json.Number)
	require.True(t, ok, "no integer code: %s", body)
	assert.Equal(t, code == "0", env["result"] == true, "result agrees with code: %s", body)
	if code != "0" {
		assert.NotEmpty(t, env["message"])
		assert.Nil(t, env["data"])
	}
	return env
}

func TestHostileInput(t *testing.T) {
	s := newServer(t, mock.Config{})
	deep := strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
	esb := func(body string) string {
		return `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"data":` + body + `}`
	}
	// read is an ESB read of business 2 with the members given.
	read := func(members string) string {
		return `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,` + members + `}`
	}
	tooFar := "cmdbmock answers at most 10000 records a page (--max-page), and a page in another order than by id within the first 100000 matches: ask with page.start and page.limit"
	cases := []struct {
		name    string
		path    string
		body    string
		ctype   string
		headers map[string]string
		status  int
		code    int
		message string
	}{
		{"malformed JSON", mock.PathESBCreateSet, `{"bk_app_code":"a",`, "", nil, 200, 1306000, "Request JSON string is wrong in format, which cannot be analyzed."},
		{"truncated JSON on v3", "/api/v3/set/1", `{"bk_set_name":"ab`, "", nil, 200, 1199000, "反序列化JSON数据失败"},
		{"empty body", mock.PathESBCreateSet, ``, "", nil, 200, 1306000, "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time"},
		{"empty body on v3", "/api/v3/set/1", ``, "", nil, 200, 1199010, "'bk_set_name' 未赋值"},
		{"5 MB body", mock.PathESBCreateSet, esb(`"` + strings.Repeat("x", 5<<20) + `"`), "", nil, 413, 1306000, "Request body is larger than the limit of 1048576 bytes"},
		{"50 MB body", "/api/v3/set/1", `{"bk_set_name":"` + strings.Repeat("x", 50<<20) + `"}`, "", nil, 413, 1306000, "Request body is larger than the limit of 1048576 bytes"},
		{"nesting 10,000 deep", mock.PathESBCreateSet, esb(deep), "", nil, 200, 1306000, "Request JSON string is wrong in format, which cannot be analyzed."},
		{"nesting 10,000 deep on v3", "/api/v3/set/1", `{"x":` + deep + `}`, "", nil, 200, 1199000, "反序列化JSON数据失败"},
		{"XML content type", mock.PathESBCreateSet, esb(`{"bk_parent_id":1,"bk_set_name":"xml"}`), "application/xml", nil, 200, 0, "success"},
		{"multipart content type", mock.PathESBCreateSet, esb(`{"bk_parent_id":1,"bk_set_name":"mp"}`), "multipart/form-data; boundary=x", nil, 200, 0, "success"},
		{"XML body", mock.PathESBCreateSet, `<xml><bk_app_code>a</bk_app_code></xml>`, "application/xml", nil, 200, 1306000, "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time"},
		{"invalid UTF-8", mock.PathESBCreateSet, esb(`{"bk_parent_id":1,"bk_set_name":"a` + "\xff\xfe" + `"}`), "", nil, 200, 1306000, "Request JSON string is wrong in format, which cannot be analyzed."},
		{"NUL in a name", mock.PathESBCreateSet, esb(`{"bk_parent_id":1,"bk_set_name":"a\u0000b"}`), "", nil, 200, 0, "success"},
		{"NUL in a description", "/api/v3/set/1", `{"bk_parent_id":1,"bk_set_name":"nul","bk_set_desc":"x\u0000y"}`, "", nil, 200, 0, "success"},
		{"business id beyond int64", mock.PathESBCreateSet, `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":99999999999999999999,"data":{"bk_parent_id":1,"bk_set_name":"big"}}`, "", nil, 200, 1199045, "create set, but got invalid business id 99999999999999999999"},
		{"parent beyond int64", mock.PathESBCreateSet, esb(`{"bk_parent_id":99999999999999999999,"bk_set_name":"big"}`), "", nil, 200, 1199006, "'bk_parent_id' data parameter verification does not pass"},
		{"default beyond int64", mock.PathESBCreateSet, esb(`{"bk_parent_id":1,"bk_set_name":"big","default":99999999999999999999}`), "", nil, 200, 1199998, `strconv.ParseInt: parsing "99999999999999999999": value out of range`},
		{"negative business", mock.PathESBCreateSet, `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":-1,"data":{"bk_parent_id":1,"bk_set_name":"neg"}}`, "", nil, 200, 1199045, "no matched rules"},
		{"negative business on v3", "/api/v3/set/-1", `{"bk_parent_id":1,"bk_set_name":"neg"}`, "", nil, 200, 1199045, "no matched rules"},
		{"boolean business", mock.PathESBCreateSet, `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":true,"data":{"bk_parent_id":1,"bk_set_name":"b"}}`, "", nil, 200, 1306000, "business id [bk_biz_id] Enter a whole number."},
		{"boolean parent", mock.PathESBCreateSet, esb(`{"bk_parent_id":true,"bk_set_name":"b"}`), "", nil, 200, 1199006, "'bk_parent_id' data parameter verification does not pass"},
		{"null data", mock.PathESBCreateSet, esb(`null`), "", nil, 200, 1306000, "data [data] This field is required."},
		{"array data", mock.PathESBCreateSet, esb(`[{"bk_set_name":"x"}]`), "", nil, 200, 1306000, "data [data] Must be the specified parameter data type dict"},
		{"array body on v3", "/api/v3/set/1", `[{"bk_set_name":"x"}]`, "", nil, 200, 1199000, "反序列化JSON数据失败"},
		{"object name", "/api/v3/set/1", `{"bk_parent_id":1,"bk_set_name":{"a":1}}`, "", nil, 200, 1199007, "'bk_set_name' 必须为字符串类型"},
		{"hundreds of headers", mock.PathESBCreateSet, esb(`{"bk_parent_id":1,"bk_set_name":"many-headers"}`), "", manyHeaders(300), 200, 0, "success"},
		{"a 64 KB header", mock.PathESBCreateSet, esb(`{"bk_parent_id":1,"bk_set_name":"big-header"}`), "", map[string]string{"X-Big": strings.Repeat("h", 64<<10)}, 431, 1306000, "Request headers are larger than the limit of 65536 bytes"},
		{"a page from int64's last value, sorted by name", mock.PathESBSearchSet, read(`"condition":{},"page":{"start":9223372036854775807,"limit":10,"sort":"bk_set_name"}`), "", nil, 200, 1199999, tooFar},
		{"a page of modules from int64's last value", mock.PathESBSearchModule, read(`"condition":{},"page":{"start":9223372036854775807,"limit":10}`), "", nil, 200, 0, "success"},
		{"a page of modules from int64's last value, sorted by name", mock.PathESBSearchModule, read(`"condition":{},"page":{"start":9223372036854775807,"limit":10,"sort":"bk_module_name"}`), "", nil, 200, 1199999, tooFar},
		{"a page of businesses from int64's last value", mock.PathESBSearchBusiness, read(`"condition":{},"page":{"start":9223372036854775807,"limit":10}`), "", nil, 200, 0, "success"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hr := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				hr.Header.Set("Content-Type", tc.ctype)
			}
			if strings.HasPrefix(tc.path, "/api/v3/") {
				hr.Header.Set("X-Bkapi-Authorization", v3Auth)
			}
			for k, v := range tc.headers {
				hr.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, hr)
			env := assertEnvelope(t, rec.Code, rec.Body.Bytes())
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, json.Number(fmt.Sprint(tc.code)), env["code"])
			assert.Equal(t, tc.message, env["message"])
		})
	}
}

func manyHeaders(n int) map[string]string {
	h := map[string]string{}
	for i := range n {
		h[fmt.Sprintf("X-Header-%d", i)] = "value"
	}
	return h
}

func TestMaxSets(t *testing.T) {
	s := newServer(t, mock.Config{MaxSets: 4})
	createNamed(t, s, "one", "two")
	r := req{surface: "esb", lang: "en", biz: 1, data: set("bk_set_name", "three")}.send(t, s)
	assert.Equal(t, 1199999, r.Code)
	assert.Equal(t, "cmdbmock holds its limit of 4 sets (--max-sets): delete sets or raise the limit", r.Message)
	assert.Len(t, s.Store().Sets(), 4, "nothing stored is dropped")
	ids := createdIDs(s)
	require.Equal(t, 200, admin(t, s, http.MethodPost, "/__mock/reset", "", nil))
	assert.True(t, req{surface: "esb", biz: 1, data: set("bk_set_name", "after-reset")}.send(t, s).Result, "room again: %v", ids)
}

// TestPopulateBound: a populate that the store cannot hold is refused at start, however large:
// one whose sets in every business outnumber an int wrapped the product below zero, passed the
// check, and panicked making room for them.
func TestPopulateBound(t *testing.T) {
	fx := defaultFixtures(t)
	for _, n := range []int{-1, mock.DefaultMaxSets/len(fx.Businesses) + 1, math.MaxInt/len(fx.Businesses) + 1, math.MaxInt} {
		_, err := mock.New(loadSpec(), fx, mock.Config{Populate: n})
		assert.ErrorContains(t, err, fmt.Sprintf("--populate %d in each of %d businesses is not from 0 to --max-sets %d", n, len(fx.Businesses), mock.DefaultMaxSets))
	}
	_, err := mock.New(loadSpec(), fx, mock.Config{Populate: 10, MaxSets: 10 * len(fx.Businesses)})
	assert.NoError(t, err, "as many as the store holds")
}

// TestMaxModules: the store holds 10 modules for each set --max-sets allows, and says so with
// that number when a create_module finds it full.
func TestMaxModules(t *testing.T) {
	s := newServer(t, mock.Config{MaxSets: 4})
	setID := createNamed(t, s, "one")[0]
	var r reply
	for i := 0; i < 50; i++ {
		r = callReq{call: spec.CallCreateModule, surface: "esb", biz: 1, set: setID,
			data: map[string]any{"bk_parent_id": setID, "bk_module_name": fmt.Sprint("m", i)}}.send(t, s)
		if !r.Result {
			break
		}
	}
	assert.Equal(t, 1199999, r.Code, r.Raw)
	assert.Equal(t, "cmdbmock holds its limit of 40 modules (10 for each set --max-sets allows): delete modules or raise the limit", r.Message)
}

func createdIDs(s *mock.Server) []any {
	var ids []any
	for _, rec := range s.Store().Sets() {
		ids = append(ids, rec["bk_set_id"])
	}
	return ids
}

// TestCutBodyMakesNothing: a client that sends a valid JSON body shorter than its
// Content-Length and goes away creates no set (it used to: the body read so far was taken as
// the request).
func TestCutBodyMakesNothing(t *testing.T) {
	s := newServer(t, mock.Config{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	body := `{"bk_parent_id":1,"bk_set_name":"cut-short"}`
	_, err = fmt.Fprintf(conn, "POST /api/v3/set/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"X-Bkapi-Authorization: {\"bk_app_code\":\"a\",\"bk_app_secret\":\"b\",\"bk_username\":\"u\"}\r\nContent-Length: %d\r\n\r\n%s", len(body)+20, body)
	require.NoError(t, err)
	require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	answer, err := io.ReadAll(conn)
	require.NoError(t, err)
	conn.Close()
	assert.Contains(t, string(answer), "400 Bad Request")
	for _, rec := range s.Store().Sets() {
		assert.NotEqual(t, "cut-short", rec["bk_set_name"], "a set was made of a body cut short")
	}
}

// TestTooLargeIsReadBySendThenReadClients: Python's http.client, and so requests and the
// BlueKing SDKs, send the whole body before they read the answer. A body over the limit is
// answered 413 in the envelope, and the rest of it, up to a bound, is read and dropped: such a
// client finishes sending and reads the answer, where it used to be reset while it sent. So does
// every answer given before the body is read: headers over the limit (431), a fault rule over the
// admin API's limit (400), an admin call refused (403), a path no route has (404).
func TestTooLargeIsReadBySendThenReadClients(t *testing.T) {
	s := newServer(t, mock.Config{MaxBody: 1 << 10, MaxHeaderBytes: 4 << 10})
	srv := httptest.NewServer(s)
	defer srv.Close()
	body := `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"delete":{"inst_ids":[` +
		strings.Repeat("1000000,", 2<<20) + `1]}}` // 16 MiB, more than the sockets hold
	for _, tc := range []struct {
		name, path, header string
		status             int
		answer             string
	}{
		{"body", mock.PathESBBatchDeleteSet, "", 413, `"code":1306000`},
		{"headers", mock.PathESBBatchDeleteSet, "X-Filler: " + strings.Repeat("h", 5<<10) + "\r\n", 431, `"code":1306000`},
		{"a fault rule", "/__mock/faults", "", 400, "a fault rule: http: request body too large"},
		{"an admin call refused", "/__mock/faults", "Origin: http://elsewhere\r\n", 403, "not accepted from web pages of another origin"},
		{"a path no route has", "/api/c/compapi/v2/cc/no_such_call/", "", 404, `"result":false`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
			_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s",
				tc.path, srv.Listener.Addr(), tc.header, len(body), body)
			require.NoError(t, err, "the whole body is sent")
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err, "and the answer read after it")
			defer res.Body.Close()
			answer, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, res.StatusCode)
			assert.Contains(t, string(answer), tc.answer)
		})
	}
}

// TestAnswerBeforeContinueIsNotHeld: a client that sends Expect: 100-continue waits for the
// 100 before it sends its body, and sends nothing once a final answer comes. An answer given
// before the body was read reaches it at once; the mock does not wait for a body that will not
// come (curl sends Expect with a large body, and waited its 1 s for a 404).
func TestAnswerBeforeContinueIsNotHeld(t *testing.T) {
	srv := httptest.NewServer(newServer(t, mock.Config{}))
	defer srv.Close()
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/c/compapi/v2/cc/no_such_call/", http.StatusNotFound},
		// A body declared over the limit is refused by its length: no 100 is sent for it.
		{mock.PathESBCreateSet, http.StatusRequestEntityTooLarge},
	} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
		_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\n"+
			"Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", tc.path, srv.Listener.Addr(), 16<<20)
		require.NoError(t, err)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, "%s: the answer comes without the body", tc.path)
		assert.Equal(t, tc.status, res.StatusCode, tc.path)
		_ = res.Body.Close()
		_ = conn.Close()
	}
}

// TestFaultRulesAreBounded: the rules at once are bounded (each request is matched against
// every rule); the one past the bound is refused with a clear error.
func TestFaultRulesAreBounded(t *testing.T) {
	s := newServer(t, mock.Config{})
	for i := range mock.MaxFaultRules {
		require.Equal(t, 201, admin(t, s, http.MethodPost, "/__mock/faults", fmt.Sprintf(`{"match":{"user":"u%d"},"delay_ms":1}`, i), nil))
	}
	var e struct{ Error string }
	assert.Equal(t, 400, admin(t, s, http.MethodPost, "/__mock/faults", `{"delay_ms":1}`, &e))
	assert.Contains(t, e.Error, "at most 100 fault rules")
}
