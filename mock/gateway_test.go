package mock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
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
