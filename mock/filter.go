package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// search_set's filter is CMDB's query filter (bk-cmdb pkg/filter @111e7ac), read in place of a
// condition as CMDB reads it: decoded as its Expression decodes (a request it cannot decode is
// 1199000), checked with its default bounds (NewDefaultExprOpt: 50 rules a group, 500 values an
// in, two levels of groups), and turned into the MongoDB condition its ToMgo makes, which the
// store evaluates (topo's condition). Its rules written with encoding/json are the text CMDB
// writes of the filter in its errors: it decodes values with encoding/json too, numbers as
// float64s (expression.go:147-185, rule.go:334-380,574-595).

// filterRule is a rule of a filter: a *filterGroup or a *filterAtom.
type filterRule interface {
	valid(depth int) bool
	mongo(at filterScope) (map[string]any, error)
}

// filterGroup is a CombinedRule: its rules joined by AND or OR.
type filterGroup struct {
	Condition string       `json:"condition"`
	Rules     []filterRule `json:"rules"`
}

// filterAtom is an AtomRule: an operator on a field.
type filterAtom struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// filterScope is where a rule is turned into MongoDB's: under the field of the filter_object or
// filter_array it is in, if any, and the zone a time without one is read in.
type filterScope struct {
	parent      string // "" at the top
	array       bool   // the parent is a filter_array's
	zone        *time.Location
	emptyAsList bool // querybuilder's is_empty and is_not_empty: $eq and $ne an empty list
}

// The bounds of a filter, CMDB's defaults (NewDefaultExprOpt).
const (
	filterDepth    = 3   // MaxRulesDepth: two levels of groups
	filterMaxRules = 50  // MaxRulesLimit
	filterMaxIn    = 500 // MaxInLimit, MaxNotInLimit
)

// decodeFilter decodes a filter as parseJsonRule does (expression.go:160-185, rule.go:334-380,
// 574-595).
func decodeFilter(v any) (filterRule, bool) { return ruleDecoder{value: filterValue}.decode(v) }

// ruleDecoder decodes a filter as one of CMDB's two filters does: a rule is a group when it has
// a condition key, an atom when it has an operator, and nothing else; false for what its
// decoding refuses. The two differ in a group's rules of null (querybuilder leaves them out) and
// in how an atom's value is read.
type ruleDecoder struct {
	skipNull bool
	value    func(d ruleDecoder, op string, v any, sent bool) (any, bool)
}

func (d ruleDecoder) decode(v any) (filterRule, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	if _, ok := m["condition"]; ok {
		cond, ok := stringField(m["condition"])
		rules, isList := m["rules"].([]any)
		if !ok || !isList && m["rules"] != nil {
			return nil, false
		}
		g := &filterGroup{Condition: cond, Rules: []filterRule{}}
		for _, r := range rules {
			if r == nil && d.skipNull {
				continue
			}
			rule, ok := d.decode(r)
			if !ok {
				return nil, false
			}
			g.Rules = append(g.Rules, rule)
		}
		return g, true
	}
	if _, ok := m["operator"]; !ok {
		return nil, false
	}
	field, okField := stringField(m["field"])
	op, okOp := stringField(m["operator"])
	v, sent := m["value"]
	value, okValue := d.value(d, op, v, sent)
	if !okField || !okOp || !okValue {
		return nil, false
	}
	return &filterAtom{Field: field, Operator: op, Value: value}, true
}

// filterValue reads an atom's value as AtomRule's decoding does: none when it is not sent, a
// list for in and not_in, a rule for filter_object and filter_array, any other value as
// encoding/json decodes it.
func filterValue(d ruleDecoder, op string, v any, sent bool) (any, bool) {
	if !sent {
		return nil, true
	}
	switch op {
	case "in", "not_in":
		list, ok := v.([]any)
		if !ok && v != nil {
			return nil, false
		}
		std, ok := stdValue(list)
		if !ok {
			return nil, false // a number out of a float64's range
		}
		return std.([]any), true
	case "filter_object", "filter_array":
		return d.decode(v)
	}
	return stdValue(v)
}

