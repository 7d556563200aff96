package mock

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// createInstOp is create_inst on a custom mainline level (reference §12.5): the only way to add
// a node between a business and its sets. ESB's generic component takes bk_obj_id from the body.
func (s *Server) createInstOp() operation {
	return operation{op: spec.CallCreateInst, object: s.levelObj, creates: true, action: actionCreate,
		generic: true, params: []string{"bk_obj_id"}, answer: s.createInst}
}

// builtInModels are CMDB's own models, which the generic instance API refuses (I2, bk-cmdb
// src/common/mapping.go:102-104).
var builtInModels = []string{"biz_set", "biz", "project", "set", "module", "process", "host", "plat"}

// createInst stores the node of a call that passed every check and answers its record. The
// insert finds a duplicate name under the parent (I7) after the id is taken.
func (s *Server) createInst(c *call) answer {
	out, err := s.submit(c.ctx, createNode{Node: topo.Node{
		Name: c.name, ObjID: c.objPath, BizID: c.bizID, ParentID: c.parentID,
		Created: s.cfg.Now().UnixMilli(), CreatedBy: c.creds.user(), Fields: s.storedFields(s.levelObj, levelOwned, c, nil),
	}})
	if err != nil {
		return c.storeFailure(err)
	}
	n, err := out.node, out.err
	switch {
	case errors.Is(err, topo.ErrDuplicateNode):
		return s.refuse(c, spec.StepInstDuplicate, fail(spec.MsgDuplicateInstance,
			fmt.Sprintf("bk_inst_name: %s, bk_parent_id: %d", strconv.Quote(c.name), c.parentID)))
	case errors.Is(err, topo.ErrNodesFull):
		return c.failure(spec.MsgNodesFull, fixtures.MaxNodes)
	}
	return succeeded(record(s.store.NodeRecord(n)))
}

// levelOwned are the custom level's attributes its record takes from the server.
var levelOwned = []string{"bk_inst_name", "bk_parent_id", "bk_biz_id", "bk_created_at", "bk_created_by", "bk_updated_at"}

// levelIndex is the place of a custom level in the mainline, top down; -1 for none.
func (s *Server) levelIndex(obj string) int {
	return slices.IndexFunc(s.store.Levels(), func(l topo.Level) bool { return l.ObjID == obj })
}

// instRules are the generic instance API's checks on a custom level (reference §12.5).
func (s *Server) instRules() map[spec.StepID]rule {
	return map[spec.StepID]rule{
		spec.StepInstIAM: func(c *call) *failure {
			// IAM asks about the body's business (a create's, or the one a delete names).
			c.bizID, _ = jsonx.Int(c.args()["bk_biz_id"])
			if s.cfg.IAMOff {
				return nil
			}
			known := slices.Contains(builtInModels, c.objPath) || s.levelIndex(c.objPath) >= 0
			if !known || c.op.op == spec.CallDeleteInst && !allDigits(c.instIDPath) {
				return fail(spec.MsgNoMatchedRules) // the parser finds no model (text not pinned)
			}
			return nil
		},
		spec.StepInstBuiltIn: func(c *call) *failure {
			if slices.Contains(builtInModels, c.objPath) {
				return fail(spec.MsgInnerModel)
			}
			return nil
		},
		spec.StepInstModel: func(c *call) *failure {
			if s.levelIndex(c.objPath) < 0 {
				return fail(spec.MsgQueryModel)
			}
			return nil
		},
		spec.StepInstParent: func(c *call) *failure {
			i := s.levelIndex(c.objPath)
			if i <= 0 {
				return nil // under the business, any parent is stored (inst.go:1166-1169)
			}
			id, ok := jsonx.Int(c.data["bk_parent_id"])
			n, found := s.store.Node(id)
			if !ok || !found || n.BizID != c.bizID || n.ObjID != s.store.Levels()[i-1].ObjID {
				return fail(spec.MsgInvalidOrNone, "bk_parent_id")
			}
			return nil
		},
		spec.StepInstIDPath: func(c *call) *failure {
			id, err := strconv.ParseInt(c.instIDPath, 10, 64)
			if err != nil {
				return fail(spec.MsgNeedInt, "inst id")
			}
			c.instID = id
			return nil
		},
		spec.StepInstDuplicate: atWrite,
	}
}
