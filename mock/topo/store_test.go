package topo_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock/topo"
)

func draft(biz, parent int64, name string) topo.Draft {
	var attrs []byte
	for _, v := range []any{nil, "desc"} {
		attrs = append(topo.AppendValue(attrs, v), 0)
	}
	return topo.Draft{BizID: biz, ParentID: parent, Name: name, Attrs: attrs, Created: 1645533241386, CreatedBy: "alice"}
}

func newStore(limit int) *topo.Store {
	return topo.New([]string{"bk_capacity", "bk_set_desc"}, time.FixedZone("UTC+8", 8*3600), limit)
}

// TestModuleLimit: a store holds ModulesPerSet modules for each set it may hold; one of as many
// sets as an int counts (a Go caller's "no limit") takes modules too, where the product wrapped
// below zero and refused every module as past the limit.
func TestModuleLimit(t *testing.T) {
	for _, limit := range []int{1, math.MaxInt / topo.ModulesPerSet, math.MaxInt/topo.ModulesPerSet + 1, math.MaxInt} {
		s := newStore(limit)
		s.Put(1, draft(1, 1, "s"), nil)
		_, err := s.CreateModule(topo.Module{BizID: 1, SetID: 1, Name: "m"})
		require.NoError(t, err, "limit %d", limit)
	}
	s := newStore(1)
	s.Put(1, draft(1, 1, "s"), nil)
	for i := range topo.ModulesPerSet {
		_, err := s.CreateModule(topo.Module{BizID: 1, SetID: 1, Name: fmt.Sprint("m", i)})
		require.NoError(t, err)
	}
	_, err := s.CreateModule(topo.Module{BizID: 1, SetID: 1, Name: "one more"})
	assert.ErrorIs(t, err, topo.ErrModulesFull)
}

// TestDraftOfAnotherModel: a draft whose attributes are not the store's model's, as a test
// that seeds a store by hand may make one, is refused where it is given, not stored to break
// every read of it later; one that gives none is a set whose attributes are all null.
func TestDraftOfAnotherModel(t *testing.T) {
	s := newStore(10)
	for _, attrs := range [][]byte{[]byte("1\x00"), []byte("1\x00null"), append(draft(1, 1, "").Attrs, "null\x00"...)} {
		d := draft(1, 1, "bare")
		d.Attrs = attrs
		_, err := s.Create(d, nil)
		assert.ErrorIs(t, err, topo.ErrDraftOfAnotherModel, "%q", attrs)
		assert.Panics(t, func() { s.Put(9, d, nil) }, "%q", attrs)
	}
	set, err := s.Create(draft(1, 1, "web"), nil)
	require.NoError(t, err)
	d := draft(1, 1, "web")
	d.Attrs = []byte("1\x00")
	_, err = s.Update(1, set.ID(), d)
	assert.ErrorIs(t, err, topo.ErrDraftOfAnotherModel)
	assert.Equal(t, 1, s.Len(), "nothing stored but the one set")
	_, page, err := s.Search(context.Background(), topo.Query{BizID: 1})
	require.NoError(t, err)
	assert.Equal(t, "desc", page[0]["bk_set_desc"], "the set as it was made")

	bare, err := s.Create(topo.Draft{BizID: 1, ParentID: 1, Name: "bare"}, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"bk_capacity": nil, "bk_set_desc": nil}, map[string]any{"bk_capacity": bare.Record()["bk_capacity"], "bk_set_desc": bare.Record()["bk_set_desc"]})
	_, page, err = s.Search(context.Background(), topo.Query{BizID: 1, Condition: map[string]any{"bk_set_name": "bare"}})
	require.NoError(t, err)
	assert.Nil(t, page[0]["bk_set_desc"])
	assert.Contains(t, page[0], "bk_set_desc")
}

// TestCreateAndDelete: ids come from the store's own counter, a duplicate uses one up, the name
// index spans businesses (CMDB's unique index is parent and name), built-in sets refuse a delete
// and a missing set deletes as a success.
func TestCreateAndDelete(t *testing.T) {
	s := newStore(100)
	s.Put(1, topo.Draft{BizID: 1, ParentID: 1, Name: "空闲机池", Default: 1, Attrs: draft(0, 0, "").Attrs}, []topo.Module{{ID: 1, Name: "空闲机"}})
	a, err := s.Create(draft(1, 1, "web"), []topo.ModuleTemplate{{ServiceTemplateID: 7, Name: "nginx"}})
	require.NoError(t, err)
	assert.Equal(t, int64(2), a.ID(), "the counter moves past the ids put in")
	assert.Equal(t, "desc", a.Record()["bk_set_desc"])
	made := draft(1, 1, "web")
	assert.Equal(t, []topo.Module{{ID: 2, Name: "nginx", SetID: 2, BizID: 1, ServiceTemplateID: 7, Created: made.Created, CreatedBy: made.CreatedBy}},
		s.Modules(2), "a template's module is made with its set")

	_, err = s.Create(draft(1, 1, "web"), nil)
	assert.ErrorIs(t, err, topo.ErrDuplicateName)
	_, err = s.Create(draft(2, 1, "web"), nil)
	assert.ErrorIs(t, err, topo.ErrDuplicateName, "another business, the same parent: a duplicate")
	b, err := s.Create(draft(2, 2, "web"), nil)
	require.NoError(t, err)
	assert.Equal(t, int64(5), b.ID(), "the two duplicates used up ids 3 and 4")
	_, err = s.Create(draft(1, 2, "web"), nil)
	assert.ErrorIs(t, err, topo.ErrDuplicateName, "the name now hangs under parent 2")

	assert.ErrorIs(t, s.Delete(1, 1), topo.ErrBuiltIn)
	require.NoError(t, s.Delete(1, 2))
	assert.Empty(t, s.Modules(2), "a set's modules go with it")
	_, stored := s.Get(2)
	assert.False(t, stored)
	require.NoError(t, s.Delete(1, 99), "a set that is not there deletes as a success")
	require.NoError(t, s.Delete(1, 5), "a set of another business is left alone")
	_, stored = s.Get(5)
	assert.True(t, stored)
	assert.Equal(t, 2, s.Len())
}

func TestStoreLimit(t *testing.T) {
	s := newStore(1)
	_, err := s.Create(draft(1, 1, "a"), nil)
	require.NoError(t, err)
	_, err = s.Create(draft(1, 1, "b"), nil)
	assert.ErrorIs(t, err, topo.ErrStoreFull)
}

// TestTopology: the businesses, the custom levels and their nodes, and where a set may hang.
func TestTopology(t *testing.T) {
	s := newStore(10)
	s.SetTopology(topo.Topology{Businesses: []topo.Business{{ID: 1, Name: "资源池"}, {ID: 2, Name: "蓝鲸"}}})
	b, ok := s.Business(2)
	assert.True(t, ok)
	assert.Equal(t, "蓝鲸", b.Name)
	assert.False(t, s.HasLevels())
	assert.True(t, s.SetParentExists(2, 999), "no custom level: any positive parent, unchecked")
	assert.False(t, s.SetParentExists(2, 0))

	s.SetTopology(topo.Topology{
		Businesses: []topo.Business{{ID: 1, Name: "资源池"}, {ID: 2, Name: "蓝鲸"}},
		Levels:     []topo.Level{{ObjID: "zone", Name: "Zone"}, {ObjID: "rack", Name: "Rack"}},
		Nodes: []topo.Node{
			{ID: 104, Name: "r1", ObjID: "rack", BizID: 2, ParentID: 103},
			{ID: 103, Name: "z1", ObjID: "zone", BizID: 2},
			{ID: 200, Name: "z2", ObjID: "zone", BizID: 1},
		},
	})
	assert.Equal(t, []topo.Level{{ObjID: "zone", Name: "Zone"}, {ObjID: "rack", Name: "Rack"}}, s.Levels())
	assert.True(t, s.HasLevels())
	assert.Equal(t, []topo.Node{{ID: 103, Name: "z1", ObjID: "zone", BizID: 2}, {ID: 104, Name: "r1", ObjID: "rack", BizID: 2, ParentID: 103}}, s.Nodes(2))
	assert.Equal(t, 1.0, testing.AllocsPerRun(10, func() { _ = s.Nodes(2) }), "a business's nodes are copied once")
	assert.True(t, s.SetParentExists(2, 104), "a node of the lowest level in the business")
	assert.False(t, s.SetParentExists(2, 103), "a node of a level above")
	assert.False(t, s.SetParentExists(1, 104), "a node of another business")
	assert.False(t, s.SetParentExists(2, 2), "the business itself")

	s.Clear()
	_, ok = s.Business(1)
	assert.True(t, ok, "clearing the sets keeps the topology above them")
	s.SetTopology(topo.Topology{})
	_, ok = s.Business(1)
	assert.False(t, ok)
}

// TestSnapshotRestore: a restored store answers as the saved one, counters included.
func TestSnapshotRestore(t *testing.T) {
	s := newStore(10)
	for _, name := range []string{"a", "b", "c"} {
		_, err := s.Create(draft(1, 1, name), []topo.ModuleTemplate{{Name: "m-" + name}})
		require.NoError(t, err)
	}
	require.NoError(t, s.Delete(1, 2))
	saved := s.Snapshot()

	back := newStore(10)
	require.NoError(t, back.Restore(saved))
	assert.Equal(t, s.Sets(), back.Sets())
	assert.Equal(t, s.Modules(3), back.Modules(3))
	next, err := back.Create(draft(1, 1, "d"), nil)
	require.NoError(t, err)
	assert.Equal(t, int64(4), next.ID())
	_, err = back.Create(draft(1, 1, "a"), nil)
	assert.ErrorIs(t, err, topo.ErrDuplicateName, "the name index is restored too")
}

// TestInstallTime: the businesses carry the store's install time, set before or after the
// topology; a saved state keeps it, through Snapshot and Restore as through WriteState and
// ReadState, and a state that has none leaves the store's as it is.
func TestInstallTime(t *testing.T) {
	const installed, later = 1_700_000_000_123, 1_700_000_360_456
	s := newStore(10)
	s.SetInstalled(installed)
	s.SetTopology(topo.Topology{Businesses: []topo.Business{{ID: 2, Name: "蓝鲸"}}})
	b, _ := s.Business(2)
	assert.EqualValues(t, installed, b.Created, "a topology set after")

	fromSnapshot := newStore(10)
	fromSnapshot.SetTopology(topo.Topology{Businesses: []topo.Business{{ID: 2, Name: "蓝鲸"}}})
	fromSnapshot.SetInstalled(later)
	b, _ = fromSnapshot.Business(2)
	assert.EqualValues(t, later, b.Created, "a topology set before")
	require.NoError(t, fromSnapshot.Restore(s.Snapshot()))
	b, _ = fromSnapshot.Business(2)
	assert.EqualValues(t, installed, b.Created)
	assert.EqualValues(t, installed, fromSnapshot.Installed())

	var saved bytes.Buffer
	require.NoError(t, s.WriteState(&saved))
	fromFile := newStore(10)
	fromFile.SetInstalled(later)
	require.NoError(t, fromFile.ReadState(bytes.NewReader(saved.Bytes())))
	assert.EqualValues(t, installed, fromFile.Installed())

	older := newStore(10)
	older.SetInstalled(later)
	require.NoError(t, older.ReadState(strings.NewReader(`{"format":1,"next_set_id":1,"next_module_id":1,"sets":[],"modules":[]}`)))
	assert.EqualValues(t, later, older.Installed(), "a state written before it held the time")
}

