package contracttest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/spec"
)

// caseDef is one case of the suite.
type caseDef struct {
	name    string
	kind    string
	surface Surface // "": both
	run     func(ctx context.Context, r *runner)
}

func cases() []caseDef {
	out := positiveCases()
	out = append(out, negativeCases()...)
	out = append(out, readCases()...)
	out = append(out, statefulCases()...)
	return append(out, topologyCases()...)
}

// createReq is a create_set request of the run's surface.
func (r *runner) createReq(args map[string]any) request {
	return request{op: r.op(spec.OpESBCreateSet, spec.OpV3CreateSet), biz: r.cfg.BizID, args: args}
}

// set is the minimal valid set fields under the run's parent, with overrides.
func (r *runner) set(name string, kv ...any) map[string]any {
	m := withFields(r.report.SetFields, map[string]any{"bk_parent_id": r.cfg.ParentID, "bk_set_name": name})
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// withFields is an instance's own fields over the fields every one the run creates carries.
func withFields(every, own map[string]any) map[string]any {
	m := make(map[string]any, len(every)+len(own))
	maps.Copy(m, every)
	maps.Copy(m, own)
	return m
}

// expectGoneDeleted checks a second delete of what the run deleted (what, id): CMDB deletes by
// a condition, and one that matches nothing is a success (check ref of the reference).
func (r *runner) expectGoneDeleted(a *answer, what string, id int64, kind, ref string) {
	if a != nil && !a.Result {
		r.failf("a second %s %d: %d %q; CMDB answers success for a %s that is gone (check %s of the reference)", what, id, a.Code, a.Message, kind, ref)
	}
}

// expectSuccess reports whether a call succeeded, and records a failure when not. A dry run
// goes on as if it had.
func (r *runner) expectSuccess(a *answer) bool {
	switch {
	case r.cfg.DryRun:
		return true
	case a == nil:
		return false
	case !a.Result:
		r.failf("expected success, got %d %q", a.Code, a.Message)
		return false
	}
	return true
}

// expectCreated expects a created set and returns its record; in a dry run, a stand-in.
func (r *runner) expectCreated(a *answer) map[string]any {
	if !r.expectSuccess(a) {
		return nil
	}
	if r.cfg.DryRun {
		return map[string]any{"bk_set_id": json.Number("0")}
	}
	if a.Data == nil {
		r.failf("success without a record")
	}
	return a.Data
}

// newSet creates a set named with the suffix and is its id, once ownSet has read it back: a set
// a case changes or puts modules in.
func (r *runner) newSet(ctx context.Context, suffix string) (id int64, ok bool) {
	rec := r.expectCreated(r.call(ctx, r.createReq(r.set(r.name(suffix)))))
	if rec == nil {
		return 0, false
	}
	return r.ownSet(ctx, rec)
}

// ownSet is the id of a set a case created, once search_set gives it back by that id under the
// name the create answered, one of the run's: a case puts nothing in a set it has not read back
// as its own (a target may answer a create with another set's id). ok is false, and the case
// failed, when it does not; in a dry run the id is the record's.
func (r *runner) ownSet(ctx context.Context, rec map[string]any) (id int64, ok bool) {
	id, _ = jsonx.Int(rec["bk_set_id"])
	name, _ := rec["bk_set_name"].(string)
	a := r.call(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID,
		args: map[string]any{"condition": map[string]any{"bk_set_id": id}, "fields": []string{"bk_set_id", "bk_set_name"}}})
	if r.cfg.DryRun {
		return id, true
	}
	if !r.expectSuccess(a) {
		return 0, false
	}
	found := infoOf(a)
	if len(found) != 1 || !sameJSON(found[0]["bk_set_id"], id) || found[0]["bk_set_name"] != name || !strings.HasPrefix(name, r.name("")) {
		r.failf("search_set for bk_set_id %d gives %s; want the set the run created, %s", id, jsonText(found), jsonText(rec["bk_set_name"]))
		return 0, false
	}
	return id, true
}

