package mock

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/spec"
)

// findTopoNodePathsOp is find_topo_node_paths (reference §12.4): ESB's generic component, served
// by CMDB's cache; IAM skips it. The mock answers from current data, where the real cache may
// lag (mock's choice).
func (s *Server) findTopoNodePathsOp() operation {
	return operation{op: spec.CallFindTopoNodePaths, generic: true, answer: s.findTopoNodePaths}
}

// nodeRef is a node a call asks the path of.
type nodeRef struct {
	obj string
	id  int64
}

// pathNode is one node of a path, as the cache writes it.
type pathNode struct {
	Obj  string `json:"bk_obj_id"`
	ID   int64  `json:"bk_inst_id"`
	Name string `json:"bk_inst_name"`
}

// nodePath is the answer's item for one node: the path from the business down to the node's
// parent, the node itself left out.
type nodePath struct {
	pathNode
	Paths [][]pathNode `json:"bk_paths"`
}

// findTopoNodePaths answers one item for each node that exists, in the order asked; names are
// the cache's, untranslated.
func (s *Server) findTopoNodePaths(c *call) answer {
	biz, _ := s.store.Business(c.bizID)
	top := pathNode{"biz", biz.ID, biz.Name}
	out := []nodePath{}
	for _, n := range c.nodes {
		if node, path, ok := s.nodeAndPath(n, top); ok {
			out = append(out, nodePath{node, [][]pathNode{path}})
		}
	}
	return succeeded(out)
}

// nodeAndPath finds a node and the path above it; false when it does not exist.
func (s *Server) nodeAndPath(n nodeRef, top pathNode) (pathNode, []pathNode, bool) {
	switch n.obj {
	case objSet.id:
		set, ok := s.store.Get(n.id)
		if !ok || set.BizID() != top.ID {
			return pathNode{}, nil, false
		}
		path := []pathNode{top}
		if set.Default() == 0 && s.store.HasLevels() {
			path = s.levelsAbove(set.ParentID(), top)
		}
		return pathNode{objSet.id, set.ID(), set.Name()}, path, true
	case objModule.id:
		m, ok := s.store.Module(n.id)
		if !ok || m.BizID != top.ID {
			return pathNode{}, nil, false
		}
		set, path, ok := s.nodeAndPath(nodeRef{objSet.id, m.SetID}, top)
		if !ok {
			return pathNode{}, nil, false
		}
		return pathNode{objModule.id, m.ID, m.Name}, append(path, set), true
	}
	node, ok := s.store.Node(n.id)
	if !ok || node.ObjID != n.obj || node.BizID != top.ID {
		return pathNode{}, nil, false
	}
	return pathNode{node.ObjID, node.ID, node.Name}, s.levelsAbove(node.ParentID, top), true
}

// levelsAbove is the path from the business down to the custom-level node parentID, included
// (0: the business alone).
func (s *Server) levelsAbove(parentID int64, top pathNode) []pathNode {
	var chain []pathNode
	levels := s.store.Levels()
	for id, hops := parentID, 0; id != 0 && hops < maxLevels; hops++ {
		n, ok := s.store.Node(id)
		if !ok {
			break
		}
		chain = append(chain, pathNode{n.ObjID, n.ID, n.Name})
		if len(levels) == 0 || n.ObjID == levels[0].ObjID {
			break // the top level hangs under the business
		}
		id = n.ParentID
	}
	slices.Reverse(chain)
	return append([]pathNode{top}, chain...)
}

// maxLevels bounds a walk up the custom levels, whatever the fixtures hold.
const maxLevels = 64

// nodePathRules are find_topo_node_paths' checks (reference §12.4 P1-P8).
func (s *Server) nodePathRules() map[spec.StepID]rule {
	return map[spec.StepID]rule{
		spec.StepNodePathBiz: func(c *call) *failure {
			id, err := strconv.ParseInt(c.bizPath, 10, 64)
			if err != nil || id <= 0 {
				return fail(spec.MsgInvalidOrNone, "%s") // the cache's message names no field
			}
			c.bizID = id
			return nil
		},
		spec.StepNodePathBody: func(c *call) *failure {
			if c.jsonErr || c.undecodable {
				return fail(spec.MsgJSONDecode)
			}
			nodes, ok := readNodes(c.args()["bk_nodes"])
			if !ok {
				return fail(spec.MsgJSONDecode)
			}
			c.nodes = nodes
			return nil
		},
		spec.StepNodePathNodes: func(c *call) *failure {
			mainline := s.mainline()
			for _, n := range c.nodes {
				switch {
				case n.obj == objBiz.id:
					return fail(spec.MsgRawInvalid, "not support biz")
				case n.obj == "" || n.id <= 0:
					return fail(spec.MsgRawInvalid, "object or inst id")
				case !slices.ContainsFunc(mainline, func(o mainlineObject) bool { return o.id == n.obj }):
					return fail(spec.MsgRawInvalid, "object")
				case n.obj == objHost.id:
					return fail(spec.MsgRawNotPass, "host")
				}
			}
			return nil
		},
		spec.StepNodePathOwner: func(c *call) *failure {
			for _, n := range c.nodes {
				biz := int64(0)
				switch n.obj {
				case objSet.id:
					if set, ok := s.store.Get(n.id); ok {
						biz = set.BizID()
					}
				case objModule.id:
					if m, ok := s.store.Module(n.id); ok {
						biz = m.BizID
					}
				}
				if biz != 0 && biz != c.bizID {
					return fail(spec.MsgRaw, fmt.Sprintf("%s %d do not belongs to biz: %d", n.obj, n.id, c.bizID))
				}
			}
			return nil
		},
		spec.StepNodePathBusiness: func(c *call) *failure {
			if _, ok := s.store.Business(c.bizID); !ok {
				// The tail of CMDB's text is the database's error, not pinned (mock's choice).
				return fail(spec.MsgRaw, fmt.Sprintf("get biz: %d detail failed, err: not found", c.bizID))
			}
			return nil
		},
	}
}

// readNodes reads bk_nodes as CMDB decodes it: absent or null is none; anything but a list of
// objects whose bk_obj_id is a string and bk_inst_id a JSON integer cannot be decoded.
func readNodes(v any) ([]nodeRef, bool) {
	if v == nil {
		return nil, true
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]nodeRef, 0, len(list))
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, false
		}
		var n nodeRef
		if o, present := m["bk_obj_id"]; present && o != nil {
			if n.obj, ok = o.(string); !ok {
				return nil, false
			}
		}
		if id, present := m["bk_inst_id"]; present && id != nil {
			if n.id, ok = jsonx.Int(id); !ok {
				return nil, false
			}
		}
		out = append(out, n)
	}
	return out, true
}
