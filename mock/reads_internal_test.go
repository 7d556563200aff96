package mock

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// TestHeavyReadsWaitForAPlace: reads that build a business's whole tree run at most cap(heavy)
// at once; one that finds every place taken waits, and is answered as cancelled when its client
// leaves meanwhile. Once a place is free it runs.
func TestHeavyReadsWaitForAPlace(t *testing.T) {
	sp := spec.Load(context.Background())
	fx, err := fixtures.Default()
	require.NoError(t, err)
	s, err := New(sp, fx, Config{})
	require.NoError(t, err)
	for range cap(s.heavy) {
		s.heavy <- struct{}{} // every place taken
	}
	read := func(ctx context.Context) string {
		hr := httptest.NewRequest(http.MethodPost, "/api/v3/find/topoinst/biz/2", strings.NewReader("")).WithContext(ctx)
		hr.Header.Set("X-Bkapi-Authorization", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u"}`)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, hr)
		return rec.Body.String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.Contains(t, read(ctx), "the request was cancelled", "a read waits for a place, and leaves with its client")
	<-s.heavy // a place frees up
	assert.Contains(t, read(context.Background()), `"bk_obj_id":"biz"`)
}

// TestTreeJSONMatchesEncodingJSON: a topology tree is written byte for byte as encoding/json
// writes it without HTML escaping: every key in its place, template ids only when not 0, a node
// without children with [], and names that JSON escapes.
func TestTreeJSONMatchesEncodingJSON(t *testing.T) {
	module := func(id int64, name string, templateID int64) *treeNode {
		return &treeNode{ID: id, Name: name, ObjID: "module", ObjName: "模块", Child: []*treeNode{}, ServiceTemplateID: templateID}
	}
	set := &treeNode{ID: 4, Name: `a "set" <&> \ 集群`, ObjID: "set", ObjName: "Set", SetTemplateID: 7,
		Child: []*treeNode{module(9, "m\u2028\t", 3), module(10, "", 0), nil}}
	idle := &treeNode{ID: 2, Name: "空闲机池", ObjID: "set", ObjName: "集群", Default: 1, Child: []*treeNode{module(3, "空闲机", 0)}}
	for _, tr := range []tree{
		nil, {}, {{ID: 1, Name: "biz", ObjID: "biz", ObjName: "业务", Child: []*treeNode{idle, set}}},
		{{ID: 1, Name: "nil child", ObjID: "biz", ObjName: "Business"}, set},
	} {
		want, err := jsonx.Marshal([]*treeNode(tr))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(tr.AppendJSON(nil)))
	}
}

// TestASetsNodeAllocatesOnceForItsModules: a set's node takes three allocations however many
// modules it has (its modules' nodes, the list of them and its own), where it took one a module
// (a tree of 100,000 modules made 100,061 allocations a read); each module's node is as before.
func TestASetsNodeAllocatesOnceForItsModules(t *testing.T) {
	st := topo.Placed{ID: 4, Name: "big", TemplateID: 7}
	for i := range 1000 {
		st.Modules = append(st.Modules, topo.PlacedModule{ID: int64(10 + i), Name: "m", Default: int64(i % 2), ServiceTemplateID: int64(i % 3)})
	}
	b := treeBuilder{lang: spec.English}
	allocs := testing.AllocsPerRun(10, func() { _ = b.set(st) })
	assert.LessOrEqual(t, allocs, 3.0)
	n := b.set(st)
	require.Len(t, n.Child, len(st.Modules))
	for i, m := range st.Modules {
		assert.Equal(t, treeNode{ID: m.ID, Name: m.Name, ObjID: "module", ObjName: objModule.name(spec.English),
			Child: []*treeNode{}, Default: m.Default, ServiceTemplateID: m.ServiceTemplateID}, *n.Child[i])
	}
	assert.Equal(t, int64(7), n.SetTemplateID)
}

// FuzzTreeJSON holds the topology tree's writer to encoding/json without HTML escaping, on trees
// of any shape made from the fuzzer's bytes: each byte adds a node with children and goes down
// into it, adds a node without (its children nil or none), adds a nil node, or goes back up.
func FuzzTreeJSON(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 3, 1, 3, 0}, "biz", "空闲机池", int64(2), int64(1), int64(7))
	f.Add([]byte{0, 0, 0, 1, 4, 2, 3, 3, 5}, "a \"set\" <&>", "m\u2028\t\x00", int64(-1), int64(0), int64(-9))
	f.Fuzz(func(t *testing.T, shape []byte, name, objName string, id, def, templateID int64) {
		if len(shape) > 256 {
			shape = shape[:256]
		}
		var root tree
		path := []*[]*treeNode{(*[]*treeNode)(&root)}
		for i, op := range shape {
			at := path[len(path)-1]
			n := &treeNode{ID: id + int64(i), Name: name, ObjID: objName[:len(objName)*(i%2)], ObjName: objName,
				Default: def * int64(i%3), ServiceTemplateID: templateID * int64(i%2), SetTemplateID: templateID * int64(i%3)}
			switch op % 6 {
			case 0: // a node with children: go down into it
				n.Child = []*treeNode{}
				*at = append(*at, n)
				path = append(path, &n.Child)
			case 1, 4: // a node without children: none, or nil
				if op%6 == 1 {
					n.Child = []*treeNode{}
				}
				*at = append(*at, n)
			case 2:
				*at = append(*at, nil)
			default: // back up
				if len(path) > 1 {
					path = path[:len(path)-1]
				}
			}
		}
		want, err := jsonx.Marshal([]*treeNode(root))
		require.NoError(t, err)
		if got := root.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("tree:\n%s\nencoding/json:\n%s", got, want)
		}
	})
}