// stringField is a string field as encoding/json decodes one: null leaves it empty.
func stringField(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

// stdValue is a value as encoding/json decodes it into an interface: numbers as float64s, which
// it refuses when they are out of a float64's range.
func stdValue(v any) (any, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil
	case []any:
		if v == nil {
			return []any(nil), true
		}
		out := make([]any, len(v))
		for i, e := range v {
			var ok bool
			if out[i], ok = stdValue(e); !ok {
				return nil, false
			}
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			var ok bool
			if out[k], ok = stdValue(e); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return v, true
}

// filterText is the filter as CMDB writes it in an error (Expression.String).
func filterText(r filterRule) string {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Sprintf("marshal json failed, err: %v", err)
	}
	return string(b)
}

func (g *filterGroup) valid(depth int) bool {
	if g.Condition != "AND" && g.Condition != "OR" || len(g.Rules) == 0 || len(g.Rules) > filterMaxRules || depth <= 1 {
		return false
	}
	for _, r := range g.Rules {
		if !r.valid(depth - 1) {
			return false
		}
	}
	return true
}

// valid is AtomRule.Validate with IgnoreRuleFields, as search_set asks: each operator's
// ValidateValue (operator.go).
func (a *filterAtom) valid(depth int) bool {
	if a.Field == "" {
		return false
	}
	if _, ok := filterDatetimes[a.Operator]; ok {
		s, isString := a.Value.(string)
		_, isNumber := a.Value.(float64)
		return isNumber || isString && (isDate(s) || isCMDBTime(s))
	}
	if _, ok := filterPatterns[a.Operator]; ok {
		s, _ := a.Value.(string)
		return s != ""
	}
	switch a.Operator {
	case "equal", "not_equal":
		return basicKind(a.Value) != ""
	case "in", "not_in":
		list, _ := a.Value.([]any)
		return len(list) > 0 && len(list) <= filterMaxIn && ofOneBasicKind(list)
	case "less", "less_or_equal", "greater", "greater_or_equal":
		_, ok := a.Value.(float64)
		return ok
	case "is_empty", "is_not_empty", "is_null", "is_not_null", "exist", "not_exist":
		return true
	case "size":
		n, ok := a.Value.(float64)
		return ok && int64(n) >= 0 // GetInt64ByInterface truncates
	case "filter_object", "filter_array":
		sub, ok := a.Value.(filterRule)
		return ok && depth > 1 && sub.valid(depth-1)
	}
	return false
}

// basicKind is the kind of a basic value as CMDB's checks tell them: "" for any other.
func basicKind(v any) string {
	switch v.(type) {
	case float64:
		return "numeric"
	case string:
		return "string"
	case bool:
		return "bool"
	}
	return ""
}

// ofOneBasicKind reports whether every value of a list is a basic value of the first one's kind,
// as both of CMDB's filters ask of an in's values.
func ofOneBasicKind(list []any) bool {
	for _, v := range list {
		if k := basicKind(v); k == "" || k != basicKind(list[0]) {
			return false
		}
	}
	return true
}

// isDate is util.IsDate: a date alone, which CMDB passes to MongoDB as the string it is.
func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return s != "" && err == nil
}

func (g *filterGroup) mongo(at filterScope) (map[string]any, error) {
	conds := make([]any, len(g.Rules))
	for i, r := range g.Rules {
		c, err := r.mongo(at)
		if err != nil {
			return nil, fmt.Errorf("rules[%d] is invalid, err: %v", i, err)
		}
		conds[i] = c
	}
	if g.Condition == "OR" {
		return map[string]any{"$or": conds}, nil
	}
	return map[string]any{"$and": conds}, nil
}

// filterOperators are the operators MongoDB has as they are, with the value as sent.
var filterOperators = map[string]string{"equal": "$eq", "not_equal": "$ne", "in": "$in", "not_in": "$nin", "less": "$lt",
	"less_or_equal": "$lte", "greater": "$gt", "greater_or_equal": "$gte", "size": "$size"}

