package mock

import (
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// searchModuleOp is search_module (reference §11.8): the modules of a business, or of one of its
// sets, filtered, paged and cut to fields. IAM skips reads.
func (s *Server) searchModuleOp() operation {
	return operation{op: spec.CallSearchModule, path: pathLabels{biz: "bk_biz_id", set: "bk_set_id"},
		form:   []formField{{"fields", "fields [fields]", "list"}, {"condition", "condition [condition]", "dict"}, {"page", "page [page]", "dict"}},
		answer: s.searchModule}
}

// searchModule answers {"count": N, "info": [...]}. The condition is used as given but for
// bk_biz_id, which is the call's business; a set id above 0 (the body's, else the v3 path's)
// limits the search to that set.
func (s *Server) searchModule(c *call) answer {
	q := c.query
	setID, _ := jsonx.Int(c.args()["bk_set_id"])
	if setID <= 0 {
		setID = c.setID
	}
	delete(q.Condition, "bk_biz_id")
	count, info, err := s.store.SearchModules(c.ctx, topo.ModuleQuery{
		BizID: c.bizID, SetID: max(setID, 0), Condition: q.Condition, Fields: coreFields(q.Fields),
		Start: q.Start, Limit: q.Limit, Sort: q.Sort, MaxPage: s.cfg.MaxPage, Owners: c.owners(),
	})
	if a, failed := s.searchFailure(c, err); failed {
		return a
	}
	translateBuiltIn("module", info, c.lang)
	return succeeded(foundPage{count: count, info: records(info)})
}
