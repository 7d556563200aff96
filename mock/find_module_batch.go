package mock

import (
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// findModuleBatchOp is find_module_batch (reference §11.8): ESB's generic component, so no
// form; IAM skips reads.
func (s *Server) findModuleBatchOp() operation {
	return operation{op: spec.CallFindModuleBatch, generic: true, answer: s.findModuleBatch}
}

// findModuleBatch answers a bare array of the business's modules whose ids are listed, cut to
// fields; ids of other businesses and unknown ids are left out.
func (s *Server) findModuleBatch(c *call) answer {
	_, info, err := s.store.SearchModules(c.ctx, topo.ModuleQuery{
		BizID: c.bizID, IDs: c.batch.ids, Fields: coreFields(c.batch.fields), MaxPage: maxBatchIDs, Owners: c.owners(),
	})
	if a, failed := s.searchFailure(c, err); failed {
		return a
	}
	translateBuiltIn("module", info, c.lang)
	return succeeded(records(info))
}
