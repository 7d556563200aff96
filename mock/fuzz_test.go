package mock_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cmdbmock/cmdbmock/mock"
)

var fuzzRoutes = []struct{ method, path string }{
	{http.MethodPost, mock.PathESBCreateSet},
	{http.MethodPost, "/api/v3/set/1"},
	{http.MethodPost, mock.PathESBSearchSet},
	{http.MethodPost, "/api/v3/set/search/0/1"},
	{http.MethodPost, mock.PathESBDeleteSet},
	{http.MethodDelete, "/api/v3/set/1/3"},
	{http.MethodGet, mock.PathESBCreateSet + "?bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1"},
	{http.MethodPost, mock.PathESBUpdateSet},
	{http.MethodPut, "/api/v3/set/1/3"},
	{http.MethodPost, mock.PathESBBatchDeleteSet},
	{http.MethodDelete, "/api/v3/set/1/batch"},
	{http.MethodPost, mock.PathESBSearchObjectAttribute},
	{http.MethodPost, mock.PathV3SearchObjectAttribute},
	{http.MethodGet, mock.PathESBGetMainlineObjectTopo + "?bk_app_code=a&bk_app_secret=b&bk_username=u"},
	{http.MethodPost, mock.PathV3GetMainlineObjectTopo},
	{http.MethodGet, mock.PathESBSearchBizInstTopo + "?bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=1"},
	{http.MethodPost, "/api/v3/find/topoinst/biz/1?with_default=1"},
	{http.MethodPost, mock.PathESBCreateModule},
	{http.MethodPost, "/api/v3/module/2/2"},
	{http.MethodPost, mock.PathESBUpdateModule},
	{http.MethodPut, "/api/v3/module/2/2/4"},
	{http.MethodPost, mock.PathESBDeleteModule},
	{http.MethodDelete, "/api/v3/module/2/2/4"},
	{http.MethodPost, mock.PathESBSearchModule},
	{http.MethodPost, "/api/v3/module/search/0/2/0"},
	{http.MethodPost, mock.PathESBFindModuleBatch},
	{http.MethodPost, "/api/v3/findmany/module/bk_biz_id/2"},
	{http.MethodGet, mock.PathESBGetBizInternalModule + "?bk_app_code=a&bk_app_secret=b&bk_username=u&bk_biz_id=2"},
	{http.MethodGet, "/api/v3/topo/internal/0/2"},
	{http.MethodPost, mock.PathESBSearchBusiness},
	{http.MethodPost, "/api/v3/biz/search/0"},
	{http.MethodPost, mock.PathESBFindSetBatch},
	{http.MethodPost, "/api/v3/findmany/set/bk_biz_id/2"},
	{http.MethodPost, mock.PathESBFindTopoNodePaths},
	{http.MethodPost, "/api/v3/cache/find/cache/topo/node_path/biz/2"},
	{http.MethodPost, mock.PathESBCreateInst},
	{http.MethodPost, "/api/v3/create/instance/object/zone"},
	{http.MethodPost, mock.PathESBDeleteInst},
	{http.MethodDelete, "/api/v3/delete/instance/object/zone/inst/103"},
}

// routeOf is the place in fuzzRoutes of a route, for a seed: a seed names its route, not a place
// that moves when a route is added.
func routeOf(f *testing.F, method, path string) uint8 {
	for i, r := range fuzzRoutes {
		if r.method == method && r.path == path {
			return uint8(i)
		}
	}
	f.Fatalf("no fuzz route %s %s", method, path)
	return 0
}

