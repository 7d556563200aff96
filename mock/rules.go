package mock

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// failure is the answer of the first check that fails.
type failure struct {
	msg         spec.Message
	args        []any
	permission  any  // the IAM body, for 9900403 only
	noRequestID bool // ESB answers before its component runs, without a request_id
}

func fail(m spec.Message, args ...any) *failure { return &failure{msg: m, args: args} }

// rule makes one check of spec.Steps on a call; it returns nil when the call passes. Rules run in
// the spec's order and may record what they worked out on the call for the rules after them.
type rule func(c *call) *failure

// boundStep is a step of the spec with the rule that makes it.
type boundStep struct {
	spec.Step
	check rule
}

// bindSteps pairs every step of the spec with its rule, in the spec's order. A step without a
// rule, or a rule without a step, is an error: the table is complete or the server does not
// start.
func (s *Server) bindSteps() ([]boundStep, error) {
	rules := s.rules()
	var out []boundStep
	for _, st := range spec.Steps() {
		r, ok := rules[st.ID]
		if !ok {
			return nil, fmt.Errorf("mock: no rule for step %q", st.ID)
		}
		delete(rules, st.ID)
		out = append(out, boundStep{Step: st, check: r})
	}
	for id := range rules {
		return nil, fmt.Errorf("mock: rule %q is not a step of the spec", id)
	}
	return out, nil
}

// runSteps returns the answer of the first step that fails, as the configured release reports
// it, and whether one failed.
func (s *Server) runSteps(c *call, steps []boundStep) (answer, bool) {
	for _, st := range steps {
		f := st.check(c)
		if f == nil {
			continue
		}
		m, text := spec.Wrap(s.cfg.Version, st.Step, f.msg, c.lang, f.args...)
		a := failed(m, text, f.permission)
		a.noRequestID = f.noRequestID
		return a, true
	}
	return answer{}, false
}

// subset returns the bound steps with the given ids, in the spec's order.
func subset(steps []boundStep, ids ...spec.StepID) []boundStep {
	var out []boundStep
	for _, st := range steps {
		if slices.Contains(ids, st.ID) {
			out = append(out, st)
		}
	}
	return out
}

// credentialSteps are ESB's checks of the body and the caller, which every call makes.
func credentialSteps() []spec.StepID {
	return []spec.StepID{
		spec.StepESBAuthHeader, spec.StepESBJSON, spec.StepESBAuthShape, spec.StepESBAppSecret, spec.StepESBAppCode, spec.StepESBAppUnknown,
		spec.StepESBAppSecretOK, spec.StepESBUser, spec.StepESBBizRequired, spec.StepESBBizWhole,
	}
}

func esbOnly(c *call, failed bool) bool { return c.surface == spec.SurfaceESB && failed }

