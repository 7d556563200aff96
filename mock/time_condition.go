package mock

import (
	"time"

	"github.com/cmdbmock/cmdbmock/spec"
)

// search_set's and search_business's time_condition (v3 only: ESB's forms do not forward it) is
// CMDB's TimeCondition: decoded with the body, each time as CMDB's time type decodes one, and
// merged by the core service into the condition of the read, after every check of the topo
// server's (bk-cmdb src/common/metadata/common.go:164-227, src/common/time/time.go:43-56,
// src/source_controller/coreservice/core/instances/instance.go:496-503 @111e7ac).

// timeCondition is a decoded time_condition.
type timeCondition struct {
	oper  string
	rules []timeRule
}

// timeRule is a field between a start and an end, either of which may be left out (nil).
type timeRule struct {
	field      string
	start, end *time.Time
}

// decodeTimeCondition decodes a time_condition as CMDB decodes its TimeCondition; false for what
// its decoding refuses. A time without a zone is read in zone, CMDB's server's.
func decodeTimeCondition(v any, zone *time.Location) (*timeCondition, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	oper, okOper := stringField(m["oper"])
	rules, isList := m["rules"].([]any)
	if !okOper || !isList && m["rules"] != nil {
		return nil, false
	}
	tc := &timeCondition{oper: oper}
	for _, r := range rules {
		rm, isMap := r.(map[string]any)
		if !isMap && r != nil {
			return nil, false
		}
		field, okField := stringField(rm["field"])
		start, okStart := decodeTime(rm["start"], zone)
		end, okEnd := decodeTime(rm["end"], zone)
		if !okField || !okStart || !okEnd {
			return nil, false
		}
		tc.rules = append(tc.rules, timeRule{field: field, start: start, end: end})
	}
	return tc, true
}

// decodeTime decodes a time as CMDB's time type does: a time util.IsTime reads (the zero time
// when Go's time cannot), else an RFC 3339 string as time.Time reads it; null is none.
func decodeTime(v any, zone *time.Location) (*time.Time, bool) {
	if v == nil {
		return nil, true
	}
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	if t, ok := parseCMDBTime(s, zone); ok {
		return &t, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return &t, err == nil
}

// mongo is MergeTimeCondition's condition of the rules, or its failure; a rule's field
// bk_created_at is create_time, bk_updated_at last_time, and a later rule on a field replaces an
// earlier one.
func (tc *timeCondition) mongo() (map[string]any, *failure) {
	if tc.oper != "and" {
		return nil, fail(spec.MsgRawNotPass, "time condition oper is invalid")
	}
	if len(tc.rules) == 0 {
		return nil, fail(spec.MsgRawNeedSet, "time condition rules not set")
	}
	cond := map[string]any{}
	for _, r := range tc.rules {
		if r.field == "" {
			return nil, fail(spec.MsgRawNeedSet, "time condition field not set")
		}
		field := r.field
		switch field {
		case "bk_created_at":
			field = "create_time"
		case "bk_updated_at":
			field = "last_time"
		}
		between := map[string]any{}
		switch {
		case r.start == nil && r.end == nil:
			return nil, fail(spec.MsgRawNotPass, "time condition start and end both not set")
		case r.start == nil:
			between["$lte"] = *r.end
		case r.end == nil:
			between["$gte"] = *r.start
		default: // $eq when they are one instant: the same as both
			between["$gte"], between["$lte"] = *r.start, *r.end
		}
		cond[field] = between
	}
	return cond, nil
}

// withTime is a read's condition with the time condition's merged in, as MergeTimeCondition
// merges it: both held together.
func withTime(cond, times map[string]any) map[string]any {
	if len(cond) == 0 {
		return times
	}
	return map[string]any{"$and": []any{cond, times}}
}
