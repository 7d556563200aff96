package mock

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
		m, text := spec.Wrap(s.cfg.Version, st.Step, f.msg, c.langOf(f.msg), f.args...)
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

// callerSteps are the checks of the caller, on either surface, that every call makes: ESB's of
// its body and credentials, the API gateway's, and the API server's of the JWT.
var callerSteps = []spec.StepID{
	spec.StepESBAuthHeader, spec.StepESBJSON, spec.StepESBAuthShape, spec.StepESBAppSecret, spec.StepESBAppCode, spec.StepESBAppUnknown,
	spec.StepESBAppSecretOK, spec.StepESBToken, spec.StepESBUser,
	spec.StepGatewayAuth, spec.StepGatewayLimit, spec.StepJWTUser,
}

// The checks of the calls around create_set, after the caller's (reference §9): each names the
// steps of create_set it makes, in create_set's order.
var (
	// modelSteps: calls about the model, with no business (search_object_attribute,
	// get_mainline_object_topo).
	modelSteps = []spec.StepID{spec.StepJSON}
	// lookupSteps: reads of a business (search_set, search_biz_inst_topo); reads need no IAM
	// permission.
	lookupSteps = []spec.StepID{spec.StepESBBizRequired, spec.StepESBBizWhole, spec.StepIAMPath, spec.StepJSON, spec.StepBizPath, spec.StepBusiness}
	// changeSteps: changes to a business's sets (delete_set, batch_delete_set), IAM asked for the
	// call's action.
	changeSteps = []spec.StepID{spec.StepESBBizRequired, spec.StepESBBizWhole, spec.StepIAMPath, spec.StepPermission, spec.StepJSON, spec.StepBizPath, spec.StepBusiness}
	// updateSteps: update_set, whose fields come in ESB's data as create_set's.
	updateSteps = []spec.StepID{spec.StepESBBizRequired, spec.StepESBBizWhole, spec.StepESBData, spec.StepESBDataDict,
		spec.StepIAMPath, spec.StepPermission, spec.StepJSON, spec.StepBizPath, spec.StepNullBody, spec.StepBusiness}
	// nameSteps and attributeSteps check the fields an update sends, as a create checks them.
	nameSteps      = []spec.StepID{spec.StepNameString, spec.StepNameEmpty, spec.StepNameLength, spec.StepNameChars}
	attributeSteps = []spec.StepID{spec.StepAttributes}
)

