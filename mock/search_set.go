package mock

import (
	"encoding/json"
	"strconv"
	"strings"

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
			sort, ok := v.(string)
			if !ok {
				return q, "page"
			}
			q.Sort = sortKeys(sort)
		}
	}
	return q, ""
}

func asNumber(v any) json.Number {
	n, _ := v.(json.Number)
	return n
}

// sortKeys is a sort as CMDB hands it to MongoDB, written as topo reads one: "-f" descending,
// "f" ascending, comma-separated. CMDB reads a comma list of "f", "+f", "-f", "f:1" or "f:-1",
// each trimmed of spaces (bk-cmdb src/storage/dal/mongo/local/mongo.go:398-423 @111e7ac).
func sortKeys(sort string) string {
	if sort == "" {
		return ""
	}
	keys := strings.Split(sort, ",")
	for i, item := range keys {
		key, flag, hasFlag := strings.Cut(strings.TrimSpace(item), ":")
		desc := strings.HasPrefix(key, "-")
		if hasFlag {
			desc = strings.TrimSpace(flag) == "-1"
		}
		if key = strings.TrimLeft(key, "+-"); desc && key != "" {
			key = "-" + key
		}
		keys[i] = key
	}
	return strings.Join(keys, ",")
}
