package diff

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/spec"
)

// opPair is a call's operation on each surface.
type opPair struct{ esb, v3 string }

var (
	opSearchBusiness    = opPair{spec.OpESBSearchBusiness, spec.OpV3SearchBusiness}
	opSearchAttributes  = opPair{spec.OpESBSearchObjectAttribute, spec.OpV3SearchObjectAttribute}
	opMainline          = opPair{spec.OpESBGetMainlineObjectTopo, spec.OpV3GetMainlineObjectTopo}
	opCreateSet         = opPair{spec.OpESBCreateSet, spec.OpV3CreateSet}
	opUpdateSet         = opPair{spec.OpESBUpdateSet, spec.OpV3UpdateSet}
	opSearchSet         = opPair{spec.OpESBSearchSet, spec.OpV3SearchSet}
	opBizTopo           = opPair{spec.OpESBSearchBizInstTopo, spec.OpV3SearchBizInstTopo}
	opCreateModule      = opPair{spec.OpESBCreateModule, spec.OpV3CreateModule}
	opSearchModule      = opPair{spec.OpESBSearchModule, spec.OpV3SearchModule}
	opUpdateModule      = opPair{spec.OpESBUpdateModule, spec.OpV3UpdateModule}
	opFindSetBatch      = opPair{spec.OpESBFindSetBatch, spec.OpV3FindSetBatch}
	opDeleteModule      = opPair{spec.OpESBDeleteModule, spec.OpV3DeleteModule}
	opBatchDeleteSet    = opPair{spec.OpESBBatchDeleteSet, spec.OpV3BatchDeleteSet}
	opDeleteSet         = opPair{spec.OpESBDeleteSet, spec.OpV3DeleteSet}
	opInternalModule    = opPair{spec.OpESBGetBizInternalModule, spec.OpV3GetBizInternalModule}
	opFindTopoNodePaths = opPair{spec.OpESBFindTopoNodePaths, spec.OpV3FindTopoNodePaths}
	opFindModuleBatch   = opPair{spec.OpESBFindModuleBatch, spec.OpV3FindModuleBatch}
	opCreateInst        = opPair{spec.OpESBCreateInst, spec.OpV3CreateInst}
	opDeleteInst        = opPair{spec.OpESBDeleteInst, spec.OpV3DeleteInst}
)

func opFor(c *contracttest.Caller, p opPair) string {
	if c.Surface() == spec.SurfaceV3 {
		return p.v3
	}
	return p.esb
}

// call is one call of a comparison, sent alike to both sides: the scenario's, or a replayed one.
type call struct {
	name string
	op   opPair
	biz  int64
	// ids are the ids the call names, each by the name of a variable a former call bound on
	// that side; obj, when set, is the model it names (bk_obj_id).
	ids  map[string]string
	obj  string
	args func(v map[string]int64) map[string]any
	// bind names the ids the answer hands out: variable -> key of data.
	binds map[string]string
	read  bool   // changes nothing: sent twice to the target, to learn what is noise
	as    string // the user it is made as, when not the configured one
	// sameUser: both sides make it as the same user, so creators are compared as values.
	sameUser bool
	replay   *Replayed
}

func (c call) send(ctx context.Context, s *side) (contracttest.Answer, error) {
	if c.replay != nil {
		return c.replay.send(ctx, s.caller)
	}
	ids := map[string]any{}
	for k, v := range c.ids {
		ids[k] = s.vars[v]
	}
	if c.obj != "" {
		ids["bk_obj_id"] = c.obj
	}
	var args map[string]any
	if c.args != nil {
		args = c.args(s.vars)
	}
	return s.caller.Do(ctx, contracttest.Call{Op: opFor(s.caller, c.op), BizID: c.biz, IDs: ids, Args: args, As: c.as})
}

// bind keeps the ids the answer handed out under the call's names.
func (c call) bind(s *side, a contracttest.Answer) {
	if len(c.binds) == 0 {
		return
	}
	var env struct {
		Result bool                       `json:"result"`
		Data   map[string]json.RawMessage `json:"data"`
	}
	if json.Unmarshal(a.Body, &env) != nil || !env.Result {
		return
	}
	for name, key := range c.binds {
		var id int64
		if json.Unmarshal(env.Data[key], &id) == nil {
			s.vars[name], s.kinds[name] = id, key
			if last := s.last[key]; last != 0 {
				s.steps[name] = id - last
			}
			s.last[key] = id
		}
	}
}

