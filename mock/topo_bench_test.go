package mock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// BenchmarkBizTopoOfManyNodes reads the tree of a business of 2,000 regions of 5 zones each,
// two custom levels: the tree is built from the nodes by parent, not by a scan of every node
// for each parent.
func BenchmarkBizTopoOfManyNodes(b *testing.B) {
	var nodes []string
	id := 1000
	for r := range 2000 {
		region := id
		nodes = append(nodes, fmt.Sprintf(`{"bk_inst_id":%d,"bk_inst_name":"r%d","bk_obj_id":"region","bk_parent_id":0}`, region, r))
		id++
		for z := range 5 {
			nodes = append(nodes, fmt.Sprintf(`{"bk_inst_id":%d,"bk_inst_name":"z%d","bk_obj_id":"zone","bk_parent_id":%d}`, id, z, region))
			id++
		}
	}
	fx, err := fixtures.Load(fstest.MapFS{
		"businesses.json": {Data: []byte(`[{"bk_biz_id":3,"bk_biz_name":"game","nodes":[` + strings.Join(nodes, ",") + `]}]`)},
		"mainline.json":   {Data: []byte(`[{"bk_obj_id":"region","bk_obj_name":"Region"},{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`)},
	})
	if err != nil {
		b.Fatal(err)
	}
	sp := loadSpec()
	s, err := mock.New(sp, fx, mock.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/find/topoinst/biz/3", nil)
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"z4"`) {
			b.Fatal(rec.Body.String()[:200])
		}
	}
}

// BenchmarkBizTopoAtItsBound reads the largest tree search_biz_inst_topo answers with the
// default --max-page: a business of ten modules for each set the page allows, in one set. A
// business of more is refused, so that no read costs more than this one.
func BenchmarkBizTopoAtItsBound(b *testing.B) {
	s := newServer(b, mock.Config{})
	set, err := s.Store().Create(topo.Draft{BizID: 1, ParentID: 1, Name: "big"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	fillBusiness(b, s, set.ID(), mock.DefaultMaxPage*topo.ModulesPerSet)
	read := func() *httptest.ResponseRecorder {
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/find/topoinst/biz/1", nil)
		hr.Header.Set("X-Bkapi-Authorization", v3Auth)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		return rec
	}
	if rec := read(); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"m99990"`) {
		b.Fatal(rec.Body.String()[:200])
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		size = read().Body.Len()
	}
	b.ReportMetric(float64(size), "answer-bytes")
	if _, err := s.Store().CreateModule(topo.Module{Name: "one more", SetID: set.ID(), BizID: 1}); err != nil {
		b.Fatal(err)
	}
	if rec := read(); !strings.Contains(rec.Body.String(), "at most") {
		b.Fatal("a business past the bound was answered")
	}
}

// TestCustomNodesAreBounded: fixtures of more custom-level nodes than the mock holds are refused
// at load with a clear error, as create_inst is once the store holds that many.
func TestCustomNodesAreBounded(t *testing.T) {
	nodes := make([]string, fixtures.MaxNodes+1)
	for i := range nodes {
		nodes[i] = fmt.Sprintf(`{"bk_inst_id":%d,"bk_inst_name":"n%d","bk_obj_id":"zone","bk_parent_id":0}`, 1000+i, i)
	}
	_, err := fixtures.Load(fstest.MapFS{
		"businesses.json": {Data: []byte(`[{"bk_biz_id":3,"bk_biz_name":"game","nodes":[` + strings.Join(nodes, ",") + `]}]`)},
		"mainline.json":   {Data: []byte(`[{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`)},
	})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(fixtures.MaxNodes)) {
		t.Fatalf("fixtures of %d nodes: %v", len(nodes), err)
	}
}
