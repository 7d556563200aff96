package mock

import (
	"errors"

	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// deleteSetOp is delete_set (reference §9): built-in sets refuse with 1101098, then a set whose
// modules hold hosts with 1101030; a set that is not there is no error.
func (s *Server) deleteSetOp() operation {
	return operation{op: spec.CallDeleteSet, action: actionDelete,
		path: pathLabels{biz: spec.LabelBusinessID.En, set: "set id"}, answer: s.deleteSet}
}

func (s *Server) deleteSet(c *call) answer {
	return s.removeSets(c, deleteSets{Biz: c.bizID, IDs: []int64{c.setID}})
}

// removeSets submits a delete of sets and answers it as delete_set and batch_delete_set both do:
// 1101098 when a built-in set is among them, 1101030 when a module of them holds hosts, and then
// nothing is removed.
func (s *Server) removeSets(c *call, d deleteSets) answer {
	out, err := s.submit(c.ctx, d)
	switch {
	case err != nil:
		return c.storeFailure(err)
	case errors.Is(out.err, topo.ErrBuiltIn):
		return c.failure(spec.MsgBuiltInSet)
	}
	return c.deleted(out)
}
