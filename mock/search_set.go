package mock

import (
	"encoding/json"
	"regexp"
	"strconv"

	"github.com/cmdbmock/cmdbmock/mock/topo"
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
	count, page, err := s.store.SearchPage(c.ctx, q)
	if a, failed := s.searchFailure(c, err); failed {
		return a
	}
	return succeeded(foundPage{count: count, info: page})
}

// searchQuery reads a search's condition, fields and page; bad names the first one of the wrong
// shape.
func searchQuery(args map[string]any) (q topo.Query, bad string) {
	if v, ok := args["condition"]; ok && v != nil {
		if q.Condition, ok = v.(map[string]any); !ok {
			return q, "condition"
		}
	}
	if v, ok := args["fields"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return q, "fields"
		}
		for _, f := range list {
			name, ok := f.(string)
			if !ok {
				return q, "fields"
			}
			q.Fields = append(q.Fields, name)
		}
	}
	if v, ok := args["page"]; ok && v != nil {
		page, ok := v.(map[string]any)
		if !ok {
			return q, "page"
		}
		for key, into := range map[string]*int{"start": &q.Start, "limit": &q.Limit} {
			if n, present := page[key]; present {
				i, err := strconv.Atoi(string(asNumber(n)))
				if err != nil || i < 0 {
					return q, "page"
				}
				*into = i
			}
		}
		if v, present := page["sort"]; present {
			if q.Sort, ok = v.(string); !ok {
				return q, "page"
			}
		}
	}
	return q, ""
}

func asNumber(v any) json.Number {
	n, _ := v.(json.Number)
	return n
}

// filterOps are the operators of CMDB's query filter the mock reads, as topo's tests: a value
// becomes a pattern for the string operators.
var filterOps = map[string]func(v any) (string, any, bool){
	"equal":       func(v any) (string, any, bool) { return "$eq", v, true },
	"not_equal":   func(v any) (string, any, bool) { return "$ne", v, true },
	"in":          func(v any) (string, any, bool) { return "$in", v, true },
	"not_in":      func(v any) (string, any, bool) { return "$nin", v, true },
	"contains":    pattern("", ""),
	"begins_with": pattern("^", ""),
	"ends_with":   pattern("", "$"),
}

func pattern(before, after string) func(v any) (string, any, bool) {
	return func(v any) (string, any, bool) {
		s, ok := v.(string)
		return "$regex", before + regexp.QuoteMeta(s) + after, ok
	}
}

// maxFilterDepth bounds the nesting of a filter's groups.
const maxFilterDepth = 3

// filterCondition reads CMDB's query filter, {"condition":"AND" or "OR","rules":[{"field",
// "operator","value"}, or a group]}, as the MongoDB condition CMDB makes of it ($and, $or);
// a group of no rules, another condition or operator, or a deeper nesting is not read (false).
func filterCondition(v any, depth int) (map[string]any, bool) {
	group, ok := v.(map[string]any)
	if !ok || depth >= maxFilterDepth {
		return nil, false
	}
	if field, ok := group["field"].(string); ok {
		op, _ := group["operator"].(string)
		to, found := filterOps[op]
		if !found {
			return nil, false
		}
		name, arg, ok := to(group["value"])
		return map[string]any{field: map[string]any{name: arg}}, ok
	}
	var join string
	switch group["condition"] {
	case "AND":
		join = "$and"
	case "OR":
		join = "$or"
	}
	list, ok := group["rules"].([]any)
	if join == "" || !ok || len(list) == 0 {
		return nil, false
	}
	conds := make([]any, len(list))
	for i, r := range list {
		if conds[i], ok = filterCondition(r, depth+1); !ok {
			return nil, false
		}
	}
	return map[string]any{join: conds}, true
}
