package mock

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// searchBusinessOp is search_business (reference §12.2): the businesses the caller may see,
// filtered, paged and cut to fields. IAM filters rather than refuses: a user without permission
// gets none.
func (s *Server) searchBusinessOp() operation {
	return operation{op: spec.CallSearchBusiness, answer: s.searchBusiness,
		form: []formField{{"fields", "fields [fields]", "list"}, {"condition", "condition [condition]", "dict"},
			{"biz_property_filter", "biz_property_filter [biz_property_filter]", "dict"}, {"page", "page [page]", "dict"}}}
}

// exactUser is CMDB's pattern of one user of a user field's condition: a whole member of the
// field's comma list (bk-cmdb src/scene_server/topo_server/service/inst_business.go:518-519 @111e7ac).
const exactUser = `(^USER_PLACEHOLDER$)|(^USER_PLACEHOLDER[,]{1})|([,]{1}USER_PLACEHOLDER[,]{1})|([,]{1}USER_PLACEHOLDER$)`

// searchBusiness answers {"count": N, "info": [...]}. A string in the condition matches as a
// case-insensitive pattern (a user field's, each user as a whole member); default is always 0, so
// the resource pool never shows; archived businesses are left out unless the condition names
// bk_data_status; the owner is the caller's.
func (s *Server) searchBusiness(c *call) answer {
	args := c.args()
	cond, _ := args["condition"].(map[string]any)
	q := topo.RecordQuery{Condition: map[string]any{}, Fields: c.query.Fields, Start: c.query.Start, Limit: c.query.Limit}
	pageWithin(&q, len(s.fixtures().Businesses))
	for k, v := range cond {
		str, isString := v.(string)
		if !isString {
			q.Condition[k] = v
			continue
		}
		rules, err := s.businessPatterns(k, str)
		if a, failed := s.searchFailure(c, err); failed {
			return a
		}
		q.Rules = append(q.Rules, rules...)
	}
	if c.filter != nil {
		q.Condition["$and"] = []any{c.query.Condition} // the filter's (StepBizPropertyFilter); B2 leaves no other
	}
	q.Condition["default"] = 0
	if _, named := cond["bk_data_status"]; !named {
		q.Rules = append(q.Rules, topo.Rule{Field: "bk_data_status", Op: "$ne", Arg: "disabled"})
	}
	owners := make([]any, 0, 2)
	for _, o := range c.owners() {
		owners = append(owners, o)
	}
	q.Rules = append(q.Rules, topo.Rule{Field: "bk_supplier_account", Op: "$in", Arg: owners})
	q.Fields = coreFields(q.Fields) // §12.2 Fields
	if c.times != nil {
		q.Condition = withTime(q.Condition, c.times)
	}
	q.Sort = c.query.Sort
	count, info, err := s.store.SearchBusinesses(c.ctx, q, s.visibleBusinesses(c))
	if a, failed := s.searchFailure(c, err); failed {
		return a
	}
	translateBuiltIn("biz", info, c.lang) // never the resource pool: default 0 is asked for
	return succeeded(foundPage{count: count, info: records(info)})
}

// businessPatterns are the tests of a string in search_business's condition: a pattern of the
// string, case aside; for a user field (an objuser attribute of the business's model), one for
// each user of the list trimmed of commas, each a whole member of the field's list.
func (s *Server) businessPatterns(field, str string) ([]topo.Rule, error) {
	isUser := slices.ContainsFunc(s.bizObj.model, func(a fixtures.Attribute) bool {
		return a.PropertyID == field && a.Type == fixtures.TypeUser
	})
	if !isUser {
		p, err := likePattern(specialCharChange(str), true)
		return []topo.Rule{{Field: field, Op: "$regex", Arg: p}}, err
	}
	var rules []topo.Rule
	for _, u := range strings.Split(strings.Trim(str, ","), ",") {
		p, err := likePattern(specialCharChange(u), false)
		if err != nil {
			return nil, err
		}
		rules = append(rules, topo.Rule{Field: field, Op: "$regex", Arg: strings.ReplaceAll(exactUser, "USER_PLACEHOLDER", p)})
	}
	return rules, nil
}

// visibleBusinesses are the businesses IAM lets the caller find: all (nil) with IAM off.
func (s *Server) visibleBusinesses(c *call) map[int64]bool {
	if s.cfg.IAMOff {
		return nil
	}
	fx := s.fixtures()
	ids := map[int64]bool{}
	for _, b := range fx.Businesses {
		if !fx.Denied(c.creds.user(), b.ID) {
			ids[b.ID] = true
		}
	}
	return ids
}

// businessRules are search_business's checks of its condition (reference §12.2 B2-B5).
func (s *Server) businessRules() map[spec.StepID]rule {
	return map[spec.StepID]rule{
		spec.StepBizFilterBoth: func(c *call) *failure {
			args := c.args()
			cond, bpf := args["condition"], args["biz_property_filter"]
			_, condSent := args["condition"]
			_, bpfSent := args["biz_property_filter"]
			// ESB forwards a null condition or filter as {} (forms.py TypeCheckField).
			both := c.surface == spec.SurfaceESB && condSent && bpfSent || cond != nil && bpf != nil
			if both {
				return fail(spec.MsgInvalid, "%s") // RespErrorCodeOnly never formats its message
			}
			return nil
		},
		spec.StepBizIDCondition: func(c *call) *failure {
			cond, _ := c.args()["condition"].(map[string]any)
			v, present := cond["bk_biz_id"]
			if !present {
				return nil
			}
			// GetInt64ByInterface reads a number with json.Number's Int64: 2.0, 2e0 and a
			// number beyond int64 fail it as a bool, a list or null does.
			isInt := func(v any) bool { _, ok := jsonx.Int(v); return ok }
			switch t := v.(type) {
			case string:
				return nil // already a pattern (handleSpecialBusinessFieldSearchCond)
			case map[string]any:
				if eq, ok := t["$eq"]; ok && !isInt(eq) {
					return fail(spec.MsgInvalid, "%s")
				}
				if in, ok := t["$in"].([]any); ok && slices.ContainsFunc(in, func(x any) bool { return !isInt(x) }) {
					return fail(spec.MsgInvalid, "%s")
				}
				return nil
			}
			if !isInt(v) {
				return fail(spec.MsgInvalid, "bk_biz_id")
			}
			return nil
		},
		// The filter as SearchBusiness checks it (inst_business.go:641-672).
		spec.StepBizPropertyFilter: func(c *call) *failure {
			if c.filter == nil {
				return nil
			}
			if key, ok := bizFilterKey(c.filter); !ok {
				return fail(spec.MsgInvalid, "biz.property."+key)
			}
			if bizFilterDepth(c.filter) > bizFilterMaxDepth {
				return fail(spec.MsgInvalid, fmt.Sprintf("exceed max query condition deepth: %d", bizFilterMaxDepth))
			}
			cond, err := bizFilterCondition(c.filter, s.cfg.Location)
			if err != nil {
				return fail(spec.MsgInvalid, err.Error()) // none after its checks: no filter_array
			}
			c.query.Condition = cond
			return nil
		},
	}
}