func esbOnly(c *call, failed bool) bool { return c.surface == spec.SurfaceESB && failed }
func v3Only(c *call, failed bool) bool  { return c.surface == spec.SurfaceV3 && failed }

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
		spec.StepESBAppSecret: func(c *call) *failure {
			if esbOnly(c, c.creds.AppSecret == "") {
				return fail(spec.MsgESBAppSecret)
			}
			return nil
		},
		spec.StepESBAppCode: func(c *call) *failure {
			if esbOnly(c, c.creds.AppCode == "") {
				return fail(spec.MsgESBAppCode)
			}
			return nil
		},
		spec.StepESBAppUnknown: func(c *call) *failure {
			if esbOnly(c, !s.appKnown(c.creds.AppCode)) {
				return fail(spec.MsgESBAppUnknown, c.creds.AppCode)
			}
			return nil
		},
		spec.StepESBAppSecretOK: func(c *call) *failure {
			if esbOnly(c, !s.secretRight(c.creds)) {
				return fail(spec.MsgESBAppSecretWrong, c.creds.AppCode)
			}
			return nil
		},
		spec.StepESBToken: func(c *call) *failure {
			if c.surface != spec.SurfaceESB || c.creds.Token == "" {
				return nil
			}
			// The token wins over bk_username: its user is the login's answer (§3.1).
			user, ok := s.fixtures().Tokens.User(c.creds.Token)
			if !ok {
				return fail(spec.MsgESBToken)
			}
			if user != "" {
				c.creds.Username = user
			}
			return nil
		},
		spec.StepESBUser: func(c *call) *failure {
			if esbOnly(c, c.creds.user() == "") {
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
			if esbOnly(c, c.bizPath == "" || c.esbViolations.At("/bk_biz_id")) {
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
		spec.StepGatewayAuth: func(c *call) *failure {
			if c.surface != spec.SurfaceV3 {
				return nil
			}
			return s.gatewayAuth(c)
		},
		spec.StepGatewayLimit: func(c *call) *failure {
			// Only the gateway's calls are counted: ESB is not behind it.
			if c.surface == spec.SurfaceV3 && !s.limiter.allow(c.creds.AppCode, c.route, s.cfg.Now()) {
				return fail(spec.MsgGatewayRateLimit)
			}
			return nil
		},
		spec.StepJWTUser: func(c *call) *failure {
			if v3Only(c, c.creds.Username == "") {
				return fail(spec.MsgUserNotSet)
			}
			return nil
		},
		spec.StepIAMPath: func(c *call) *failure {
			if s.cfg.IAMOff {
				return nil
			}
			// IAM's rule for the call matches the path's business id as digits only.
			if !allDigits(c.bizPath) {
				return fail(spec.MsgNoMatchedRules)
			}
			id, err := strconv.ParseInt(c.bizPath, 10, 64)
			if err != nil {
				if c.action == actionCreate {
					return fail(spec.MsgIAMBadBizID, c.bizPath)
				}
				return fail(spec.MsgNoMatchedRules)
			}
			c.bizID = id
			return nil
		},
		spec.StepPermission: func(c *call) *failure {
			if s.cfg.IAMOff || !s.fixtures().Denied(c.creds.user(), c.bizID) {
				return nil
			}
			f := fail(spec.MsgNoPermission)
			f.permission = s.permission(c.bizID, c.action)
			return f
		},
		spec.StepJSON: func(c *call) *failure {
			if c.jsonErr {
				return fail(spec.MsgJSONDecode)
			}
			return nil
		},
		spec.StepBizPath: func(c *call) *failure {
			if !s.cfg.IAMOff {
				return nil // read by StepIAMPath
			}
			id, err := strconv.ParseInt(c.bizPath, 10, 64)
			if err != nil {
				return fail(spec.MsgNeedInt, spec.LabelBusinessID)
			}
			c.bizID = id
			return nil
		},
		spec.StepNullBody: func(c *call) *failure {
			if c.nullBody {
				return fail(spec.MsgInternal)
			}
			return nil
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
				c.warn(fmt.Sprintf("default is %d: CMDB stores it and does not apply a set template; only built-in sets have a non-zero default", def))
			}
			return nil
		},
		spec.StepTemplateID: func(c *call) *failure {
			v, present := c.data["set_template_id"]
			if !present {
				return nil
			}
			id, ok := jsonInteger(v)
			if !ok {
				return fail(spec.MsgInvalid, spec.LabelSetTemplateID)
			}
			c.templateID = id
			return nil
		},
		spec.StepTemplate: func(c *call) *failure {
			if c.templateID == 0 {
				return nil
			}
			// Looked up whatever default says; applied only to a set whose default is 0.
			t, ok := s.fixtures().SetTemplate(c.bizID, c.templateID)
			if !ok {
				return fail(spec.MsgNotFound)
			}
			if c.def == 0 {
				c.template = t
			}
			return nil
		},
		spec.StepMainline: func(c *call) *failure {
			if len(s.store.Levels()) == 0 {
				return nil
			}
			if _, present := c.data["default"]; present {
				return fail(spec.MsgInternal) // CMDB dereferences a nil map here (C9)
			}
			id, err := cmdbInt64("bk_parent_id", c.data["bk_parent_id"])
			if err != nil || !s.store.SetParentExists(c.bizID, id) {
				return fail(spec.MsgInvalidOrNone, "bk_parent_id")
			}
			return nil
		},
		spec.StepBusiness: func(c *call) *failure {
			if c.bizID == 0 {
				return nil // CMDB skips the check for business 0
			}
			if _, ok := s.store.Business(c.bizID); !ok {
				return fail(spec.MsgInvalidOrNone, "bk_biz_id")
			}
			return nil
		},
		spec.StepRequired: func(c *call) *failure {
			for _, a := range s.model {
				if _, sent := c.data[a.PropertyID]; a.IsRequired && !sent {
					return fail(spec.MsgNeedSet, a.PropertyID)
				}
			}
			return nil
		},
		spec.StepNameString: func(c *call) *failure {
			name, ok := c.data[nameField].(string)
			if !ok {
				return fail(spec.MsgNeedString, nameField)
			}
			c.name = name
			return nil
		},
		spec.StepNameEmpty: func(c *call) *failure {
			if c.name == "" {
				return fail(spec.MsgNeedSet, nameField)
			}
			return nil
		},
		spec.StepNameLength: func(c *call) *failure {
			// CMDB counts characters here; the byte limit comes later (StepAttributes).
			if utf8.RuneCountInString(c.name) > maxNameRunes {
				return fail(spec.MsgExceedMax, nameField, maxNameRunes)
			}
			return nil
		},
		spec.StepNameChars: func(c *call) *failure {
			if c.violations.At("/"+nameField, "pattern") {
				return fail(spec.MsgInvalid, nameField)
			}
			// The name is stored trimmed of all white space, as every string attribute.
			c.name = strings.TrimSpace(c.name)
			return nil
		},
		spec.StepParent: func(c *call) *failure {
			id, ok := jsonInteger(c.data["bk_parent_id"])
			if !ok || id <= 0 {
				return fail(spec.MsgInvalid, "bk_parent_id")
			}
			c.parentID = id
			if id != c.bizID && len(s.store.Levels()) == 0 {
				c.warn(fmt.Sprintf("bk_parent_id %d is not business %d: CMDB stores it unchecked when the set hangs under the business", id, c.bizID))
			}
			return nil
		},
		spec.StepAttributes: func(c *call) *failure {
			for _, i := range s.checked {
				if a := c.attr(i); a.sent {
					if f := checkAttribute(s.model[i], a.value); f != nil {
						return f
					}
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

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// appKnown reports whether an app code is registered, or any is accepted (no --app).
func (s *Server) appKnown(code string) bool {
	_, known := s.cfg.Apps[code]
	return known || len(s.cfg.Apps) == 0
}

// secretRight reports whether the secret is the registered app's, or no secret is registered.
func (s *Server) secretRight(cr credentials) bool {
	secret, known := s.cfg.Apps[cr.AppCode]
	return !known || subtle.ConstantTimeCompare([]byte(secret), []byte(cr.AppSecret)) == 1
}

// gatewayAuth makes the API gateway's checks of the app, code before secret (reference §3.2).
func (s *Server) gatewayAuth(c *call) *failure {
	const maxAppCode = 32
	switch {
	case c.authHeader == authAbsent:
		return fail(spec.MsgGatewayNoApp)
	case c.authHeader != authObject:
		return fail(spec.MsgGatewayNotJSON)
	case c.creds.AppCode == "":
		return fail(spec.MsgGatewayNoApp)
	case utf8.RuneCountInString(c.creds.AppCode) > maxAppCode:
		return fail(spec.MsgGatewayLongApp)
	case c.creds.AppSecret == "":
		return fail(spec.MsgGatewayNoSecret)
	case !s.appKnown(c.creds.AppCode):
		return fail(spec.MsgGatewayUnknownApp)
	case !s.secretRight(c.creds):
		return fail(spec.MsgGatewayWrongSecret)
	}
	return nil
}

// iamAction is the IAM action a call needs.
type iamAction struct{ id, name string }

var (
	actionCreate = iamAction{"create_biz_topology", "业务拓扑新建"}
	actionDelete = iamAction{"delete_biz_topology", "业务拓扑删除"}
	actionUpdate = iamAction{"edit_biz_topology", "业务拓扑编辑"}
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