func (s *Server) rules() map[spec.StepID]rule {
	return map[spec.StepID]rule{
		spec.StepESBAuthHeader: func(c *call) *failure {
			if esbOnly(c, c.authHeader == authNotJSON) {
				f := fail(spec.MsgESBAuthHeader)
				f.noRequestID = true // answered by ESB's middleware (§2.1)
				return f
			}
			return nil
		},
		spec.StepESBJSON: func(c *call) *failure {
			if esbOnly(c, c.jsonErr) {
				f := fail(spec.MsgESBJSON)
				// Without the header the middleware parses the body and answers; with it, the
				// handler does, and the answer carries a request_id (§2.1).
				f.noRequestID = c.authHeader == authAbsent
				return f
			}
			return nil
		},
		spec.StepESBAuthShape: func(c *call) *failure {
			if esbOnly(c, c.authHeader == authNotObject) {
				return fail(spec.MsgESBComponent)
			}
			return nil
		},
		spec.StepESBAppCode: func(c *call) *failure {
			if c.creds.AppCode == "" {
				return fail(spec.MsgESBAppCode)
			}
			return nil
		},
		spec.StepESBAppSecret: func(c *call) *failure {
			if c.creds.AppSecret == "" {
				return fail(spec.MsgESBAppSecret)
			}
			return nil
		},
		spec.StepESBAppUnknown: func(c *call) *failure {
			if _, known := s.cfg.Apps[c.creds.AppCode]; len(s.cfg.Apps) > 0 && !known {
				return fail(spec.MsgESBAppUnknown, c.creds.AppCode)
			}
			return nil
		},
		spec.StepESBAppSecretOK: func(c *call) *failure {
			secret, known := s.cfg.Apps[c.creds.AppCode]
			if known && subtle.ConstantTimeCompare([]byte(secret), []byte(c.creds.AppSecret)) != 1 {
				return fail(spec.MsgESBAppSecretWrong, c.creds.AppCode)
			}
			return nil
		},
		spec.StepESBUser: func(c *call) *failure {
			if c.creds.user() == "" {
				return fail(spec.MsgESBUser)
			}
			return nil
		},
		spec.StepESBBizRequired: func(c *call) *failure {
			v, present := c.fields["bk_biz_id"]
			if esbOnly(c, emptyValue(v, present)) {
				return fail(spec.MsgESBBizRequired)
			}
			return nil
		},
		spec.StepESBBizWhole: func(c *call) *failure {
			if c.surface != spec.SurfaceESB {
				return nil
			}
			if c.bizPath == "" || c.esbViolations.At("/bk_biz_id") {
				return fail(spec.MsgESBBizWhole)
			}
			return nil
		},
		spec.StepESBData: func(c *call) *failure {
			v, present := c.fields["data"]
			if esbOnly(c, emptyValue(v, present)) {
				return fail(spec.MsgESBDataRequired)
			}
			return nil
		},
		spec.StepESBDataDict: func(c *call) *failure {
			if esbOnly(c, c.data == nil || c.esbViolations.At("/data", "type")) {
				return fail(spec.MsgESBDataDict)
			}
			return nil
		},
		spec.StepJSON: func(c *call) *failure {
			if c.jsonErr {
				return fail(spec.MsgJSONDecode)
			}
			return nil
		},
		spec.StepBizPath: func(c *call) *failure {
			id, err := strconv.ParseInt(c.bizPath, 10, 64)
			if err != nil {
				return fail(spec.MsgNeedInt, spec.LabelBusinessID)
			}
			c.bizID = id
			return nil
		},
		spec.StepPermission: func(c *call) *failure {
			if !s.fixtures().Denied(c.creds.user(), c.bizID) {
				return nil
			}
			f := fail(spec.MsgNoPermission)
			f.permission = s.permission(c.bizID, c.action)
			return f
		},
		spec.StepDefault: func(c *call) *failure {
			v, present := c.data["default"]
			if !present {
				return nil
			}
			def, err := cmdbInt64("default", v)
			if err != nil {
				return fail(spec.MsgRaw, err.Error())
			}
			c.def = def
			if def != 0 {
				c.warn(fmt.Sprintf("default is %d: CMDB stores it and creates the set without its template; only built-in sets have a non-zero default", def))
			}
			return nil
		},
		spec.StepTemplateID: func(c *call) *failure {
			v, present := c.data["set_template_id"]
			if !present || c.def != 0 {
				return nil
			}
			id, err := cmdbInt64("set_template_id", v)
			if err != nil {
				return fail(spec.MsgInvalid, spec.LabelSetTemplateID)
			}
			c.templateID = id
			return nil
		},
		spec.StepTemplate: func(c *call) *failure {
			if c.templateID == 0 {
				return nil
			}
			t, ok := s.fixtures().SetTemplate(c.bizID, c.templateID)
			if !ok {
				return fail(spec.MsgNotFound)
			}
			c.template = t
			return nil
		},
		spec.StepBusiness: func(c *call) *failure {
			if _, ok := s.store.Business(c.bizID); !ok {
				return fail(spec.MsgInvalidOrNone, "bk_biz_id")
			}
			return nil
		},
		spec.StepNameMissing: func(c *call) *failure {
			if c.violations.At("/bk_set_name", "required") {
				return fail(spec.MsgNeedSet, "bk_set_name")
			}
			return nil
		},
		spec.StepParentMissing: func(c *call) *failure {
			if c.violations.At("/bk_parent_id", "required") {
				return fail(spec.MsgNeedSet, "bk_parent_id")
			}
			return nil
		},
		spec.StepNameString: func(c *call) *failure {
			name, ok := c.data["bk_set_name"].(string)
			if !ok {
				return fail(spec.MsgNeedString, "bk_set_name")
			}
			c.name = name
			return nil
		},
		spec.StepNameEmpty: func(c *call) *failure {
			if c.name == "" {
				return fail(spec.MsgNeedSet, "bk_set_name")
			}
			return nil
		},
		spec.StepNameLength: func(c *call) *failure {
			// CMDB counts characters here; the byte limit comes later (StepFieldBytes).
			if utf8.RuneCountInString(c.name) > maxNameRunes {
				return fail(spec.MsgExceedMax, "bk_set_name", maxNameRunes)
			}
			return nil
		},
		spec.StepNameChars: func(c *call) *failure {
			if c.violations.At("/bk_set_name", "pattern") {
				return fail(spec.MsgInvalid, "bk_set_name")
			}
			return nil
		},
		spec.StepParent: func(c *call) *failure {
			id, err := cmdbInt64("bk_parent_id", c.data["bk_parent_id"])
			if err != nil || id <= 0 || c.violations.At("/bk_parent_id") {
				return fail(spec.MsgInvalid, "bk_parent_id")
			}
			c.parentID = id
			if id != c.bizID {
				c.warn(fmt.Sprintf("bk_parent_id %d is not a node of business %d: CMDB stores it unchecked when the set hangs under the business", id, c.bizID))
			}
			return nil
		},
		spec.StepFieldType: func(c *call) *failure {
			for _, i := range s.inRow {
				a, f := c.attr(i), s.fields[i]
				if !a.sent {
					continue
				}
				if m, failed := typeFailure(f, a.value, c.violations); failed {
					return fail(m, f.Label)
				}
			}
			return nil
		},
		spec.StepFieldBytes: func(c *call) *failure {
			for i, f := range s.fields {
				if v, ok := c.attr(i).value.(string); ok && f.MaxBytes > 0 && len(v) > f.MaxBytes {
					return fail(spec.MsgOutOfBounds, f.Label)
				}
			}
			return nil
		},
		spec.StepDuplicate: func(c *call) *failure {
			// The insert itself finds a duplicate, as in CMDB, after the id is taken.
			r, err := s.store.Create(s.buildRow(c, s.cfg.Fill == FillFake), moduleTemplates(c.template))
			switch {
			case errors.Is(err, topo.ErrDuplicateName):
				return fail(spec.MsgDuplicateName)
			case errors.Is(err, topo.ErrStoreFull):
				return fail(spec.MsgStoreFull, s.cfg.MaxSets)
			}
			c.created = r
			return nil
		},
	}
}