// checkRecord compares a created record with what was sent and what the server must fill in.
func (r *runner) checkRecord(rec, sent map[string]any) {
	if rec == nil || r.cfg.DryRun {
		return
	}
	for k, v := range sent {
		if !sameJSON(rec[k], v) {
			r.failf("%s came back as %s; sent %s", k, jsonText(rec[k]), jsonText(v))
		}
	}
	for name, def := range r.cfg.Spec.SetDefaults() {
		if _, ok := sent[name]; !ok && !sameJSON(rec[name], def) {
			r.failf("%s left out came back as %s; the default is %s", name, jsonText(rec[name]), jsonText(def))
		}
	}
	server := map[string]any{"bk_biz_id": r.cfg.BizID, "set_template_version": nil}
	if _, ok := sent["default"]; !ok {
		server["default"] = 0
	}
	if _, ok := sent["set_template_id"]; !ok {
		server["set_template_id"] = 0
	}
	for k, want := range server {
		if got, ok := rec[k]; !ok || !sameJSON(got, want) {
			r.failf("%s is %s; want %s", k, jsonText(got), jsonText(want))
		}
	}
	if id, ok := jsonx.Int(rec["bk_set_id"]); !ok || id <= 0 {
		r.failf("bk_set_id %s is not a positive integer", jsonText(rec["bk_set_id"]))
	}
	created, errC := time.Parse(time.RFC3339Nano, stringOf(rec["create_time"]))
	last, errL := time.Parse(time.RFC3339Nano, stringOf(rec["last_time"]))
	switch {
	case errC != nil || errL != nil:
		r.failf("create_time %s or last_time %s is not an RFC 3339 time", jsonText(rec["create_time"]), jsonText(rec["last_time"]))
	case !created.Equal(last):
		r.failf("create_time %s and last_time %s differ on a create", rec["create_time"], rec["last_time"])
	}
}

func positiveCases() []caseDef {
	positive := func(name string, fields func(r *runner) map[string]any) caseDef {
		return caseDef{name: name, kind: "positive", run: func(ctx context.Context, r *runner) {
			sent := fields(r)
			q := r.createReq(sent)
			if step, msg, args, refused := r.underLevels(q); refused {
				r.expectFailure(r.call(ctx, q), step, msg, args...)
				return
			}
			r.checkRecord(r.expectCreated(r.call(ctx, q)), sent)
		}}
	}
	return []caseDef{
		positive("create with the required fields only", func(r *runner) map[string]any { return r.set(r.name("minimal")) }),
		positive("create with every documented field", func(r *runner) map[string]any {
			return r.set(r.name("every-field"), "default", 0, "bk_set_desc", "contract test set", "description", madeBy,
				"bk_capacity", 1000, "bk_set_env", "1", "bk_service_status", "2")
		}),
		positive("create with a Chinese name", func(r *runner) map[string]any { return r.set(r.name("集群-测试")) }),
		// The documents' example, less its set_template_id: templates differ between deployments.
		positive("create the documents' example", func(r *runner) map[string]any {
			return r.set(r.name("test-set"), "default", 0, "bk_set_desc", "test-set", "bk_capacity", 1000, "description", "description")
		}),
		{name: "ESB: credentials in X-Bkapi-Authorization, as the current SDKs send them", kind: "positive", surface: SurfaceESB, run: func(ctx context.Context, r *runner) {
			sent := r.set(r.name("header-creds"))
			q := r.createReq(sent)
			q.authHeader = true
			r.checkRecord(r.expectCreated(r.call(ctx, q)), sent)
		}},
		{name: "ids are integers and unique", kind: "positive", run: func(ctx context.Context, r *runner) {
			seen := map[int64]bool{}
			for _, s := range r.created {
				if seen[s.id] {
					r.failf("bk_set_id %d handed out twice", s.id)
				}
				seen[s.id] = true
			}
			want := 4
			if r.levelNodes != nil {
				want = 2 // the two with a default key are refused (reference §4.2 C9)
			}
			if len(r.created) < want && !r.cfg.DryRun {
				r.failf("only %d of the %d creates above succeeded", len(r.created), want)
			}
		}},
	}
}

// negative is a call the real system refuses at a given step with a given message.
type negative struct {
	name    string
	surface Surface
	req     func(r *runner) request
	step    spec.StepID
	msg     spec.Message
	args    []any
}