// FuzzHandler sends anything to every CMDB route: the mock must not panic, must not answer
// 5xx, and every answer must be an envelope whose result agrees with its code. The seed corpus
// is in testdata/fuzz/FuzzHandler; go test replays it.
func FuzzHandler(f *testing.F) {
	post := func(path string) uint8 { return routeOf(f, http.MethodPost, path) }
	f.Add(post(mock.PathESBCreateSet), true, seedRequest)
	f.Add(post("/api/v3/set/1"), false, `{"bk_parent_id":1,"bk_set_name":"x","bk_capacity":"1"}`)
	f.Add(post(mock.PathESBSearchSet), true, `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"condition":{"bk_set_id":{"$in":[1]}}}`)
	f.Add(post(mock.PathESBDeleteSet), true, `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,"bk_set_id":"3"}`)
	f.Add(post(mock.PathESBCreateModule), true, `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"bk_set_id":2,"data":{"bk_parent_id":2,"bk_module_name":"m","operator":"a,b"}}`)
	f.Add(post("/api/v3/findmany/module/bk_biz_id/2"), false, `{"bk_ids":[4,5,4],"fields":["bk_module_name"]}`)
	f.Add(post("/api/v3/module/search/0/2/0"), false, `{"condition":{"bk_module_name":{"$regex":"^空"}},"page":{"limit":1,"sort":"-bk_module_id"}}`)
	f.Add(post("/api/v3/set/search/0/1"), true, `{"filter":{"condition":"AND","rules":[{"field":"bk_set_name","operator":"filter_array","value":{"field":"element","operator":"contains","value":"a"}},`+
		`{"field":"create_time","operator":"datetime_less","value":"2022-02-22 20:00:00"}]},"time_condition":{"oper":"and","rules":[{"field":"create_time","start":"2022-02-22T12:00:00Z"}]}}`)
	f.Add(post("/api/v3/biz/search/0"), false, `{"biz_property_filter":{"condition":"OR","rules":[{"field":"bk_biz_name","operator":"not_contains","value":"x"},null]},"page":{"sort":"bk_biz_id:-1"}}`)
	f.Add(post("/api/v3/module/search/0/2/0"), true, `{"condition":{"default":{"$not":{"$gt":0}},"bk_module_name":{"$regex":"A","$options":"i"}},"fields":["bk_module_id"]}`)
	f.Add(post(mock.PathESBSearchSet), true, `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":2,"page":{"start":9223372036854775807,"limit":10,"sort":"bk_set_name"}}`)
	f.Add(post("/api/v3/module/search/0/2/0"), false, `{"condition":{},"page":{"start":9223372036854775807,"limit":10}}`)
	f.Add(post("/api/v3/set/search/0/1"), false, `{"condition":{"bk_set_name":{"$all":["a",["b"]]},"default":{"$elemMatch":{"$gte":0,"$ne":[]}}},"page":{"sort":"-bk_set_name"}}`)
	// ESB reads Python's NaN and Infinities (json.loads); what a component forwards of them, CMDB refuses.
	f.Add(post(mock.PathESBCreateSet), true, `{"bk_biz_id":2,"data":{"bk_parent_id":2,"bk_set_name":"n","bk_capacity":NaN,"x":[-Infinity]}}`)
	f.Add(post(mock.PathESBFindTopoNodePaths), false, `{"bk_biz_id":Infinity,"bk_nodes":[{"bk_obj_id":"set","bk_inst_id":NaN}]}`)
	// CMDB's decoder (json-iterator) takes any run of a number's characters for a number.
	f.Add(post("/api/v3/set/1"), false, `{"bk_parent_id":01,"bk_set_name":"lax","bk_capacity":010,"default":00,"set_template_id":-0.e,"description":1.2.3}`)
	f.Add(post("/api/v3/set/search/0/1"), true, `{"condition":{"bk_capacity":{"$gt":01}},"page":{"start":00,"limit":1.,"sort":"bk_set_id"},"fields":[-]}`)
	f.Add(post("/api/v3/module/2/2"), false, `{"bk_parent_id":02,"bk_module_name":"lax","service_template_id":0-0,"service_category_id":02}`)
	s := newServer(f, mock.Config{MaxSets: 5000, JournalSize: 50})
	f.Fuzz(func(t *testing.T, route uint8, english bool, body string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		hr := httptest.NewRequest(r.method, r.path, strings.NewReader(body))
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		if english {
			hr.Header.Set("Blueking-Language", "en")
			hr.Header.Set("X-Bkapi-Language", "en") // 3.13, the default release
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		assertEnvelope(t, rec.Code, rec.Body.Bytes())
	})
}
