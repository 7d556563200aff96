package contracttest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/spec"
)

// topologyCases are the module, business and topology calls of reference §11 and §12: reads,
// refusals that write nothing, and writes only under a set the run creates, which the run's
// cleanup deletes with its modules.
func topologyCases() []caseDef {
	return []caseDef{
		{name: "search_business lists businesses with default 0, never the resource pool", kind: "read", run: func(ctx context.Context, r *runner) {
			a := r.call(ctx, request{op: r.op(spec.OpESBSearchBusiness, spec.OpV3SearchBusiness),
				args: map[string]any{"fields": []string{"bk_biz_id", "bk_biz_name"}}})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			count, _ := jsonx.Int(a.Data["count"])
			info := infoOf(a)
			if int(count) < len(info) {
				r.failf("count %d is below the %d businesses listed", count, len(info))
			}
			for _, b := range info {
				if def, ok := jsonx.Int(b["default"]); !ok || def != 0 {
					r.failf("business %s has default %s: search_business lists default 0 only, and adds default to the fields", jsonText(b["bk_biz_id"]), jsonText(b["default"]))
				}
				if _, ok := b["bk_biz_name"]; !ok {
					r.failf("business %s has no bk_biz_name, which the fields asked for", jsonText(b["bk_biz_id"]))
				}
			}
		}},
		{name: "search_set adds default to the fields asked for and names the idle pool in the language asked for", kind: "read", run: func(ctx context.Context, r *runner) {
			// With bk_set_name not asked for, the core service names the idle pool whatever it is
			// called (reference §12.3).
			a := r.call(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID,
				args: map[string]any{"fields": []string{"bk_set_id"}, "condition": map[string]any{"default": 1}}})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			name := map[spec.Lang]string{spec.English: "idle pool", spec.Chinese: "空闲机池"}[r.cfg.Lang]
			info := infoOf(a)
			if len(info) != 1 || !sameJSON(info[0]["default"], 1) || !sameJSON(info[0]["bk_set_name"], name) || len(info[0]) != 3 {
				r.failf("search_set of the idle set gives %s; want bk_set_id, default 1 and bk_set_name %q", jsonText(info), name)
			}
		}},
		{name: "get_biz_internal_module gives the idle set and its built-in modules", kind: "read", run: func(ctx context.Context, r *runner) {
			a := r.call(ctx, request{op: r.op(spec.OpESBGetBizInternalModule, spec.OpV3GetBizInternalModule), biz: r.cfg.BizID})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			if id, ok := jsonx.Int(a.Data["bk_set_id"]); !ok || id <= 0 {
				r.failf("bk_set_id %s: want the idle set of business %d", jsonText(a.Data["bk_set_id"]), r.cfg.BizID)
			}
			modules, _ := a.Data["module"].([]any)
			if len(modules) == 0 {
				r.failf("no built-in module in the idle set")
			}
			for _, item := range modules {
				m, _ := item.(map[string]any)
				if def, _ := jsonx.Int(m["default"]); def == 0 {
					r.failf("module %s has default 0: only built-in modules are listed", jsonText(m["bk_module_id"]))
				}
			}
		}},
		{name: "find_set_batch reads back a created set with default", kind: "stateful", run: func(ctx context.Context, r *runner) {
			rec := r.expectCreated(r.call(ctx, r.createReq(r.set(r.name("batch-find")))))
			if rec == nil {
				return
			}
			id, _ := jsonx.Int(rec["bk_set_id"])
			a := r.call(ctx, request{op: r.op(spec.OpESBFindSetBatch, spec.OpV3FindSetBatch), biz: r.cfg.BizID,
				args: map[string]any{"bk_ids": []int64{id, id}, "fields": []string{"bk_set_name"}}})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			if len(a.List) != 1 {
				r.failf("find_set_batch of set %d twice gives %d sets; want it once", id, len(a.List))
				return
			}
			got, _ := a.List[0].(map[string]any)
			if !sameJSON(got["bk_set_name"], rec["bk_set_name"]) || !sameJSON(got["default"], 0) || len(got) != 2 {
				r.failf("find_set_batch gives %s; want bk_set_name %s and default 0", jsonText(got), jsonText(rec["bk_set_name"]))
			}
		}},
		{name: "search_set holds a number equal by value: an id written 2.0 is the id 2", kind: "stateful", run: func(ctx context.Context, r *runner) {
			// CMDB hands a condition to MongoDB, which compares a double with an integer by value.
			rec := r.expectCreated(r.call(ctx, r.createReq(r.set(r.name("by-value")))))
			if rec == nil {
				return
			}
			id, _ := jsonx.Int(rec["bk_set_id"])
			for op, want := range map[string]int64{"$eq": 1, "$ne": 0} {
				a := r.call(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID,
					args: map[string]any{"fields": []string{"bk_set_id"}, "condition": map[string]any{
						"bk_set_name": rec["bk_set_name"], "bk_set_id": map[string]any{op: json.Number(fmt.Sprintf("%d.0", id))}}}})
				if !r.expectSuccess(a) || r.cfg.DryRun {
					continue
				}
				if count, _ := jsonx.Int(a.Data["count"]); count != want {
					r.failf("search_set of set %d by {%q: %d.0} counts %d; want %d", id, op, id, count, want)
				}
			}
		}},
		{name: "modules in a created set: create, duplicate, search, batch find, update, path, delete, and once gone", kind: "stateful", run: func(ctx context.Context, r *runner) {
			setID, ok := r.newSet(ctx, "modules")
			if !ok {
				return
			}
			create := request{op: r.op(spec.OpESBCreateModule, spec.OpV3CreateModule), biz: r.cfg.BizID, setID: setID,
				args: withFields(r.report.ModuleFields, map[string]any{"bk_parent_id": setID, "bk_module_name": "nginx", "operator": r.cfg.Username})}
			rec := r.call(ctx, create)
			if !r.expectSuccess(rec) {
				return
			}
			moduleID := int64(0)
			if !r.cfg.DryRun {
				moduleID, _ = jsonx.Int(rec.Data["bk_module_id"])
				want := map[string]any{"bk_set_id": setID, "bk_parent_id": setID, "bk_biz_id": r.cfg.BizID, "bk_module_name": "nginx", "default": 0,
					"service_template_id": 0, "operator": r.cfg.Username}
				for k, v := range want {
					if !sameJSON(rec.Data[k], v) {
						r.failf("create_module gives %s = %s; want %s", k, jsonText(rec.Data[k]), jsonText(v))
					}
				}
				if moduleID <= 0 {
					r.failf("bk_module_id %s is not a positive integer", jsonText(rec.Data["bk_module_id"]))
					return
				}
			}
			r.expectCode(r.call(ctx, create), spec.StepModuleDuplicate, spec.MsgDuplicateInstance) // the text is inferred
			search := func() *answer {
				return r.call(ctx, request{op: r.op(spec.OpESBSearchModule, spec.OpV3SearchModule), biz: r.cfg.BizID, setID: setID,
					args: map[string]any{"bk_set_id": setID, "fields": []string{"bk_module_id", "bk_module_name"}}})
			}
			if a := search(); r.expectSuccess(a) && !r.cfg.DryRun {
				if found := infoOf(a); len(found) != 1 || !sameJSON(found[0]["bk_module_id"], moduleID) || !sameJSON(found[0]["default"], 0) || len(found[0]) != 3 {
					r.failf("search_module in set %d gives %s; want module %d with the two fields asked for and default", setID, jsonText(found), moduleID)
					if len(found) != 1 || !sameJSON(found[0]["bk_module_id"], moduleID) {
						return // the module is not read back as created: it may not be the run's to change or delete
					}
				}
			}
			batch := r.call(ctx, request{op: r.op(spec.OpESBFindModuleBatch, spec.OpV3FindModuleBatch), biz: r.cfg.BizID,
				args: map[string]any{"bk_ids": []int64{moduleID}, "fields": []string{"bk_module_name"}}})
			if r.expectSuccess(batch) && !r.cfg.DryRun && (len(batch.List) != 1 || !sameJSON(batch.List[0], map[string]any{"bk_module_name": "nginx", "default": 0})) {
				r.failf("find_module_batch gives %s; want [{\"bk_module_name\":\"nginx\",\"default\":0}]", jsonText(batch.List))
			}
			update := request{op: r.op(spec.OpESBUpdateModule, spec.OpV3UpdateModule), biz: r.cfg.BizID, setID: setID, moduleID: moduleID,
				args: map[string]any{"bk_module_name": "nginx-main"}}
			if a := r.call(ctx, update); r.expectSuccess(a) && !r.cfg.DryRun {
				if !a.dataNull {
					r.failf("update_module's data is %s; want null", jsonText(a.Data))
				}
				if found := infoOf(search()); len(found) != 1 || found[0]["bk_module_name"] != "nginx-main" {
					r.failf("search_module after update_module gives %s; want the name nginx-main", jsonText(found))
				}
			}
			paths := r.call(ctx, request{op: r.op(spec.OpESBFindTopoNodePaths, spec.OpV3FindTopoNodePaths), biz: r.cfg.BizID,
				args: map[string]any{"bk_nodes": []map[string]any{{"bk_obj_id": "module", "bk_inst_id": moduleID}}}})
			if r.expectSuccess(paths) && !r.cfg.DryRun {
				r.checkModulePath(paths.List, setID)
			}
			del := request{op: r.op(spec.OpESBDeleteModule, spec.OpV3DeleteModule), biz: r.cfg.BizID, setID: setID, moduleID: moduleID}
			if !r.expectSuccess(r.call(ctx, del)) {
				return
			}
			if !r.cfg.DryRun && len(infoOf(search())) != 0 {
				r.failf("search_module still finds module %d after delete_module", moduleID)
				return
			}
			// Gone: a delete matches nothing, which is a success (D7); an update finds nothing (U4).
			r.expectGoneDeleted(r.call(ctx, del), "delete_module of module", moduleID, "module", "D7")
			r.expectFailure(r.call(ctx, update), spec.StepModuleFound, spec.MsgNotFound)
		}},
		{name: "a node of the custom level above sets: create_inst, a duplicate, a set under it, delete_inst takes both", kind: "stateful", run: func(ctx context.Context, r *runner) {
			switch {
			case r.level == "":
				r.cur.Status, r.cur.Reasons = Skip, []string{"the business's sets hang under the business: it has no custom level"}
				return
			case r.levelParent == 0:
				r.cur.Status, r.cur.Reasons = Skip, []string{fmt.Sprintf("--parent-id %d is not a node of %s: the run adds no node beside it", r.cfg.ParentID, r.level)}
				return
			}
			name := r.name("node")
			create := request{op: r.op(spec.OpESBCreateInst, spec.OpV3CreateInst), objID: r.level,
				args: map[string]any{"bk_inst_name": name, "bk_parent_id": r.levelParent, "bk_biz_id": r.cfg.BizID}}
			a := r.call(ctx, create)
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			id, ok := jsonx.Int(a.Data["bk_inst_id"])
			if !ok || id <= 0 {
				r.failf("bk_inst_id %s is not a positive integer", jsonText(a.Data["bk_inst_id"]))
				return
			}
			for k, v := range map[string]any{"bk_inst_name": name, "bk_obj_id": r.level, "bk_parent_id": r.levelParent, "bk_biz_id": r.cfg.BizID} {
				if !sameJSON(a.Data[k], v) {
					r.failf("create_inst gives %s = %s; want %s", k, jsonText(a.Data[k]), jsonText(v))
				}
			}
			// The tree shows a node: the case puts nothing under, or deletes, a node it has not
			// read back there as the run's (a target may answer a create with another's id).
			shown := func() (Node, bool) {
				tree := r.call(ctx, request{op: r.op(spec.OpESBSearchBizInstTopo, spec.OpV3SearchBizInstTopo), biz: r.cfg.BizID})
				if !r.expectSuccess(tree) {
					return Node{}, false
				}
				for _, n := range nodesOf(tree.List, r.level) {
					if n.ID == id {
						return n, true
					}
				}
				return Node{}, false
			}
			if n, ok := shown(); !ok || n.Name != name || n.Parent != r.levelParent {
				r.failf("search_biz_inst_topo does not show %s %d as the node the run added (%s under %d): the case goes no further", r.level, id, name, r.levelParent)
				return
			}
			r.expectCode(r.call(ctx, create), spec.StepInstDuplicate, spec.MsgDuplicateInstance) // the brackets' text is not pinned
			set := r.expectCreated(r.call(ctx, r.createReq(r.set(r.name("under-node"), "bk_parent_id", id))))
			if set == nil {
				return
			}
			setID, _ := jsonx.Int(set["bk_set_id"])
			if del := r.call(ctx, r.deleteNode(id)); r.expectSuccess(del) && !del.dataNull {
				r.failf("delete_inst's data is %s; want null", jsonText(del.Data))
			}
			// The node goes with its whole subtree (reference §12.5); one still shown, and its
			// set, are the cleanup's.
			if _, still := shown(); still {
				r.failf("search_biz_inst_topo still shows %s %d after delete_inst", r.level, id)
			}
			found := r.call(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID,
				args: map[string]any{"condition": map[string]any{"bk_set_id": setID}, "fields": []string{"bk_set_id"}}})
			if r.expectSuccess(found) {
				if len(infoOf(found)) == 0 {
					r.forget(setID)
				} else {
					r.failf("search_set still finds set %d after delete_inst of the node it hung under", setID)
				}
			}
			r.expectGoneDeleted(r.call(ctx, r.deleteNode(id)), "delete_inst of node", id, "node", "§12.5")
		}},
		{name: "create_module refuses a parent that is not the set, and a missing parent", kind: "negative", run: func(ctx context.Context, r *runner) {
			setID, ok := r.newSet(ctx, "module-refusals")
			if !ok {
				return
			}
			create := func(data map[string]any) *answer {
				return r.call(ctx, request{op: r.op(spec.OpESBCreateModule, spec.OpV3CreateModule), biz: r.cfg.BizID, setID: setID, args: data})
			}
			r.expectFailure(create(map[string]any{"bk_parent_id": setID + 1000000, "bk_module_name": "x"}), spec.StepModuleParent, spec.MsgInvalid, "bk_parent_id")
			r.expectFailure(create(map[string]any{"bk_module_name": "x"}), spec.StepModuleParentGiven, spec.MsgInvalidOrNone, "bk_parent_id")
		}},
		{name: "update_module refuses a built-in module of the idle set", kind: "negative", run: func(ctx context.Context, r *runner) {
			a := r.call(ctx, request{op: r.op(spec.OpESBGetBizInternalModule, spec.OpV3GetBizInternalModule), biz: r.cfg.BizID})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			idle, _ := jsonx.Int(a.Data["bk_set_id"])
			modules, _ := a.Data["module"].([]any)
			if len(modules) == 0 {
				r.failf("get_biz_internal_module lists no built-in module")
				return
			}
			m, _ := modules[0].(map[string]any)
			id, _ := jsonx.Int(m["bk_module_id"])
			own, ok := m["host_apply_enabled"]
			if !ok {
				return // the answer's schema, checked with every answer, names what it lacks
			}
			// Checked on the module's id before its data (U3). The module is sent its own value
			// back: a target that took the update would change nothing of it.
			r.expectFailure(r.call(ctx, request{op: r.op(spec.OpESBUpdateModule, spec.OpV3UpdateModule), biz: r.cfg.BizID, setID: idle, moduleID: id,
				args: map[string]any{"host_apply_enabled": own}}), spec.StepBuiltInModule, spec.MsgBuiltInSet)
		}},
		{name: "find_module_batch refuses an empty list of ids", kind: "negative", run: func(ctx context.Context, r *runner) {
			r.expectFailure(r.call(ctx, request{op: r.op(spec.OpESBFindModuleBatch, spec.OpV3FindModuleBatch), biz: r.cfg.BizID,
				args: map[string]any{"bk_ids": []int64{}, "fields": []string{"bk_module_name"}}}), spec.StepBatchIDs, spec.MsgIDsLength)
		}},
		{name: "search_business refuses a condition beside biz_property_filter", kind: "negative", run: func(ctx context.Context, r *runner) {
			r.expectFailure(r.call(ctx, request{op: r.op(spec.OpESBSearchBusiness, spec.OpV3SearchBusiness), args: map[string]any{
				"condition": map[string]any{}, "biz_property_filter": map[string]any{"condition": "AND", "rules": []any{}}}}),
				spec.StepBizFilterBoth, spec.MsgInvalid, "%s")
		}},
		{name: "create_inst refuses a built-in model", kind: "negative", run: func(ctx context.Context, r *runner) {
			r.expectFailure(r.call(ctx, request{op: r.op(spec.OpESBCreateInst, spec.OpV3CreateInst), objID: "set",
				args: map[string]any{"bk_inst_name": r.name("inst"), "bk_parent_id": r.cfg.BizID, "bk_biz_id": r.cfg.BizID}}),
				spec.StepInstBuiltIn, spec.MsgInnerModel)
		}},
	}
}