func negativeCases() []caseDef {
	raw := func(s string) *string { return &s }
	long := func(r *runner) string { return r.name(strings.Repeat("a", 260)) }
	negatives := []negative{
		{"ESB: malformed JSON", SurfaceESB, func(r *runner) request {
			return request{op: spec.OpESBCreateSet, raw: raw(`{"bk_app_code": "x", "bk_biz_id": `)}
		}, spec.StepESBJSON, spec.MsgESBJSON, nil},
		{"ESB: no app code", SurfaceESB, func(r *runner) request {
			q := r.createReq(r.set(r.name("no-app")))
			q.creds = &credentials{AppSecret: r.cfg.AppSecret, Username: r.cfg.Username}
			return q
		}, spec.StepESBAppCode, spec.MsgESBAppCode, nil},
		// ESB checks the secret first, so a call with neither gets the secret's message.
		{"ESB: no app secret", SurfaceESB, func(r *runner) request {
			q := r.createReq(r.set(r.name("no-secret")))
			q.creds = &credentials{AppCode: r.cfg.AppCode, Username: r.cfg.Username}
			return q
		}, spec.StepESBAppSecret, spec.MsgESBAppSecret, nil},
		{"ESB: no user", SurfaceESB, func(r *runner) request {
			q := r.createReq(r.set(r.name("no-user")))
			q.creds = &credentials{AppCode: r.cfg.AppCode, AppSecret: r.cfg.AppSecret}
			return q
		}, spec.StepESBUser, spec.MsgESBUser, nil},
		// The gateway checks the code before the secret.
		{"v3: no credentials header", SurfaceV3, func(r *runner) request {
			q := r.createReq(r.set(r.name("no-app")))
			q.creds = &credentials{}
			return q
		}, spec.StepGatewayAuth, spec.MsgGatewayNoApp, nil},
		{"v3: no app secret", SurfaceV3, func(r *runner) request {
			q := r.createReq(r.set(r.name("no-secret")))
			q.creds = &credentials{AppCode: r.cfg.AppCode, Username: r.cfg.Username}
			return q
		}, spec.StepGatewayAuth, spec.MsgGatewayNoSecret, nil},
		{"v3: no user in the JWT", SurfaceV3, func(r *runner) request {
			q := r.createReq(r.set(r.name("no-user")))
			q.creds = &credentials{AppCode: r.cfg.AppCode, AppSecret: r.cfg.AppSecret}
			return q
		}, spec.StepJWTUser, spec.MsgUserNotSet, nil},
		{"ESB: bk_biz_id missing", SurfaceESB, func(r *runner) request {
			q := r.createReq(r.set(r.name("no-biz")))
			q.top = map[string]any{"bk_biz_id": dropKey{}}
			return q
		}, spec.StepESBBizRequired, spec.MsgESBBizRequired, nil},
		{"ESB: bk_biz_id not a whole number", SurfaceESB, func(r *runner) request {
			q := r.createReq(r.set(r.name("biz-word")))
			q.biz = "abc"
			return q
		}, spec.StepESBBizWhole, spec.MsgESBBizWhole, nil},
		{"ESB: data missing", SurfaceESB, func(r *runner) request {
			q := r.createReq(nil)
			q.top = map[string]any{"data": dropKey{}}
			return q
		}, spec.StepESBData, spec.MsgESBDataRequired, nil},
		{"ESB: data not an object", SurfaceESB, func(r *runner) request {
			q := r.createReq(nil)
			q.top = map[string]any{"data": r.name("not-a-dict")}
			return q
		}, spec.StepESBDataDict, spec.MsgESBDataDict, nil},
		// ESB's json.loads takes NaN, and its json.dumps sends it on to CMDB as it came; CMDB's
		// decoder refuses the body (reference §4.2 C3). The credentials go in the header, the
		// body being written as it is.
		{"ESB: NaN in data, which CMDB cannot decode", SurfaceESB, func(r *runner) request {
			return request{op: spec.OpESBCreateSet, authHeader: true, raw: raw(fmt.Sprintf(
				`{"bk_biz_id":%d,"data":{"bk_parent_id":%d,"bk_set_name":%q,"bk_capacity":NaN}}`, r.cfg.BizID, r.cfg.ParentID, r.name("nan")))}
		}, spec.StepJSON, spec.MsgJSONDecode, nil},
		{"v3: body not JSON", SurfaceV3, func(r *runner) request {
			return request{op: spec.OpV3CreateSet, biz: r.cfg.BizID, raw: raw(`{"bk_set_name": `)}
		}, spec.StepJSON, spec.MsgJSONDecode, nil},
		{"v3: empty body is no fields", SurfaceV3, func(r *runner) request {
			return request{op: spec.OpV3CreateSet, biz: r.cfg.BizID, raw: raw(``)}
		}, spec.StepRequired, spec.MsgNeedSet, []any{"bk_set_name"}},
		{"v3: body null", SurfaceV3, func(r *runner) request {
			return request{op: spec.OpV3CreateSet, biz: r.cfg.BizID, raw: raw(`null`)}
		}, spec.StepNullBody, spec.MsgInternal, nil},
		{"default not an integer", "", func(r *runner) request {
			return r.createReq(r.set(r.name("default-word"), "default", "abc"))
		}, spec.StepDefault, spec.MsgRaw, []any{`strconv.ParseInt: parsing "abc": invalid syntax`}},
		{"set_template_id not an integer", "", func(r *runner) request {
			return r.createReq(r.set(r.name("template-word"), "set_template_id", "abc"))
		}, spec.StepTemplateID, spec.MsgInvalid, []any{spec.LabelSetTemplateID}},
		{"set_template_id a string of digits", "", func(r *runner) request {
			return r.createReq(r.set(r.name("template-digits"), "set_template_id", "1"))
		}, spec.StepTemplateID, spec.MsgInvalid, []any{spec.LabelSetTemplateID}},
		{"set template not in the business", "", func(r *runner) request {
			return r.createReq(r.set(r.name("template-none"), "set_template_id", 2147483646))
		}, spec.StepTemplate, spec.MsgNotFound, nil},
		// The name is left out too, so that nothing is created should that business exist.
		{"business does not exist", "", func(r *runner) request {
			q := r.createReq(map[string]any{"bk_parent_id": r.cfg.ParentID, "bk_set_desc": r.name("biz-none")})
			q.biz = 2147483646
			return q
		}, spec.StepBusiness, spec.MsgInvalidOrNone, []any{"bk_biz_id"}},
		{"bk_set_name missing", "", func(r *runner) request {
			return r.createReq(withFields(r.report.SetFields, map[string]any{"bk_parent_id": r.cfg.ParentID, "bk_set_desc": r.name("no-name")}))
		}, spec.StepRequired, spec.MsgNeedSet, []any{"bk_set_name"}},
		{"bk_parent_id missing", "", func(r *runner) request {
			return r.createReq(withFields(r.report.SetFields, map[string]any{"bk_set_name": r.name("no-parent")}))
		}, spec.StepRequired, spec.MsgNeedSet, []any{"bk_parent_id"}},
		{"bk_set_name not a string", "", func(r *runner) request {
			return r.createReq(r.set("", "bk_set_name", 5))
		}, spec.StepNameString, spec.MsgNeedString, []any{"bk_set_name"}},
		{"bk_set_name only spaces", "", func(r *runner) request {
			return r.createReq(r.set("   "))
		}, spec.StepNameEmpty, spec.MsgNeedSet, []any{"bk_set_name"}},
		{"bk_set_name over 256 characters", "", func(r *runner) request {
			return r.createReq(r.set(long(r)))
		}, spec.StepNameLength, spec.MsgExceedMax, []any{"bk_set_name", 256}},
		{"bk_set_name with a forbidden character", "", func(r *runner) request {
			return r.createReq(r.set(r.name("a/b")))
		}, spec.StepNameChars, spec.MsgInvalid, []any{"bk_set_name"}},
		{"bk_parent_id not positive", "", func(r *runner) request {
			return r.createReq(r.set(r.name("parent-zero"), "bk_parent_id", 0))
		}, spec.StepParent, spec.MsgInvalid, []any{"bk_parent_id"}},
		{"bk_parent_id a string of digits", "", func(r *runner) request {
			return r.createReq(r.set(r.name("parent-digits"), "bk_parent_id", "1"))
		}, spec.StepParent, spec.MsgInvalid, []any{"bk_parent_id"}},
		{"bk_set_desc not a string", "", func(r *runner) request {
			return r.createReq(r.set(r.name("desc-number"), "bk_set_desc", 5))
		}, spec.StepAttributes, spec.MsgNeedString, []any{"集群描述"}},
		{"bk_capacity a string", "", func(r *runner) request {
			return r.createReq(r.set(r.name("capacity-string"), "bk_capacity", "10"))
		}, spec.StepAttributes, spec.MsgNeedInt, []any{"设计容量"}},
		{"bk_capacity out of range", "", func(r *runner) request {
			return r.createReq(r.set(r.name("capacity-zero"), "bk_capacity", 0))
		}, spec.StepAttributes, spec.MsgInvalid, []any{"设计容量"}},
		{"bk_set_env not in its list", "", func(r *runner) request {
			return r.createReq(r.set(r.name("env-9"), "bk_set_env", "9"))
		}, spec.StepAttributes, spec.MsgInvalid, []any{"环境类型"}},
		{"bk_service_status not in its list", "", func(r *runner) request {
			return r.createReq(r.set(r.name("status-9"), "bk_service_status", "9"))
		}, spec.StepAttributes, spec.MsgInvalid, []any{"服务状态"}},
		{"bk_set_desc over 256 bytes", "", func(r *runner) request {
			return r.createReq(r.set(r.name("desc-long"), "bk_set_desc", strings.Repeat("x", 257)))
		}, spec.StepAttributes, spec.MsgOutOfBounds, []any{"集群描述"}},
		{"bk_set_name over 256 bytes in fewer characters", "", func(r *runner) request {
			return r.createReq(r.set(r.name(strings.Repeat("中", 82))))
		}, spec.StepAttributes, spec.MsgOutOfBounds, []any{"集群名"}},
	}
	out := make([]caseDef, 0, len(negatives)+2)
	out = append(out, caseDef{name: "v3: business id in the path not an integer", kind: "negative", surface: SurfaceV3, run: func(ctx context.Context, r *runner) {
		q := r.createReq(r.set(r.name("path-word")))
		q.biz = "abc"
		if r.cfg.IAMOff {
			r.expectFailure(r.call(ctx, q), spec.StepBizPath, spec.MsgNeedInt, spec.LabelBusinessID)
			return
		}
		r.expectFailure(r.call(ctx, q), spec.StepIAMPath, spec.MsgNoMatchedRules)
	}})
	for _, n := range negatives {
		out = append(out, caseDef{name: n.name, kind: "negative", surface: n.surface, run: func(ctx context.Context, r *runner) {
			q := n.req(r)
			if step, msg, args, refused := r.underLevels(q); refused && comesAfter(n.step, spec.StepMainline) {
				r.expectFailure(r.call(ctx, q), step, msg, args...)
				return
			}
			r.expectFailure(r.call(ctx, q), n.step, n.msg, n.args...)
		}})
	}
	out = append(out, caseDef{name: "a user without permission", kind: "negative", run: func(ctx context.Context, r *runner) {
		switch {
		case r.cfg.IAMOff:
			r.cur.Status, r.cur.Reasons = Skip, []string{"IAM is off: no user is denied"}
			return
		case r.cfg.DeniedUser == "":
			r.cur.Status, r.cur.Reasons = Skip, []string{"no --denied-user given"}
			return
		}
		q := r.createReq(r.set(r.name("no-permission")))
		q.creds = &credentials{AppCode: r.cfg.AppCode, AppSecret: r.cfg.AppSecret, Username: r.cfg.DeniedUser}
		r.expectFailure(r.call(ctx, q), spec.StepPermission, spec.MsgNoPermission)
	}})
	return out
}

