package contracttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/spec"
)

// Model is what a business's model asks of the sets and modules a tool creates in it, read from
// a deployment before its first create: where sets hang, and the values of the custom attributes
// its models require.
type Model struct {
	// Level is the object sets hang under: "biz", or a custom level between the business and its
	// sets (get_mainline_object_topo), where CMDB takes a set under a node of that level and
	// nowhere else (reference §4.2 C9, C9b); Nodes are then the level's nodes in the business, in
	// its tree's order (search_biz_inst_topo). "" when the mainline or the tree could not be read.
	Level string
	Nodes []Node
	// SetFields and ModuleFields are the values given, and one for each other custom attribute
	// (ispre false) the set or module model requires whose type the reader knows.
	SetFields, ModuleFields map[string]any
	// Notes say what part of the model the deployment did not answer.
	Notes []string
}

// Custom reports whether sets hang under a custom level.
func (m Model) Custom() bool { return m.Level != "" && m.Level != "biz" }

// ReadModel reads what business bizID's model asks of the sets and modules a tool creates in it,
// starting from the values given (setFields, moduleFields, left as they are). A required
// attribute it can make no value for is an error that names the flag that gives one
// (--set-field, --module-field); a part of the model the deployment does not answer is a note.
// On a dry run it sends nothing, and the model is the values given.
func (c *Caller) ReadModel(ctx context.Context, bizID int64, setFields, moduleFields map[string]any) (Model, error) {
	return c.cl.readModel(ctx, bizID, setFields, moduleFields)
}

func (c *client) readModel(ctx context.Context, biz int64, setFields, moduleFields map[string]any) (Model, error) {
	m := Model{}
	m.readLevel(ctx, c, biz)
	var err error
	if m.SetFields, err = m.requiredFields(ctx, c, "set", "--set-field", setFields); err != nil {
		return m, err
	}
	m.ModuleFields, err = m.requiredFields(ctx, c, "module", "--module-field", moduleFields)
	return m, err
}

// readLevel learns the level sets hang under in the business and, when it is a custom one, its
// nodes there.
func (m *Model) readLevel(ctx context.Context, c *client, biz int64) {
	mainline, why := c.quiet(ctx, request{op: c.op(spec.OpESBGetMainlineObjectTopo, spec.OpV3GetMainlineObjectTopo)})
	if mainline == nil || why != "" {
		m.note(c, "the mainline model", why)
		return
	}
	for _, item := range mainline.List {
		obj, _ := item.(map[string]any)
		if stringOf(obj["bk_next_obj"]) == "set" {
			m.Level = stringOf(obj["bk_obj_id"])
		}
	}
	if !m.Custom() {
		m.Level = "biz" // sets hang under the business
		return
	}
	nodes, err := c.levelNodes(ctx, biz, m.Level)
	if err != nil {
		m.note(c, "the business's topology", err.Error())
		m.Level = "" // where sets hang is not known
		return
	}
	m.Nodes = nodes
}

// Node is a node of a custom level as a business's tree shows it: its id, name and parent (the
// business, or a node of the level above).
type Node struct {
	ID     int64
	Name   string
	Parent int64
}

// LevelNodes are the nodes of a custom level in business bizID, as search_biz_inst_topo shows
// them, in the tree's order. An error says why the tree could not be read; on a dry run there
// are none.
func (c *Caller) LevelNodes(ctx context.Context, bizID int64, level string) ([]Node, error) {
	return c.cl.levelNodes(ctx, bizID, level)
}

func (c *client) levelNodes(ctx context.Context, biz int64, level string) ([]Node, error) {
	tree, why := c.quiet(ctx, request{op: c.op(spec.OpESBSearchBizInstTopo, spec.OpV3SearchBizInstTopo), biz: biz})
	if why != "" {
		return nil, errors.New(c.scrub(why))
	}
	if tree == nil {
		return nil, nil
	}
	return nodesOf(tree.List, level), nil
}

