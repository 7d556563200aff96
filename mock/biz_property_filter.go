package mock

import (
	"fmt"
	"time"

	"github.com/cmdbmock/cmdbmock/internal/lazyre"
)

// search_business's biz_property_filter is CMDB's querybuilder (bk-cmdb src/common/querybuilder
// @111e7ac), read as SearchBusiness reads it (inst_business.go:641-672): decoded by its
// QueryFilter (a request it cannot decode is 1199000), checked with the options SearchBusiness
// gives (a group at the top, 20 rules an OR, 500 values an in, of one kind), each failure
// 1199006 on 'biz.property.<the key of the rule>', then its depth, and turned into MongoDB's
// condition as its ToMgo turns it. Its rules are those of search_set's filter (filter.go), whose
// MongoDB condition they share but for is_empty.

// The bounds SearchBusiness gives the filter (types.go:438-447: DefaultMaxSliceElementsCount,
// DefaultMaxConditionOrRulesCount, MaxDeep).
const (
	bizFilterMaxIn    = 500
	bizFilterMaxOr    = 20
	bizFilterMaxDepth = 3
)

// decodeBizFilter decodes a filter as ParseRule does (parser.go:37-75, 110-117): a rule of null
// is left out, a value is any value as encoding/json decodes it.
func decodeBizFilter(v any) (filterRule, bool) {
	return ruleDecoder{skipNull: true, value: func(_ ruleDecoder, _ string, v any, _ bool) (any, bool) { return stdValue(v) }}.decode(v)
}

// bizFilterField is the fields querybuilder takes (ValidFieldPattern), compiled at its first use.
var bizFilterField = lazyre.New(`^[a-zA-Z0-9][\d\w\-_.]*$`)

// bizFilterKey is QueryFilter.Validate: the key of the first part of the filter its checks
// refuse (parser.go:89-99,
// types.go:199-262,477-508, validate.go:106-140), and false; a filter that is not a group is
// refused with no key at all.
func bizFilterKey(r filterRule) (string, bool) {
	g, ok := r.(*filterGroup)
	if !ok {
		return "", false
	}
	return g.bizKey()
}

func (g *filterGroup) bizKey() (string, bool) {
	switch {
	case g.Condition != "AND" && g.Condition != "OR":
		return "condition", false
	case len(g.Rules) == 0, g.Condition == "OR" && len(g.Rules) > bizFilterMaxOr:
		return "rules", false
	}
	for i, r := range g.Rules {
		var key string
		var ok bool
		switch r := r.(type) {
		case *filterGroup:
			key, ok = r.bizKey()
		case *filterAtom:
			key, ok = r.bizKey()
		}
		if !ok {
			return fmt.Sprintf("rules[%d].%s", i, key), false
		}
	}
	return "", true
}

func (a *filterAtom) bizKey() (string, bool) {
	if !bizOperators[a.Operator] {
		return "operator", false
	}
	if !bizFilterField().MatchString(a.Field) {
		return "field", false
	}
	ok := true
	switch a.Operator {
	case "equal", "not_equal":
		ok = basicKind(a.Value) != ""
	case "in", "not_in":
		ok = a.Value == nil || bizList(a.Value)
	case "less", "less_or_equal", "greater", "greater_or_equal":
		_, ok = a.Value.(float64)
	case "datetime_less", "datetime_less_or_equal", "datetime_greater", "datetime_greater_or_equal":
		s, isString := a.Value.(string)
		ok = isString && (isCMDBTime(s) || isDate(s))
	case "begins_with", "not_begins_with", "contains", "not_contains", "ends_with", "not_ends_with":
		s, _ := a.Value.(string)
		ok = s != ""
	}
	if !ok {
		return "value", false
	}
	return "", true
}

// bizList is validateSliceOfBasicType with the same kind asked for: any number of basic values,
// none included, up to bizFilterMaxIn.
func bizList(v any) bool {
	list, ok := v.([]any)
	return ok && len(list) <= bizFilterMaxIn && ofOneBasicKind(list)
}

// bizOperators are querybuilder's operators (SupportOperators).
var bizOperators = map[string]bool{
	"equal": true, "not_equal": true, "in": true, "not_in": true, "less": true, "less_or_equal": true, "greater": true,
	"greater_or_equal": true, "datetime_less": true, "datetime_less_or_equal": true, "datetime_greater": true,
	"datetime_greater_or_equal": true, "begins_with": true, "not_begins_with": true, "contains": true, "not_contains": true,
	"ends_with": true, "not_ends_with": true, "is_empty": true, "is_not_empty": true, "is_null": true, "is_not_null": true,
	"exist": true, "not_exist": true,
}

// bizFilterDepth is GetDeep (types.go:465-475): an atom is 1, a group one more than its deepest rule.
func bizFilterDepth(r filterRule) int {
	g, ok := r.(*filterGroup)
	if !ok {
		return 1
	}
	deepest := 1
	for _, r := range g.Rules {
		deepest = max(deepest, bizFilterDepth(r))
	}
	return deepest + 1
}

// bizFilterCondition is the filter's MongoDB condition (types.go:264-425,510-540): is_empty and is_not_empty test
// against an empty list.
func bizFilterCondition(r filterRule, zone *time.Location) (map[string]any, error) {
	return r.mongo(filterScope{zone: zone, emptyAsList: true})
}