// maxNameRunes is CMDB's limit on the characters of a topology node's name.
const maxNameRunes = 256

// typeFailure gives the message of a model attribute whose value breaks its type or range, from
// what kin-openapi found; lengths are left to StepFieldBytes.
func typeFailure(f spec.Field, v any, vs spec.Violations) (spec.Message, bool) {
	switch f.Kind {
	case spec.KindString:
		return spec.MsgNeedString, vs.At(f.Pointer, "type", "nullable")
	case spec.KindEnum:
		return spec.MsgInvalid, vs.At(f.Pointer, "type", "nullable", "enum")
	case spec.KindInt:
		if v == nil && f.Nullable {
			return spec.Message{}, false
		}
		n, isNumber := v.(json.Number)
		if !isNumber {
			return spec.MsgNeedInt, true
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		return spec.MsgInvalid, vs.At(f.Pointer) || err != nil || i < f.Min || i > f.Max
	}
	return spec.Message{}, false
}

// iamAction is the IAM action a call needs.
type iamAction struct{ id, name string }

var (
	actionCreate = iamAction{"create_biz_topology", "业务拓扑新建"}
	actionDelete = iamAction{"delete_biz_topology", "业务拓扑删除"}
)

// permission is the IAM body of a 9900403 answer for an action on business bizID.
func (s *Server) permission(bizID int64, action iamAction) any {
	b, _ := s.store.Business(bizID)
	instance := map[string]any{"type": "biz", "type_name": "业务", "id": strconv.FormatInt(bizID, 10), "name": b.Name}
	return map[string]any{
		"system_id":   "bk_cmdb",
		"system_name": "配置平台",
		"actions": []any{map[string]any{
			"id":   action.id,
			"name": action.name,
			"related_resource_types": []any{map[string]any{
				"system_id": "bk_cmdb", "system_name": "配置平台", "type": "biz", "type_name": "业务",
				"instances": []any{[]any{instance}},
			}},
		}},
	}
}