// TestSearch: a condition selects within a business, the page cuts, fields trim.
func TestSearch(t *testing.T) {
	s := newStore(10)
	for _, name := range []string{"web-1", "web-2", "db-1"} {
		_, err := s.Create(draft(1, 1, name), nil)
		require.NoError(t, err)
	}
	_, err := s.Create(draft(2, 2, "web-3"), nil)
	require.NoError(t, err)
	count, page, err := s.Search(context.Background(), topo.Query{BizID: 1, Condition: map[string]any{"bk_set_name": map[string]any{"$regex": "^web-"}}, Fields: []string{"bk_set_name"}, Limit: 1, Sort: "-bk_set_name"})
	require.NoError(t, err)
	assert.Equal(t, 2, count)
	assert.Equal(t, []topo.Record{{"bk_set_name": "web-2"}}, page)
	_, _, err = s.Search(context.Background(), topo.Query{BizID: 1, Condition: map[string]any{"x": map[string]any{"$where": 1}}})
	assert.ErrorIs(t, err, topo.ErrRefusedCondition)
}

// TestSearchComparesAsJSON: a condition's values match a record's as JSON: int64 3 is
// json.Number "3", strings by their text, null for an absent field; $in and $ne alike.
func TestSearchComparesAsJSON(t *testing.T) {
	s := newStore(10)
	for _, name := range []string{"a", "b", "c"} {
		_, err := s.Create(draft(1, 1, name), nil)
		require.NoError(t, err)
	}
	cases := []struct {
		name string
		cond map[string]any
		want int
	}{
		{"an id as a JSON number", map[string]any{"bk_set_id": json.Number("2")}, 1},
		{"$in over ids and names", map[string]any{"bk_set_id": map[string]any{"$in": []any{json.Number("1"), json.Number("3"), "x"}}}, 2},
		{"$ne", map[string]any{"bk_set_name": map[string]any{"$ne": "a"}}, 2},
		{"an attribute", map[string]any{"bk_set_desc": "desc"}, 3},
		{"null for an attribute that is null", map[string]any{"bk_capacity": nil}, 3},
		{"null for a field no record has", map[string]any{"nope": nil}, 3},
		{"$regex on an attribute", map[string]any{"bk_set_desc": map[string]any{"$regex": "^de"}}, 3},
		{"$regex on a number", map[string]any{"bk_set_id": map[string]any{"$regex": "1"}}, 0},
	}
	for _, tc := range cases {
		count, _, err := s.Search(context.Background(), topo.Query{BizID: 1, Condition: tc.cond})
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, count, tc.name)
	}
}

// TestSearchIsBounded: a condition of too many tests or too long a pattern is refused before
// any set is read; a page over MaxPage, or reaching too far, is refused; a cancelled search
// stops; and what a search keeps is the page, not every match.
func TestSearchIsBounded(t *testing.T) {
	s := newStore(1000)
	for i := range 300 {
		_, err := s.Create(draft(1, 1, fmt.Sprintf("s%03d", i)), nil)
		require.NoError(t, err)
	}
	ctx := context.Background()
	many := map[string]any{}
	for i := range topo.MaxTerms + 1 {
		many[fmt.Sprintf("f%d", i)] = 1
	}
	_, _, err := s.Search(ctx, topo.Query{BizID: 1, Condition: many})
	assert.ErrorIs(t, err, topo.ErrBadCondition)
	_, _, err = s.Search(ctx, topo.Query{BizID: 1, Sort: strings.Repeat("bk_set_name,", topo.MaxSortKeys) + "bk_set_id"})
	assert.ErrorIs(t, err, topo.ErrRefusedCondition, "a sort of more fields than MongoDB takes")
	long := map[string]any{"bk_set_name": map[string]any{"$regex": strings.Repeat("a", topo.MaxRegexBytes+1)}}
	_, _, err = s.Search(ctx, topo.Query{BizID: 1, Condition: long})
	assert.ErrorIs(t, err, topo.ErrBadCondition)

	_, _, err = s.Search(ctx, topo.Query{BizID: 1, MaxPage: 100})
	assert.ErrorIs(t, err, topo.ErrPageTooLarge, "limit 0: every match, 300 > 100")
	_, _, err = s.Search(ctx, topo.Query{BizID: 1, MaxPage: 100, Limit: 101})
	assert.ErrorIs(t, err, topo.ErrPageTooLarge)
	_, _, err = s.Search(ctx, topo.Query{BizID: 1, Start: 99_990, Limit: 20, Sort: "bk_set_name"})
	assert.ErrorIs(t, err, topo.ErrPageTooLarge, "a page past MaxWindow of a search that keeps a heap")
	_, _, err = s.Search(ctx, topo.Query{BizID: 1, Start: 99_990, Limit: 20, Sort: "bk_set_name", Condition: map[string]any{"bk_parent_id": 1}})
	assert.ErrorIs(t, err, topo.ErrPageTooLarge, "a condition, sorted by name")
	count, page, err := s.Search(ctx, topo.Query{BizID: 1, Start: 99_990, Limit: 20})
	require.NoError(t, err, "a page by id is read from the business's ids at any depth")
	assert.Equal(t, 300, count)
	assert.Empty(t, page)
	count, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: 99_990, Limit: 20, Condition: map[string]any{"bk_parent_id": 1}})
	require.NoError(t, err, "with a condition too, walked in the order of ids")
	assert.Equal(t, 300, count)
	assert.Empty(t, page)
	count, page, err = s.Search(ctx, topo.Query{BizID: 1, MaxPage: 100, Start: 250})
	require.NoError(t, err, "the rest from 250 on fits a page")
	assert.Equal(t, 300, count)
	require.Len(t, page, 50)
	assert.Equal(t, "s250", page[0]["bk_set_name"])

	count, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: 10, Limit: 5, Sort: "-bk_set_name"})
	require.NoError(t, err)
	assert.Equal(t, 300, count)
	assert.Equal(t, []any{"s289", "s288", "s287", "s286", "s285"}, names(page))

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = s.Search(cancelled, topo.Query{BizID: 1})
	assert.ErrorIs(t, err, context.Canceled)
}

// TestDeepPagesByID: a business walked by pages in the order of ids, as a client lists every set
// of it, is answered past the MaxWindow-th set, as CMDB answers any start; in either order, and
// with deleted sets among the ids. A page the store must rank in a heap stays bounded.
func TestDeepPagesByID(t *testing.T) {
	const sets = topo.MaxWindow + 300
	s := newStore(sets + 10)
	for i := 1; i <= sets; i++ {
		s.Put(int64(i), draft(1, 1, fmt.Sprint("s", i)), nil)
	}
	ctx := context.Background()
	ids := func(page []topo.Record) (got []int64) {
		for _, rec := range page {
			got = append(got, rec["bk_set_id"].(int64))
		}
		return got
	}
	count, page, err := s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow + 100, Limit: 3})
	require.NoError(t, err)
	assert.Equal(t, sets, count)
	assert.Equal(t, []int64{topo.MaxWindow + 101, topo.MaxWindow + 102, topo.MaxWindow + 103}, ids(page))
	_, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow + 100, Limit: 3, Sort: "-bk_set_id"})
	require.NoError(t, err)
	assert.Equal(t, []int64{200, 199, 198}, ids(page))
	_, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: sets - 1, Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, []int64{sets}, ids(page), "the last set")

	// Removed ids among them: the walk to the page steps over them, a slice at a time.
	require.NoError(t, s.Delete(1, 5, topo.MaxWindow+250))
	count, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow + 100, Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, sets-2, count)
	assert.Equal(t, []int64{topo.MaxWindow + 102, topo.MaxWindow + 103}, ids(page), "one set fewer before the page")
	_, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow + 100, Limit: 3, Sort: "-bk_set_id"})
	require.NoError(t, err)
	assert.Equal(t, []int64{199, 198, 197}, ids(page), "one set fewer above the page")
	_, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: 2, Limit: 4})
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 4, 6, 7}, ids(page), "over the removed id")

	// A condition, in the order of ids: every set of the business tested, the page kept.
	under := map[string]any{"bk_parent_id": 1}
	count, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow + 100, Limit: 2, Condition: under})
	require.NoError(t, err)
	assert.Equal(t, sets-2, count)
	assert.Equal(t, []int64{topo.MaxWindow + 102, topo.MaxWindow + 103}, ids(page), "as without the condition")
	_, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow + 100, Limit: 3, Sort: "-bk_set_id", Condition: under})
	require.NoError(t, err)
	assert.Equal(t, []int64{199, 198, 197}, ids(page))
	even := map[string]any{"bk_set_name": map[string]any{"$regex": "[02468]$"}}
	count, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow, Limit: 5, Condition: even})
	require.NoError(t, err)
	assert.Equal(t, sets/2-1, count, "the even ids but the one removed")
	assert.Empty(t, page, "fewer matches than the start")
	count, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow, Limit: 5, Condition: map[string]any{"bk_parent_id": 2}})
	require.NoError(t, err)
	assert.Zero(t, count)
	assert.Empty(t, page)

	whileSetsGo(t, s, func() []int64 { // every page in order, none an error
		_, page, err := s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow, Limit: 50})
		require.NoError(t, err)
		return ids(page)
	})

	_, _, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow + 100, Limit: 2, Sort: "bk_set_name"})
	assert.ErrorIs(t, err, topo.ErrPageTooLarge)

	_, _, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow, MaxPage: 50})
	assert.ErrorIs(t, err, topo.ErrPageTooLarge, "every set from start on: 98 > 50")
	count, page, err = s.Search(ctx, topo.Query{BizID: 1, Start: topo.MaxWindow, MaxPage: 100})
	require.NoError(t, err, "every set from start on: 98, a page")
	assert.Equal(t, 98, len(page))
	assert.Equal(t, sets-202, count)
}

// TestDeepModulePagesByID: a page of a business's modules in the order of their ids is answered
// past the MaxWindow-th module, as CMDB answers any start, whatever the condition, in either
// order, with the ids spread however they are (a run, a few far past it, another business's
// among them); the same search is the same page as the modules sorted and cut by hand.
func TestDeepModulePagesByID(t *testing.T) {
	const sets = topo.MaxWindow/2 + 200
	s := newStore(sets + 200)
	for i := 1; i <= sets; i++ {
		s.Put(int64(i), draft(1, 1, fmt.Sprint("s", i)), []topo.Module{{ID: int64(2 * i), Name: "a"}, {ID: int64(2*i + 1), Name: "b"}})
	}
	s.Put(sets+1, draft(1, 1, "far"), []topo.Module{{ID: 1 << 40, Name: "a"}, {ID: 1<<62 + 5, Name: "b"}, {ID: 1<<62 + 9, Name: "a"}})
	for i := int64(sets + 2); i < sets+100; i++ { // another business's, their ids among business 1's
		s.Put(i, draft(2, 2, fmt.Sprint("s", i)), []topo.Module{{ID: 3*i + 1_000_000_000, Name: "a"}, {ID: 1<<41 + i, Name: fmt.Sprint(i)}}[i%2:])
	}
	require.NoError(t, s.Delete(1, 7, 40_000)) // modules 14, 15, 80,000 and 80,001 gone
	ctx := context.Background()
	want := func(q topo.ModuleQuery) (int, []int64) {
		ids := []int64{}
		for i := int64(1); i <= sets+1; i++ {
			for _, m := range s.Modules(i) {
				if name, ok := q.Condition["bk_module_name"]; !ok || m.Name == name {
					ids = append(ids, m.ID)
				}
			}
		}
		slices.Sort(ids)
		if q.Sort == "-bk_module_id" {
			slices.Reverse(ids)
		}
		window := cmp.Or(q.Limit, len(ids))
		return len(ids), ids[min(q.Start, len(ids)):min(q.Start+window, len(ids))]
	}
	got := func(page []topo.Record) []int64 {
		ids := []int64{}
		for _, rec := range page {
			ids = append(ids, rec["bk_module_id"].(int64))
		}
		return ids
	}
	for _, q := range []topo.ModuleQuery{
		{Start: topo.MaxWindow + 100, Limit: 3},
		{Start: topo.MaxWindow + 100, Limit: 3, Sort: "-bk_module_id"},
		{Start: topo.MaxWindow, Limit: 200, Sort: "bk_module_id"},
		{Start: 2*sets - 3, Limit: 10},                                                      // the last of the run and the far ones
		{Start: 2*sets - 3, Limit: 10, Sort: "-bk_module_id"},                               // the first ones
		{Start: topo.MaxWindow - 10, Limit: 50},                                             // across the bound
		{Start: 2*sets - 30, MaxPage: 100},                                                  // every module from start on
		{Start: topo.MaxWindow, Limit: 5, Condition: map[string]any{"bk_module_name": "b"}}, // fewer matches than the start
		{Start: sets - 5, Limit: 5, Condition: map[string]any{"bk_module_name": "a"}, Sort: "-bk_module_id"},
		{Start: topo.MaxWindow, Limit: 5, Condition: map[string]any{"bk_module_name": "none"}},
	} {
		q.BizID = 1
		count, page, err := s.SearchModules(ctx, q)
		require.NoError(t, err, "%+v", q)
		wantCount, wantIDs := want(q)
		assert.Equal(t, wantCount, count, "%+v", q)
		assert.Equal(t, wantIDs, got(page), "%+v", q)
	}

	_, _, err := s.SearchModules(ctx, topo.ModuleQuery{BizID: 1, Start: topo.MaxWindow, Limit: 2, Sort: "bk_module_name"})
	assert.ErrorIs(t, err, topo.ErrPageTooLarge, "a page past MaxWindow of another order is ranked, and refused")
	_, _, err = s.SearchModules(ctx, topo.ModuleQuery{BizID: 1, Start: topo.MaxWindow, MaxPage: 50})
	assert.ErrorIs(t, err, topo.ErrPageTooLarge, "every module from start on: more than a page")

	whileSetsGo(t, s, func() []int64 { // every page in order, none an error
		_, page, err := s.SearchModules(ctx, topo.ModuleQuery{BizID: 1, Start: topo.MaxWindow - 40, Limit: 50})
		require.NoError(t, err)
		return got(page)
	})
}

