package mock

import (
	"crypto/subtle"
	"strconv"

	"github.com/cmdbmock/cmdbmock/spec"
)

// callerRules are the shared layers every operation lists: ESB's checks of the body, the
// credentials and its form (reference §3.1, §4.1, §11.2), the API gateway's and the JWT's
// (§2.2, §3.2), IAM (§4.2 C1, C2), and the business and the ids of a call's CMDB path.
func (s *Server) callerRules() map[spec.StepID]rule {
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
		spec.StepESBBizRequired:    esbRequired("bk_biz_id", spec.MsgESBBizRequired),
		spec.StepESBBizWhole:       esbWhole("bk_biz_id", spec.MsgESBBizWhole),
		spec.StepESBSetRequired:    esbRequired("bk_set_id", spec.MsgESBSetIDRequired),
		spec.StepESBSetWhole:       esbWhole("bk_set_id", spec.MsgESBSetIDWhole),
		spec.StepESBModuleRequired: esbRequired("bk_module_id", spec.MsgESBModuleIDRequired),
		spec.StepESBModuleWhole:    esbWhole("bk_module_id", spec.MsgESBModuleIDWhole),
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
		spec.StepESBDataOptional: func(c *call) *failure {
			// An optional dict: empty values are {} (forms.py TypeCheckField).
			if v, present := c.fields["data"]; esbOnly(c, !emptyValue(v, present) && c.data == nil) {
				return fail(spec.MsgESBDataDict)
			}
			return nil
		},
		spec.StepESBFormTypes: func(c *call) *failure {
			if c.surface != spec.SurfaceESB {
				return nil
			}
			for _, f := range c.op.form {
				v, present := c.fields[f.name]
				if emptyValue(v, present) {
					continue
				}
				_, isList := v.([]any)
				_, isDict := v.(map[string]any)
				if f.kind == "list" && !isList || f.kind == "dict" && !isDict {
					return fail(spec.MsgESBType, f.label, f.kind)
				}
			}
			return nil
		},
		spec.StepESBPathParam: func(c *call) *failure {
			if c.surface != spec.SurfaceESB {
				return nil
			}
			params := c.op.params
			if params == nil {
				params = []string{"bk_biz_id"}
			}
			for _, p := range params { // the first missing, in the path's order
				if _, sent := c.fields[p]; !sent {
					return fail(spec.MsgESBParamRequired, p)
				}
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
			if c.surface != spec.SurfaceV3 {
				return nil
			}
			var ok bool
			if c.quota, ok = s.limiter.allow(c.ctx, c.creds.AppCode, c.op.op, s.cfg.Now()); !ok {
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
			// IAM's rule for the call matches the path's ids as digits only.
			for _, id := range []string{c.setIDPath, c.moduleIDPath} {
				if id != "" && !allDigits(id) {
					return fail(spec.MsgNoMatchedRules)
				}
			}
			if !allDigits(c.bizPath) {
				return fail(spec.MsgNoMatchedRules)
			}
			id, err := strconv.ParseInt(c.bizPath, 10, 64)
			if err != nil {
				if c.op.op == spec.CallCreateSet {
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
			if c.jsonErr || c.undecodable {
				return fail(spec.MsgJSONDecode)
			}
			return nil
		},
		spec.StepBizPath: s.bizPathAs(func(c *call, _ error) *failure { return fail(spec.MsgNeedInt, c.op.path.biz) }),
		spec.StepSetPath: func(c *call) *failure {
			if c.setIDPath == "" {
				return nil // a call that names no set, such as ESB's search_module without one
			}
			id, err := strconv.ParseInt(c.setIDPath, 10, 64)
			if err != nil {
				return fail(spec.MsgNeedInt, c.op.path.set)
			}
			c.setID = id
			return nil
		},
		spec.StepModulePath: func(c *call) *failure {
			id, err := strconv.ParseInt(c.moduleIDPath, 10, 64)
			if err != nil {
				return fail(spec.MsgNeedInt, c.op.path.module)
			}
			c.moduleID = id
			return nil
		},
		spec.StepNullBody: func(c *call) *failure {
			if c.nullBody {
				return fail(spec.MsgInternal)
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
	}
}

func esbOnly(c *call, failed bool) bool { return c.surface == spec.SurfaceESB && failed }
func v3Only(c *call, failed bool) bool  { return c.surface == spec.SurfaceV3 && failed }

// esbRequired is ESB's form refusing a required field that is missing or empty (Django's
// IntegerField, E9).
func esbRequired(field string, m spec.Message) rule {
	return func(c *call) *failure {
		v, present := c.fields[field]
		if esbOnly(c, emptyValue(v, present)) {
			return fail(m)
		}
		return nil
	}
}

// esbWhole is ESB's form refusing a field that is sent and not a whole number (E10); an empty
// one is the required check's to refuse, or the form's default.
func esbWhole(field string, m spec.Message) rule {
	return func(c *call) *failure {
		v, present := c.fields[field]
		if c.surface != spec.SurfaceESB || emptyValue(v, present) {
			return nil
		}
		if _, ok := wholeNumber(v); !ok {
			return fail(m)
		}
		return nil
	}
}

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

// gatewayAuth makes the API gateway's checks of the app, code before secret (reference §3.2),
// and the lengths, in bytes, of a code and secret it is to verify
// (blueking-apigateway-apisix src/apisix/plugins/bk-auth-verify/app-account-verifier.lua:44-57 @abf2b17).
func (s *Server) gatewayAuth(c *call) *failure {
	const maxAppCode, maxAppSecret = 32, 128
	switch {
	case c.authHeader == authAbsent:
		return fail(spec.MsgGatewayNoApp)
	case c.authHeader != authObject:
		return fail(spec.MsgGatewayNotJSON)
	case c.creds.AppCode == "":
		return fail(spec.MsgGatewayNoApp)
	case c.creds.AppSecret == "":
		return fail(spec.MsgGatewayNoSecret)
	case len(c.creds.AppCode) > maxAppCode:
		return fail(spec.MsgGatewayLongApp)
	case len(c.creds.AppSecret) > maxAppSecret:
		return fail(spec.MsgGatewayLongSecret)
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

// permission is the IAM body of a 9900403 answer for an action on business bizID (reference §7).
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
