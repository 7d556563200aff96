package contracttest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/spec"
)

// readTopology learns whether the business has custom levels between it and its sets
// (get_mainline_object_topo), where a set hangs under a node of the level above it and nowhere
// else, and CMDB checks a create's parent before its other fields (reference §4.2 C9, C9b). It
// then holds that level's nodes (search_biz_inst_topo) and picks the first two for the parents
// not given (parentGiven, otherGiven). A business without them stops the run, naming the flag to
// give. A model or tree the target does not answer is a note, and the parents stay as they are.
func (r *runner) readTopology(ctx context.Context, parentGiven, otherGiven bool) error {
	mainline, why := r.quiet(ctx, request{op: r.op(spec.OpESBGetMainlineObjectTopo, spec.OpV3GetMainlineObjectTopo)})
	if mainline == nil || why != "" {
		r.notUnderstood("the mainline model", why)
		return nil
	}
	level := ""
	for _, item := range mainline.List {
		obj, _ := item.(map[string]any)
		if stringOf(obj["bk_next_obj"]) == "set" {
			level = stringOf(obj["bk_obj_id"])
		}
	}
	if level == "" || level == "biz" {
		return nil // sets hang under the business
	}
	tree, why := r.quiet(ctx, request{op: r.op(spec.OpESBSearchBizInstTopo, spec.OpV3SearchBizInstTopo), biz: r.cfg.BizID})
	if tree == nil || why != "" {
		r.notUnderstood("the business's topology", why)
		return nil
	}
	var nodes []int64 // the level's, in the tree's order
	var walk func(list []any)
	walk = func(list []any) {
		for _, item := range list {
			node, _ := item.(map[string]any)
			if id, ok := jsonx.Int(node["bk_inst_id"]); ok && stringOf(node["bk_obj_id"]) == level {
				nodes = append(nodes, id)
				continue
			}
			child, _ := node["child"].([]any)
			walk(child)
		}
	}
	walk(tree.List)
	r.levelNodes = map[int64]bool{}
	for _, id := range nodes {
		r.levelNodes[id] = true
	}
	if parentGiven && otherGiven {
		return nil
	}
	if !parentGiven {
		if len(nodes) == 0 {
			return fmt.Errorf("contracttest: the sets of business %d hang under its %s nodes, and it has none: give one with --parent-id", r.cfg.BizID, level)
		}
		r.cfg.ParentID = nodes[0]
	}
	if !otherGiven {
		i := slices.IndexFunc(nodes, func(id int64) bool { return id != r.cfg.ParentID })
		if i < 0 {
			return fmt.Errorf("contracttest: the sets of business %d hang under its %s nodes, and the duplicate-name case needs a second: give one with --other-parent-id", r.cfg.BizID, level)
		}
		r.cfg.OtherParentID = nodes[i]
	}
	r.report.Notes = append(r.report.Notes, fmt.Sprintf("sets hang under %s %d and, for the duplicate-name case, %s %d: the first nodes of the level above sets",
		level, r.cfg.ParentID, level, r.cfg.OtherParentID))
	return nil
}

// underLevels is how CMDB refuses a create_set in a business with custom levels, before the
// checks after C9 (reference §4.2 C9, C9b): 1199999 for a body with a default key, whatever its
// value; 1199011 on bk_parent_id for a parent that is not a node of the level above sets in the
// call's business, or none. False when neither applies, or the business has no custom levels.
func (r *runner) underLevels(q request) (step spec.StepID, msg spec.Message, args []any, refused bool) {
	if r.levelNodes == nil || q.op != spec.OpESBCreateSet && q.op != spec.OpV3CreateSet {
		return "", spec.Message{}, nil, false
	}
	data := q.args
	if q.raw != nil {
		if strings.TrimSpace(*q.raw) != "" {
			return "", spec.Message{}, nil, false // a body CMDB reads is in args: this one fails before C9
		}
		data = map[string]any{} // an empty v3 body is read as {}
	}
	if _, ok := data["default"]; ok {
		return spec.StepMainline, spec.MsgInternal, nil, true
	}
	parent, isInt := wholeNumber(data["bk_parent_id"])
	if biz, _ := wholeNumber(q.biz); !isInt || !r.levelNodes[parent] || biz != r.cfg.BizID {
		return spec.StepMainline, spec.MsgInvalidOrNone, []any{"bk_parent_id"}, true
	}
	return "", spec.Message{}, nil, false
}

// wholeNumber is a value of a request's fields as CMDB reads a whole number there, if it is one:
// the run's own ids are Go integers, anything else as decoded from JSON.
func wholeNumber(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	}
	return jsonx.Int(v)
}

// comesAfter reports whether a step of create_set comes after another in CMDB's order.
func comesAfter(step, other spec.StepID) bool {
	steps := spec.CallSteps(spec.CallCreateSet)
	at := func(id spec.StepID) int { return slices.IndexFunc(steps, func(s spec.Step) bool { return s.ID == id }) }
	return at(step) > at(other)
}

// notUnderstood notes what the run could not read of the target before its cases, unless the
// request was not sent (a dry run).
func (r *runner) notUnderstood(what, why string) {
	if why != "" {
		r.report.Notes = append(r.report.Notes, fmt.Sprintf("%s could not be read (%s)", what, r.cl.scrub(why)))
	}
}

// requiredFields are the values every instance of an object the run creates carries for the
// custom attributes its model requires: those given, then one the run makes for each other
// required attribute CMDB did not define (ispre false). The model is read from the target before
// any create; an attribute the run cannot make a value for stops the run, naming the flag that
// gives one. A model the target does not answer leaves the fields given, and a note for the
// report: the cases judge the target's answers, that one among them.
func (r *runner) requiredFields(ctx context.Context, object, flag string, given map[string]any) (map[string]any, error) {
	fields := withFields(given, nil) // the caller's map stays as it is
	a, why := r.quiet(ctx, request{op: r.op(spec.OpESBSearchObjectAttribute, spec.OpV3SearchObjectAttribute),
		args: map[string]any{"bk_obj_id": object}})
	if a == nil || why != "" {
		r.notUnderstood(fmt.Sprintf("the %s model", object), why)
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