// TestModulePageLargerThanMaxWindow: a page of modules of more records than MaxWindow (a
// MaxPage above it, as the Go API allows) is refused at once, in any order, as a ranked page
// past MaxWindow is: no heap keeps more. It was sought pass after pass, without end, until its
// context ended.
func TestModulePageLargerThanMaxWindow(t *testing.T) {
	s := newStore(100)
	for i := 1; i <= 20; i++ {
		s.Put(int64(i), draft(1, 1, fmt.Sprint("s", i)), []topo.Module{{ID: int64(i), Name: "m"}})
	}
	search := func(q topo.ModuleQuery) (int, []topo.Record, error) { // each its own ten seconds
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.BizID = 1
		return s.SearchModules(ctx, q)
	}
	for _, sort := range []string{"", "-bk_module_id", "bk_module_name"} {
		_, _, err := search(topo.ModuleQuery{Limit: topo.MaxWindow + 5, MaxPage: topo.MaxWindow + 10, Sort: sort})
		assert.ErrorIs(t, err, topo.ErrPageTooLarge, "sort %q", sort)
	}
	count, page, err := search(topo.ModuleQuery{Start: 1, Limit: topo.MaxWindow, MaxPage: topo.MaxWindow})
	require.NoError(t, err, "a page of MaxWindow from start 1: no room before it, sought down to single ids")
	assert.Equal(t, 20, count)
	assert.Len(t, page, 19)
}

// whileSetsGo reads a page of ids twenty times while business 1's sets 1,000 to 1,199 are
// removed, and asks that each read be in order and not empty.
func whileSetsGo(t *testing.T, s *topo.Store, read func() []int64) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for id := int64(1000); id < 1200; id++ {
			assert.NoError(t, s.Delete(1, id))
		}
	}()
	for range 20 {
		ids := read()
		assert.True(t, slices.IsSorted(ids), "a page in order")
		assert.NotEmpty(t, ids)
	}
	<-done
}

func names(page []topo.Record) []any {
	var out []any
	for _, r := range page {
		out = append(out, r["bk_set_name"])
	}
	return out
}

// TestRestoreValidates: a saved state is checked as it loads: ids positive and unique, names
// unique under a parent, modules unique and of a saved set; counters behind the ids are moved
// past them (a stale next_set_id would hand out an id in use).
func TestRestoreValidates(t *testing.T) {
	s := newStore(10)
	for _, name := range []string{"a", "b"} {
		_, err := s.Create(draft(1, 1, name), []topo.ModuleTemplate{{Name: "m"}})
		require.NoError(t, err)
	}
	good := s.Snapshot()

	stale := good
	stale.NextSetID, stale.NextModuleID = 1, 1
	back := newStore(10)
	require.NoError(t, back.Restore(stale))
	next, err := back.Create(draft(1, 1, "c"), []topo.ModuleTemplate{{Name: "m"}})
	require.NoError(t, err)
	assert.Equal(t, int64(3), next.ID(), "the counter moved past the saved ids")
	assert.Equal(t, int64(3), back.Modules(3)[0].ID)

	bad := func(edit func(st *topo.State)) topo.State {
		st := s.Snapshot()
		edit(&st)
		return st
	}
	cases := map[string]topo.State{
		"a repeated set id": bad(func(st *topo.State) {
			dup := maps.Clone(st.Sets[0])
			dup["bk_set_name"] = "other"
			st.Sets = append(st.Sets, dup)
		}),
		"a set id of 0": bad(func(st *topo.State) { st.Sets[0]["bk_set_id"] = json.Number("0") }),
		"a repeated name under a parent": bad(func(st *topo.State) {
			dup := maps.Clone(st.Sets[0])
			dup["bk_set_id"] = json.Number("9")
			st.Sets = append(st.Sets, dup)
		}),
		"a repeated module id": bad(func(st *topo.State) { st.Modules = append(st.Modules, st.Modules[0]) }),
		"a module of no saved set": bad(func(st *topo.State) {
			st.Modules = append(st.Modules, topo.Module{ID: 50, Name: "m", SetID: 77, BizID: 1})
		}),
		"a module of another business than its set's": bad(func(st *topo.State) {
			st.Modules = append(st.Modules, topo.Module{ID: 50, Name: "m", SetID: st.Modules[0].SetID, BizID: st.Modules[0].BizID + 1})
		}),
	}
	for name, st := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, newStore(10).Restore(st))
		})
	}
}

// TestWriteReadState: what WriteState writes, ReadState reads back into the same store: sets,
// modules, counters and extra fields; and it is the JSON of a State, which Restore takes too.
func TestWriteReadState(t *testing.T) {
	s := newStore(10)
	for _, name := range []string{"a", "b", "c"} {
		_, err := s.Create(draft(1, 1, name), []topo.ModuleTemplate{{Name: "m-" + name}})
		require.NoError(t, err)
	}
	canned := draft(2, 2, "canned")
	canned.Extra = topo.Record{"bk_obj_id": "set", "bk_inst_id": int64(77)}
	_, err := s.Create(canned, nil)
	require.NoError(t, err)
	require.NoError(t, s.Delete(1, 2))

	var buf bytes.Buffer
	require.NoError(t, s.WriteState(&buf))
	back := newStore(10)
	require.NoError(t, back.ReadState(bytes.NewReader(buf.Bytes())))
	assert.Equal(t, s.Sets(), back.Sets())
	assert.Equal(t, s.Modules(3), back.Modules(3))
	next, err := back.Create(draft(1, 1, "d"), nil)
	require.NoError(t, err)
	assert.Equal(t, int64(5), next.ID())

	var st topo.State
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&st))
	again := newStore(10)
	require.NoError(t, again.Restore(st))
	assert.Equal(t, s.Sets(), again.Sets())

	// The modules' indexes come back with them: by id, and by name in their set.
	for _, loaded := range []*topo.Store{back, again} {
		m, ok := loaded.Module(1)
		require.True(t, ok)
		assert.Equal(t, "m-a", m.Name)
		_, err := loaded.CreateModule(topo.Module{Name: "m-a", SetID: 1, BizID: 1})
		assert.ErrorIs(t, err, topo.ErrDuplicateModule)
		_, err = loaded.CreateModule(topo.Module{Name: "m-b", SetID: 1, BizID: 1})
		assert.NoError(t, err)
	}

	for name, bad := range map[string]string{
		"another format":                 `{"format":2,"next_set_id":1,"next_module_id":1,"sets":[],"modules":[]}`,
		"no sets":                        `{"format":1,"next_set_id":1,"next_module_id":1}`,
		"not JSON":                       `{"format":1,"sets":[{`,
		"a set a string":                 `{"format":1,"sets":["x"]}`,
		"empty":                          ``,
		"not an object":                  `[1,2]`,
		"no colon":                       `{"format" 1,"sets":[]}`,
		"no comma":                       `{"format":1 "sets":[]}`,
		"sets not a list":                `{"format":1,"sets":{"a":1}}`,
		"items without a comma":          `{"format":1,"sets":[{"bk_set_id":1} {"bk_set_id":2}]}`,
		"closes what it did not open":    `{"format":1,"sets":[{"bk_set_id":1}]]}`,
		"a module not an object":         `{"format":1,"sets":[],"modules":[5]}`,
		"a format that is a word":        `{"format":"one","sets":[]}`,
		"cut in a string":                `{"format":1,"sets":[{"bk_set_name":"ab`,
		"a module's id twice":            `{"format":1,"sets":[{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"a"}],"modules":[{"bk_module_id":1,"bk_set_id":1},{"bk_module_id":1,"bk_set_id":1}]}`,
		"a module of no saved set":       `{"format":1,"sets":[],"modules":[{"bk_module_id":1,"bk_set_id":1}]}`,
		"two modules of one name":        `{"format":1,"sets":[{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"a"}],"modules":[{"bk_module_id":1,"bk_module_name":"m","bk_set_id":1,"bk_biz_id":1},{"bk_module_id":2,"bk_module_name":"m","bk_set_id":1,"bk_biz_id":1}]}`,
		"two of one name in a large set": manyModules(100, 99, 100),
		"a module's id zero":             `{"format":1,"sets":[{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"a"}],"modules":[{"bk_module_id":0,"bk_set_id":1}]}`,
		"a set of a set":                 `{"format":1,"sets":[{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"a"},{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"b"}]}`,
	} {
		assert.Error(t, newStore(10).ReadState(strings.NewReader(bad)), name)
	}
	assert.NoError(t, newStore(10).ReadState(strings.NewReader(manyModules(100, 0, 0))), "a large set, each name once")
}