// prefixOf is the start of the names of a run's sets: dn-<run id>-.
func prefixOf(runID string) string { return "dn-" + runID + "-" }

// namedFrom is search_set's condition for the sets whose names start with p.
func namedFrom(p string) map[string]any {
	return map[string]any{"bk_set_name": map[string]any{"$regex": "^" + regexp.QuoteMeta(p)}}
}

// parentVar names, on each side, the node the scenario's sets hang under; nodeParentVar, where
// its business has a custom level above sets, that node's own parent, under which the scenario
// adds a node.
const (
	parentVar     = "the parent"
	nodeParentVar = "the node's parent"
)

// scenario is the built-in comparison: every call the mock imitates, and their main refusals,
// in the business of cfg; its sets are named dn-<run id>-... and all deleted at the end. Every
// set and module it creates carries setFields or moduleFields. When a side's business has a
// custom level above sets (level), its fullest create leaves out the default key, which CMDB
// refuses there (reference §4.2 C9), and it adds a node of that level, named dn-<run id>-n, with
// a set under it, and deletes it (§12.5).
func scenario(cfg Config, setFields, moduleFields map[string]any, level string) []call {
	biz, p := cfg.BizID, prefixOf(cfg.RunID)
	fixed := func(m map[string]any) func(map[string]int64) map[string]any {
		return func(map[string]int64) map[string]any { return m }
	}
	// create is a create's body: what every create of its object carries, the id its parent goes
	// by on the side, then the call's own fields.
	create := func(every map[string]any, parent string, fields ...any) func(map[string]int64) map[string]any {
		return func(v map[string]int64) map[string]any {
			m := map[string]any{}
			maps.Copy(m, every)
			m["bk_parent_id"] = v[parent]
			for i := 0; i+1 < len(fields); i += 2 {
				m[fields[i].(string)] = fields[i+1]
			}
			return m
		}
	}
	set := func(fields ...any) func(map[string]int64) map[string]any {
		return create(setFields, parentVar, fields...)
	}
	module := func(fields ...any) func(map[string]int64) map[string]any {
		return create(moduleFields, "set a", fields...)
	}
	every := []any{"bk_set_name", p + "a", "bk_set_desc", "compared", "bk_set_env", "2", "bk_service_status", "1", "bk_capacity", 100, "description", "made by cmdbmock diff"}
	if level == "" {
		every = append(every, "default", 0)
	}
	ours := namedFrom(p)
	calls := []call{
		{name: "search_business: the business", op: opSearchBusiness, read: true,
			args: fixed(map[string]any{"fields": []string{"bk_biz_id", "bk_biz_name", "default"}, "condition": map[string]any{"bk_biz_id": biz}})},
		{name: "search_object_attribute: the set model", op: opSearchAttributes, read: true, args: fixed(map[string]any{"bk_obj_id": "set"})},
		{name: "search_object_attribute: the module model", op: opSearchAttributes, read: true, args: fixed(map[string]any{"bk_obj_id": "module"})},
		{name: "get_mainline_object_topo", op: opMainline, read: true, args: fixed(map[string]any{})},
		{name: "get_biz_internal_module", op: opInternalModule, biz: biz, read: true},
		{name: "create_set: every documented field", op: opCreateSet, biz: biz, binds: map[string]string{"set a": "bk_set_id"}, args: set(every...)},
		{name: "create_set: the same name again (duplicate)", op: opCreateSet, biz: biz, args: set("bk_set_name", p+"a")},
		{name: "create_set: no bk_set_name", op: opCreateSet, biz: biz, args: set("bk_set_desc", "no name")},
		{name: "create_set: bk_set_env not in its list", op: opCreateSet, biz: biz, args: set("bk_set_name", p+"bad-env", "bk_set_env", "9")},
		{name: "create_set: the required fields only (stored defaults)", op: opCreateSet, biz: biz, binds: map[string]string{"set b": "bk_set_id"}, args: set("bk_set_name", p+"b")},
		{name: "create_set: a Chinese name", op: opCreateSet, biz: biz, binds: map[string]string{"set c": "bk_set_id"}, args: set("bk_set_name", p+"集群")},
		{name: "update_set: description and capacity", op: opUpdateSet, biz: biz, ids: map[string]string{"bk_set_id": "set a"},
			args: fixed(map[string]any{"bk_set_desc": "updated", "bk_capacity": 200})},
		{name: "search_set: by name", op: opSearchSet, biz: biz, read: true, args: fixed(map[string]any{"condition": map[string]any{"bk_set_name": p + "a"}})},
		{name: "search_set: the run's sets, first page of 2 by name", op: opSearchSet, biz: biz, read: true,
			args: fixed(map[string]any{"condition": ours, "page": map[string]any{"start": 0, "limit": 2, "sort": "bk_set_name"}})},
		{name: "search_set: the run's sets, second page", op: opSearchSet, biz: biz, read: true,
			args: fixed(map[string]any{"condition": ours, "page": map[string]any{"start": 2, "limit": 2, "sort": "bk_set_name"}})},
		{name: "search_set: a filter", op: opSearchSet, biz: biz, read: true,
			args: fixed(map[string]any{"fields": []string{"bk_set_name", "bk_set_env"}, "filter": map[string]any{"condition": "AND", "rules": []any{
				map[string]any{"field": "bk_set_name", "operator": "begins_with", "value": p},
				map[string]any{"field": "bk_set_env", "operator": "equal", "value": "2"}}}})},
		{name: "search_biz_inst_topo", op: opBizTopo, biz: biz, read: true, args: fixed(map[string]any{})},
		{name: "create_module in set a", op: opCreateModule, biz: biz, ids: map[string]string{"bk_set_id": "set a"}, binds: map[string]string{"module m": "bk_module_id"},
			args: module("bk_module_name", p+"m", "operator", "diff")},
		{name: "create_module: the same name again (duplicate)", op: opCreateModule, biz: biz, ids: map[string]string{"bk_set_id": "set a"},
			args: module("bk_module_name", p+"m")},
		{name: "search_module: set a", op: opSearchModule, biz: biz, ids: map[string]string{"bk_set_id": "set a"}, read: true, args: fixed(map[string]any{})},
		{name: "find_module_batch", op: opFindModuleBatch, biz: biz, read: true, args: func(v map[string]int64) map[string]any {
			return map[string]any{"bk_ids": []int64{v["module m"]}, "fields": []string{"bk_module_id", "bk_module_name", "bk_set_id", "operator"}}
		}},
		{name: "update_module", op: opUpdateModule, biz: biz, ids: map[string]string{"bk_set_id": "set a", "bk_module_id": "module m"},
			args: fixed(map[string]any{"operator": "diff2"})},
		{name: "find_set_batch", op: opFindSetBatch, biz: biz, read: true, args: func(v map[string]int64) map[string]any {
			return map[string]any{"bk_ids": []int64{v["set a"], v["set b"]}, "fields": []string{"bk_set_id", "bk_set_name", "default"}}
		}},
		{name: "find_topo_node_paths", op: opFindTopoNodePaths, biz: biz, read: true, args: func(v map[string]int64) map[string]any {
			return map[string]any{"bk_nodes": []any{map[string]any{"bk_obj_id": "set", "bk_inst_id": v["set a"]}}}
		}},
		{name: "delete_module", op: opDeleteModule, biz: biz, ids: map[string]string{"bk_set_id": "set a", "bk_module_id": "module m"}},
		{name: "batch_delete_set: sets b and c", op: opBatchDeleteSet, biz: biz, args: func(v map[string]int64) map[string]any {
			return map[string]any{"delete": map[string]any{"inst_ids": []int64{v["set b"], v["set c"]}}}
		}},
		{name: "delete_set: set a", op: opDeleteSet, biz: biz, ids: map[string]string{"bk_set_id": "set a"}},
		{name: "delete_set: set a again (gone)", op: opDeleteSet, biz: biz, ids: map[string]string{"bk_set_id": "set a"}},
		{name: "update_set: set a (gone)", op: opUpdateSet, biz: biz, ids: map[string]string{"bk_set_id": "set a"},
			args: fixed(map[string]any{"bk_set_desc": "gone"})},
	}
	if level != "" {
		node := func(v map[string]int64) map[string]any {
			return map[string]any{"bk_inst_name": p + "n", "bk_parent_id": v[nodeParentVar], "bk_biz_id": biz}
		}
		calls = append(calls,
			call{name: "create_inst: a node beside the parent", op: opCreateInst, obj: level, binds: map[string]string{"node n": "bk_inst_id"}, args: node},
			call{name: "create_inst: the same node again (duplicate)", op: opCreateInst, obj: level, args: node},
			call{name: "create_set: under node n", op: opCreateSet, biz: biz, binds: map[string]string{"set n": "bk_set_id"},
				args: create(setFields, "node n", "bk_set_name", p+"n-set")},
			call{name: "delete_inst: node n, with its set", op: opDeleteInst, obj: level, ids: map[string]string{"bk_inst_id": "node n"},
				args: fixed(map[string]any{"bk_biz_id": biz})},
			call{name: "search_set: set n went with its node", op: opSearchSet, biz: biz, read: true, args: func(v map[string]int64) map[string]any {
				return map[string]any{"condition": map[string]any{"bk_set_id": v["set n"]}, "fields": []string{"bk_set_id"}}
			}},
			call{name: "delete_inst: node n again (gone)", op: opDeleteInst, obj: level, ids: map[string]string{"bk_inst_id": "node n"},
				args: fixed(map[string]any{"bk_biz_id": biz})},
		)
	}
	calls = append(calls, call{name: "search_set: none of the run's sets is left", op: opSearchSet, biz: biz, read: true, args: fixed(map[string]any{"condition": ours})})
	if cfg.DeniedUser != "" {
		calls = append(calls, call{name: "create_set: a user without permission", op: opCreateSet, biz: biz, as: cfg.DeniedUser, args: set("bk_set_name", p+"denied")})
	}
	// Each side makes its calls as its own configured user; a call made as another is made as
	// the same one on both.
	sameUser := cfg.Target.Username() == cfg.Reference.Username()
	for i := range calls {
		calls[i].sameUser = sameUser || calls[i].as != ""
	}
	return calls
}