// expectFailure checks that a call was refused with the step's code and, unless lenient, its
// message in the language asked for, as the configured release words it.
func (r *runner) expectFailure(a *answer, step spec.StepID, msg spec.Message, args ...any) {
	if a == nil {
		return
	}
	st, _ := spec.LookupStep(step)
	want, text := spec.Wrap(r.cfg.Version, st, msg, r.cfg.Lang, args...)
	if a.Result {
		r.failf("accepted (check %s of the reference); want code %d %q", st.Ref, want.Code, text)
		return
	}
	if a.Code != int64(want.Code) {
		r.failf("code %d %q; want %d %q (check %s of the reference)", a.Code, a.Message, want.Code, text, st.Ref)
		return
	}
	if !r.cfg.Lenient && a.Message != text {
		r.failf("message %q; want %q", a.Message, text)
	}
}

func statefulCases() []caseDef {
	return []caseDef{
		{name: "a repeated name under one parent is a duplicate; under another it is not", kind: "stateful", run: func(ctx context.Context, r *runner) {
			name := r.name("twice")
			if r.expectCreated(r.call(ctx, r.createReq(r.set(name)))) == nil {
				return
			}
			r.expectFailure(r.call(ctx, r.createReq(r.set(name))), spec.StepDuplicate, spec.MsgDuplicateName)
			r.expectCreated(r.call(ctx, r.createReq(r.set(name, "bk_parent_id", r.cfg.OtherParentID))))
		}},
		{name: "a created set reads back with search_set, and is gone after delete_set, which a second time succeeds", kind: "stateful", run: func(ctx context.Context, r *runner) {
			sent := r.set(r.name("read-back"), "bk_set_desc", "read back", "bk_capacity", 7)
			rec := r.expectCreated(r.call(ctx, r.createReq(sent)))
			if rec == nil {
				return
			}
			id, _ := jsonx.Int(rec["bk_set_id"])
			search := func() *answer {
				return r.call(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID,
					args: map[string]any{"condition": map[string]any{"bk_set_id": id}}})
			}
			if a := search(); a != nil && !r.cfg.DryRun {
				found := infoOf(a)
				if len(found) != 1 {
					r.failf("search_set for bk_set_id %d found %d sets; want 1", id, len(found))
					return
				}
				same := true
				for k, v := range rec {
					if !sameJSON(found[0][k], v) {
						r.failf("search_set gives %s = %s; create_set gave %s", k, jsonText(found[0][k]), jsonText(v))
						same = false
					}
				}
				if !same {
					return // not read back as created: it may not be the run's to delete; the cleanup goes by name
				}
			}
			del := request{op: r.op(spec.OpESBDeleteSet, spec.OpV3DeleteSet), biz: r.cfg.BizID, setID: id}
			if !r.expectSuccess(r.call(ctx, del)) {
				return
			}
			if a := search(); a != nil && !r.cfg.DryRun && len(infoOf(a)) != 0 {
				r.failf("search_set still finds bk_set_id %d after delete_set", id)
				return
			}
			r.forget(id) // gone: the cleanup owes it nothing
			r.expectGoneDeleted(r.call(ctx, del), "delete_set of set", id, "set", "§9")
		}},
		{name: "update_set changes a created set, which reads back; the idle set and a deleted set are refused", kind: "stateful", run: func(ctx context.Context, r *runner) {
			id, ok := r.newSet(ctx, "update")
			if !ok {
				return
			}
			update := func(setID int64, data map[string]any) *answer {
				return r.call(ctx, request{op: r.op(spec.OpESBUpdateSet, spec.OpV3UpdateSet), biz: r.cfg.BizID, setID: setID, args: data})
			}
			search := func(condition map[string]any, fields ...string) []map[string]any {
				a := r.call(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID,
					args: map[string]any{"condition": condition, "fields": fields}})
				if !r.expectSuccess(a) || r.cfg.DryRun {
					return nil
				}
				return infoOf(a)
			}
			changed := map[string]any{"bk_set_desc": "updated by cmdbmock contract", "bk_capacity": 200}
			if a := update(id, changed); r.expectSuccess(a) && !r.cfg.DryRun {
				if !a.dataNull {
					r.failf("update_set's data is %s; want null", jsonText(a.Data))
				}
				found := search(map[string]any{"bk_set_id": id}, "bk_set_id", "bk_set_desc", "bk_capacity")
				for k, v := range changed {
					if len(found) != 1 || !sameJSON(found[0][k], v) {
						r.failf("search_set after update_set gives %s; want %s = %s", jsonText(found), k, jsonText(v))
					}
				}
			}
			// CMDB refuses a built-in set by its id before it reads the data (inst_set.go:259-263
			// @111e7ac). The idle set is sent its own values back, as search_set gives them (its
			// name left out, which reads are given translated): a target that took the update would
			// change nothing of it. ESB takes no empty data.
			if idle := search(map[string]any{"default": 1}, "bk_set_id", "bk_set_desc", "bk_capacity", "bk_set_env", "bk_service_status"); len(idle) == 1 {
				idleID, _ := jsonx.Int(idle[0]["bk_set_id"])
				own := maps.Clone(idle[0])
				for _, k := range []string{"bk_set_id", "default", "bk_set_name"} {
					delete(own, k)
				}
				if len(own) > 0 {
					r.expectFailure(update(idleID, own), spec.StepBuiltInSet, spec.MsgBuiltInSet)
				}
			}
			// A set that is gone: the run's own, deleted first.
			if !r.expectSuccess(r.call(ctx, request{op: r.op(spec.OpESBDeleteSet, spec.OpV3DeleteSet), biz: r.cfg.BizID, setID: id})) {
				return
			}
			r.forget(id) // a set the update brought back would still be found by its name at the cleanup
			r.expectFailure(update(id, changed), spec.StepSetFound, spec.MsgNotFound)
		}},
		{name: "sets made by the run show in search_biz_inst_topo, and batch_delete_set removes them", kind: "stateful", run: func(ctx context.Context, r *runner) {
			var ids []any
			names := map[int64]string{}
			for _, n := range []string{"batch-1", "batch-2"} {
				rec := r.expectCreated(r.call(ctx, r.createReq(r.set(r.name(n)))))
				if rec == nil {
					return
				}
				id, _ := jsonx.Int(rec["bk_set_id"])
				ids, names[id] = append(ids, id), r.name(n)
			}
			topo := r.call(ctx, request{op: r.op(spec.OpESBSearchBizInstTopo, spec.OpV3SearchBizInstTopo), biz: r.cfg.BizID})
			if r.expectSuccess(topo) && !r.cfg.DryRun {
				held := true
				for _, id := range ids {
					if !topoHolds(topo.List, id.(int64), names[id.(int64)]) {
						r.failf("search_biz_inst_topo does not show set %d named %s, which the run created", id, names[id.(int64)])
						held = false
					}
				}
				if !held {
					return // a set not shown as the run made it may not be the run's to delete; the cleanup goes by name
				}
			}
			// Only the run's own sets, never an empty list: CMDB reads that as the whole business.
			del := request{op: r.op(spec.OpESBBatchDeleteSet, spec.OpV3BatchDeleteSet), biz: r.cfg.BizID,
				args: map[string]any{"delete": map[string]any{"inst_ids": ids}}}
			if !r.expectSuccess(r.call(ctx, del)) {
				return
			}
			for _, id := range ids {
				a := r.call(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID,
					args: map[string]any{"condition": map[string]any{"bk_set_id": id}}})
				if a != nil && !r.cfg.DryRun && len(infoOf(a)) != 0 {
					r.failf("search_set still finds bk_set_id %d after batch_delete_set", id)
					continue
				}
				r.forget(id.(int64))
			}
		}},
	}
}

