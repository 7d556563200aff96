package mock

import (
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// findSetBatchOp is find_set_batch (reference §12.3): ESB's generic component; IAM skips it.
func (s *Server) findSetBatchOp() operation {
	return operation{op: spec.CallFindSetBatch, generic: true, answer: s.findSetBatch}
}

// idlePool is the built-in idle set's name, and its English name when CMDB translates it.
const idlePool, idlePoolEn = "空闲机池", "idle pool"

// findSetBatch answers a bare array of the business's sets whose ids are listed, each with the
// fields asked for and default; other businesses' and unknown ids are left out. The untouched
// idle pool's name is translated, as the core service translates built-in instances.
func (s *Server) findSetBatch(c *call) answer {
	ids := make([]any, len(c.batch.ids))
	for i, id := range c.batch.ids {
		ids[i] = id
	}
	_, info, err := s.store.Search(c.ctx, topo.Query{
		BizID: c.bizID, Condition: map[string]any{"bk_set_id": map[string]any{"$in": ids}},
		Fields: append(c.batch.fields, "default"), MaxPage: maxBatchIDs, Owners: c.owners(),
	})
	if a, failed := s.searchFailure(c, err); failed {
		return a
	}
	for _, rec := range info {
		if rec["default"] == int64(1) && rec["bk_set_name"] == idlePool && c.lang == spec.English {
			rec["bk_set_name"] = idlePoolEn
		}
	}
	return succeeded(records(info))
}