// cleanup deletes, on each side, every set named with the run's prefix that is still there, and
// lists those it could not delete. It deletes only sets whose names carry the prefix, whatever a
// side's search answers: a side that does not keep to the search's condition is noted, and its
// other sets are left alone.
func (r *runner) cleanup(ctx context.Context) {
	p := prefixOf(r.cfg.RunID)
	for k, s := range r.sides {
		who := sideNames[k]
		ids, others, err := r.ours(ctx, s, p)
		if err == nil && others > 0 {
			r.rep.Leftovers = append(r.rep.Leftovers, fmt.Sprintf("%s: search_set for names that start %s also answered %d sets not named %s*: the side does not keep to the condition; those sets were left alone", who, p, others, p))
		}
		if err == nil && len(ids) > 0 {
			_, err = s.caller.Do(ctx, contracttest.Call{Op: opFor(s.caller, opBatchDeleteSet), BizID: r.cfg.BizID,
				Args: map[string]any{"delete": map[string]any{"inst_ids": ids}}})
		}
		if err == nil {
			ids, _, err = r.ours(ctx, s, p)
		}
		switch {
		case err != nil:
			r.rep.Leftovers = append(r.rep.Leftovers, fmt.Sprintf("%s: the cleanup failed: %v", who, err))
		case len(ids) > 0:
			r.rep.Leftovers = append(r.rep.Leftovers, fmt.Sprintf("%s: sets %v left behind", who, ids))
		default:
			r.cleanupNodes(ctx, s, who)
		}
	}
}