// TestHostsOfModules: a module holding hosts refuses the deletes that would take it, and
// nothing is deleted; the hosts go with their module's set when none holds any, stay across
// an update, come back through WriteState and ReadState as through Snapshot and Restore, and a
// state whose hosts name no saved module, or fewer than none, is refused.
func TestHostsOfModules(t *testing.T) {
	s := newStore(10)
	a, err := s.Create(draft(1, 1, "a"), []topo.ModuleTemplate{{Name: "m"}})
	require.NoError(t, err)
	b, err := s.Create(draft(1, 1, "b"), []topo.ModuleTemplate{{Name: "n"}})
	require.NoError(t, err)
	m := s.Modules(a.ID())[0]
	_, err = s.PlaceHosts(m.ID, 3)
	require.NoError(t, err)
	_, err = s.PlaceHosts(999, 1)
	assert.ErrorIs(t, err, topo.ErrNoModule)

	assert.ErrorIs(t, s.DeleteModule(1, a.ID(), m.ID), topo.ErrHasHosts)
	assert.ErrorIs(t, s.Delete(1, b.ID(), a.ID()), topo.ErrHasHosts)
	assert.ErrorIs(t, s.DeleteBusiness(1), topo.ErrHasHosts)
	assert.Equal(t, 2, s.Len(), "nothing is deleted")
	require.NoError(t, s.UpdateModule(topo.Module{ID: m.ID, Name: "renamed", SetID: a.ID(), BizID: 1}))
	assert.Equal(t, int64(3), s.Hosts(m.ID), "an update moves no host")

	var buf bytes.Buffer
	require.NoError(t, s.WriteState(&buf))
	assert.Contains(t, buf.String(), fmt.Sprintf(`"hosts":{"%d":3}`, m.ID))
	back := newStore(10)
	require.NoError(t, back.ReadState(bytes.NewReader(buf.Bytes())))
	again := newStore(10)
	require.NoError(t, again.Restore(s.Snapshot()))
	for _, loaded := range []*topo.Store{back, again} {
		assert.Equal(t, int64(3), loaded.Hosts(m.ID))
		assert.ErrorIs(t, loaded.DeleteModule(1, a.ID(), m.ID), topo.ErrHasHosts)
	}

	_, err = s.PlaceHosts(m.ID, 0)
	require.NoError(t, err)
	require.NoError(t, s.Delete(1, a.ID()))
	assert.Equal(t, 1, s.Len())
	buf.Reset()
	require.NoError(t, s.WriteState(&buf))
	assert.NotContains(t, buf.String(), `"hosts"`, "none holds any")

	set := `{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"a"}`
	for name, bad := range map[string]string{
		"hosts of no saved module": `{"format":1,"sets":[` + set + `],"modules":[{"bk_module_id":1,"bk_set_id":1,"bk_biz_id":1}],"hosts":{"2":1}}`,
		"fewer hosts than none":    `{"format":1,"sets":[` + set + `],"modules":[{"bk_module_id":1,"bk_set_id":1,"bk_biz_id":1}],"hosts":{"1":-1}}`,
		"hosts not a number":       `{"format":1,"sets":[` + set + `],"modules":[{"bk_module_id":1,"bk_set_id":1,"bk_biz_id":1}],"hosts":{"1":"x"}}`,
	} {
		assert.Error(t, newStore(10).ReadState(strings.NewReader(bad)), name)
	}
	first := `{"format":1,"hosts":{"1":2},"sets":[` + set + `],"modules":[{"bk_module_id":1,"bk_set_id":1,"bk_biz_id":1}]}`
	loaded := newStore(10)
	require.NoError(t, loaded.ReadState(strings.NewReader(first)), "hosts before the modules they name")
	assert.Equal(t, int64(2), loaded.Hosts(1))
}

