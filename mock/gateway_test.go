package mock_test

import (
	"encoding/json"
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

// TestGatewayURLLayout: the API gateway serves CMDB's resources at /api/bk-cmdb/{stage}/...,
// which the Go API-gateway SDK builds (stage usually prod): every v3 route answers there too, for
// any stage (reference §1).
func TestGatewayURLLayout(t *testing.T) {
	s := newServer(t, mock.Config{})
	call := func(method, path, body string) reply {
		hr := httptest.NewRequest(method, path, strings.NewReader(body))
		hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`)
		hr.Header.Set("X-Bkapi-Language", "en")
		return send(t, s, hr)
	}
	created := call(http.MethodPost, "/api/bk-cmdb/prod/api/v3/set/2", `{"bk_parent_id":2,"bk_set_name":"via-gateway"}`)
	require.Equal(t, 0, created.Code, "%s", created.Raw)
	id := created.Data["bk_set_id"]
	dup := call(http.MethodPost, "/api/v3/set/2", `{"bk_parent_id":2,"bk_set_name":"via-gateway"}`)
	assert.Equal(t, 1101108, dup.Code, "one store behind both layouts")
	found := call(http.MethodPost, "/api/bk-cmdb/stag/api/v3/set/search/0/2", `{"condition":{"bk_set_name":"via-gateway"}}`)
	assert.Equal(t, json.Number("1"), found.Data["count"], "%s", found.Raw)
	gone := call(http.MethodDelete, "/api/bk-cmdb/prod/api/v3/set/2/"+string(id.(json.Number)), ``)
	assert.Equal(t, 0, gone.Code, "%s", gone.Raw)
}

// TestGatewayRequestIDs: every v3 answer carries X-Bkapi-Request-Id, a uuid with dashes new for
// each call, and X-Request-Id: the caller's own if it sent one, else the same uuid without
// dashes (reference §2.2).
func TestGatewayRequestIDs(t *testing.T) {
	s := newServer(t, mock.Config{})
	r := req{surface: "v3", biz: 1, data: set("bk_set_name", "ids")}.send(t, s)
	gw := r.Header.Get("X-Bkapi-Request-Id")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, gw)
	assert.Equal(t, strings.ReplaceAll(gw, "-", ""), r.Header.Get("X-Request-Id"))

	hr := req{surface: "v3", biz: 1, data: set("bk_set_name", "ids-2")}.httpRequest(t)
	hr.Header.Set("X-Request-Id", "caller-chain-7")
	r2 := send(t, s, hr)
	assert.Equal(t, "caller-chain-7", r2.Header.Get("X-Request-Id"), "the caller's own id comes back")
	assert.NotEqual(t, gw, r2.Header.Get("X-Bkapi-Request-Id"), "a new id each call")

	esb := req{surface: "esb", biz: 1, data: set("bk_set_name", "ids-3")}.send(t, s)
	assert.Empty(t, esb.Header.Get("X-Bkapi-Request-Id"), "ESB is not the API gateway")
}

// TestGatewayErrors: what the Go gateway SDK reads of a refusal: a non-2xx status with
// X-Bkapi-Error-Code and X-Bkapi-Error-Message, the gateway's envelope, and X-Bkapi-Request-Id
// (reference §2.2); an unknown resource under the gateway is its 404.
func TestGatewayErrors(t *testing.T) {
	s := newServer(t, mock.Config{})
	for _, path := range []string{"/api/bk-cmdb/prod/api/v3/set/1", "/api/v3/set/1"} {
		r := send(t, s, httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`)))
		assert.Equal(t, http.StatusBadRequest, r.Status, path)
		assert.Equal(t, "1640001", r.Header.Get("X-Bkapi-Error-Code"))
		assert.Equal(t, `Parameters error [reason="app code cannot be empty"]`, r.Header.Get("X-Bkapi-Error-Message"))
		assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
		assert.NotEmpty(t, r.Header.Get("X-Bkapi-Request-Id"))
		assert.JSONEq(t, `{"code":1640001,"code_name":"INVALID_ARGS","data":null,"message":"Parameters error [reason=\"app code cannot be empty\"]","result":false}`, string(r.Raw))
	}

	hr := httptest.NewRequest(http.MethodPost, "/api/bk-cmdb/prod/api/v3/nothing/here", strings.NewReader(`{}`))
	hr.Header.Set("X-Bkapi-Authorization", v3Auth)
	r := send(t, s, hr)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "1640401", r.Header.Get("X-Bkapi-Error-Code"))
	assert.Equal(t, `API not found [method="POST" path="/api/bk-cmdb/prod/api/v3/nothing/here"]`, r.Message)

	esb := send(t, s, httptest.NewRequest(http.MethodPost, "/api/c/compapi/v2/cc/nothing/", nil))
	assert.Equal(t, http.StatusNotFound, esb.Status)
	assert.Empty(t, esb.Header.Get("X-Bkapi-Error-Code"), "ESB's 404 is its own")
}

