package mock

import (
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// findSetBatchOp is find_set_batch (reference §12.3): ESB's generic component; IAM skips it.
func (s *Server) findSetBatchOp() operation {
	return operation{op: spec.CallFindSetBatch, generic: true, answer: s.findSetBatch}
}

// findSetBatch answers a bare array of the business's sets whose ids are listed, each with the
// fields asked for and default; other businesses' and unknown ids are left out. The core service
// names the idle pool (builtin_names.go).
func (s *Server) findSetBatch(c *call) answer {
	ids := make([]any, len(c.batch.ids))
	for i, id := range c.batch.ids {
		ids[i] = id
	}
	_, info, err := s.store.Search(c.ctx, topo.Query{
		BizID: c.bizID, Condition: map[string]any{"bk_set_id": map[string]any{"$in": ids}},
		Fields: coreFields(c.batch.fields), MaxPage: maxBatchIDs, Owners: c.owners(),
	})
	if a, failed := s.searchFailure(c, err); failed {
		return a
	}
	translateBuiltIn("set", info, c.lang)
	return succeeded(records(info))
}
