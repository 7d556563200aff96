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

// TestAClientBuildsTopology is what a service does before and after create_set, in the request
// shapes of the real clients: BlueKing's ESB SDKs (credentials only in X-Bkapi-Authorization, no
// Content-Type, GET with a query string for the config components) and the Go API-gateway SDK
// (the gateway's layout, /api/bk-cmdb/{stage}/...). It lists the businesses, creates a set and
// two modules in it, searches, updates, batch-finds and deletes them.
func TestAClientBuildsTopology(t *testing.T) {
	type step struct{ method, esb, v3, body string }
	clients := map[string]func(s *mock.Server, st step) reply{
		"esb sdk": func(s *mock.Server, st step) reply {
			if st.method == http.MethodGet {
				return sdkCall(t, s, http.MethodGet, st.esb, st.body, "")
			}
			return sdkCall(t, s, http.MethodPost, st.esb, "", st.body)
		},
		"gateway sdk": func(s *mock.Server, st step) reply {
			hr := httptest.NewRequest(st.method, "/api/bk-cmdb/prod"+st.v3, strings.NewReader(st.body))
			hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"job","bk_app_secret":"s3cret","bk_username":"alice"}`)
			hr.Header.Set("X-Bkapi-Language", "en")
			return send(t, s, hr)
		},
	}
	for name, call := range clients {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, mock.Config{})
			esb := name == "esb sdk"
			ok := func(r reply) reply {
				t.Helper()
				require.Equal(t, 0, r.Code, "%s", r.Raw)
				return r
			}
			// ESB's forms take the ids beside the fields; v3 takes them in the path.
			args := func(esbArgs, v3Body string) string {
				if esb {
					return esbArgs
				}
				return v3Body
			}

			bizs := ok(call(s, step{http.MethodPost, "search_business", "/api/v3/biz/search/0", `{"fields":["bk_biz_id","bk_biz_name"]}`}))
			assert.JSONEq(t, `{"count":1,"info":[{"bk_biz_id":2,"bk_biz_name":"蓝鲸","default":0}]}`, string(bizs.Keys["data"]))

			set := ok(call(s, step{http.MethodPost, "create_set", "/api/v3/set/2",
				args(`{"bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"flow"}}`, `{"bk_parent_id":2,"bk_set_name":"flow"}`)}))
			setID := string(set.Data["bk_set_id"].(json.Number))
			var modules []string
			for _, m := range []string{"nginx", "redis"} {
				r := ok(call(s, step{http.MethodPost, "create_module", "/api/v3/module/2/" + setID,
					args(`{"bk_biz_id":2,"bk_set_id":`+setID+`,"data":{"bk_parent_id":`+setID+`,"bk_module_name":"`+m+`"}}`,
						`{"bk_parent_id":`+setID+`,"bk_module_name":"`+m+`"}`)}))
				modules = append(modules, string(r.Data["bk_module_id"].(json.Number)))
			}
			found := ok(call(s, step{http.MethodPost, "search_module", "/api/v3/module/search/0/2/" + setID,
				args(`{"bk_biz_id":2,"bk_set_id":`+setID+`,"fields":["bk_module_name"]}`, `{"fields":["bk_module_name"]}`)}))
			assert.JSONEq(t, `{"count":2,"info":[{"bk_module_name":"nginx","default":0},{"bk_module_name":"redis","default":0}]}`, string(found.Keys["data"]),
				"the core service adds default to the fields")

			ok(call(s, step{http.MethodPut, "update_module", "/api/v3/module/2/" + setID + "/" + modules[1],
				args(`{"bk_biz_id":2,"bk_set_id":`+setID+`,"bk_module_id":`+modules[1]+`,"data":{"bk_module_name":"redis-main"}}`, `{"bk_module_name":"redis-main"}`)}))
			batch := ok(call(s, step{http.MethodPost, "find_module_batch", "/api/v3/findmany/module/bk_biz_id/2",
				args(`{"bk_biz_id":2,"bk_ids":[`+strings.Join(modules, ",")+`],"fields":["bk_module_id","bk_module_name"]}`,
					`{"bk_ids":[`+strings.Join(modules, ",")+`],"fields":["bk_module_id","bk_module_name"]}`)}))
			assert.JSONEq(t, `[{"bk_module_id":`+modules[0]+`,"bk_module_name":"nginx","default":0},{"bk_module_id":`+modules[1]+`,"bk_module_name":"redis-main","default":0}]`,
				string(batch.Keys["data"]))

			internal := ok(call(s, step{http.MethodGet, "get_biz_internal_module", "/api/v3/topo/internal/0/2", args("bk_biz_id=2", "")}))
			assert.Contains(t, string(internal.Keys["data"]), `"bk_set_name":"idle pool"`, "named in English, as the core service names it")

			for _, m := range modules {
				ok(call(s, step{http.MethodDelete, "delete_module", "/api/v3/module/2/" + setID + "/" + m,
					args(`{"bk_biz_id":2,"bk_set_id":`+setID+`,"bk_module_id":`+m+`}`, ``)}))
			}
			left := ok(call(s, step{http.MethodPost, "search_module", "/api/v3/module/search/0/2/" + setID,
				args(`{"bk_biz_id":2,"bk_set_id":`+setID+`}`, `{}`)}))
			assert.Equal(t, json.Number("0"), left.Data["count"])
			ok(call(s, step{http.MethodDelete, "delete_set", "/api/v3/set/2/" + setID, args(`{"bk_biz_id":2,"bk_set_id":`+setID+`}`, ``)}))
		})
	}
}