// checkModulePath checks find_topo_node_paths' answer for one module of a set: its path ends
// at the set and starts at the business.
func (r *runner) checkModulePath(list []any, setID int64) {
	if len(list) != 1 {
		r.failf("find_topo_node_paths of a module gives %d items; want 1", len(list))
		return
	}
	item, _ := list[0].(map[string]any)
	paths, _ := item["bk_paths"].([]any)
	if len(paths) != 1 {
		r.failf("the module has %d paths; want 1", len(paths))
		return
	}
	path, _ := paths[0].([]any)
	if len(path) < 2 {
		r.failf("the module's path is %s; want the business down to its set", jsonText(path))
		return
	}
	first, _ := path[0].(map[string]any)
	last, _ := path[len(path)-1].(map[string]any)
	if first["bk_obj_id"] != "biz" || !sameJSON(first["bk_inst_id"], r.cfg.BizID) || last["bk_obj_id"] != "set" || !sameJSON(last["bk_inst_id"], setID) {
		r.failf("the module's path is %s; want biz %d first and set %d last", jsonText(path), r.cfg.BizID, setID)
	}
}

// expectCode checks that a call was refused with the step's code, whatever its text: for the
// rows whose text the reference infers.
func (r *runner) expectCode(a *answer, step spec.StepID, msg spec.Message) {
	if a == nil {
		return
	}
	st, _ := spec.LookupStep(step)
	switch {
	case a.Result:
		r.failf("accepted (check %s of the reference); want code %d", st.Ref, msg.Code)
	case a.Code != int64(msg.Code):
		r.failf("code %d %q; want %d (check %s of the reference)", a.Code, a.Message, msg.Code, st.Ref)
	}
}