// TestModulesSavedOutOfOrderLoadInOrder: a state the mock did not write may list a set's
// modules in any order, as a fixture's set may; they are held in the order of their ids, and
// each is found, renamed and deleted by its id.
func TestModulesSavedOutOfOrderLoadInOrder(t *testing.T) {
	const set = `{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"a"}`
	var modules []string
	ids := []int64{900, 3, 700, 5, 1}
	for id := range int64(1200) { // past a block of modules, so that the order spans blocks
		if id >= 10 && id != 700 && id != 900 {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		modules = append(modules, fmt.Sprintf(`{"bk_module_id":%d,"bk_module_name":"m%d","bk_set_id":1,"bk_biz_id":1}`, id, id))
	}
	state := `{"format":1,"next_set_id":2,"next_module_id":1,"sets":[` + set + `],"modules":[` + strings.Join(modules, ",") + `]}`
	seed := make([]topo.Module, 0, len(ids))
	for _, id := range ids {
		seed = append(seed, topo.Module{ID: id, Name: fmt.Sprint("m", id)})
	}
	put := newStore(200)
	put.Put(1, draft(1, 1, "a"), seed)
	read := newStore(200)
	require.NoError(t, read.ReadState(strings.NewReader(state)))
	for name, s := range map[string]*topo.Store{"read": read, "put": put} {
		ms := s.Modules(1)
		require.Len(t, ms, len(ids), name)
		assert.True(t, slices.IsSortedFunc(ms, func(a, b topo.Module) int { return cmp.Compare(a.ID, b.ID) }), name)
		for _, id := range ids {
			m, ok := s.Module(id)
			require.True(t, ok, "%s: module %d", name, id)
			assert.Equal(t, fmt.Sprint("m", id), m.Name, name)
		}
		require.NoError(t, s.UpdateModule(topo.Module{ID: 700, Name: "renamed", SetID: 1, BizID: 1}), name)
		s.DeleteModule(1, 1, 3)
		_, ok := s.Module(3)
		assert.False(t, ok, name)
		m, _ := s.Module(700)
		assert.Equal(t, "renamed", m.Name, name)
		rec, err := s.CreateModule(topo.Module{Name: "new", SetID: 1, BizID: 1})
		require.NoError(t, err, name)
		assert.Equal(t, int64(1200), rec["bk_module_id"], name)
	}
}

// manyModules is a state of one set with n modules named m1 to mn, but the modules of ids from
// and to, which share a name.
func manyModules(n, from, to int) string {
	ms := make([]string, n)
	for id := 1; id <= n; id++ {
		name := id
		if id == to {
			name = from
		}
		ms[id-1] = fmt.Sprintf(`{"bk_module_id":%d,"bk_module_name":"m%d","bk_set_id":1,"bk_biz_id":1}`, id, name)
	}
	return `{"format":1,"sets":[{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"a"}],"modules":[` +
		strings.Join(ms, ",") + `]}`
}

// TestBuiltInModulesFollowTheStore: get_biz_internal_module's modules, every module of the
// business whose default is not 0 in id order, are what a scan of every set finds, after puts,
// creates, updates, deletes, a reset of a set and a load; the store reads only the sets that
// hold such modules.
func TestBuiltInModulesFollowTheStore(t *testing.T) {
	s := newStore(100)
	scan := func(s *topo.Store, biz int64) []topo.Module {
		var out []topo.Module
		placed, _ := s.SetsOf(biz, 100)
		for _, p := range placed {
			ms := s.Modules(p.ID)
			require.Len(t, p.Modules, len(ms), "the tree's modules of set %d", p.ID)
			for i, m := range ms {
				assert.Equal(t, topo.PlacedModule{ID: m.ID, Default: m.Default, ServiceTemplateID: m.ServiceTemplateID, Name: m.Name}, p.Modules[i])
				if m.Default != 0 {
					out = append(out, m)
				}
			}
		}
		slices.SortFunc(out, func(a, b topo.Module) int { return cmp.Compare(a.ID, b.ID) })
		return out
	}
	check := func(s *topo.Store, step string) {
		t.Helper()
		for biz := int64(1); biz <= 2; biz++ {
			assert.Equal(t, scan(s, biz), s.BuiltInModules(biz), "%s: business %d", step, biz)
		}
	}
	idle := topo.Draft{BizID: 1, ParentID: 1, Name: "idle", Default: 1, Attrs: draft(0, 0, "").Attrs}
	s.Put(1, idle, []topo.Module{{ID: 1, Name: "空闲机", Default: 1}, {ID: 2, Name: "故障机", Default: 2}})
	s.Put(2, draft(1, 1, "plain"), []topo.Module{{ID: 3, Name: "a"}, {ID: 4, Name: "odd", Default: 3}})
	s.Put(3, draft(2, 2, "other"), []topo.Module{{ID: 5, Name: "b", Default: 1}})
	check(s, "puts")
	require.Len(t, s.BuiltInModules(1), 3)

	set, err := s.Create(draft(1, 1, "made"), nil)
	require.NoError(t, err)
	rec, err := s.CreateModule(topo.Module{Name: "made", SetID: set.ID(), BizID: 1})
	require.NoError(t, err)
	check(s, "a create")
	made := rec["bk_module_id"].(int64)
	require.NoError(t, s.UpdateModule(topo.Module{ID: made, Name: "made", SetID: set.ID(), BizID: 1, Default: 2}))
	check(s, "an update to a default")
	require.Len(t, s.BuiltInModules(1), 4)
	s.DeleteModule(1, 2, 4)
	check(s, "a module's delete")
	s.Put(2, draft(1, 1, "plain"), []topo.Module{{ID: 60, Name: "c", Default: 1}})
	check(s, "a set put anew")
	require.NoError(t, s.Delete(1, set.ID()))
	check(s, "a set's delete")

	var buf bytes.Buffer
	require.NoError(t, s.WriteState(&buf))
	back := newStore(100)
	require.NoError(t, back.ReadState(bytes.NewReader(buf.Bytes())))
	check(back, "a load")
	assert.Equal(t, s.BuiltInModules(1), back.BuiltInModules(1))
	back.Clear()
	check(back, "a clear")
	assert.Empty(t, back.BuiltInModules(1))
}

// TestReadStateKeepsModuleNumbersAsWritten: a module's fields come back from a saved state as
// the module held them, numbers as written, as a live module's are.
func TestReadStateKeepsModuleNumbersAsWritten(t *testing.T) {
	s := newStore(10)
	fields := topo.Record{"n": json.Number("12345678901234567890"), "f": json.Number("1.50"), "l": []any{json.Number("7")}}
	s.Put(1, draft(1, 1, "a"), []topo.Module{{ID: 2, Name: "m", Fields: fields}})
	var buf bytes.Buffer
	require.NoError(t, s.WriteState(&buf))
	back := newStore(10)
	require.NoError(t, back.ReadState(bytes.NewReader(buf.Bytes())))
	assert.Equal(t, s.Modules(1), back.Modules(1))
}

// TestModuleNameIsUniqueInItsSet: CMDB's unique index of modules is (business, set, name). A
// create or an update to a name another module of the set holds is refused; the same name in
// another set, an update that keeps a module's own name, and a name freed by a delete, an
// update or a put are not. The same in a set of a few modules and in one of many.
func TestModuleNameIsUniqueInItsSet(t *testing.T) {
	for _, fill := range []int{0, 300} {
		t.Run(fmt.Sprint(fill, " other modules"), func(t *testing.T) {
			s := newStore(100)
			one, err := s.Create(draft(1, 1, "one"), nil)
			require.NoError(t, err)
			two, err := s.Create(draft(1, 1, "two"), nil)
			require.NoError(t, err)
			create := func(set int64, name string) (int64, error) {
				rec, err := s.CreateModule(topo.Module{Name: name, SetID: set, BizID: 1})
				if err != nil {
					return 0, err
				}
				return rec["bk_module_id"].(int64), nil
			}
			rename := func(id int64, name string) error {
				m, ok := s.Module(id)
				require.True(t, ok)
				m.Name = name
				return s.UpdateModule(m)
			}
			others := func(prefix string) {
				for i := range fill {
					_, err := create(one.ID(), fmt.Sprint(prefix, i))
					require.NoError(t, err)
				}
			}

			others("f-")
			a, err := create(one.ID(), "a")
			require.NoError(t, err)
			b, err := create(one.ID(), "b")
			require.NoError(t, err)
			_, err = create(one.ID(), "a")
			assert.ErrorIs(t, err, topo.ErrDuplicateModule, "a name the set holds")
			_, err = create(two.ID(), "a")
			assert.NoError(t, err, "the same name in another set")
			if fill > 0 {
				_, err = create(one.ID(), "f-0")
				assert.ErrorIs(t, err, topo.ErrDuplicateModule, "the set's first module's name")
			}

			assert.ErrorIs(t, rename(b, "a"), topo.ErrDuplicateModule, "renamed to another module's name")
			assert.NoError(t, rename(a, "a"), "its own name kept")
			assert.NoError(t, rename(a, "c"), "renamed")
			_, err = create(one.ID(), "a")
			assert.NoError(t, err, "the name its module left")
			_, err = create(one.ID(), "c")
			assert.ErrorIs(t, err, topo.ErrDuplicateModule, "the name its module took")

			s.DeleteModule(1, one.ID(), b)
			_, err = create(one.ID(), "b")
			assert.NoError(t, err, "the name of a deleted module")

			s.Put(one.ID(), draft(1, 1, "one"), []topo.Module{{ID: 9000, Name: "put"}})
			others("g-")
			_, err = create(one.ID(), "a")
			assert.NoError(t, err, "the set's modules replaced by a put")
			_, err = create(one.ID(), "put")
			assert.ErrorIs(t, err, topo.ErrDuplicateModule, "a module a put made")
			_, err = create(one.ID(), "a")
			assert.ErrorIs(t, err, topo.ErrDuplicateModule, "a module made after the put")
		})
	}
}

// TestStateCopiedWhileModulesAreMade: a state written from a copy of the store while modules
// are made in its set, and deleted and renamed, loads, and holds the modules made before, which
// nothing changes: a module appended to a set's modules is past what the copy reads (the race
// detector watches). A search, which reads a set's modules after letting the lock go, finds
// them too.
func TestStateCopiedWhileModulesAreMade(t *testing.T) {
	s := newStore(100)
	set, err := s.Create(draft(1, 1, "a"), nil)
	require.NoError(t, err)
	for i := range 100 {
		_, err := s.CreateModule(topo.Module{Name: fmt.Sprint("m", i), SetID: set.ID(), BizID: 1})
		require.NoError(t, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 500 {
			rec, err := s.CreateModule(topo.Module{Name: fmt.Sprint("n", i), SetID: set.ID(), BizID: 1})
			if !assert.NoError(t, err) {
				return
			}
			id := rec["bk_module_id"].(int64)
			if i%3 == 0 {
				s.DeleteModule(1, set.ID(), id)
			} else if m, ok := s.Module(id); ok && i%3 == 1 {
				m.Name += "-renamed"
				assert.NoError(t, s.UpdateModule(m))
			}
		}
	}()
	for range 50 {
		write := s.StateWriter()
		var buf bytes.Buffer
		require.NoError(t, write(&buf))
		back := newStore(100)
		require.NoError(t, back.ReadState(&buf), "a state that loads: each module once")
		kept := back.Modules(set.ID())
		require.GreaterOrEqual(t, len(kept), 100)
		for i, m := range kept[:100] {
			assert.Equal(t, fmt.Sprint("m", i), m.Name, "the modules made before, which nothing changes")
		}
		// A search reads them once the store's lock is let go, as the writer does.
		n, page, err := s.SearchModules(context.Background(), topo.ModuleQuery{BizID: 1, SetID: set.ID(), Limit: 100})
		require.NoError(t, err)
		require.GreaterOrEqual(t, n, 100)
		for i, rec := range page {
			assert.Equal(t, fmt.Sprint("m", i), rec["bk_module_name"], "the modules made before, which nothing changes")
		}
	}
	<-done
}

// allocatedPerCall is the bytes f allocates a call, over calls calls.
func allocatedPerCall(calls int, f func(i int)) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range calls {
		f(i)
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(calls)
}

// TestModuleCreateCostDoesNotGrowWithItsSet: a module made in a set of thousands allocates
// about what one made in a set of one does, where copying the set's modules each time made
// every create cost the size of its set (and the set's thousandth module a thousand times
// more work than its first).
func TestModuleCreateCostDoesNotGrowWithItsSet(t *testing.T) {
	s := newStore(1000) // room for 10,000 modules
	set, err := s.Create(draft(1, 1, "big"), nil)
	require.NoError(t, err)
	for i := range 5000 {
		_, err := s.CreateModule(topo.Module{Name: fmt.Sprint("m", i), SetID: set.ID(), BizID: 1})
		require.NoError(t, err)
	}
	perCreate := allocatedPerCall(1000, func(i int) {
		_, err := s.CreateModule(topo.Module{Name: fmt.Sprint("n", i), SetID: set.ID(), BizID: 1})
		require.NoError(t, err)
	})
	// The set's modules are 5,000 x 112 bytes: a copy each create would be 560 KB.
	assert.Less(t, perCreate, uint64(16<<10), "bytes allocated a create in a set of 5,000 modules")
}

// TestModuleChangeCostDoesNotGrowWithItsSet: a module renamed or deleted in a set of tens of
// thousands allocates about what one in a set of a few hundred does, and the set still holds
// what the calls left: a change that copied the set's modules cost a set of a million modules
// 112 MB and 56-90 ms an update, under the store's lock (BenchmarkLargeSet).
func TestModuleChangeCostDoesNotGrowWithItsSet(t *testing.T) {
	const size = 20000
	s := newStore(size / topo.ModulesPerSet)
	set, err := s.Create(draft(1, 1, "big"), nil)
	require.NoError(t, err)
	ids := make([]int64, size)
	for i := range ids {
		rec, err := s.CreateModule(topo.Module{Name: fmt.Sprint("m", i), SetID: set.ID(), BizID: 1})
		require.NoError(t, err)
		ids[i] = rec["bk_module_id"].(int64)
	}
	// Every 197th module: calls spread over the whole set, none on the same one.
	update := allocatedPerCall(100, func(i int) {
		require.NoError(t, s.UpdateModule(topo.Module{ID: ids[i*197], Name: fmt.Sprint("u", i), SetID: set.ID(), BizID: 1}))
	})
	remove := allocatedPerCall(100, func(i int) { s.DeleteModule(1, set.ID(), ids[i*197+1]) })
	// The set's modules are 20,000 x 112 bytes: a copy a call would be 2.2 MB.
	t.Logf("bytes allocated a call in a set of %d modules: update %d, delete %d", size, update, remove)
	assert.Less(t, update, uint64(128<<10), "bytes allocated an update in a set of 20,000 modules")
	assert.Less(t, remove, uint64(128<<10), "bytes allocated a delete in a set of 20,000 modules")

	ms := s.Modules(set.ID())
	require.Len(t, ms, size-100)
	renamed, gone := 0, 0
	for i, id := range ids {
		m, ok := s.Module(id)
		switch {
		case i%197 == 1 && i/197 < 100:
			assert.False(t, ok, "module %d deleted", id)
			gone++
		case i%197 == 0 && i/197 < 100:
			assert.Equal(t, fmt.Sprint("u", i/197), m.Name)
			renamed++
		default:
			assert.Equal(t, fmt.Sprint("m", i), m.Name)
		}
	}
	assert.Equal(t, []int{100, 100}, []int{renamed, gone})
	assert.True(t, slices.IsSortedFunc(ms, func(a, b topo.Module) int { return cmp.Compare(a.ID, b.ID) }), "the modules in the order they were made")
}

// TestCreateModuleNeedsItsSet: a module is stored in a set the store holds, or not at all; a
// set deleted takes its modules with it, and their ids find nothing.
func TestCreateModuleNeedsItsSet(t *testing.T) {
	s := newStore(10)
	_, err := s.CreateModule(topo.Module{Name: "m", SetID: 99, BizID: 1})
	assert.ErrorIs(t, err, topo.ErrNoSet)

	set, err := s.Create(draft(1, 1, "a"), nil)
	require.NoError(t, err)
	_, err = s.CreateModule(topo.Module{Name: "m", SetID: set.ID(), BizID: 2})
	assert.ErrorIs(t, err, topo.ErrNoSet, "a set of another business")
	rec, err := s.CreateModule(topo.Module{Name: "m", SetID: set.ID(), BizID: 1})
	require.NoError(t, err)
	id := rec["bk_module_id"].(int64)
	require.NoError(t, s.Delete(1, set.ID()))
	_, ok := s.Module(id)
	assert.False(t, ok, "gone with its set")
	assert.Empty(t, s.Modules(set.ID()))
	_, err = s.CreateModule(topo.Module{Name: "m", SetID: set.ID(), BizID: 1})
	assert.ErrorIs(t, err, topo.ErrNoSet)
}

// TestModuleKeepsOnlyFieldsOtherThanTheDefaults: a module's fields that the model's defaults
// give as they are are not kept, on a create, an update, a put and a load alike; its record is
// the same, and a module made with nothing but the defaults keeps no map at all.
func TestModuleKeepsOnlyFieldsOtherThanTheDefaults(t *testing.T) {
	defaults := topo.Record{"bk_module_type": "1", "operator": nil, "bk_bak_operator": nil, "bk_updated_by": nil,
		"host_apply_enabled": false, "bk_supplier_account": "0"}
	others := topo.Record{"bk_module_type": "2", "operator": "bob", "host_apply_enabled": json.Number("0"),
		"bk_bak_operator": []any{"x"}, "custom": map[string]any{"k": nil}}
	s := newStore(10)
	set, err := s.Create(draft(1, 1, "a"), nil)
	require.NoError(t, err)
	s.Put(9, draft(1, 1, "b"), []topo.Module{{ID: 50, Name: "put", Fields: maps.Clone(defaults)}})
	for _, c := range []struct {
		name   string
		fields topo.Record
		kept   topo.Record
	}{
		{"defaults", defaults, nil},
		{"others", others, others},
		{"both", topo.Record{"bk_module_type": "1", "operator": "bob", "custom": "x"}, topo.Record{"operator": "bob", "custom": "x"}},
	} {
		sent := maps.Clone(c.fields)
		rec, err := s.CreateModule(topo.Module{Name: c.name, SetID: set.ID(), BizID: 1, Fields: sent})
		require.NoError(t, err, c.name)
		assert.Equal(t, c.fields, sent, "%s: the caller's fields are left as they are", c.name)
		m, ok := s.Module(rec["bk_module_id"].(int64))
		require.True(t, ok)
		assert.Equal(t, c.kept, m.Fields, c.name)
		want := s.ModuleRecord(topo.Module{ID: m.ID, Name: c.name, SetID: set.ID(), BizID: 1, Fields: c.fields})
		assert.Equal(t, want, rec, c.name)
		assert.Equal(t, want, s.ModuleRecord(m), c.name)
		m.Fields = maps.Clone(defaults)
		require.NoError(t, s.UpdateModule(m))
		m, _ = s.Module(m.ID)
		assert.Nil(t, m.Fields, "%s: updated to the defaults", c.name)
	}
	put, _ := s.Module(50)
	assert.Nil(t, put.Fields)
	saved := topo.State{Format: topo.StateFormat, Sets: []topo.Record{set.Record()},
		Modules: []topo.Module{{ID: 60, Name: "m", SetID: set.ID(), BizID: 1, Fields: maps.Clone(defaults)}}}
	back := newStore(10)
	require.NoError(t, back.Restore(saved))
	loaded, _ := back.Module(60)
	assert.Nil(t, loaded.Fields)
}

// TestWriteStateIsTheSameForTheSameStore: a store written twice, or written, read and written
// again, gives the same text: its modules come in the order of their sets.
func TestWriteStateIsTheSameForTheSameStore(t *testing.T) {
	s := newStore(100)
	for i := range 50 {
		set, err := s.Create(draft(1, 1, fmt.Sprint("s", i)), []topo.ModuleTemplate{{Name: "a"}, {Name: "b"}})
		require.NoError(t, err)
		_, err = s.CreateModule(topo.Module{Name: "c", SetID: set.ID(), BizID: 1})
		require.NoError(t, err)
	}
	var first, second, again bytes.Buffer
	require.NoError(t, s.WriteState(&first))
	require.NoError(t, s.WriteState(&second))
	assert.Equal(t, first.String(), second.String())
	back := newStore(100)
	require.NoError(t, back.ReadState(bytes.NewReader(first.Bytes())))
	require.NoError(t, back.WriteState(&again))
	assert.Equal(t, first.String(), again.String())
}

// TestReadStateKeepsNestedValuesWhole: the kept fields of saved sets that hold objects and lists
// come back whole, whatever the sets read after them hold (each set's record is decoded into
// maps lent for that set alone).
func TestReadStateKeepsNestedValuesWhole(t *testing.T) {
	s := newStore(1000)
	for i := range 300 {
		d := draft(1, 1, fmt.Sprint("s", i))
		d.Extra = topo.Record{
			// As a request's decode gives them: numbers within an object or a list as written.
			"bk_inst_id":     map[string]any{"n": json.Number(fmt.Sprint(i)), "tags": []any{"a", map[string]any{"k": fmt.Sprint("v", i)}}},
			"bk_data_status": []any{json.Number(fmt.Sprint(i)), map[string]any{}},
		}
		_, err := s.Create(d, nil)
		require.NoError(t, err)
	}
	var buf bytes.Buffer
	require.NoError(t, s.WriteState(&buf))
	back := newStore(1000)
	require.NoError(t, back.ReadState(bytes.NewReader(buf.Bytes())))
	assert.Equal(t, s.Sets(), back.Sets())
}

// TestSearchModulesIsBoundedByThePage: a module search makes records only for the page it
// keeps, so what it allocates does not grow with the modules stored (counted, not timed).
func TestSearchModulesIsBoundedByThePage(t *testing.T) {
	allocs := func(sets int) float64 {
		s := newStore(sets + 1)
		for i := 1; i <= sets; i++ {
			s.Put(int64(i), draft(1, 1, fmt.Sprint("s", i)), []topo.Module{{ID: int64(2 * i), Name: "a"}, {ID: int64(2*i + 1), Name: "b"}})
		}
		q := topo.ModuleQuery{BizID: 1, Condition: map[string]any{"bk_module_name": "b"}, Limit: 10, Sort: "-bk_module_id"}
		count, page, err := s.SearchModules(context.Background(), q)
		require.NoError(t, err)
		require.Equal(t, sets, count)
		require.Len(t, page, 10)
		require.Equal(t, int64(2*sets+1), page[0]["bk_module_id"])
		return testing.AllocsPerRun(5, func() { _, _, _ = s.SearchModules(context.Background(), q) })
	}
	small, large := allocs(1_000), allocs(50_000)
	assert.Less(t, large, small*2, "allocations with 100,000 modules (%v) against 2,000 (%v)", large, small)
}

// FuzzReadState: whatever a state file holds, ReadState answers without a panic or a hang, and
// what it accepts is a state encoding/json reads too.
func FuzzReadState(f *testing.F) {
	s := newStore(10)
	for _, name := range []string{"a", "b\"\\c", "中"} {
		_, err := s.Create(draft(1, 1, name), []topo.ModuleTemplate{{Name: "m"}})
		require.NoError(f, err)
	}
	s.SetInstalled(1_700_000_000_123)
	var buf bytes.Buffer
	require.NoError(f, s.WriteState(&buf))
	f.Add(buf.String())
	f.Add(`{"format":1,"sets":[],"modules":[],"later":{"x":[1,"]}"]}}`)
	f.Add(`{"format":1,"next_set_id":7,"sets":[ ] , "modules" : [ ] }`)
	f.Fuzz(func(t *testing.T, text string) {
		err := newStore(10).ReadState(strings.NewReader(text))
		if err == nil {
			var v map[string]any
			assert.NoError(t, json.Unmarshal([]byte(text), &v), "ReadState took %q", text)
		}
	})
}

// TestReadStateAcrossBufferEdges: a state read through a reader that gives a byte at a time
// loads as from one that gives it whole: a value cut where the buffer ends is read on.
func TestReadStateAcrossBufferEdges(t *testing.T) {
	s := newStore(10)
	// Escapes too: a quote after one backslash is in the string, after two it ends it.
	for _, name := range []string{"a", strings.Repeat("长", 5000), "c", `q"`, `b\`, `b\"q`, `\\\"\`, strings.Repeat(`\`, 4000)} {
		_, err := s.Create(draft(1, 1, name), []topo.ModuleTemplate{{Name: "m"}})
		require.NoError(t, err)
	}
	var buf bytes.Buffer
	require.NoError(t, s.WriteState(&buf))
	back := newStore(10)
	require.NoError(t, back.ReadState(iotest.OneByteReader(bytes.NewReader(buf.Bytes()))))
	assert.Equal(t, s.Sets(), back.Sets())
	assert.Equal(t, s.Modules(2), back.Modules(2))
}

// TestReadStateSaysWhyItsReaderStopped: a reader that fails part way fails the load with its own
// error, not as a state cut short, and the store keeps what it held.
func TestReadStateSaysWhyItsReaderStopped(t *testing.T) {
	s := newStore(10)
	for _, name := range []string{"a", "b", "c"} {
		_, err := s.Create(draft(1, 1, name), nil)
		require.NoError(t, err)
	}
	var buf bytes.Buffer
	require.NoError(t, s.WriteState(&buf))
	back := newStore(10)
	_, err := back.Create(draft(1, 1, "kept"), nil)
	require.NoError(t, err)
	gone := errors.New("the rest of the state is gone")
	cut := io.MultiReader(bytes.NewReader(buf.Bytes()[:buf.Len()/2]), iotest.ErrReader(gone))
	assert.ErrorIs(t, back.ReadState(cut), gone)
	assert.Len(t, back.Sets(), 1, "the store keeps what it held")
}

// TestSearchPagesAgreeWithASort: every page of every order, at every depth, is the slice of the
// whole business sorted by the order's fields in turn, each ascending or descending, and then by
// id in the first one's direction, with ties, and with freed slots used again so that the
// store's order is not the ids'.
func TestSearchPagesAgreeWithASort(t *testing.T) {
	s := newStore(1000)
	var ids []int64
	for i := range 300 {
		set, err := s.Create(draft(1, int64(1+i/37), fmt.Sprint("n", i%37)), nil)
		require.NoError(t, err)
		ids = append(ids, set.ID())
	}
	for i, id := range ids {
		if i%7 == 0 {
			require.NoError(t, s.Delete(1, id))
		}
	}
	for i := range 40 {
		_, err := s.Create(draft(1, 100, fmt.Sprint("late", i%3, "-", i)), nil)
		require.NoError(t, err)
	}
	ctx := context.Background()
	count, all, err := s.Search(ctx, topo.Query{BizID: 1})
	require.NoError(t, err)
	require.Len(t, all, count)
	for _, sort := range []string{"", "bk_set_id", "-bk_set_id", "bk_set_name", "-bk_set_name", "bk_parent_id", "-bk_parent_id",
		"bk_parent_id,-bk_set_name", "-bk_parent_id,bk_set_name", "-bk_set_name,bk_parent_id", "bk_set_name,-bk_set_id,bk_parent_id"} {
		want := slices.Clone(all)
		keys := strings.Split(sort, ",")
		slices.SortStableFunc(want, func(a, b topo.Record) int {
			for _, key := range keys {
				field, desc := strings.TrimPrefix(key, "-"), strings.HasPrefix(key, "-")
				c := 0
				if field != "" {
					c = cmpValues(a[field], b[field])
				}
				if desc {
					c = -c
				}
				if c != 0 || field == "bk_set_id" {
					return c
				}
			}
			c := cmp.Compare(a["bk_set_id"].(int64), b["bk_set_id"].(int64))
			if strings.HasPrefix(sort, "-") {
				return -c
			}
			return c
		})
		for _, start := range []int{0, 1, 5, 100, 250, 400} {
			for _, limit := range []int{1, 10, 0} {
				n, page, err := s.Search(ctx, topo.Query{BizID: 1, Sort: sort, Start: start, Limit: limit})
				require.NoError(t, err)
				assert.Equal(t, count, n)
				end := len(want)
				if limit > 0 {
					end = min(start+limit, end)
				}
				expected := want[min(start, len(want)):max(end, min(start, len(want)))]
				assert.Equal(t, idsOf(expected), idsOf(page), "sort %q start %d limit %d", sort, start, limit)
			}
		}
	}
}

func cmpValues(a, b any) int {
	if x, ok := a.(int64); ok {
		return cmp.Compare(x, b.(int64))
	}
	return cmp.Compare(a.(string), b.(string))
}

func idsOf(page []topo.Record) []int64 {
	out := make([]int64, len(page))
	for i, r := range page {
		out[i] = r["bk_set_id"].(int64)
	}
	return out
}

// TestSearchByNameAgreesWithAScan: a search for a name, which the name index answers, finds what
// a read of every set finds ($in is not looked up), whatever the parents, the businesses, and
// the creates, updates and deletes before it.
func TestSearchByNameAgreesWithAScan(t *testing.T) {
	s := newStore(10_000)
	ctx := context.Background()
	var ids []int64
	for i := range 600 {
		biz, parent := int64(1+i%2), int64(10+i%13) // thirteen parents, each in both businesses
		set, err := s.Create(draft(biz, parent+biz*100, fmt.Sprint("name-", i%50)), nil)
		require.NoError(t, err)
		ids = append(ids, set.ID())
	}
	for i, id := range ids {
		switch i % 5 {
		case 0:
			require.NoError(t, s.Delete(int64(1+i%2), id))
		case 1:
			_, err := s.Update(int64(1+i%2), id, draft(0, 0, fmt.Sprint("renamed-", i)))
			require.NoError(t, err)
		}
	}
	names := []string{"absent"}
	for i := range 50 {
		names = append(names, fmt.Sprint("name-", i))
	}
	for i := 1; i < len(ids); i += 5 {
		names = append(names, fmt.Sprint("renamed-", i))
	}
	for _, biz := range []int64{1, 2, 3} {
		for _, name := range names {
			for _, extra := range []map[string]any{nil, {"bk_parent_id": 110}, {"bk_set_desc": "other"}} {
				byName, byScan := map[string]any{"bk_set_name": name}, map[string]any{"bk_set_name": map[string]any{"$in": []any{name}}}
				maps.Copy(byName, extra)
				maps.Copy(byScan, extra)
				n1, page1, err := s.Search(ctx, topo.Query{BizID: biz, Condition: byName, Sort: "-bk_set_id"})
				require.NoError(t, err)
				n2, page2, err := s.Search(ctx, topo.Query{BizID: biz, Condition: byScan, Sort: "-bk_set_id"})
				require.NoError(t, err)
				assert.Equal(t, n2, n1, "business %d, %q, %v", biz, name, extra)
				assert.Equal(t, page2, page1, "business %d, %q, %v", biz, name, extra)
			}
		}
	}
	n, _, err := s.Search(ctx, topo.Query{BizID: 1, Condition: map[string]any{"bk_set_name": "name-4"}})
	require.NoError(t, err)
	assert.Positive(t, n, "the table above found sets")
}

// TestPageByIDAgreesWithAScan: a search for every set of a business by id, which the business's
// ids answer, finds what a read of every set finds (a condition that holds for every set makes
// the search read them all), through creates, updates, deletes that leave and then compact
// holes, sets of another owner, seeds put in any order, and a save and load.
func TestPageByIDAgreesWithAScan(t *testing.T) {
	ctx := context.Background()
	agree := func(t *testing.T, s *topo.Store, when string) {
		t.Helper()
		every := map[string]any{"bk_set_id": map[string]any{"$nin": []any{}}}
		for _, biz := range []int64{1, 2, 3} {
			// The sets of a business for its tree, read from its ids, against a scan.
			_, all, err := s.Search(ctx, topo.Query{BizID: biz, Condition: every})
			require.NoError(t, err)
			placed, more := s.SetsOf(biz, len(all))
			assert.False(t, more, "%s: biz %d", when, biz)
			var got []topo.Record
			for _, p := range placed {
				got = append(got, topo.Record{"bk_set_id": p.ID, "bk_set_name": p.Name, "bk_parent_id": p.ParentID})
			}
			var want []topo.Record
			for _, rec := range all {
				want = append(want, topo.Record{"bk_set_id": rec["bk_set_id"], "bk_set_name": rec["bk_set_name"], "bk_parent_id": rec["bk_parent_id"]})
			}
			assert.Equal(t, want, got, "%s: biz %d", when, biz)
			if len(all) > 0 {
				_, more = s.SetsOf(biz, len(all)-1)
				assert.True(t, more, "%s: biz %d, one more than the limit", when, biz)
			}
			// Its idle set and built-in modules, against a scan of its sets.
			var idle int64
			var builtIn []topo.Module
			for _, rec := range all {
				id := rec["bk_set_id"].(int64)
				if rec["default"] == int64(1) && idle == 0 {
					idle = id
				}
				for _, m := range s.Modules(id) {
					if m.Default != 0 {
						builtIn = append(builtIn, m)
					}
				}
			}
			set, found := s.IdleSet(biz)
			assert.Equal(t, idle != 0, found, "%s: biz %d", when, biz)
			assert.Equal(t, idle, set.ID(), "%s: biz %d", when, biz)
			slices.SortFunc(builtIn, func(a, b topo.Module) int { return cmp.Compare(a.ID, b.ID) })
			assert.Equal(t, builtIn, s.BuiltInModules(biz), "%s: biz %d", when, biz)
			for _, owners := range [][]string{nil, {"0"}, {"0", "tenant"}, {"tenant"}} {
				for _, sort := range []string{"", "bk_set_id", "-bk_set_id"} {
					for _, page := range [][2]int{{0, 1}, {0, 10}, {3, 7}, {50, 20}, {199, 50}, {0, 0}, {180, 0}, {1000, 5}} {
						q := topo.Query{BizID: biz, Owners: owners, Sort: sort, Start: page[0], Limit: page[1]}
						scan := q
						scan.Condition = every
						sameSearch(t, s, q, scan, "%s: biz %d owners %v sort %q page %v", when, biz, owners, sort, page)
					}
				}
			}
		}
	}
	s := newStore(10_000)
	for biz := int64(1); biz <= 2; biz++ { // an idle set each, and a module of another kind in an ordinary set
		idle := draft(biz, biz, "idle")
		idle.Default = 1
		s.Put(9000+biz, idle, []topo.Module{{ID: 2*biz - 1, Name: "空闲机", Default: 1}, {ID: 2 * biz, Name: "ok"}})
		s.Put(9010+biz, draft(biz, biz, "recycled"), []topo.Module{{ID: 10 + biz, Name: "待回收", Default: 3}})
	}
	var ids []int64
	for i := range 400 {
		d := draft(int64(1+i%2), int64(1+i%2), fmt.Sprint("s", i))
		if i%97 == 0 && i%2 == 1 {
			d.Extra = topo.Record{"bk_supplier_account": "tenant"} // business 2 holds a few of another owner
		}
		set, err := s.Create(d, nil)
		require.NoError(t, err)
		ids = append(ids, set.ID())
	}
	agree(t, s, "created")
	for i, id := range ids {
		if i%3 == 0 {
			_, err := s.Update(int64(1+i%2), id, draft(0, 0, fmt.Sprint("u", i)))
			require.NoError(t, err)
		}
	}
	agree(t, s, "updated")
	for i, id := range ids {
		if i%4 == 1 {
			require.NoError(t, s.Delete(int64(1+i%2), id))
		}
	}
	agree(t, s, "a quarter deleted")
	for i, id := range ids {
		if i%4 == 2 || i%4 == 3 {
			require.NoError(t, s.Delete(int64(1+i%2), id))
		}
	}
	agree(t, s, "three quarters deleted, the holes compacted")
	for i := range 30 {
		_, err := s.Create(draft(1, 1, fmt.Sprint("late", i)), nil)
		require.NoError(t, err)
	}
	agree(t, s, "created into freed slots")

	var buf bytes.Buffer
	require.NoError(t, s.WriteState(&buf))
	back := newStore(10_000)
	require.NoError(t, back.ReadState(bytes.NewReader(buf.Bytes())))
	agree(t, back, "loaded")

	var seeds []topo.Seed
	for i := range 200 {
		seeds = append(seeds, topo.Seed{ID: int64((i * 7919) % 1000), Draft: draft(1, 1, fmt.Sprint("seed", i))})
	}
	seeds = slices.DeleteFunc(seeds, func(sd topo.Seed) bool { return sd.ID == 0 })
	s.Reset(seeds)
	agree(t, s, "seeded in any order")
	s.Put(5000, draft(2, 2, "put"), nil)
	s.Put(3, draft(2, 2, "put under an id taken"), nil)
	s.Put(4, draft(1, 1, "put before the last"), nil)
	agree(t, s, "put")
}

// TestPageJSONMatchesItsRecords: a page written from its rows is, byte for byte, what
// encoding/json writes of its records without HTML escaping, whatever fields it asks for: none,
// repeated, unknown, or kept by some records only; an empty page is an empty list.
func TestPageJSONMatchesItsRecords(t *testing.T) {
	s := newStore(100)
	values := []any{nil, "", "<b>&\u2028\"é\x01", int64(-5), json.Number("1.50"), map[string]any{"z": []any{"<", json.Number("2")}, "a": nil}, true}
	for i, v := range values {
		d := draft(1, 1, fmt.Sprint("set<", i, ">"))
		d.Attrs = append(append(topo.AppendValue(nil, v), 0), append(topo.AppendValue(nil, "desc&"), 0)...)
		if i%2 == 1 {
			d.Extra = topo.Record{"bk_inst_id": v, "bk_supplier_account": "42"}
		}
		if i == 3 {
			d.Updated = d.Created + 1500
		}
		_, err := s.Create(d, nil)
		require.NoError(t, err)
	}
	all := []string{"bk_inst_id", "unknown", "create_time", "last_time", "bk_supplier_account", "bk_capacity", "bk_set_desc",
		"default", "set_template_id", "bk_created_by", "bk_created_at", "bk_updated_at", "bk_parent_id", "bk_biz_id", "bk_set_id"}
	for _, q := range []topo.Query{
		{BizID: 1}, {BizID: 1, Fields: []string{"bk_set_name"}}, {BizID: 1, Fields: []string{"bk_set_name", "bk_capacity", "bk_set_name"}},
		{BizID: 1, Fields: all}, {BizID: 1, Fields: []string{"unknown"}}, {BizID: 1, Sort: "-bk_set_name", Start: 2, Limit: 3},
		{BizID: 2}, {BizID: 1, Condition: map[string]any{"bk_set_name": "none"}, Fields: all},
	} {
		_, page, err := s.SearchPage(context.Background(), q)
		require.NoError(t, err)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(page.Records()))
		assert.Equal(t, strings.TrimSuffix(buf.String(), "\n"), string(page.AppendJSON(nil)), "%+v", q)
	}
}

// TestPageIsReadWhenWritten: a page holds where its sets are, not copies, and reads them when it
// is written: a set deleted since the search is left out, and so is the set that took its place
// in the store, and a set changed so that it no longer matches; a set changed that still matches
// is written as it is now; a page of a store emptied since is empty. Pages written while sets
// come and go read whole sets (go test -race).
func TestPageIsReadWhenWritten(t *testing.T) {
	s := newStore(1000)
	ids := map[string]int64{}
	for _, name := range []string{"a", "b", "c", "d"} {
		set, err := s.Create(draft(1, 1, name), nil)
		require.NoError(t, err)
		ids[name] = set.ID()
	}
	fields := []string{"bk_set_name", "bk_set_desc"}
	_, byID, err := s.SearchPage(context.Background(), topo.Query{BizID: 1, Fields: fields})
	require.NoError(t, err)
	_, matching, err := s.SearchPage(context.Background(), topo.Query{BizID: 1, Fields: fields, Condition: map[string]any{"bk_set_desc": "desc"}})
	require.NoError(t, err)

	require.NoError(t, s.Delete(1, ids["b"]))
	_, err = s.Create(draft(1, 1, "e"), nil) // into the slot b left
	require.NoError(t, err)
	changed := draft(1, 1, "c")
	changed.Attrs = append(append(topo.AppendValue(nil, nil), 0), append(topo.AppendValue(nil, "other"), 0)...)
	_, err = s.Update(1, ids["c"], changed)
	require.NoError(t, err)

	assert.JSONEq(t, `[{"bk_set_name":"a","bk_set_desc":"desc"},{"bk_set_name":"c","bk_set_desc":"other"},{"bk_set_name":"d","bk_set_desc":"desc"}]`,
		string(byID.AppendJSON(nil)))
	assert.JSONEq(t, `[{"bk_set_name":"a","bk_set_desc":"desc"},{"bk_set_name":"d","bk_set_desc":"desc"}]`, string(matching.AppendJSON(nil)))
	assert.Len(t, matching.Records(), 2)

	t.Run("after the store was emptied", func(t *testing.T) {
		s := newStore(1000)
		for i := range 3 {
			_, err := s.Create(draft(1, 1, fmt.Sprint("gone", i)), nil)
			require.NoError(t, err)
		}
		_, page, err := s.SearchPage(context.Background(), topo.Query{BizID: 1, Fields: fields})
		require.NoError(t, err)
		s.Clear() // the page's slots are past the new slab's end
		assert.Equal(t, "[]", string(page.AppendJSON(nil)))
		assert.Empty(t, page.Records())
	})

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			set, err := s.Create(draft(1, 1, fmt.Sprint("churn", i)), nil)
			if !assert.NoError(t, err) {
				return
			}
			assert.NoError(t, s.Delete(1, set.ID()))
		}
	}()
	for range 300 {
		_, page, err := s.SearchPage(context.Background(), topo.Query{BizID: 1, Fields: fields})
		require.NoError(t, err)
		var sets []map[string]any
		require.NoError(t, json.Unmarshal(page.AppendJSON(nil), &sets))
		for _, set := range sets {
			assert.Len(t, set, 2, "a whole set")
		}
	}
	<-done
}