// readCases read what clients read before they create: the set model and the topology. They
// change nothing.
func readCases() []caseDef {
	return []caseDef{
		{name: "search_object_attribute gives the set model, without system attributes", kind: "read", run: func(ctx context.Context, r *runner) {
			a := r.call(ctx, request{op: r.op(spec.OpESBSearchObjectAttribute, spec.OpV3SearchObjectAttribute), args: map[string]any{"bk_obj_id": "set"}})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			attrs := map[string]map[string]any{}
			for _, item := range a.List {
				if m, ok := item.(map[string]any); ok {
					attrs[stringOf(m["bk_property_id"])] = m
				}
			}
			name, ok := attrs["bk_set_name"]
			switch {
			case !ok:
				r.failf("no bk_set_name among %d attributes", len(attrs))
			case name["isrequired"] != true:
				r.failf("bk_set_name is not required")
			}
			for _, hidden := range []string{"bk_biz_id", "bk_parent_id", "set_template_id", "set_template_version"} {
				if _, ok := attrs[hidden]; ok {
					r.failf("%s is listed: system and API attributes are left out", hidden)
				}
			}
			ids := map[string]bool{}
			options, _ := attrs["bk_set_env"]["option"].([]any)
			for _, o := range options {
				if m, ok := o.(map[string]any); ok {
					ids[stringOf(m["id"])] = true
				}
			}
			if !ids["1"] || !ids["2"] || !ids["3"] {
				r.failf("bk_set_env's options are %s; want ids 1, 2 and 3", jsonText(options))
			}
		}},
		{name: "search_object_attribute reads its body as a condition: operators and a page", kind: "read", run: func(ctx context.Context, r *runner) {
			// CMDB hands the body to MongoDB as the condition on the attributes, but for page
			// (reference §9; bk-cmdb src/scene_server/topo_server/service/object_attribute.go:236-266).
			types := []string{"int", "enum"}
			a := r.call(ctx, request{op: r.op(spec.OpESBSearchObjectAttribute, spec.OpV3SearchObjectAttribute),
				args: map[string]any{"bk_obj_id": "set", "bk_property_type": map[string]any{"$in": types}}})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			seen := map[string]bool{}
			for _, item := range a.List {
				m, _ := item.(map[string]any)
				seen[stringOf(m["bk_property_id"])] = true
				if t := stringOf(m["bk_property_type"]); t != "int" && t != "enum" {
					r.failf("%s of type %q is listed for {\"$in\": %v}", stringOf(m["bk_property_id"]), t, types)
				}
			}
			if !seen["bk_set_env"] || !seen["bk_capacity"] || seen["bk_set_name"] {
				r.failf("{\"bk_property_type\": {\"$in\": %v}} lists %v; want bk_set_env and bk_capacity, not bk_set_name", types, slices.Sorted(maps.Keys(seen)))
			}
			a = r.call(ctx, request{op: r.op(spec.OpESBSearchObjectAttribute, spec.OpV3SearchObjectAttribute),
				args: map[string]any{"bk_obj_id": "set", "page": map[string]any{"start": 0, "limit": 1}}})
			if r.expectSuccess(a) && len(a.List) != 1 {
				r.failf("a page of limit 1 lists %d attributes", len(a.List))
			}
		}},
		{name: "get_mainline_object_topo runs from biz down to set, module and host", kind: "read", run: func(ctx context.Context, r *runner) {
			a := r.call(ctx, request{op: r.op(spec.OpESBGetMainlineObjectTopo, spec.OpV3GetMainlineObjectTopo)})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			var objs []string
			for _, item := range a.List {
				m, _ := item.(map[string]any)
				objs = append(objs, stringOf(m["bk_obj_id"]))
			}
			n := len(objs)
			if n < 4 || objs[0] != "biz" || objs[n-3] != "set" || objs[n-2] != "module" || objs[n-1] != "host" {
				r.failf("mainline %v; want biz, any custom levels, set, module, host", objs)
				return
			}
			for i, item := range a.List {
				m, _ := item.(map[string]any)
				if i+1 < n && stringOf(m["bk_next_obj"]) != objs[i+1] || i > 0 && stringOf(m["bk_pre_obj_id"]) != objs[i-1] {
					r.failf("%s's neighbours are %q and %q; want %q before it and the next after", objs[i], m["bk_pre_obj_id"], m["bk_next_obj"], objs[max(i-1, 0)])
				}
			}
		}},
		{name: "search_biz_inst_topo starts at the business", kind: "read", run: func(ctx context.Context, r *runner) {
			a := r.call(ctx, request{op: r.op(spec.OpESBSearchBizInstTopo, spec.OpV3SearchBizInstTopo), biz: r.cfg.BizID})
			if !r.expectSuccess(a) || r.cfg.DryRun {
				return
			}
			if len(a.List) != 1 {
				r.failf("%d roots; want the business alone", len(a.List))
				return
			}
			root, _ := a.List[0].(map[string]any)
			if id, _ := jsonx.Int(root["bk_inst_id"]); id != r.cfg.BizID || stringOf(root["bk_obj_id"]) != "biz" {
				r.failf("the root is %s %s; want biz %d", jsonText(root["bk_obj_id"]), jsonText(root["bk_inst_id"]), r.cfg.BizID)
			}
		}},
	}
}

// topoHolds reports whether a search_biz_inst_topo answer holds the set under its name, at any
// depth.
func topoHolds(nodes []any, setID int64, name string) bool {
	for _, item := range nodes {
		n, _ := item.(map[string]any)
		if id, _ := jsonx.Int(n["bk_inst_id"]); id == setID && stringOf(n["bk_obj_id"]) == "set" && stringOf(n["bk_inst_name"]) == name {
			return true
		}
		if child, _ := n["child"].([]any); topoHolds(child, setID, name) {
			return true
		}
	}
	return false
}

// sameJSON compares two values as JSON text: 1000 equals json.Number("1000").
func sameJSON(a, b any) bool { return jsonText(a) == jsonText(b) }

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
