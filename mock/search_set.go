package mock

import (
	"github.com/cmdbmock/cmdbmock/spec"
)

// searchSetOp is search_set: the sets of a business, filtered, paged and cut to fields.
func (s *Server) searchSetOp() operation {
	return operation{op: spec.CallSearchSet, path: pathLabels{biz: spec.LabelBusinessID.En}, answer: s.searchSet,
		form: []formField{{"fields", "fields [fields]", "list"}, {"condition", "condition [condition]", "dict"}, {"page", "page [page]", "dict"}}}
}

func (s *Server) searchSet(c *call) answer {
	q := c.query // the filter's condition in place of one (StepSetFilter)
	q.BizID, q.MaxPage, q.Owners = c.bizID, s.cfg.MaxPage, c.owners()
	q.Fields = coreFields(q.Fields)
	if c.times != nil {
		q.Condition = withTime(q.Condition, c.times)
	}
	count, page, err := s.store.SearchPage(c.ctx, q)
	if a, failed := s.searchFailure(c, err); failed {
		return a
	}
	if page.HoldsBuiltIn() { // the idle pool: named as the core service names it
		recs := page.Records()
		translateBuiltIn("set", recs, c.lang)
		return succeeded(foundPage{count: count, info: records(recs)})
	}
	return succeeded(foundPage{count: count, info: page})
}
