package mock

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// searchSet answers search_set: the sets of a business, filtered, paged and cut to fields.
func (s *Server) searchSet(c *call) answer {
	return s.run(c, s.lookupSteps, func(c *call) answer {
		q, bad := searchQuery(c.bizID, c.args())
		if bad != "" {
			return c.failure(spec.MsgInvalid, bad)
		}
		q.MaxPage, q.Owners = s.cfg.MaxPage, c.owners()
		count, info, err := s.store.Search(c.ctx, q)
		switch {
		case errors.Is(err, topo.ErrPageTooLarge):
			return c.failure(spec.MsgPageTooLarge, s.cfg.MaxPage)
		case errors.Is(err, topo.ErrBadCondition):
			return c.failure(spec.MsgInvalid, "condition")
		case err != nil:
			return c.failure(spec.MsgCancelled)
		}
		if info == nil {
			info = []topo.Record{}
		}
		return succeeded(map[string]any{"count": count, "info": info})
	})
}

// searchQuery reads search_set's arguments; bad names the first one of the wrong shape.
func searchQuery(bizID int64, args map[string]any) (q topo.Query, bad string) {
	q.BizID = bizID
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