// TestSearchModulesReadsTheRightSets: a search by module ids reads the sets of those modules, a
// search of a business its own sets; either finds what a scan of every module finds, an id
// asked for twice, or two of one set, counted once.
func TestSearchModulesReadsTheRightSets(t *testing.T) {
	s := newStore(1000)
	var all []topo.Module
	for i := 1; i <= 60; i++ {
		biz := int64(1 + i%3)
		s.Put(int64(i), draft(biz, biz, fmt.Sprint("s", i)), []topo.Module{{ID: int64(2 * i), Name: "a"}, {ID: int64(2*i + 1), Name: "b"}})
	}
	require.NoError(t, s.Delete(2, 4)) // a set gone, with its modules
	for i := int64(1); i <= 60; i++ {
		all = append(all, s.Modules(i)...)
	}
	ctx := context.Background()
	for _, q := range []topo.ModuleQuery{
		{BizID: 1}, {BizID: 2}, {BizID: 9},
		{BizID: 1, IDs: []int64{6, 7, 6, 9, 8, 500}}, // set 3's two modules, one twice; 8 and 9 are business 2's
		{BizID: 2, IDs: []int64{8, 9, 10, 11}},       // set 4's are gone
		{BizID: 1, SetID: 3, IDs: []int64{6, 7, 12}}, // 12 is set 6's
		{BizID: 1, Condition: map[string]any{"bk_module_name": "b"}, Sort: "-bk_module_id", Limit: 5},
	} {
		want := map[int64]bool{}
		for _, id := range q.IDs {
			want[id] = true
		}
		var ids []int64
		for _, m := range all {
			if m.BizID == q.BizID && (q.IDs == nil || want[m.ID]) && (q.SetID == 0 || m.SetID == q.SetID) && (q.Condition == nil || m.Name == "b") {
				ids = append(ids, m.ID)
			}
		}
		n, page, err := s.SearchModules(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, len(ids), n, "%+v", q)
		var got []int64
		for _, rec := range page {
			got = append(got, rec["bk_module_id"].(int64))
		}
		slices.Sort(ids)
		if q.Sort == "-bk_module_id" {
			slices.Reverse(ids)
			ids = ids[:min(len(ids), q.Limit)]
		}
		assert.Equal(t, ids, got, "%+v", q)
	}
}