// cleanupNodes deletes, once a side's sets are gone, the nodes of the custom level its tree shows
// under the run's names, and lists those still shown after.
func (r *runner) cleanupNodes(ctx context.Context, s *side, who string) {
	if r.level == "" {
		return
	}
	p := prefixOf(r.cfg.RunID)
	ours := func() ([]int64, error) {
		nodes, err := s.caller.LevelNodes(ctx, r.cfg.BizID, r.level)
		var ids []int64
		for _, n := range nodes {
			if strings.HasPrefix(n.Name, p) {
				ids = append(ids, n.ID)
			}
		}
		return ids, err
	}
	ids, err := ours()
	for _, id := range ids {
		if err != nil {
			break // the first failure is the cleanup's answer
		}
		_, err = s.caller.Do(ctx, contracttest.Call{Op: opFor(s.caller, opDeleteInst), IDs: map[string]any{"bk_obj_id": r.level, "bk_inst_id": id},
			Args: map[string]any{"bk_biz_id": r.cfg.BizID}})
	}
	if err == nil && len(ids) > 0 {
		ids, err = ours()
	}
	switch {
	case err != nil:
		r.rep.Leftovers = append(r.rep.Leftovers, fmt.Sprintf("%s: the cleanup of %s nodes failed: %v", who, r.level, err))
	case len(ids) > 0:
		r.rep.Leftovers = append(r.rep.Leftovers, fmt.Sprintf("%s: %s nodes %v left behind", who, r.level, ids))
	}
}

