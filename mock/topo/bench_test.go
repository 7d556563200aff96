package topo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cmdbmock/cmdbmock/internal/jsontest"
	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// setsStore is a store of 100,000 sets of business 1, s0 to s99999, made by creates.
func setsStore(b *testing.B) *topo.Store {
	s := newStore(200_000)
	for i := range 100_000 {
		if _, err := s.Create(draft(1, 1, fmt.Sprint("s", i)), nil); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// modulesStore is a store of 100,000 sets of business 1, the i-th with modules 2i and 2i+1.
func modulesStore() *topo.Store {
	s := newStore(200_000)
	for i := 1; i <= 100_000; i++ {
		s.Put(int64(i), draft(1, 1, fmt.Sprint("s", i)), []topo.Module{{ID: int64(2 * i), Name: "a"}, {ID: int64(2*i + 1), Name: "b"}})
	}
	return s
}

// BenchmarkDeleteAmongModules creates and deletes a set with its modules in a store that holds
// 100,000 sets of six modules each: a delete's cost must not grow with the modules stored.
func BenchmarkDeleteAmongModules(b *testing.B) {
	s := newStore(200_000)
	six := make([]topo.ModuleTemplate, 6)
	for i := range six {
		six[i] = topo.ModuleTemplate{ServiceTemplateID: int64(i + 1), Name: fmt.Sprint("m", i)}
	}
	for i := range 100_000 {
		if _, err := s.Create(draft(1, 1, fmt.Sprint("s", i)), six); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		set, err := s.Create(draft(1, 1, fmt.Sprint("churn-", i)), six)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Delete(1, set.ID()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchSets searches 100,000 sets that all match, a page of 10 by id: the cost of
// reading and offering each stored set once.
func BenchmarkSearchSets(b *testing.B) {
	s := setsStore(b)
	q := topo.Query{BizID: 1, Condition: map[string]any{"bk_set_desc": "desc"}, Limit: 10, Sort: "-bk_set_id"}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Search(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchSetByName finds a set by its name among 100,000, as a client does before it
// creates one.
func BenchmarkSearchSetByName(b *testing.B) {
	s := setsStore(b)
	q := topo.Query{BizID: 1, Condition: map[string]any{"bk_set_name": "s50000"}, Fields: []string{"bk_set_id", "bk_set_name"}, Limit: 10}
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := s.Search(context.Background(), q); err != nil || n != 1 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkSearchSetsDeepPage reads a page of 200 sets from the middle of 100,000, by id, as a
// client walking a business does: from the business's ids, where the page starts. With a
// condition, the search reads every set and keeps the 50,200 the page reaches.
func BenchmarkSearchSetsDeepPage(b *testing.B) {
	s := setsStore(b)
	for _, bc := range []struct {
		name      string
		condition map[string]any
	}{{"by id", nil}, {"with a condition", map[string]any{"bk_set_desc": "desc"}}} {
		b.Run(bc.name, func(b *testing.B) {
			q := topo.Query{BizID: 1, Condition: bc.condition, Fields: []string{"bk_set_id", "bk_set_name"}, Start: 50_000, Limit: 200}
			b.ReportAllocs()
			for b.Loop() {
				if _, page, err := s.Search(context.Background(), q); err != nil || len(page) != 200 {
					b.Fatal(len(page), err)
				}
			}
		})
	}
}

// BenchmarkSearchModulesOfASet reads the modules of one set among 100,000 sets of two modules
// each: the cost must not grow with the sets stored.
func BenchmarkSearchModulesOfASet(b *testing.B) {
	s := modulesStore()
	q := topo.ModuleQuery{BizID: 1, SetID: 50_000, Limit: 10}
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := s.SearchModules(context.Background(), q); err != nil || n != 2 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkSearchModules searches 200,000 modules for the half of them that match, a page of
// 10: the cost of reading each stored module once.
func BenchmarkSearchModules(b *testing.B) {
	s := modulesStore()
	q := topo.ModuleQuery{BizID: 1, Condition: map[string]any{"bk_module_name": "b"}, Limit: 10, Sort: "-bk_module_id"}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.SearchModules(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordOfWideSet reads back the record of a set whose model has 2,000 attributes: a
// read must walk the row's values once, not once an attribute.
func BenchmarkRecordOfWideSet(b *testing.B) {
	attrs := make([]string, 2000)
	var vals []byte
	for i := range attrs {
		attrs[i] = fmt.Sprintf("a%05d", i)
		vals = append(topo.AppendValue(vals, fmt.Sprint("v", i)), 0)
	}
	s := topo.New(attrs, time.UTC, 10)
	set, err := s.Create(topo.Draft{BizID: 1, ParentID: 1, Name: "wide", Attrs: vals}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if rec := set.Record(); len(rec) < 2000 {
			b.Fatal(len(rec))
		}
	}
}

// savedStore is a store of 100,000 sets, each with a module, as bench/state.sh's with
// MODULES=1 at a tenth of its size.
func savedStore() *topo.Store {
	s := newStore(200_000)
	for i := 1; i <= 100_000; i++ {
		s.Put(int64(i), draft(1, 1, fmt.Sprint("s", i)), []topo.Module{{ID: int64(i), Name: "m", SetID: int64(i), BizID: 1}})
	}
	return s
}

// BenchmarkReadState loads the saved state of 100,000 sets, each with a module: what a start on
// --state pays a set (bench/state.sh times the whole start at a million).
func BenchmarkReadState(b *testing.B) {
	var saved bytes.Buffer
	if err := savedStore().WriteState(&saved); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(saved.Len()))
	for b.Loop() {
		if err := newStore(200_000).ReadState(bytes.NewReader(saved.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteState saves the state of 100,000 sets, each with a module: what a stop on
// --state pays a set (bench/state.sh times the whole stop at a million).
func BenchmarkWriteState(b *testing.B) {
	s := savedStore()
	var saved bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		saved.Reset()
		if err := s.WriteState(&saved); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(saved.Len()))
}

// BenchmarkSearchBusinesses finds a business by its name as search_business asks for it: a
// pattern, case aside, over the businesses' records.
func BenchmarkSearchBusinesses(b *testing.B) {
	s := newStore(10)
	fields := topo.Record{"bk_biz_maintainer": "admin", "bk_biz_productor": "admin", "bk_biz_tester": "", "bk_biz_developer": "",
		"operator": "", "life_cycle": "2", "language": "1", "time_zone": "Asia/Shanghai", "bk_data_status": nil}
	s.SetTopology(topo.Topology{Businesses: []topo.Business{{ID: 1, Name: "资源池", Fields: fields}, {ID: 2, Name: "蓝鲸", Fields: fields}}})
	q := topo.RecordQuery{Rules: []topo.Rule{{Field: "bk_biz_name", Op: "$regex", Arg: "(?i)蓝鲸"}}, Fields: []string{"bk_biz_id", "bk_biz_name"}, Limit: 10}
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := s.SearchBusinesses(context.Background(), q, nil); err != nil || n != 1 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkPageJSON writes a page of 200 sets of 100,000, by id, as a search_set answer holds
// it: from records by encoding/json (as the mock wrote every page before), and from the rows
// (Page.AppendJSON, as it writes them now); every field, then three.
func BenchmarkPageJSON(b *testing.B) {
	s := setsStore(b)
	for _, fields := range [][]string{nil, {"bk_set_id", "bk_set_name", "bk_capacity"}} {
		q := topo.Query{BizID: 1, Fields: fields, Start: 50_000, Limit: 200}
		b.Run(fmt.Sprintf("%d fields/records", len(fields)), func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				_, page, err := s.Search(context.Background(), q)
				buf.Reset()
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				if err != nil || enc.Encode(page) != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("%d fields/rows", len(fields)), func(b *testing.B) {
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				_, page, err := s.SearchPage(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				out = page.AppendJSON(out[:0])
			}
		})
	}
}

// BenchmarkSearchModulesDeepPage reads a page of 200 modules at 50,000 of 200,000, by id: the
// search keeps the 50,200 it may reach, and makes the records of the page's 200 only.
func BenchmarkSearchModulesDeepPage(b *testing.B) {
	s := modulesStore()
	q := topo.ModuleQuery{BizID: 1, Fields: []string{"bk_module_id", "bk_module_name"}, Start: 50_000, Limit: 200}
	b.ReportAllocs()
	for b.Loop() {
		if _, page, err := s.SearchModules(context.Background(), q); err != nil || len(page) != 200 {
			b.Fatal(len(page), err)
		}
	}
}

// BenchmarkSetsOfASmallBusiness reads the ten sets of a business beside one of 100,000, as
// search_biz_inst_topo and the page do: the cost must not grow with the other business's sets.
func BenchmarkSetsOfASmallBusiness(b *testing.B) {
	s := setsStore(b)
	for i := range 10 {
		if _, err := s.Create(draft(2, 2, fmt.Sprint("s", i)), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if sets, more := s.SetsOf(2, 10_000); len(sets) != 10 || more {
			b.Fatal(len(sets), more)
		}
	}
}

// BenchmarkBuiltInOfASmallBusiness reads what get_biz_internal_module answers, the idle set and
// the built-in modules of a business beside one of 100,000 sets of two modules each: the cost
// must not grow with the other business's sets.
func BenchmarkBuiltInOfASmallBusiness(b *testing.B) {
	s := newStore(200_000)
	s.Put(1, topo.Draft{BizID: 2, ParentID: 2, Name: "空闲机池", Default: 1, Attrs: draft(0, 0, "").Attrs},
		[]topo.Module{{ID: 1, Name: "空闲机", BizID: 2, SetID: 1, Default: 1}, {ID: 2, Name: "故障机", BizID: 2, SetID: 1, Default: 2}})
	for i := 1; i <= 100_000; i++ {
		s.Put(int64(i+1), draft(1, 1, fmt.Sprint("s", i)), []topo.Module{{ID: int64(2*i + 1), Name: "a", BizID: 1}, {ID: int64(2*i + 2), Name: "b", BizID: 1}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := s.IdleSet(2); !ok {
			b.Fatal("no idle set")
		}
		if ms := s.BuiltInModules(2); len(ms) != 2 {
			b.Fatal(len(ms))
		}
	}
}

// BenchmarkBuiltInOfALargeBusiness reads what get_biz_internal_module answers in a business of
// 200,000 sets with a module each beside its idle set: the cost must not grow with its sets.
func BenchmarkBuiltInOfALargeBusiness(b *testing.B) {
	s := newStore(400_000)
	s.Put(1, topo.Draft{BizID: 1, ParentID: 1, Name: "空闲机池", Default: 1, Attrs: draft(0, 0, "").Attrs},
		[]topo.Module{{ID: 1, Name: "空闲机", Default: 1}, {ID: 2, Name: "故障机", Default: 2}})
	for i := 1; i <= 200_000; i++ {
		s.Put(int64(i+1), draft(1, 1, fmt.Sprint("s", i)), []topo.Module{{ID: int64(i + 2), Name: "a"}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if ms := s.BuiltInModules(1); len(ms) != 2 {
			b.Fatal(len(ms))
		}
	}
}

// BenchmarkFindModulesByID reads ten modules by their ids among 200,000, as find_module_batch
// does: the cost must not grow with the modules stored.
func BenchmarkFindModulesByID(b *testing.B) {
	s := modulesStore()
	ids := []int64{2, 3, 1000, 1001, 50_000, 50_001, 150_000, 150_001, 199_998, 199_999}
	q := topo.ModuleQuery{BizID: 1, IDs: ids, Fields: []string{"bk_module_id"}, MaxPage: 500}
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := s.SearchModules(context.Background(), q); err != nil || n != len(ids) {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkFindSetsByID reads ten sets by their ids among 100,000, as find_set_batch does: the
// cost must not grow with the sets stored.
func BenchmarkFindSetsByID(b *testing.B) {
	s := setsStore(b)
	ids := []any{int64(1), int64(2), int64(1000), int64(1001), int64(50_000), int64(50_001), int64(90_000), int64(90_001), int64(99_999), int64(100_000)}
	q := topo.Query{BizID: 1, Condition: map[string]any{"bk_set_id": map[string]any{"$in": ids}}, Fields: []string{"bk_set_id", "default"}, MaxPage: 500}
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := s.Search(context.Background(), q); err != nil || n != len(ids) {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkSearchSmallBusiness searches the 100 sets of a business beside one of 100,000 by a
// condition its sets must be read for (their parent): the cost must not grow with the other
// business's sets.
func BenchmarkSearchSmallBusiness(b *testing.B) {
	s := setsStore(b)
	for i := range 100 {
		if _, err := s.Create(draft(2, int64(10+i%10), fmt.Sprint("s", i)), nil); err != nil {
			b.Fatal(err)
		}
	}
	q := topo.Query{BizID: 2, Condition: map[string]any{"bk_parent_id": 15}, Fields: []string{"bk_set_id", "bk_set_name"}}
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := s.Search(context.Background(), q); err != nil || n != 10 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkSetJSON writes a created set's record, as a create answers it, from its row
// (Set.AppendJSON) and through what that replaces, its Record (made once, outside the loop)
// encoded by encoding/json.
func BenchmarkSetJSON(b *testing.B) {
	set, err := newStore(10).Create(draft(1, 1, "web-cluster-42"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = set.AppendJSON(buf[:0])
		}
	})
	b.Run("Record-encoding-json", func(b *testing.B) { jsontest.BenchmarkEncoder(b, set.Record()) })
}

// BenchmarkCreate creates sets in one business of a growing store, and reports the slowest
// create, and which it was, as well as the mean: with -benchtime 3000000x the store grows past 3
// million sets, and no create may wait while what the store already holds is copied to make room.
func BenchmarkCreate(b *testing.B) {
	s := newStore(10_000_000)
	var slowest time.Duration
	var slowestAt int
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := s.Create(draft(1, 1, fmt.Sprint("s", i)), nil); err != nil {
			b.Fatal(err)
		}
		if took := time.Since(start); took > slowest {
			slowest, slowestAt = took, i+1
		}
	}
	b.ReportMetric(float64(slowest.Microseconds()), "slowest-us")
	b.ReportMetric(float64(slowestAt), "slowest-create")
}

// BenchmarkLargeSet renames a module of a set of a million modules, deletes one and makes
// another, and finds ten by their ids: what each costs must be a block of the set's modules, or
// less, not the set.
func BenchmarkLargeSet(b *testing.B) {
	const size = 1_000_000
	s := newStore(size / topo.ModulesPerSet)
	set, err := s.Create(draft(1, 1, "big"), nil)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, 0, size)
	for i := range size {
		rec, err := s.CreateModule(topo.Module{Name: fmt.Sprint("m", i), SetID: set.ID(), BizID: 1})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, rec["bk_module_id"].(int64))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("update", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			m := topo.Module{ID: ids[rng.IntN(len(ids))], Name: fmt.Sprint("u", i), SetID: set.ID(), BizID: 1}
			if err := s.UpdateModule(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("delete and create", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			at := rng.IntN(len(ids))
			s.DeleteModule(1, set.ID(), ids[at])
			rec, err := s.CreateModule(topo.Module{Name: fmt.Sprint("c", i), SetID: set.ID(), BizID: 1})
			if err != nil {
				b.Fatal(err)
			}
			ids[at] = rec["bk_module_id"].(int64)
		}
	})
	b.Run("find ten by id", func(b *testing.B) {
		q := topo.ModuleQuery{BizID: 1, IDs: make([]int64, 10), MaxPage: 500}
		b.ReportAllocs()
		for b.Loop() {
			for i := range q.IDs {
				q.IDs[i] = ids[rng.IntN(len(ids))]
			}
			if n, _, err := s.SearchModules(context.Background(), q); err != nil || n != len(q.IDs) {
				b.Fatal(n, err)
			}
		}
	})
}

// BenchmarkDeepPageByID reads a page of 200 near the end of a business of a million sets, one of
// them removed, by id: a walk of the business's ids to the page, a slice at a time.
func BenchmarkDeepPageByID(b *testing.B) {
	const sets = 1_000_000
	s := newStore(sets + 10)
	for i := 1; i <= sets; i++ {
		s.Put(int64(i), draft(1, 1, fmt.Sprint("s", i)), nil)
	}
	if err := s.Delete(1, 5); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, page, err := s.Search(context.Background(), topo.Query{BizID: 1, Start: sets - 300, Limit: 200}); err != nil || len(page) != 200 {
			b.Fatal(err, len(page))
		}
	}
}

// BenchmarkDeepModulePage reads a page of 200 near the end of a business's million modules, a
// module each of a million sets, in the order of their ids (deepModulePage's passes), beside a
// search of the same modules that keeps a page of 10 (one pass): what the passes cost.
func BenchmarkDeepModulePage(b *testing.B) {
	const sets = 1_000_000
	s := newStore(sets + 10)
	for i := 1; i <= sets; i++ {
		s.Put(int64(i), draft(1, 1, fmt.Sprint("s", i)), []topo.Module{{ID: int64(i), Name: "m"}})
	}
	for _, q := range []topo.ModuleQuery{
		{BizID: 1, Start: sets - 300, Limit: 200},
		{BizID: 1, Limit: 10},
	} {
		b.Run(fmt.Sprint("start=", q.Start), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if n, page, err := s.SearchModules(context.Background(), q); err != nil || n != sets || len(page) != q.Limit {
					b.Fatal(err, n, len(page))
				}
			}
		})
	}
}