// nodesOf are the nodes of a level in a business's tree (search_biz_inst_topo's answer), in the
// tree's order.
func nodesOf(tree []any, level string) []Node {
	var nodes []Node
	var walk func(list []any, parent int64)
	walk = func(list []any, parent int64) {
		for _, item := range list {
			node, _ := item.(map[string]any)
			id, ok := jsonx.Int(node["bk_inst_id"])
			if ok && stringOf(node["bk_obj_id"]) == level {
				nodes = append(nodes, Node{ID: id, Name: stringOf(node["bk_inst_name"]), Parent: parent})
				continue
			}
			child, _ := node["child"].([]any)
			walk(child, id)
		}
	}
	walk(tree, 0)
	return nodes
}

// note says what part of the model could not be read, unless the request was not sent (a dry
// run).
func (m *Model) note(c *client, what, why string) {
	if why != "" {
		m.Notes = append(m.Notes, fmt.Sprintf("%s could not be read (%s)", what, c.scrub(why)))
	}
}

// requiredFields are the values every instance of an object a tool creates carries for the
// custom attributes its model requires: those given, then one made for each other required
// attribute CMDB did not define (ispre false). An attribute no value can be made for is an
// error naming the flag that gives one. A model the deployment does not answer leaves the fields
// given, and a note: a contract run's cases judge the target's answers, that one among them.
func (m *Model) requiredFields(ctx context.Context, c *client, object, flag string, given map[string]any) (map[string]any, error) {
	fields := withFields(given, nil) // the caller's map stays as it is
	a, why := c.quiet(ctx, request{op: c.op(spec.OpESBSearchObjectAttribute, spec.OpV3SearchObjectAttribute),
		args: map[string]any{"bk_obj_id": object}})
	if a == nil || why != "" {
		m.note(c, fmt.Sprintf("the %s model", object), why)
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
		v, ok := valueFor(attr, c.cfg.Username)
		if !ok {
			cannot = append(cannot, fmt.Sprintf("%s (%s, option %s): give one with %s %s=VALUE", id, stringOf(attr["bk_property_type"]), jsonText(attr["option"]), flag, id))
			continue
		}
		fields[id] = v
	}
	if len(cannot) > 0 {
		return nil, fmt.Errorf("contracttest: the %s model of %s requires attributes no value is made for: %s", object, c.shown, strings.Join(cannot, "; "))
	}
	return fields, nil
}

// pickParents hangs the run's sets under the first two nodes of the level above sets, for the
// parents not given (parentGiven, otherGiven), when the business has custom levels; one without
// them stops the run, naming the flag to give.
func (r *runner) pickParents(m Model, parentGiven, otherGiven bool) error {
	if !m.Custom() {
		return nil
	}
	r.level, r.levelNodes = m.Level, map[int64]bool{}
	for _, n := range m.Nodes {
		r.levelNodes[n.ID] = true
		if n.ID == r.cfg.ParentID {
			r.levelParent = n.Parent // the parent given is one of the level's nodes
		}
	}
	if parentGiven && otherGiven {
		return nil
	}
	if !parentGiven {
		if len(m.Nodes) == 0 {
			return fmt.Errorf("contracttest: the sets of business %d hang under its %s nodes, and it has none: give one with --parent-id", r.cfg.BizID, m.Level)
		}
		r.cfg.ParentID, r.levelParent = m.Nodes[0].ID, m.Nodes[0].Parent
	}
	if !otherGiven {
		i := slices.IndexFunc(m.Nodes, func(n Node) bool { return n.ID != r.cfg.ParentID })
		if i < 0 {
			return fmt.Errorf("contracttest: the sets of business %d hang under its %s nodes, and the duplicate-name case needs a second: give one with --other-parent-id", r.cfg.BizID, m.Level)
		}
		r.cfg.OtherParentID = m.Nodes[i].ID
	}
	r.report.Notes = append(r.report.Notes, fmt.Sprintf("sets hang under %s %d and, for the duplicate-name case, %s %d: the first nodes of the level above sets",
		m.Level, r.cfg.ParentID, m.Level, r.cfg.OtherParentID))
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

// valueFor is a value of a required custom attribute that CMDB's check of its type passes
// (bk-cmdb src/common/metadata/attribute.go @111e7ac): the default or the first of an enum's
// options, a number within its bounds, a string its pattern takes, a date, a time, a time zone,
// the calling user; false when there is none for it (an enumquote, a table, a pattern none of
// its strings match).
func valueFor(attr map[string]any, user string) (any, bool) {
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
		return user, true
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
