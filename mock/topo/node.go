package topo

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"strings"
)

// ErrNodesFull: the store holds its limit of custom-level nodes.
var ErrNodesFull = errors.New("the store holds its limit of custom-level nodes")

// ErrDuplicateNode: a node by that name hangs under the same parent, in whatever business;
// CMDB's unique key of a custom level is (bk_inst_name, bk_parent_id) (reference §12.5).
var ErrDuplicateNode = errors.New("a node with the same name hangs under the same parent")

// nodeKey is CMDB's unique key of a custom level's instance.
type nodeKey struct {
	parent int64
	name   string
}

// key is the node's unique key. A node of the fixtures under the business has parent 0, one
// create_inst made there the business's id, which CMDB records: both are the business.
func (n Node) key() nodeKey {
	if n.ParentID == 0 {
		return nodeKey{n.BizID, n.Name}
	}
	return nodeKey{n.ParentID, n.Name}
}

// underNode reports whether a node hangs under another node, not under its business: whether it
// is not of the top custom level. s.mu is held.
func (s *Store) underNode(n Node) bool { return len(s.levels) > 0 && n.ObjID != s.levels[0].ObjID }

// setNodes makes nodes the store's nodes and indexes them; the node counter moves past them.
// s.mu is held.
func (s *Store) setNodes(nodes map[int64]Node) {
	s.nodes, s.nodeNames = nodes, make(map[nodeKey]int64, len(nodes))
	s.nextNodeID = max(s.nextNodeID, 1)
	for id, n := range nodes {
		s.nodeNames[n.key()] = id
		s.nextNodeID = max(s.nextNodeID, id+1)
	}
}

// CreateNode stores a node of a custom level under the next node id and returns it. As in
// CMDB, the id is taken before the name is checked, so a duplicate uses one up.
func (s *Store) CreateNode(n Node) (Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nodeLimit > 0 && len(s.nodes) >= s.nodeLimit {
		return Node{}, ErrNodesFull
	}
	n.ID, n.Made = s.nextNodeID, true
	s.nextNodeID++
	n.Name, n.ObjID = strings.Clone(n.Name), strings.Clone(n.ObjID)
	key := n.key()
	if _, taken := s.nodeNames[key]; taken {
		return Node{}, ErrDuplicateNode
	}
	n.CreatedBy = s.intern(n.CreatedBy)
	s.nodes[n.ID], s.nodeNames[key] = n, n.ID
	return n, nil
}

// DeleteNode removes a node of a custom level and everything below it: lower nodes, the sets
// under them and their modules, or nothing when a module below holds hosts (ErrHasHosts). A
// node that is not there is no error (reference §12.5).
func (s *Store) DeleteNode(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	node, ok := s.nodes[id]
	if !ok {
		return nil
	}
	gone := map[int64]bool{id: true}
	for grew := true; grew; { // the custom levels are few: a pass per level
		grew = false
		for nid, n := range s.nodes {
			if !gone[nid] && s.underNode(n) && gone[n.ParentID] {
				gone[nid], grew = true, true
			}
		}
	}
	var under []uint32 // the slots of the business's sets under the nodes gone, read before any is removed
	for _, slot := range s.names.setsOf(node.BizID) {
		if r := s.slab.at(slot); r.def == 0 && gone[r.parent] {
			under = append(under, slot)
		}
	}
	if s.holdHosts(under) {
		return ErrHasHosts
	}
	for nid := range gone {
		delete(s.nodeNames, s.nodes[nid].key())
		delete(s.nodes, nid)
	}
	for _, slot := range under {
		s.removeSet(slot)
	}
	return nil
}

// NodeRecord is a node as CMDB returns it; nodes of the fixtures have no creation of their own
// and show the store's first instant.
func (s *Store) NodeRecord(n Node) Record {
	rec := Record{"bk_supplier_account": DefaultSupplierAccount, "bk_updated_by": nil}
	maps.Copy(rec, n.Fields)
	t := s.layout.formatTime(n.Created)
	for k, v := range map[string]any{
		"bk_inst_id": n.ID, "bk_inst_name": n.Name, "bk_obj_id": n.ObjID, "bk_biz_id": n.BizID, "bk_parent_id": n.key().parent,
		"create_time": t, "last_time": t, "bk_created_at": t, "bk_updated_at": t, "bk_created_by": n.CreatedBy,
	} {
		rec[k] = v
	}
	return rec
}

// madeNodes are the nodes calls made, by id; s.mu is held.
func (s *Store) madeNodes() []Node {
	var out []Node
	for _, n := range s.nodes {
		if n.Made {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b Node) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// SetNodeLimit bounds the custom-level nodes the store holds; CreateNode refuses one more.
func (s *Store) SetNodeLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodeLimit = n
}

// forgetMadeNodes removes the nodes calls made, as a reset does; s.mu is held.
func (s *Store) forgetMadeNodes() {
	kept := make(map[int64]Node, len(s.nodes))
	for id, n := range s.nodes {
		if !n.Made {
			kept[id] = n
		}
	}
	s.setNodes(kept)
}
