package topo_test

import (
	"testing"
	"time"

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
	assert.Equal(t, []topo.Module{{ID: 2, Name: "nginx", SetID: 2, BizID: 1, ServiceTemplateID: 7}}, s.Modules(2))

	_, err = s.Create(draft(1, 1, "web"), nil)
	assert.ErrorIs(t, err, topo.ErrDuplicateName)
	_, err = s.Create(draft(2, 1, "web"), nil)
	assert.ErrorIs(t, err, topo.ErrDuplicateName, "another business, the same parent: a duplicate")
	b, err := s.Create(draft(2, 2, "web"), nil)
	require.NoError(t, err)
	assert.Equal(t, int64(5), b.ID(), "the two duplicates used up ids 3 and 4")
	assert.True(t, s.HasName(2, "web"))

	assert.ErrorIs(t, s.Delete(1, 1), topo.ErrBuiltIn)
	require.NoError(t, s.Delete(1, 2))
	assert.Empty(t, s.Modules(2), "a set's modules go with it")
	assert.False(t, s.Has(2))
	require.NoError(t, s.Delete(1, 99), "a set that is not there deletes as a success")
	require.NoError(t, s.Delete(1, 5), "a set of another business is left alone")
	assert.True(t, s.Has(5))
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
	assert.Equal(t, []topo.Node{{ID: 103, Name: "z1", ObjID: "zone", BizID: 2}, {ID: 104, Name: "r1", ObjID: "rack", BizID: 2, ParentID: 103}}, s.Nodes(2))
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

// TestSearch: a condition selects within a business, the page cuts, fields trim.
func TestSearch(t *testing.T) {
	s := newStore(10)
	for _, name := range []string{"web-1", "web-2", "db-1"} {
		_, err := s.Create(draft(1, 1, name), nil)
		require.NoError(t, err)
	}
	_, err := s.Create(draft(2, 2, "web-3"), nil)
	require.NoError(t, err)
	count, page, err := s.Search(topo.Query{BizID: 1, Condition: map[string]any{"bk_set_name": map[string]any{"$regex": "^web-"}}, Fields: []string{"bk_set_name"}, Limit: 1, Sort: "-bk_set_name"})
	require.NoError(t, err)
	assert.Equal(t, 2, count)
	assert.Equal(t, []topo.Record{{"bk_set_name": "web-2"}}, page)
	_, _, err = s.Search(topo.Query{BizID: 1, Condition: map[string]any{"x": map[string]any{"$where": 1}}})
	assert.Error(t, err)
}