// TestGatewayRateLimit: with --rate-limit the gateway answers 429 beyond the limit a second,
// counted per app and resource; without it nothing is limited.
func TestGatewayRateLimit(t *testing.T) {
	now := fixedClock()
	s := newServer(t, mock.Config{RateLimit: 2, Now: func() time.Time { return now }})
	call := func(app, name string) reply {
		hr := req{surface: "v3", biz: 1, data: set("bk_set_name", name)}.httpRequest(t)
		hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"`+app+`","bk_app_secret":"s","bk_username":"u"}`)
		return send(t, s, hr)
	}
	// Every answer past the gateway's app checks says what is left of the limit, and the seconds
	// its window, a second from its first call, has to run, as Redis rounds a key's TTL
	// (bk-rate-limit/init.lua:123-155).
	quota := func(r reply) []string {
		return []string{r.Header.Get("X-Bkapi-RateLimit-Limit"), r.Header.Get("X-Bkapi-RateLimit-Remaining"),
			r.Header.Get("X-Bkapi-RateLimit-Reset"), r.Header.Get("X-Bkapi-RateLimit-Plugin")}
	}
	first := call("a", "r1")
	assert.Equal(t, 0, first.Code)
	assert.Equal(t, []string{"2", "1", "1", "bk-resource-rate-limit"}, quota(first))
	now = now.Add(600 * time.Millisecond) // 400 ms of the window left
	second := call("a", "r2")
	assert.Equal(t, 0, second.Code)
	assert.Equal(t, []string{"2", "0", "0", "bk-resource-rate-limit"}, quota(second))
	limited := call("a", "r3")
	assert.Equal(t, http.StatusTooManyRequests, limited.Status)
	assert.Equal(t, 1642903, limited.Code)
	assert.Equal(t, "API rate limit exceeded by resource strategy", limited.Header.Get("X-Bkapi-Error-Message"))
	assert.Equal(t, []string{"2", "0", "0", "bk-resource-rate-limit"}, quota(limited))
	other := call("b", "r4")
	assert.Equal(t, 0, other.Code, "another app has its own count")
	assert.Equal(t, []string{"2", "1", "1", "bk-resource-rate-limit"}, quota(other), "its window starts now")
	refused := call("", "r5")
	assert.Equal(t, 1640001, refused.Code)
	assert.Empty(t, refused.Header.Get("X-Bkapi-RateLimit-Limit"), "the app checks come first")
	esb := req{surface: "esb", biz: 1, data: set("bk_set_name", "r6")}.send(t, s)
	assert.Equal(t, 0, esb.Code, "ESB is not the API gateway")
	assert.Empty(t, esb.Header.Get("X-Bkapi-RateLimit-Limit"))
	now = now.Add(400 * time.Millisecond)
	assert.Equal(t, 0, call("a", "r7").Code, "a new window")

	unlimited := newServer(t, mock.Config{Now: func() time.Time { return now }})
	hr := req{surface: "v3", biz: 1, data: set("bk_set_name", "free")}.httpRequest(t)
	r := send(t, unlimited, hr)
	assert.Equal(t, 0, r.Code)
	assert.Empty(t, r.Header.Get("X-Bkapi-RateLimit-Limit"), "no limit, no quota")
}

// TestGatewayHeaderSentTwice: the gateway reads the first of two X-Bkapi-Authorization headers
// (apisix's core.request.header), where ESB joins them (TestESBHeaderCredentials).
func TestGatewayHeaderSentTwice(t *testing.T) {
	hr := req{surface: "v3", biz: 1, data: set("bk_set_name", "twice")}.httpRequest(t)
	hr.Header.Add("X-Bkapi-Authorization", `{"bk_app_code":"b"}`)
	r := send(t, newServer(t, mock.Config{}), hr)
	assert.Equal(t, 0, r.Code, "%s", r.Raw)
}

// TestGatewayCredentialsPerRelease: from 3.13 the gateway reads credentials from the header only;
// 3.12's definition does not turn parameters off, so it reads them from the body too (reference
// §4.3).
func TestGatewayCredentialsPerRelease(t *testing.T) {
	for _, tc := range []struct {
		version spec.Version
		code    int
	}{{spec.V312, 0}, {spec.V313, 1640001}, {spec.V314, 1640001}} {
		s := newServer(t, mock.Config{Version: tc.version})
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/set/1",
			strings.NewReader(`{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_parent_id":1,"bk_set_name":"body-creds"}`))
		r := send(t, s, hr)
		assert.Equal(t, tc.code, r.Code, "%s: %s", tc.version, r.Raw)
		if tc.code == 0 {
			assert.NotContains(t, r.Data, "bk_app_secret", "credentials are not set fields")
			assert.Equal(t, "u", r.Data["bk_created_by"])
		}
	}
}

// TestGatewayRateLimitPerResource: the gateway counts per resource, its method and path: two
// resources on one path (update_set's PUT, delete_set's DELETE) have a budget each, and one
// resource reached through /api/v3/... and /api/bk-cmdb/{stage}/... has one.
func TestGatewayRateLimitPerResource(t *testing.T) {
	now := fixedClock()
	s := newServer(t, mock.Config{RateLimit: 1, Now: func() time.Time { return now }})
	call := func(method, path string) int {
		hr := httptest.NewRequest(method, path, strings.NewReader(`{"bk_set_desc":"x"}`))
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		return send(t, s, hr).Code
	}
	assert.NotEqual(t, 1642903, call(http.MethodPut, "/api/v3/set/1/999"), "update_set's first call")
	assert.NotEqual(t, 1642903, call(http.MethodDelete, "/api/v3/set/1/999"), "delete_set is another resource")
	assert.Equal(t, 1642903, call(http.MethodPut, "/api/bk-cmdb/prod/api/v3/set/1/999"), "update_set again, through the gateway's layout")
}
