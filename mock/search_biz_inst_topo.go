package mock

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// searchBizInstTopoOp is search_biz_inst_topo: the live tree of a business, its custom level
// nodes, sets and modules, including what create_set and set templates made (reference §9). The
// idle set shows with the v3 query with_default; need_sort=true sorts each level by name.
func (s *Server) searchBizInstTopoOp() operation {
	return operation{op: spec.CallSearchBizInstTopo, path: pathLabels{biz: spec.LabelBusinessID.En}, answer: s.searchBizInstTopo}
}

func (s *Server) searchBizInstTopo(c *call) answer {
	biz, ok := s.store.Business(c.bizID)
	if !ok {
		// No business, no tree: CMDB builds it from the business down (bk-cmdb
		// src/scene_server/topo_server/logics/inst/mainline_association.go:315-325 @111e7ac).
		return succeeded(tree{})
	}
	release, ok := s.heavyRead(c.ctx)
	if !ok {
		return c.failure(spec.MsgCancelled)
	}
	defer release()
	sets, tooMany := s.store.SetsOf(c.bizID, s.cfg.MaxPage)
	if tooMany {
		return c.failure(spec.MsgTopoTooLarge, s.cfg.MaxPage, s.cfg.MaxPage*topo.ModulesPerSet)
	}
	q, _ := url.ParseQuery(c.rawQuery)
	_, withDefault := q["with_default"]
	t := treeBuilder{lang: c.lang, sorted: q.Get("need_sort") == "true", builtInNames: true}
	return succeeded(tree{s.bizTree(biz, sets, t, withDefault)})
}

// bizTree is the tree of a business of the given sets as search_biz_inst_topo answers it, the
// idle set with withDefault.
func (s *Server) bizTree(biz topo.Business, sets []topo.Placed, t treeBuilder, withDefault bool) *treeNode {

	// Each node's children, found by one pass over the sets and one over the nodes: sets hang
	// under the lowest custom level's nodes, or under the business (0); built-in sets always
	// under the business; the top level's nodes under the business, whatever parent id they
	// were made with.
	objs := s.mainline()
	levels := objs[1 : len(objs)-3] // the custom levels, between biz and set, module, host
	under := map[int64][]*treeNode{}
	for _, st := range sets {
		if st.Default != 0 && !withDefault {
			continue
		}
		parent := int64(0)
		if len(levels) > 0 && st.Default == 0 {
			parent = st.ParentID
		}
		under[parent] = append(under[parent], t.set(st))
	}
	nodes := s.store.Nodes(biz.ID) // by id
	childNodes := map[int64][]*topo.Node{}
	for i := range nodes {
		n := &nodes[i]
		parent := n.ParentID
		if len(levels) > 0 && n.ObjID == levels[0].id {
			parent = 0
		}
		childNodes[parent] = append(childNodes[parent], n)
	}
	var children func(parentID int64, depth int) []*treeNode
	children = func(parentID int64, depth int) []*treeNode {
		if depth == len(levels) {
			return under[parentID]
		}
		kids := childNodes[parentID]
		made := make([]treeNode, len(kids)) // the kids' nodes, in one allocation
		var beside []*treeNode
		if depth == 0 {
			beside = under[0] // the built-in sets, beside the top level's nodes
		}
		out := make([]*treeNode, 0, len(kids)+len(beside))
		for i, n := range kids {
			if n.ObjID == levels[depth].id {
				t.fill(&made[i], n.ID, n.Name, levels[depth], 0, children(n.ID, depth+1))
				out = append(out, &made[i])
			}
		}
		return append(out, beside...)
	}
	return t.node(biz.ID, biz.Name, objBiz, biz.Default, children(0, 0))
}

// treeNode is a node of the topology tree as CMDB writes it, its keys in alphabetical order:
// a few words a node, not a map.
type treeNode struct {
	ID                int64       `json:"bk_inst_id"`
	Name              string      `json:"bk_inst_name"`
	ObjID             string      `json:"bk_obj_id"`
	ObjName           string      `json:"bk_obj_name"`
	Child             []*treeNode `json:"child"`
	Default           int64       `json:"default"`
	ServiceTemplateID int64       `json:"service_template_id,omitempty"` // a module's, when not 0
	SetTemplateID     int64       `json:"set_template_id,omitempty"`     // a set's, when not 0
}