// sameSearch asserts that two searches find the same count and page, and returns the count.
func sameSearch(t *testing.T, s *topo.Store, got, want topo.Query, msg string, args ...any) int {
	t.Helper()
	n1, p1, err1 := s.Search(context.Background(), got)
	n2, p2, err2 := s.Search(context.Background(), want)
	what := fmt.Sprintf(msg, args...)
	require.Equal(t, err2, err1, what)
	assert.Equal(t, n2, n1, what)
	assert.Equal(t, idsOf(p2), idsOf(p1), what)
	return n1
}

// createSets creates a set of each draft d makes for 0 to n-1, every foreign-th of them owned
// by another account than "0", and returns their ids.
func createSets(t *testing.T, s *topo.Store, n, foreign int, d func(i int) topo.Draft) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		draft := d(i)
		if i%foreign == 0 {
			draft.Extra = topo.Record{"bk_supplier_account": "tenant"}
		}
		set, err := s.Create(draft, nil)
		require.NoError(t, err)
		ids = append(ids, set.ID())
	}
	return ids
}

// TestSearchByIDsAgreesWithAScan: a search that names set ids ($in or $eq on bk_set_id, as
// find_set_batch does) looks them up, and finds what a scan finds (the same ids as a pattern),
// whatever else it asks: other tests, owners, every business, sorts and pages.
func TestSearchByIDsAgreesWithAScan(t *testing.T) {
	s := newStore(10_000)
	ids := createSets(t, s, 300, 11, func(i int) topo.Draft { return draft(int64(1+i%2), int64(1+i%2), fmt.Sprint("s", i%7, "-", i)) })
	for i, id := range ids {
		if i%6 == 0 {
			require.NoError(t, s.Delete(int64(1+i%2), id))
		}
	}
	lists := [][]any{{}, {ids[0]}, {ids[1], ids[2], ids[3], int64(99_999)}, {"5", json.Number("6"), 7.0, ids[10]}}
	var many []any
	for i := 0; i < len(ids); i += 2 {
		many = append(many, ids[i])
	}
	lists = append(lists, many)
	for _, list := range lists {
		// The scan's form: every other id of the store's range left out ($nin), which no
		// look-up reads. A number is written as JSON writes it: 7.0 is 7, "5" is no id.
		asked := map[string]bool{}
		for _, v := range list {
			asked[string(topo.AppendValue(nil, v))] = true
		}
		var others []any
		for id := int64(-1); id <= ids[len(ids)-1]+1; id++ {
			if !asked[fmt.Sprint(id)] {
				others = append(others, id)
			}
		}
		for _, q := range []topo.Query{
			{BizID: 1}, {BizID: 2, Owners: []string{"0"}}, {BizID: 2, Owners: []string{"0", "tenant"}}, {AllBusinesses: true},
			{BizID: 1, Condition: map[string]any{"bk_set_name": map[string]any{"$regex": "^s3-"}}},
			{BizID: 2, Sort: "-bk_set_name", Start: 2, Limit: 5},
		} {
			byIDs, byScan := q, q
			byIDs.Condition, byScan.Condition = maps.Clone(q.Condition), maps.Clone(q.Condition)
			if byIDs.Condition == nil {
				byIDs.Condition, byScan.Condition = map[string]any{}, map[string]any{}
			}
			byIDs.Condition["bk_set_id"] = map[string]any{"$in": list}
			byScan.Condition["bk_set_id"] = map[string]any{"$nin": others}
			sameSearch(t, s, byIDs, byScan, "%v %+v", list, q)
			if len(list) == 1 {
				byIDs.Condition["bk_set_id"] = list[0]
				sameSearch(t, s, byIDs, byScan, "$eq %v %+v", list, q)
			}
		}
	}
}

