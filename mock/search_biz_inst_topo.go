package mock

import (
	"cmp"
	"net/url"
	"slices"

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
	sets, tooMany := s.store.SetsOf(c.bizID, s.cfg.MaxPage)
	if tooMany {
		return c.failure(spec.MsgTopoTooLarge, s.cfg.MaxPage)
	}
	q, _ := url.ParseQuery(c.rawQuery)
	_, withDefault := q["with_default"]
	t := treeBuilder{lang: c.lang, sorted: q.Get("need_sort") == "true"}
	biz, _ := s.store.Business(c.bizID)

	// Sets hang under the lowest custom level's nodes, or under the business; built-in sets
	// always under the business.
	objs := s.mainline()
	levels := objs[1 : len(objs)-3]    // the custom levels, between biz and set, module, host
	under := map[int64][]topo.Record{} // parent node id -> sets; 0: the business
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
	nodes := s.store.Nodes(c.bizID)
	var children func(parentID int64, depth int) []topo.Record
	children = func(parentID int64, depth int) []topo.Record {
		if depth == len(levels) {
			return under[parentID]
		}
		var out []topo.Record
		for _, n := range nodes {
			// The top level hangs under the business, whatever parent id it was made with.
			if n.ObjID == levels[depth].id && (depth == 0 || n.ParentID == parentID) {
				out = append(out, t.node(n.ID, n.Name, levels[depth], 0, children(n.ID, depth+1)))
			}
		}
		if depth == 0 {
			out = append(out, under[0]...) // the built-in sets, beside the top level's nodes
		}
		return out
	}
	return succeeded([]any{t.node(biz.ID, biz.Name, objBiz, 0, children(0, 0))})
}

// treeBuilder writes the nodes of a topology tree in a language, sorted by name or by id.
type treeBuilder struct {
	lang   spec.Lang
	sorted bool
}

func (t treeBuilder) node(id int64, name string, obj mainlineObject, def int64, child []topo.Record) topo.Record {
	if child == nil {
		child = []topo.Record{}
	}
	return topo.Record{"bk_inst_id": id, "bk_inst_name": name, "bk_obj_id": obj.id, "bk_obj_name": obj.name(t.lang),
		"default": def, "child": t.order(child)}
}

// set is a set's node with its modules; template ids show only when not 0.
func (t treeBuilder) set(st topo.Placed) topo.Record {
	modules := make([]topo.Record, len(st.Modules))
	for i, m := range st.Modules {
		modules[i] = t.node(m.ID, m.Name, objModule, m.Default, nil)
		if m.ServiceTemplateID != 0 {
			modules[i]["service_template_id"] = m.ServiceTemplateID
		}
	}
	n := t.node(st.ID, st.Name, objSet, st.Default, modules)
	if st.TemplateID != 0 {
		n["set_template_id"] = st.TemplateID
	}
	return n
}

// order sorts nodes by name when asked, else keeps them by id.
func (t treeBuilder) order(nodes []topo.Record) []topo.Record {
	key := "bk_inst_id"
	if t.sorted {
		key = "bk_inst_name"
	}
	slices.SortStableFunc(nodes, func(a, b topo.Record) int {
		switch x := a[key].(type) {
		case string:
			return cmp.Compare(x, b[key].(string))
		case int64:
			return cmp.Compare(x, b[key].(int64))
		}
		return 0
	})
	return nodes
}