// tree is a list of nodes as an answer holds it, written as encoding/json writes it without
// reflection (TestTreeJSONMatchesEncodingJSON, FuzzTreeJSON), into room made for all of it
// first (grown as it was written, an answer of 11 MB allocated five times that). The largest
// tree the default flags answer (BenchmarkBizTopoAtItsBound, the test binaries in turns three
// times, 2026-12-06): 45-49 ms and 98.5 MB allocated a read, the test's recorder included,
// against encoding/json's 63-70 ms and 122-127 MB; 20-22 ms, 38.5 MB and 63 allocations once
// the store copied only what a tree shows of its modules, into room made at once, and their
// nodes were made in one allocation a set (100,061 allocations before).
type tree []*treeNode

func (t tree) AppendJSON(b []byte) []byte {
	return t.appendJSON(slices.Grow(b, t.nodes()*nodeBytes))
}

// nodeBytes is about what a node of a tree takes written, a module's with a short name.
const nodeBytes = 120

// nodes is how many nodes the tree holds, all the way down.
func (t tree) nodes() int {
	n := len(t)
	for _, node := range t {
		if node != nil {
			n += tree(node.Child).nodes()
		}
	}
	return n
}

func (t tree) appendJSON(b []byte) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, n := range t {
		if i > 0 {
			b = append(b, ',')
		}
		b = n.appendJSON(b)
	}
	return append(b, ']')
}

// appendJSON appends the node, its keys in the order of treeNode's fields.
func (n *treeNode) appendJSON(b []byte) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"bk_inst_id":`...)
	b = strconv.AppendInt(b, n.ID, 10)
	b = append(b, `,"bk_inst_name":`...)
	b = jsonx.AppendString(b, n.Name)
	b = append(b, `,"bk_obj_id":`...)
	b = jsonx.AppendString(b, n.ObjID)
	b = append(b, `,"bk_obj_name":`...)
	b = jsonx.AppendString(b, n.ObjName)
	b = append(b, `,"child":`...)
	b = tree(n.Child).appendJSON(b)
	b = append(b, `,"default":`...)
	b = strconv.AppendInt(b, n.Default, 10)
	if n.ServiceTemplateID != 0 {
		b = append(b, `,"service_template_id":`...)
		b = strconv.AppendInt(b, n.ServiceTemplateID, 10)
	}
	if n.SetTemplateID != 0 {
		b = append(b, `,"set_template_id":`...)
		b = strconv.AppendInt(b, n.SetTemplateID, 10)
	}
	return append(b, '}')
}

// treeBuilder writes the nodes of a topology tree in a language, sorted by name or by id.
type treeBuilder struct {
	lang   spec.Lang
	sorted bool
	// builtInNames names the built-in instances as the core service does in the request's
	// language (builtin_names.go); else they keep the names they are stored with.
	builtInNames bool
}

func (t treeBuilder) node(id int64, name string, obj mainlineObject, def int64, child []*treeNode) *treeNode {
	n := new(treeNode)
	t.fill(n, id, name, obj, def, child)
	return n
}

// fill makes n the node of an instance with its children.
func (t treeBuilder) fill(n *treeNode, id int64, name string, obj mainlineObject, def int64, child []*treeNode) {
	if child == nil {
		child = []*treeNode{}
	}
	if t.builtInNames {
		name = builtInNameOf(obj.id, def, name, t.lang)
	}
	*n = treeNode{ID: id, Name: name, ObjID: obj.id, ObjName: obj.name(t.lang), Default: def, Child: t.order(child)}
}

// set is a set's node with its modules, whose nodes are made in one allocation; template ids
// show only when not 0.
func (t treeBuilder) set(st topo.Placed) *treeNode {
	nodes := make([]treeNode, len(st.Modules))
	modules := make([]*treeNode, len(st.Modules))
	for i, m := range st.Modules {
		t.fill(&nodes[i], m.ID, m.Name, objModule, m.Default, nil)
		nodes[i].ServiceTemplateID = m.ServiceTemplateID
		modules[i] = &nodes[i]
	}
	n := t.node(st.ID, st.Name, objSet, st.Default, modules)
	n.SetTemplateID = st.TemplateID
	return n
}

// order sorts nodes by name when asked, else keeps them by id.
func (t treeBuilder) order(nodes []*treeNode) []*treeNode {
	slices.SortStableFunc(nodes, func(a, b *treeNode) int {
		if t.sorted {
			return cmp.Compare(a.Name, b.Name)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return nodes
}
