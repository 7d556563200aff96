package contracttest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/spec"
)

// requiredFields are the values every instance of an object the run creates carries for the
// custom attributes its model requires: those given, then one the run makes for each other
// required attribute CMDB did not define (ispre false). The model is read from the target before
// any create; an attribute the run cannot make a value for stops the run, naming the flag that
// gives one. A model the target does not answer leaves the fields given, and a note for the
// report: the cases judge the target's answers, that one among them.
func (r *runner) requiredFields(ctx context.Context, object, flag string, given map[string]any) (map[string]any, error) {
	fields := maps.Clone(given)
	if fields == nil {
		fields = map[string]any{}
	}
	a, why := r.quiet(ctx, request{op: r.op(spec.OpESBSearchObjectAttribute, spec.OpV3SearchObjectAttribute),
		args: map[string]any{"bk_obj_id": object}})
	if why != "" {
		r.report.Notes = append(r.report.Notes, fmt.Sprintf("the %s model could not be read (%s): the %ss the run creates carry only the fields given", object, r.cl.scrub(why), object))
		return fields, nil
	}
	if a == nil { // not sent: a dry run
		return fields, nil
	}
	var cannot []string
	for _, item := range a.List {
		attr, _ := item.(map[string]any)
		id := stringOf(attr["bk_property_id"])
		if attr["isrequired"] != true || attr["ispre"] == true || id == "" {
			continue
		}
		if _, ok := fields[id]; ok {
			continue
		}
		v, ok := r.valueFor(attr)
		if !ok {
			cannot = append(cannot, fmt.Sprintf("%s (%s, option %s): give one with %s %s=VALUE", id, stringOf(attr["bk_property_type"]), jsonText(attr["option"]), flag, id))
			continue
		}
		fields[id] = v
	}
	if len(cannot) > 0 {
		return nil, fmt.Errorf("contracttest: the %s model of %s requires attributes the run makes no value for: %s", object, r.report.Target, strings.Join(cannot, "; "))
	}
	return fields, nil
}

// valueFor is a value of a required custom attribute that CMDB's check of its type passes
// (bk-cmdb src/common/metadata/attribute.go @111e7ac): the default or the first of an enum's
// options, a number within its bounds, a string its pattern takes, a date, a time, a time zone,
// the run's user; false when the run has none for it (an enumquote, a table, a pattern none of
// its strings match).
func (r *runner) valueFor(attr map[string]any) (any, bool) {
	option := attr["option"]
	switch stringOf(attr["bk_property_type"]) {
	case "singlechar", "longchar":
		pattern, _ := option.(string)
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil, false
		}
		for _, s := range []string{"contract", "ct1", "1", "a"} {
			if re.MatchString(s) {
				return s, true
			}
		}
	case "int", "float":
		return withinBounds(option)
	case "enum", "enummulti":
		opts, _ := option.([]any)
		var first any
		var ids []any // the defaults, else the first option
		for _, o := range opts {
			m, _ := o.(map[string]any)
			id := stringOf(m["id"])
			if id == "" {
				continue
			}
			if first == nil {
				first = id
			}
			if m["is_default"] == true {
				ids = append(ids, id)
			}
		}
		switch {
		case first == nil:
			return nil, false
		case len(ids) == 0:
			ids = []any{first}
		}
		switch {
		case stringOf(attr["bk_property_type"]) == "enum":
			return ids[0], true
		case attr["ismultiple"] != true:
			return ids[:1], true
		}
		return ids, true
	case "list":
		if opts, _ := option.([]any); len(opts) > 0 {
			return opts[0], true
		}
	case "organization":
		if d, ok := attr["default"].([]any); ok && len(d) > 0 {
			return d, true
		}
		return []any{1}, true // CMDB checks that each id is a number, not that it names a department
	case "bool":
		return false, true
	case "date":
		return "2000-01-01", true
	case "time":
		return "2000-01-01 00:00:00", true
	case "timezone":
		return "Asia/Shanghai", true
	case "objuser":
		return r.cfg.Username, true
	}
	return nil, false
}

// withinBounds is the whole number nearest 1 within an int's or a float's option {min, max},
// each a number or a string of one, either left out; the least bound when no whole number lies
// between them.
func withinBounds(option any) (any, bool) {
	bounds, _ := option.(map[string]any)
	lo, hi := math.Inf(-1), math.Inf(1)
	for key, to := range map[string]*float64{"min": &lo, "max": &hi} {
		var text string
		switch v := bounds[key].(type) {
		case json.Number:
			text = string(v)
		case string:
			text = v
		}
		if text == "" {
			continue
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, false
		}
		*to = f
	}
	v := max(math.Ceil(lo), min(1, math.Floor(hi)))
	if v < lo || v > hi { // no whole number between: the least bound itself
		v = lo
	}
	if math.IsInf(v, 0) {
		return nil, false
	}
	return json.Number(strconv.FormatFloat(v, 'f', -1, 64)), true
}