// filterDatetimes are the datetime operators, whose value is a time.
var filterDatetimes = map[string]string{"datetime_less": "$lt", "datetime_less_or_equal": "$lte", "datetime_greater": "$gt",
	"datetime_greater_or_equal": "$gte"}

// filterPatterns are the string operators: each a $regex of the value as sent, not escaped, with
// what comes before and after it, case aside or not, negated or not.
var filterPatterns = map[string]struct {
	before, after  string
	caseAside, not bool
}{
	"begins_with": {"^", "", false, false}, "begins_with_i": {"^", "", true, false},
	"not_begins_with": {"^", "", false, true}, "not_begins_with_i": {"^", "", true, true},
	"contains": {"", "", true, false}, "contains_s": {"", "", false, false},
	"not_contains": {"", "", false, true}, "not_contains_i": {"", "", true, true},
	"ends_with": {"", "$", false, false}, "ends_with_i": {"", "$", true, false},
	"not_ends_with": {"", "$", false, true}, "not_ends_with_i": {"", "$", true, true},
}

// mongo is AtomRule.ToMgo and its operator's: the field under its parent's, then the operator
// as MongoDB's, the string operators as patterns of the value as sent.
func (a *filterAtom) mongo(at filterScope) (map[string]any, error) {
	field := a.Field
	switch {
	case at.array:
		if a.Field != "element" {
			return nil, fmt.Errorf("filter array field %s is invalid", a.Field)
		}
		field = at.parent
	case at.parent != "":
		field = at.parent + "." + a.Field
	}
	on := func(op map[string]any) map[string]any { return map[string]any{field: op} }
	if op, ok := filterOperators[a.Operator]; ok {
		return on(map[string]any{op: a.Value}), nil
	}
	if op, ok := filterDatetimes[a.Operator]; ok {
		return on(map[string]any{op: a.datetime(at.zone)}), nil
	}
	if p, ok := filterPatterns[a.Operator]; ok {
		op := map[string]any{"$regex": p.before + a.Value.(string) + p.after}
		if p.caseAside {
			op["$options"] = "i"
		}
		if p.not {
			op = map[string]any{"$not": op}
		}
		return on(op), nil
	}
	switch a.Operator {
	case "is_empty":
		if at.emptyAsList {
			return on(map[string]any{"$eq": []any{}}), nil
		}
		return on(map[string]any{"$size": 0}), nil
	case "is_not_empty":
		if at.emptyAsList {
			return on(map[string]any{"$ne": []any{}}), nil
		}
		return on(map[string]any{"$size": map[string]any{"$gt": 0}}), nil // MongoDB refuses it
	case "is_null":
		return on(map[string]any{"$eq": nil}), nil
	case "is_not_null":
		return on(map[string]any{"$ne": nil}), nil
	case "exist":
		return on(map[string]any{"$exists": true}), nil
	case "not_exist":
		return on(map[string]any{"$exists": false}), nil
	case "filter_object", "filter_array":
		return a.Value.(filterRule).mongo(filterScope{parent: field, array: a.Operator == "filter_array", zone: at.zone, emptyAsList: at.emptyAsList})
	}
	return nil, errors.New("unknown operator, can not gen mongo expression")
}

// datetime is a datetime operator's value as ToMgo hands it to MongoDB: a date alone as the
// string it is, seconds since the epoch or a time as a time; a time util.IsTime reads but Go's
// time cannot is the zero time, as Str2Time makes it. CMDB reads a time without a zone in its
// server's; the mock, in the zone its timestamps are written in.
func (a *filterAtom) datetime(zone *time.Location) any {
	if n, ok := a.Value.(float64); ok {
		return time.Unix(int64(n), 0)
	}
	s := a.Value.(string)
	if isDate(s) {
		return s
	}
	t, _ := parseCMDBTime(s, zone) // a time: the check let nothing else through
	return t
}