// TestSearchOfASmallBusinessAgreesWithAScan: a business that holds few of the stored sets is
// searched through its own ids, and finds what a scan of every set finds.
func TestSearchOfASmallBusinessAgreesWithAScan(t *testing.T) {
	s := newStore(10_000)
	createSets(t, s, 900, 1000, func(i int) topo.Draft { return draft(1, 1, fmt.Sprint("big-", i)) })
	small := createSets(t, s, 60, 13, func(i int) topo.Draft { return draft(2, int64(20+i%3), fmt.Sprint("s", i%4, "-", i)) })
	for i, id := range small {
		switch i % 7 {
		case 0:
			require.NoError(t, s.Delete(2, id))
		case 1:
			_, err := s.Update(2, id, draft(0, 0, fmt.Sprint("u", i)))
			require.NoError(t, err)
		}
	}
	for _, q := range []topo.Query{
		{BizID: 2, Condition: map[string]any{"bk_parent_id": 21}},
		{BizID: 2, Condition: map[string]any{"bk_set_name": map[string]any{"$regex": "^s1-"}}, Sort: "-bk_set_name"},
		{BizID: 2, Condition: map[string]any{"bk_parent_id": map[string]any{"$ne": 20}}, Owners: []string{"0"}, Start: 3, Limit: 10},
		{BizID: 2, Condition: map[string]any{"bk_set_desc": "desc"}, Owners: []string{"0", "tenant"}, Sort: "bk_parent_id"},
		{BizID: 3, Condition: map[string]any{"bk_set_desc": "desc"}},
	} {
		scan := q
		scan.AllBusinesses, scan.Condition = true, maps.Clone(q.Condition)
		scan.Condition["bk_biz_id"] = q.BizID
		if n := sameSearch(t, s, q, scan, "%+v", q); q.BizID == 2 {
			assert.NotZero(t, n, "%+v finds some", q)
		}
	}
}

// TestReadStateKeepsNoneOfItsText: a loaded store keeps its sets and modules, not the text of
// the state they were read from, which one string cut from it would keep alive whole. The same
// sets and modules are loaded from a state written tight and from one padded with white space
// inside each record: the padded text must cost the store nothing more.
func TestReadStateKeepsNoneOfItsText(t *testing.T) {
	const n = 20_000
	tight, tightText := loadedHeap(t, n, "")
	padded, paddedText := loadedHeap(t, n, strings.Repeat(" ", 2000))
	assert.Less(t, padded-tight, int64(paddedText-tightText)/10,
		"%d sets and modules keep %d bytes loaded from %d bytes of state, %d from %d", n, tight, tightText, padded, paddedText)
}

// loadedHeap loads a state of n sets with a module each, space inside each record, and reports
// the heap the loaded store keeps and the length of the state's text.
func loadedHeap(t *testing.T, n int, space string) (int64, int) {
	var b strings.Builder
	fmt.Fprintf(&b, `{"format":%d,"next_set_id":%d,"next_module_id":%d,"sets":[`, topo.StateFormat, n+1, n+1)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{%s"bk_set_id":%d,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,`+
			`"bk_set_name":"s%d","bk_created_by":"alice","kept":"as sent","kept_list":["x"]}`, space, i, i)
	}
	b.WriteString(`],"modules":[`)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{%s"bk_module_id":%d,"bk_set_id":%d,"bk_biz_id":1,"bk_module_name":"m","created_by":"bob",`+
			`"fields":{"f":"v","n":1.5}}`, space, i, i)
	}
	b.WriteString(`]}`)
	text := []byte(b.String())
	b.Reset()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	back := newStore(n)
	require.NoError(t, back.ReadState(bytes.NewReader(text)))
	size := len(text)
	text = nil
	runtime.GC()
	runtime.ReadMemStats(&after)

	set, ok := back.Get(1)
	require.True(t, ok)
	assert.Equal(t, "alice", set.Record()["bk_created_by"])
	assert.Equal(t, "as sent", set.Record()["kept"])
	m, ok := back.Module(1)
	require.True(t, ok)
	assert.Equal(t, topo.Module{ID: 1, SetID: 1, BizID: 1, Name: "m", CreatedBy: "bob", Fields: topo.Record{"f": "v", "n": json.Number("1.5")}}, m)
	runtime.KeepAlive(back)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc) + int64(size), size
}

// TestStoreOwnsWhatItKeeps: the names a call hands the store (cut from a request body, whose
// bytes the store would then keep alive whole) are copied when a module or node is stored.
func TestStoreOwnsWhatItKeeps(t *testing.T) {
	body := `{"bk_module_name":"kept","bk_inst_name":"zone-1","bk_obj_id":"zone"}`
	cut := func(s string) string { i := strings.Index(body, s); return body[i : i+len(s)] }
	within := func(s string) bool {
		start, p := uintptr(unsafe.Pointer(unsafe.StringData(body))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return p >= start && p < start+uintptr(len(body))
	}
	s := newStore(10)
	s.SetTopology(topo.Topology{Businesses: []topo.Business{{ID: 1, Name: "b"}}, Levels: []topo.Level{{ObjID: "zone", Name: "Zone"}}})
	s.Put(1, draft(1, 1, "a"), nil)
	rec, err := s.CreateModule(topo.Module{Name: cut("kept"), SetID: 1, BizID: 1})
	require.NoError(t, err)
	id, _ := rec["bk_module_id"].(int64)
	m, ok := s.Module(id)
	require.True(t, ok)
	assert.False(t, within(m.Name), "a created module's name")
	m.Name = cut("zone-1")
	require.NoError(t, s.UpdateModule(m))
	m, _ = s.Module(id)
	assert.False(t, within(m.Name), "an updated module's name")
	n, err := s.CreateNode(topo.Node{Name: cut("zone-1"), ObjID: cut("zone"), BizID: 1})
	require.NoError(t, err)
	n, ok = s.Node(n.ID)
	require.True(t, ok)
	assert.False(t, within(n.Name), "a node's name")
	assert.False(t, within(n.ObjID), "a node's level")
}

// TestSortAsMongoDB: a sort orders values as MongoDB does: null (and a field the record lacks)
// first, then numbers by value, integers and fractions together, then strings, then booleans;
// sets, and the records of other instances alike.
func TestSortAsMongoDB(t *testing.T) {
	values := []any{json.Number("10"), nil, json.Number("5"), json.Number("2.5"), json.Number("10.25"), "abc", true, json.Number("-1e3")}
	ascending := []int64{2, 8, 4, 3, 1, 5, 6, 7} // the ids in order: null, -1000, 2.5, 5, 10, 10.25, "abc", true
	s := newStore(100)
	for i, v := range values {
		var attrs []byte
		for _, a := range []any{v, "desc"} {
			attrs = append(topo.AppendValue(attrs, a), 0)
		}
		_, err := s.Create(topo.Draft{BizID: 1, ParentID: 1, Name: fmt.Sprint("s", i), Attrs: attrs, Created: 1645533241386}, nil)
		require.NoError(t, err)
	}
	businesses := []topo.Business{}
	for i, v := range values {
		fields := topo.Record{"rank": v}
		if v == nil {
			fields = topo.Record{} // a field the record lacks sorts as null
		}
		businesses = append(businesses, topo.Business{ID: int64(i + 1), Name: fmt.Sprint("b", i), Fields: fields})
	}
	s.SetTopology(topo.Topology{Businesses: businesses})
	ids := func(page []topo.Record, field string) []int64 {
		var out []int64
		for _, r := range page {
			out = append(out, r[field].(int64))
		}
		return out
	}
	descending := slices.Clone(ascending)
	slices.Reverse(descending)
	for sort, want := range map[string][]int64{"bk_capacity": ascending, "-bk_capacity": descending} {
		_, page, err := s.Search(context.Background(), topo.Query{BizID: 1, Sort: sort, Fields: []string{"bk_set_id"}})
		require.NoError(t, err)
		assert.Equal(t, want, ids(page, "bk_set_id"), "sets by %s", sort)
	}
	for sort, want := range map[string][]int64{"rank": ascending, "-rank": descending} {
		_, page, err := s.SearchBusinesses(context.Background(), topo.RecordQuery{Sort: sort, Fields: []string{"bk_biz_id"}}, nil)
		require.NoError(t, err)
		assert.Equal(t, want, ids(page, "bk_biz_id"), "businesses by %s", sort)
	}
}