// ours lists the ids of a side's sets whose names start with the run's prefix, and counts the
// sets the side's answer lists under other names.
func (r *runner) ours(ctx context.Context, s *side, prefix string) (ids []int64, others int, err error) {
	sets, err := r.searchSets(ctx, s, namedFrom(prefix))
	for _, set := range sets {
		if strings.HasPrefix(set.Name, prefix) {
			ids = append(ids, set.ID)
		} else {
			others++
		}
	}
	return ids, others, err
}

// ownSets checks each set id the call bound on a side with search_set, and each node id in the
// business's tree: the later calls change and delete the sets and nodes they name, so one is
// named only once the side gives it back under the run's names. One it does not (a create
// answered with another's id) is unbound, and the calls that name it name none.
func (r *runner) ownSets(ctx context.Context, c call, s *side) error {
	prefix := prefixOf(r.cfg.RunID)
	for name, key := range c.binds {
		id, bound := s.vars[name]
		if !bound {
			continue
		}
		switch key {
		case "bk_set_id":
			sets, err := r.searchSets(ctx, s, map[string]any{"bk_set_id": id})
			if err != nil {
				return err
			}
			if len(sets) != 1 || sets[0].ID != id || !strings.HasPrefix(sets[0].Name, prefix) {
				delete(s.vars, name)
				return fmt.Errorf("create_set answered set %d, which search_set does not give back under the run's names (%s*): the calls on it name no set", id, prefix)
			}
		case "bk_inst_id":
			nodes, err := s.caller.LevelNodes(ctx, r.cfg.BizID, r.level)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(nodes, func(n contracttest.Node) bool { return n.ID == id && strings.HasPrefix(n.Name, prefix) }) {
				delete(s.vars, name)
				return fmt.Errorf("create_inst answered %s %d, which search_biz_inst_topo does not show under the run's names (%s*): the calls on it name no node", r.level, id, prefix)
			}
		}
	}
	return nil
}

// foundSet is a set as searchSets reads it.
type foundSet struct {
	ID   int64  `json:"bk_set_id"`
	Name string `json:"bk_set_name"`
}

// searchSets is the sets of the run's business on a side that match the condition: their ids
// and names.
func (r *runner) searchSets(ctx context.Context, s *side, condition map[string]any) ([]foundSet, error) {
	a, err := s.caller.Do(ctx, contracttest.Call{Op: opFor(s.caller, opSearchSet), BizID: r.cfg.BizID, Args: map[string]any{
		"fields": []string{"bk_set_id", "bk_set_name"}, "condition": condition}})
	if err != nil {
		return nil, err
	}
	var env struct {
		Result bool `json:"result"`
		Data   struct {
			Info []foundSet `json:"info"`
		} `json:"data"`
	}
	if err := json.Unmarshal(a.Body, &env); err != nil || !env.Result {
		return nil, fmt.Errorf("search_set answered HTTP %d: %.200s", a.Status, s.caller.Scrub(string(a.Body)))
	}
	return env.Data.Info, nil
}
