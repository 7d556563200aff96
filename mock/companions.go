package mock

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// credentialSteps are ESB's checks of the body and the caller, which every call makes.
func credentialSteps() []spec.StepID {
	return []spec.StepID{
		spec.StepESBJSON, spec.StepESBAppCode, spec.StepESBAppSecret, spec.StepESBAppUnknown,
		spec.StepESBAppSecretOK, spec.StepESBUser, spec.StepESBBizRequired, spec.StepESBBizWhole,
	}
}

// searchSet answers search_set: the sets of a business, filtered, paged and cut to fields.
func (s *Server) searchSet(c *call) answer {
	return s.run(c, s.lookupSteps, func(c *call) answer {
		args := c.data // v3: the body
		if c.surface == spec.SurfaceESB {
			args = c.fields
		}
		q, bad := searchQuery(c.bizID, args)
		if bad != "" {
			return failed(spec.MsgInvalid, spec.MsgInvalid.Format(c.lang, bad), nil)
		}
		count, info, err := s.store.Search(q)
		if err != nil {
			return failed(spec.MsgInvalid, spec.MsgInvalid.Format(c.lang, "condition"), nil)
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

// deleteSet answers delete_set; built-in sets refuse with 1101098.
func (s *Server) deleteSet(c *call) answer {
	c.action = actionDelete
	return s.run(c, s.deleteSteps, func(c *call) answer {
		id, bad := deletedSetID(c)
		if bad != nil {
			return *bad
		}
		if err := s.store.Delete(c.bizID, id); errors.Is(err, topo.ErrBuiltIn) {
			return failed(spec.MsgBuiltInSet, spec.MsgBuiltInSet.Format(c.lang), nil)
		}
		return succeeded(nil)
	})
}

// deletedSetID reads the set id of a delete: ESB's form field or the v3 path.
func deletedSetID(c *call) (int64, *answer) {
	raw := c.setIDPath
	if c.surface == spec.SurfaceESB {
		v, present := c.fields["bk_set_id"]
		if emptyValue(v, present) {
			a := failed(spec.MsgESBSetIDRequired, spec.MsgESBSetIDRequired.Format(c.lang), nil)
			return 0, &a
		}
		digits, ok := wholeNumber(v)
		if !ok {
			a := failed(spec.MsgESBSetIDWhole, spec.MsgESBSetIDWhole.Format(c.lang), nil)
			return 0, &a
		}
		raw = digits
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		a := failed(spec.MsgNeedInt, spec.MsgNeedInt.Format(c.lang, "bk_set_id"), nil)
		return 0, &a
	}
	return id, nil
}
