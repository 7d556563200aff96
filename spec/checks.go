package spec

import (
	"fmt"
	"slices"
)

// Lang is the language a message is asked for.
type Lang int

// The two languages of CMDB's messages.
const (
	English Lang = iota
	Chinese
)

// Layer is who writes an answer, which decides the keys of its envelope (reference §2).
type Layer int

// The layers of a call.
const (
	// LayerESB is ESB's own check: no permission key in the envelope.
	LayerESB Layer = iota
	// LayerCMDB is CMDB's topo server: "permission": null beside the code; on v3 the API server
	// renames bk_error_code and bk_error_msg to code and message and moves them to the end.
	LayerCMDB
	// LayerAPIServer is CMDB's API server itself (IAM): on v3 bk_error_code, bk_error_msg and
	// permission, no data.
	LayerAPIServer
	// LayerJWT is the API server refusing the gateway's JWT: on v3 as LayerAPIServer, with
	// "data": null.
	LayerJWT
	// LayerGateway is the API gateway's own error: an HTTP error status, code_name, and the
	// X-Bkapi-Error-Code and X-Bkapi-Error-Message headers.
	LayerGateway
)

// CodeMock marks the mock's own answers, to conditions the real system has no code for (a full
// store, an HTTP-status-only fault, an internal error); CMDB gives it only for an internal error.
const CodeMock = 1199999

// Text is a message argument that differs by language, such as a label that CMDB translates.
type Text struct{ En, Zh string }

// Message is one answer of the catalog: a code and its templates. The templates are used as the
// real system uses them, slips included: "Data out of bounds" takes an argument it has no verb
// for, so Go prints it as %!(EXTRA string=...), exactly as CMDB's own output does.
type Message struct {
	Code  int
	Layer Layer
	En    string
	Zh    string // empty: the English text serves both
	// The API gateway's errors only: the HTTP status and the code's name.
	Status   int
	CodeName string
}

func esbMsg(code int, en string) Message { return Message{Code: code, Layer: LayerESB, En: en} }
func cmdbMsg(code int, en, zh string) Message {
	return Message{Code: code, Layer: LayerCMDB, En: en, Zh: zh}
}
func apiServerMsg(code int, en, zh string) Message {
	return Message{Code: code, Layer: LayerAPIServer, En: en, Zh: zh}
}
func gatewayMsg(status, code int, name, en string) Message {
	return Message{Code: code, Layer: LayerGateway, En: en, Status: status, CodeName: name}
}

// Format fills the template of lang with args; Text args are resolved to that language.
func (m Message) Format(lang Lang, args ...any) string {
	tmpl := m.En
	if lang == Chinese && m.Zh != "" {
		tmpl = m.Zh
	}
	if len(args) == 0 {
		return tmpl
	}
	resolved := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(Text); ok {
			a = t.En
			if lang == Chinese {
				a = t.Zh
			}
		}
		resolved[i] = a
	}
	return fmt.Sprintf(tmpl, resolved...)
}

// The catalog of codes and messages, en and zh, as the real system writes them.
var (
	// ESB's own errors: code 1306000, English whatever Blueking-Language says. Django's form
	// messages (the "[bk_biz_id]" and "[data]" ones) follow Accept-Language instead.
	MsgESBJSON           = esbMsg(1306000, "Request JSON string is wrong in format, which cannot be analyzed.")
	MsgESBAuthHeader     = esbMsg(1306406, "Parameters error, request header X-Bkapi-Authorization is not a valid JSON format string")
	MsgESBComponent      = esbMsg(1306000, "Component error, please contact the component developer to handle it.")
	MsgESBAppCode        = esbMsg(1306000, "APP Code [bk_app_code] cannot be empty")
	MsgESBAppSecret      = esbMsg(1306000, "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time")
	MsgESBAppUnknown     = esbMsg(1306000, "Invalid APP Code [bk_app_code=%s], please confirm if the APP Code has been registered")
	MsgESBAppSecretWrong = esbMsg(1306000, "APP Secret verification failed, pelase confirm if the APP Secret and APP Code [bk_app_code=%s] match")
	MsgESBToken          = esbMsg(1306000, "User authentication failed, please check if the bk_token is valid")
	MsgESBUser           = esbMsg(1306000, "User authentication failed, please provide a valid user identity, such as bk_token, bk_username")
	MsgESBBizRequired    = djangoMsg("business id [bk_biz_id] ", required)
	MsgESBBizWhole       = djangoMsg("business id [bk_biz_id] ", wholeNumber)
	MsgESBDataRequired   = djangoMsg("data [data] ", required)
	MsgESBDataDict       = esbMsg(1306000, "data [data] Must be the specified parameter data type dict")
	// The set and module ids of ESB's forms, in the shape of bk_biz_id's.
	MsgESBSetIDRequired    = djangoMsg("set id [bk_set_id] ", required)
	MsgESBSetIDWhole       = djangoMsg("set id [bk_set_id] ", wholeNumber)
	MsgESBModuleIDRequired = djangoMsg("module id [bk_module_id] ", required)
	MsgESBModuleIDWhole    = djangoMsg("module id [bk_module_id] ", wholeNumber)
	// MsgESBType is a form field of the wrong JSON type (TypeCheckField): its label, then the
	// type's name, list or dict.
	MsgESBType = esbMsg(1306000, "%s Must be the specified parameter data type %s")
	// MsgESBParamRequired is a generic component's answer to a path variable its call lacks.
	MsgESBParamRequired = esbMsg(1306406, "Parameters error, param %s is required")
	// MsgBodyTooLarge is the mock's own answer to a body over its limit (HTTP 413); the real
	// gateway's proxy answers that case with a page of its own.
	MsgBodyTooLarge = esbMsg(1306000, "Request body is larger than the limit of %d bytes")
	// MsgHeadersTooLarge is the mock's own answer to request headers over its limit (HTTP 431).
	MsgHeadersTooLarge = esbMsg(1306000, "Request headers are larger than the limit of %d bytes")
	// MsgBodyCut is the mock's own answer to a body that ended before its Content-Length (the
	// client went away): nothing is made of it (HTTP 400).
	MsgBodyCut = esbMsg(1306000, "Request body ended before its Content-Length")
	// MsgStoreFull is the mock's own answer when its store holds --max-sets sets.
	MsgStoreFull = cmdbMsg(CodeMock, "cmdbmock holds its limit of %d sets (--max-sets): delete sets or raise the limit", "")
	// MsgModulesFull is the mock's own answer when its store holds its limit of modules.
	MsgModulesFull = cmdbMsg(CodeMock, "cmdbmock holds its limit of %d modules (10 for each set --max-sets allows): delete modules or raise the limit", "")
	// MsgNodesFull is the mock's own answer when its store holds its limit of custom-level nodes.
	MsgNodesFull = cmdbMsg(CodeMock, "cmdbmock holds its limit of %d custom-level nodes: delete nodes first", "")
	// MsgPageTooLarge is the mock's own answer to a search whose page would hold more records
	// than --max-page, or reach past the 100,000th match in another order than by id (a page of
	// one business's sets or modules in the order of their ids reaches any depth).
	MsgPageTooLarge = cmdbMsg(CodeMock, "cmdbmock answers at most %d records a page (--max-page), and a page in another order than by id within the first 100000 matches: ask with page.start and page.limit", "")
	// MsgTopoTooLarge is the mock's own answer to search_biz_inst_topo in a business of more
	// sets than --max-page, or more modules than ten for each of them.
	MsgTopoTooLarge = cmdbMsg(CodeMock, "cmdbmock answers the topology of a business of at most %d sets and %d modules (--max-page)", "")
	// MsgStoreUnavailable is the mock's own answer when its shared store (--store redis://...)
	// cannot be reached: nothing was written.
	MsgStoreUnavailable = cmdbMsg(CodeMock, "cmdbmock's shared store is unavailable, nothing was written or read: %v", "")
	// MsgAnswerLost is the mock's own answer to a write its shared store took, whose outcome the
	// replica that took it cannot know: a snapshot another replica wrote covered the write before
	// this one applied it.
	MsgAnswerLost = cmdbMsg(CodeMock, "cmdbmock's shared store took the write, but this replica cannot know what the store decided of it (a snapshot another replica wrote covered it first): search to see it", "")
	// MsgCancelled is the mock's own answer to a call whose client went away while it was served.
	MsgCancelled = cmdbMsg(CodeMock, "the request was cancelled", "")

	// The API gateway's own errors (reference §2.2 d), English only.
	MsgGatewayNoApp        = gatewayMsg(400, 1640001, "INVALID_ARGS", `Parameters error [reason="app code cannot be empty"]`)
	MsgGatewayNotJSON      = gatewayMsg(400, 1640001, "INVALID_ARGS", `Parameters error [reason="request header X-Bkapi-Authorization is not a valid JSON"]`)
	MsgGatewayLongApp      = gatewayMsg(400, 1640001, "INVALID_ARGS", `Parameters error [reason="app code cannot be longer than 32 characters"]`)
	MsgGatewayLongSecret   = gatewayMsg(400, 1640001, "INVALID_ARGS", `Parameters error [reason="app secret cannot be longer than 128 characters"]`)
	MsgGatewayNoSecret     = gatewayMsg(400, 1640001, "INVALID_ARGS", `Parameters error [reason="please provide bk_app_secret or bk_signature to verify app"]`)
	MsgGatewayUnknownApp   = gatewayMsg(400, 1640001, "INVALID_ARGS", `Parameters error [reason="app not found"]`)
	MsgGatewayWrongSecret  = gatewayMsg(400, 1640001, "INVALID_ARGS", `Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]`)
	MsgGatewayNotFound     = gatewayMsg(404, 1640401, "API_NOT_FOUND", `API not found [method="%s" path="%s"]`)
	MsgGatewayRateLimit    = gatewayMsg(429, 1642903, "RATE_LIMIT_RESTRICTION", "API rate limit exceeded by resource strategy")
	MsgGatewayNoPermission = gatewayMsg(403, 1640301, "APP_NO_PERMISSION", "App has no permission to the resource")

	// CMDB's API server (IAM and the JWT), before the topo server sees the call.
	MsgNoMatchedRules = apiServerMsg(1199045, "no matched rules", "no matched rules")
	MsgIAMBadBizID    = apiServerMsg(1199045, "create set, but got invalid business id %s", "create set, but got invalid business id %s")
	MsgNoPermission   = apiServerMsg(9900403, "Do not have access permission.", "没有操作的权限")
	MsgUserNotSet     = Message{Code: 1199998, Layer: LayerJWT, En: "user is not set", Zh: "user is not set"}

	// CMDB's errors.
	MsgJSONDecode    = cmdbMsg(1199000, "Deserializing JSON data failed", "反序列化JSON数据失败")
	MsgInvalid       = cmdbMsg(1199006, "'%s' data parameter verification does not pass", "'%s' 数据参数校验不通过")
	MsgNeedString    = cmdbMsg(1199007, "'%s' must be a string type", "'%s' 必须为字符串类型")
	MsgNeedInt       = cmdbMsg(1199009, "'%s' parameters must be integral", "'%s' 参数必须是整型")
	MsgNeedTimeZone  = cmdbMsg(1199024, "'%s' must be a string type", "'%s' 必须为字符串类型")
	MsgNeedBool      = cmdbMsg(1199025, "'%s' must be boolean", "'%s' 必须为bool类型")
	MsgNeedSet       = cmdbMsg(1199010, "'%s' unassigned", "'%s' 未赋值")
	MsgInvalidOrNone = cmdbMsg(1199011, "'%s' the parameter is invalid or does not exist", "'%s' 参数无效或不存在")
	MsgOutOfBounds   = cmdbMsg(1199015, "Data out of bounds", "'%s' 数据越界")
	MsgRegex         = cmdbMsg(1199016, "'%s' Field regular check failed", "'%s' 字段正则校验失败")
	MsgNotFound      = cmdbMsg(1199019, "No relevant data found", "未找到相关数据")
	MsgExceedMax     = cmdbMsg(1199073, "%s field exceeds maximum value %s", "字段%s超过最大值%v")
	// MsgSingleChoice: a multiple-choice enum that allows one choice was sent several
	// (bk-cmdb src/common/metadata/attribute.go:413-419 @111e7ac).
	MsgSingleChoice = cmdbMsg(1199092, "current field type status is single choice, please set reasonable data", "当前字段类型状态为单选，请设置合理数据")
	MsgRaw          = cmdbMsg(1199998, "%s", "%s")
	// MsgUnknown is the core service's answer to an error that is not CMDB's own, such as
	// MongoDB refusing a query (bk-cmdb src/common/http/rest/contexts.go:209-217).
	MsgUnknown       = cmdbMsg(1199998, "Unknown or unrecognized error", "未知或未能识别的异常")
	MsgInternal      = cmdbMsg(1199999, "topo Internal Server Error", "topo Internal Server Error")
	MsgDuplicateName = cmdbMsg(1101108, "the same set name exist", "已经存在同名的集群")
	MsgBuiltInSet    = cmdbMsg(1101098, "forbidden remove or update built in set or module", "禁止删除或更新内置集群/模块")

	// The module calls' own (reference §11).
	MsgSetFromTemplate   = cmdbMsg(1101097, "forbidden add/remove module on set initialized by set template", "集群由集群模板创建，禁止添加/删除模块")
	MsgCategoryTemplate  = cmdbMsg(1108036, "service category and template not conincide", "服务分类与服务模板不一致")
	MsgDuplicateInstance = cmdbMsg(1199014, "duplicated instances exist, fields [ %s ] duplicated", "数据唯一性校验失败，  %s  重复")
	MsgModifyForbidden   = cmdbMsg(1199083, "modify field %s forbidden", "禁止修改字段: %s")
	MsgTemplateCategory  = cmdbMsg(1101090, "update service category on module create by template forbidden", "禁止修改由模板创建模块的服务分类")
	MsgTemplateName      = cmdbMsg(1101091, "update name field on module create by template forbidden", "禁止修改由模板创建模块的名称")
	MsgHasHosts          = cmdbMsg(1101030, "Having hosts under the target, deleting forbidden", "目标包含主机, 不允许删除")
	MsgIDsLength         = cmdbMsg(1199089, "the length of array bk_ids is wrong, the length must be in range 1~500", "bk_ids数组长度错误，数组长度必须在1~500之间")
	// MsgRawTopo is the topo server's own error whose text is a raw parse error (1101133,
	// get_biz_internal_module with IAM off).
	MsgRawTopo = cmdbMsg(1101133, "%s", "%s")
	// MsgRawInvalid and MsgRawNotPass are errors.New(code, text) of the cache service: the raw
	// text is the whole message (reference §12.4).
	MsgRawInvalid = cmdbMsg(1199011, "%s", "%s")
	MsgRawNotPass = cmdbMsg(1199006, "%s", "%s")
	// MsgRawNeedSet is errors.New(1199010, text) of the core service's time condition.
	MsgRawNeedSet = cmdbMsg(1199010, "%s", "%s")
	// The generic instance calls' on a custom level (reference §12.5).
	MsgInnerModel = cmdbMsg(1199084, "forbidden operate inner model instance with common instance API", "禁止使用通用实例接口操作内置模型实例")
	MsgQueryModel = cmdbMsg(1101007, "Query model failed", "查询模型失败")
)

// Django's form messages, English and Chinese (zh_Hans); the field's own label stays English.
const (
	required    = "required"
	wholeNumber = "whole"
)

func djangoMsg(field, kind string) Message {
	m := esbMsg(1306000, field+"This field is required.")
	m.Zh = field + "这个字段是必填项。"
	if kind == wholeNumber {
		m.En, m.Zh = field+"Enter a whole number.", field+"输入整数。"
	}
	return m
}

// Labels CMDB puts in messages outside the model's attributes.
var (
	LabelBusinessID    = Text{"business id", "business id"}
	LabelSetTemplateID = Text{"Set template ID", "集群模板ID"}
)

// StepID names one check of create_set.
type StepID string

// The checks of create_set. The comments give the row of the reference's tables (§4.1, §4.2,
// §2.2 for the gateway).
const (
	StepESBAuthHeader  StepID = "esb.auth_header"   // E1: X-Bkapi-Authorization is not JSON
	StepESBJSON        StepID = "esb.json"          // E2: body starts with { but is not JSON
	StepESBAuthShape   StepID = "esb.auth_shape"    // E1: X-Bkapi-Authorization is JSON but not an object
	StepESBAppSecret   StepID = "esb.app_secret"    // E3: no secret
	StepESBAppCode     StepID = "esb.app_code"      // E4: no app code
	StepESBAppUnknown  StepID = "esb.app_unknown"   // E5: app code not registered (apps configured)
	StepESBAppSecretOK StepID = "esb.app_secret_ok" // E6: secret does not match the app
	StepESBToken       StepID = "esb.token"         // E7: the login refuses the bk_token
	StepESBUser        StepID = "esb.user"          // E8: neither bk_token nor bk_username
	StepESBBizRequired StepID = "esb.biz_required"  // E9: bk_biz_id missing
	StepESBBizWhole    StepID = "esb.biz_whole"     // E10: bk_biz_id not a whole number
	StepESBData        StepID = "esb.data"          // E11: data missing, {} or []
	StepESBDataDict    StepID = "esb.data_dict"     // E12: data not an object
	StepGatewayAuth    StepID = "gateway.auth"      // §2.2 d: the gateway's checks of the app
	StepGatewayLimit   StepID = "gateway.rate"      // §2.2 d: the gateway's rate limit
	StepJWTUser        StepID = "cmdb.jwt_user"     // §2.2 c: the gateway's JWT carries no user
	StepIAMPath        StepID = "cmdb.iam_path"     // C1: IAM on, the path's business id is not digits
	StepPermission     StepID = "cmdb.permission"   // C2: IAM on, the user lacks permission
	StepJSON           StepID = "cmdb.json"         // C3: v3 body is not a JSON object
	StepBizPath        StepID = "cmdb.biz_path"     // C4: IAM off, the path's business id not an integer
	StepNullBody       StepID = "cmdb.null_body"    // C5: v3 body is null
	StepDefault        StepID = "cmdb.default"      // C6: default not an integer
	StepTemplateID     StepID = "cmdb.template_id"  // C7: set_template_id not a JSON integer
	StepTemplate       StepID = "cmdb.template"     // C8: set template not in this business
	StepMainline       StepID = "cmdb.mainline"     // C9, C9b: custom levels between business and set
	StepBusiness       StepID = "cmdb.business"     // C10: business does not exist
	StepRequired       StepID = "cmdb.required"     // C11, C12: a required attribute is absent
	StepNameString     StepID = "cmdb.name_string"  // C13
	StepNameEmpty      StepID = "cmdb.name_empty"   // C14
	StepNameLength     StepID = "cmdb.name_length"  // C15
	StepNameChars      StepID = "cmdb.name_chars"   // C16
	StepParent         StepID = "cmdb.parent"       // C17
	StepAttributes     StepID = "cmdb.attributes"   // C18, C19: an attribute's value breaks its type
	StepDuplicate      StepID = "cmdb.duplicate"    // C20: checked by the insert itself

	// The module calls' (reference §11). Steps whose rule is the same as a set's (the name's,
	// the attributes', the business's) are shared: their Ref names every row.
	StepESBSetRequired    StepID = "esb.set_required"      // §11.2: bk_set_id missing
	StepESBSetWhole       StepID = "esb.set_whole"         // §11.2: bk_set_id not a whole number
	StepESBModuleRequired StepID = "esb.module_required"   // §11.2: bk_module_id missing
	StepESBModuleWhole    StepID = "esb.module_whole"      // §11.2: bk_module_id not a whole number
	StepESBDataOptional   StepID = "esb.data_optional"     // §11.2: an optional data is not a dict
	StepESBFormTypes      StepID = "esb.form_types"        // §11.2, §12.1: a list or dict field of another type
	StepESBPathParam      StepID = "esb.path_param"        // §11.1: a generic component's path variable missing
	StepSetPath           StepID = "cmdb.set_path"         // M3, U2, D1: IAM off, the path's set id not an integer
	StepModulePath        StepID = "cmdb.module_path"      // U2: IAM off, the path's module id not an integer
	StepModuleSet         StepID = "module.set"            // M4: no set of that id
	StepSetTemplateMade   StepID = "module.set_template"   // M5: the set was made by a set template
	StepModuleDefault     StepID = "module.default"        // M6: default not an integer
	StepModuleSetBiz      StepID = "module.set_biz"        // M7: the set is not in the path's business
	StepCategoryID        StepID = "module.category_id"    // M8: service_category_id not a JSON integer
	StepServiceTemplateID StepID = "module.template_id"    // M9: service_template_id not a JSON integer
	StepServiceTemplate   StepID = "module.template"       // M10, M11: the service template
	StepCategory          StepID = "module.category"       // M12, M13: the service category
	StepModuleParent      StepID = "module.parent"         // M14: bk_parent_id not the set
	StepModuleDefaultKey  StepID = "module.default_key"    // M15: a default key panics
	StepModuleParentGiven StepID = "module.parent_given"   // M16: bk_parent_id absent
	StepModuleDuplicate   StepID = "module.duplicate"      // M24: checked by the insert itself
	StepBuiltInModule     StepID = "module.built_in"       // U3, D5: a built-in module
	StepModuleFound       StepID = "module.found"          // U4: no such module in the path's set
	StepTemplateFields    StepID = "module.fixed_fields"   // U5-U9: fields a template fixes
	StepBuiltInSet        StepID = "set.built_in"          // §9 update_set: a built-in set, by its id alone
	StepSetFound          StepID = "set.found"             // §9 update_set: no such set in the business
	StepSetFixedFields    StepID = "set.fixed_fields"      // §9 update_set: fields the set's template fixes
	StepBatchShape        StepID = "batch.shape"           // §11.8, S1: the body is not {bk_ids:[int], fields:[string]}
	StepBatchIDs          StepID = "batch.ids"             // §11.8, S2: bk_ids missing, empty or over 500
	StepBatchFields       StepID = "batch.fields"          // §11.8, S3: fields missing or empty
	StepBatchBizPath      StepID = "batch.biz_path"        // §11.8: IAM off, the path's business id not an integer
	StepInternalBizPath   StepID = "internal.biz_path"     // §11.8: IAM off, the path's business id not an integer
	StepSearchShape       StepID = "search.shape"          // §11.8: the body is not search_module's shape
	StepSetSearchShape    StepID = "set_search.shape"      // §9 search_set: the body is not its shape, or the filter not one
	StepSetFilter         StepID = "set_search.filter"     // §9 search_set: a filter beside a condition, or one CMDB refuses
	StepBizSearchShape    StepID = "biz_search.shape"      // B1, B5: the body is not search_business's shape, or the filter not one
	StepTimeCondition     StepID = "search.time_condition" // §9, §12.2: time_condition the core service refuses
	StepBizFilterBoth     StepID = "biz.filter_both"       // B2: condition and biz_property_filter together
	StepBizIDCondition    StepID = "biz.id_condition"      // B3, B4: condition.bk_biz_id of a type CMDB cannot read
	StepBizPropertyFilter StepID = "biz.property_filter"   // B5: biz_property_filter invalid
	StepSetBatchBizPath   StepID = "set_batch.biz_path"    // §12.3: IAM off, the path's business id not an integer
	StepNodePathBiz       StepID = "node_path.biz"         // P1: the path's business id not an integer above 0
	StepNodePathBody      StepID = "node_path.body"        // P2: the body is not {bk_nodes:[{bk_obj_id, bk_inst_id}]}
	StepNodePathNodes     StepID = "node_path.nodes"       // P3-P6: a node of no path
	StepNodePathOwner     StepID = "node_path.owner"       // P7: a set or module of another business
	StepNodePathBusiness  StepID = "node_path.business"    // P8: the business does not exist
	StepInstIAM           StepID = "inst.iam"              // §12.5: IAM on, the model is unknown or the id not digits
	StepInstBuiltIn       StepID = "inst.built_in"         // I2, D1: a built-in model
	StepInstModel         StepID = "inst.model"            // I3: an unknown model
	StepInstParent        StepID = "inst.parent"           // I4: not a node of the level above
	StepInstIDPath        StepID = "inst.id_path"          // §12.5: IAM off, the path's instance id not an integer
	StepInstDuplicate     StepID = "inst.duplicate"        // I7: checked by the insert itself
)

// Step is one check in the order the real system makes it.
type Step struct {
	ID StepID
	// Ref is the row of the reference's tables.
	Ref string
	// Messages are the answers the step can give.
	Messages []Message
	// Wrapped314 marks the steps whose errors release 3.14 wraps once more in 1199011.
	Wrapped314 bool
}

var steps = []Step{
	{ID: StepESBAuthHeader, Ref: "E1", Messages: []Message{MsgESBAuthHeader}},
	{ID: StepESBJSON, Ref: "E2", Messages: []Message{MsgESBJSON}},
	{ID: StepESBAuthShape, Ref: "E1", Messages: []Message{MsgESBComponent}},
	// ESB checks the secret before the code (reference §3.1): a call with neither gets the
	// secret's message.
	{ID: StepESBAppSecret, Ref: "E3", Messages: []Message{MsgESBAppSecret}},
	{ID: StepESBAppCode, Ref: "E4", Messages: []Message{MsgESBAppCode}},
	{ID: StepESBAppUnknown, Ref: "E5", Messages: []Message{MsgESBAppUnknown}},
	{ID: StepESBAppSecretOK, Ref: "E6", Messages: []Message{MsgESBAppSecretWrong}},
	{ID: StepESBToken, Ref: "E7", Messages: []Message{MsgESBToken}},
	{ID: StepESBUser, Ref: "E8", Messages: []Message{MsgESBUser}},
	{ID: StepESBBizRequired, Ref: "E9", Messages: []Message{MsgESBBizRequired}},
	{ID: StepESBBizWhole, Ref: "E10", Messages: []Message{MsgESBBizWhole}},
	{ID: StepESBData, Ref: "E11", Messages: []Message{MsgESBDataRequired}},
	{ID: StepESBDataDict, Ref: "E12", Messages: []Message{MsgESBDataDict}},
	{ID: StepGatewayAuth, Ref: "§2.2", Messages: []Message{MsgGatewayNoApp, MsgGatewayNotJSON, MsgGatewayNoSecret, MsgGatewayLongApp, MsgGatewayLongSecret, MsgGatewayUnknownApp, MsgGatewayWrongSecret}},
	{ID: StepGatewayLimit, Ref: "§2.2", Messages: []Message{MsgGatewayRateLimit}},
	{ID: StepJWTUser, Ref: "§2.2", Messages: []Message{MsgUserNotSet}},
	{ID: StepIAMPath, Ref: "C1", Messages: []Message{MsgNoMatchedRules, MsgIAMBadBizID}},
	{ID: StepPermission, Ref: "C2", Messages: []Message{MsgNoPermission}},
	{ID: StepJSON, Ref: "C3, M1", Messages: []Message{MsgJSONDecode}}, // ESB sends CMDB valid JSON
	{ID: StepBizPath, Ref: "C4, M2", Messages: []Message{MsgNeedInt}},
	{ID: StepNullBody, Ref: "C5", Messages: []Message{MsgInternal}},
	{ID: StepDefault, Ref: "C6", Messages: []Message{MsgRaw}},
	{ID: StepTemplateID, Ref: "C7", Messages: []Message{MsgInvalid}},
	{ID: StepTemplate, Ref: "C8", Messages: []Message{MsgNotFound}},
	{ID: StepMainline, Ref: "C9", Messages: []Message{MsgInternal, MsgInvalidOrNone}},
	{ID: StepBusiness, Ref: "C10, M17, I5", Messages: []Message{MsgInvalidOrNone}},
	{ID: StepRequired, Ref: "C11, M18", Messages: []Message{MsgNeedSet}},
	{ID: StepNameString, Ref: "C13, M19", Messages: []Message{MsgNeedString}, Wrapped314: true},
	{ID: StepNameEmpty, Ref: "C14, M20", Messages: []Message{MsgNeedSet}, Wrapped314: true},
	{ID: StepNameLength, Ref: "C15, M21", Messages: []Message{MsgExceedMax}, Wrapped314: true},
	{ID: StepNameChars, Ref: "C16, M22", Messages: []Message{MsgInvalid}, Wrapped314: true},
	{ID: StepParent, Ref: "C17, I6", Messages: []Message{MsgInvalid}, Wrapped314: true},
	{ID: StepAttributes, Ref: "C18, M23", Messages: []Message{MsgInvalid, MsgNeedString, MsgNeedInt, MsgNeedSet, MsgOutOfBounds, MsgRegex,
		MsgInvalidOrNone, MsgNeedTimeZone, MsgNeedBool, MsgSingleChoice}, Wrapped314: true},
	{ID: StepDuplicate, Ref: "C20", Messages: []Message{MsgDuplicateName}},

	{ID: StepESBSetRequired, Ref: "§11.2", Messages: []Message{MsgESBSetIDRequired}},
	{ID: StepESBSetWhole, Ref: "§11.2", Messages: []Message{MsgESBSetIDWhole}},
	{ID: StepESBModuleRequired, Ref: "§11.2", Messages: []Message{MsgESBModuleIDRequired}},
	{ID: StepESBModuleWhole, Ref: "§11.2", Messages: []Message{MsgESBModuleIDWhole}},
	{ID: StepESBDataOptional, Ref: "§11.2", Messages: []Message{MsgESBDataDict}},
	{ID: StepESBFormTypes, Ref: "§11.2", Messages: []Message{MsgESBType}},
	{ID: StepESBPathParam, Ref: "§11.1", Messages: []Message{MsgESBParamRequired}},
	{ID: StepSetPath, Ref: "M3", Messages: []Message{MsgNeedInt}},
	{ID: StepBuiltInSet, Ref: "§9", Messages: []Message{MsgBuiltInSet}},
	{ID: StepSetFound, Ref: "§9", Messages: []Message{MsgNotFound}},
	{ID: StepSetFixedFields, Ref: "§9", Messages: []Message{MsgModifyForbidden, MsgInvalidOrNone}},
	{ID: StepBatchShape, Ref: "S1", Messages: []Message{MsgJSONDecode}},
	{ID: StepBatchIDs, Ref: "S2", Messages: []Message{MsgIDsLength}},
	{ID: StepBatchFields, Ref: "S3", Messages: []Message{MsgInvalid}},
	{ID: StepBatchBizPath, Ref: "§11.8", Messages: []Message{MsgInvalid}},
	{ID: StepInternalBizPath, Ref: "§11.8", Messages: []Message{MsgRawTopo}},
	{ID: StepSearchShape, Ref: "§11.8", Messages: []Message{MsgJSONDecode}},
	{ID: StepSetSearchShape, Ref: "§9", Messages: []Message{MsgJSONDecode}},
	{ID: StepSetFilter, Ref: "§9", Messages: []Message{MsgInvalidOrNone}},
	{ID: StepBizSearchShape, Ref: "B1, B5", Messages: []Message{MsgJSONDecode}},
	{ID: StepTimeCondition, Ref: "§9, §12.2", Messages: []Message{MsgRawNotPass, MsgRawNeedSet}},
	{ID: StepBizFilterBoth, Ref: "B2", Messages: []Message{MsgInvalid}},
	{ID: StepBizIDCondition, Ref: "B3", Messages: []Message{MsgInvalid}},
	{ID: StepBizPropertyFilter, Ref: "B5", Messages: []Message{MsgInvalid}},
	{ID: StepSetBatchBizPath, Ref: "§12.3", Messages: []Message{MsgRaw}},
	{ID: StepNodePathBiz, Ref: "P1", Messages: []Message{MsgInvalidOrNone}},
	{ID: StepNodePathBody, Ref: "P2", Messages: []Message{MsgJSONDecode}},
	{ID: StepNodePathNodes, Ref: "P3", Messages: []Message{MsgRawInvalid, MsgRawNotPass}},
	{ID: StepNodePathOwner, Ref: "P7", Messages: []Message{MsgRaw}},
	{ID: StepNodePathBusiness, Ref: "P8", Messages: []Message{MsgRaw}},
	{ID: StepInstIAM, Ref: "§12.5", Messages: []Message{MsgNoMatchedRules}},
	{ID: StepInstBuiltIn, Ref: "I2", Messages: []Message{MsgInnerModel}},
	{ID: StepInstModel, Ref: "I3", Messages: []Message{MsgQueryModel}},
	{ID: StepInstParent, Ref: "I4", Messages: []Message{MsgInvalidOrNone}},
	{ID: StepInstIDPath, Ref: "§12.5", Messages: []Message{MsgNeedInt}},
	{ID: StepInstDuplicate, Ref: "I7", Messages: []Message{MsgDuplicateInstance}},
	{ID: StepModulePath, Ref: "U2", Messages: []Message{MsgNeedInt}},
	{ID: StepModuleSet, Ref: "M4", Messages: []Message{MsgNotFound, MsgInvalidOrNone}},
	{ID: StepSetTemplateMade, Ref: "M5", Messages: []Message{MsgSetFromTemplate}},
	{ID: StepModuleDefault, Ref: "M6", Messages: []Message{MsgNeedInt}},
	{ID: StepModuleSetBiz, Ref: "M7", Messages: []Message{MsgInvalidOrNone}},
	{ID: StepCategoryID, Ref: "M8", Messages: []Message{MsgInvalid}},
	{ID: StepServiceTemplateID, Ref: "M9", Messages: []Message{MsgInvalid}},
	{ID: StepServiceTemplate, Ref: "M10", Messages: []Message{MsgInvalid, MsgCategoryTemplate}},
	{ID: StepCategory, Ref: "M12", Messages: []Message{MsgNotFound, MsgInvalid}},
	{ID: StepModuleParent, Ref: "M14", Messages: []Message{MsgInvalid}},
	{ID: StepModuleDefaultKey, Ref: "M15", Messages: []Message{MsgInternal}},
	{ID: StepModuleParentGiven, Ref: "M16", Messages: []Message{MsgInvalidOrNone}},
	{ID: StepModuleDuplicate, Ref: "M24", Messages: []Message{MsgDuplicateInstance}},
	{ID: StepBuiltInModule, Ref: "U3", Messages: []Message{MsgBuiltInSet}},
	{ID: StepModuleFound, Ref: "U4", Messages: []Message{MsgNotFound}},
	{ID: StepTemplateFields, Ref: "U5", Messages: []Message{MsgInvalid, MsgModifyForbidden, MsgTemplateCategory, MsgTemplateName, MsgInvalidOrNone}},
}

// Steps returns every check of every call: create_set's in the order the real system makes
// them, then those of the calls around it. CallSteps gives one call's checks in its order.
func Steps() []Step { return slices.Clone(steps) }

// LookupStep returns the step with the given id.
func LookupStep(id StepID) (Step, bool) {
	i := slices.IndexFunc(steps, func(s Step) bool { return s.ID == id })
	if i < 0 {
		return Step{}, false
	}
	return steps[i], true
}

// Version is the CMDB release whose behaviour is imitated.
type Version string

// The releases whose behaviour differs (reference §4.3).
const (
	V312 Version = "3.12"
	V313 Version = "3.13"
	V314 Version = "3.14"
)

// Versions are the releases the mock imitates, oldest first.
var Versions = []Version{V312, V313, V314}

// ParseVersion reads a release name.
func ParseVersion(s string) (Version, error) {
	v := Version(s)
	if !slices.Contains(Versions, v) {
		return "", fmt.Errorf("unsupported CMDB version %q (want one of %v)", s, Versions)
	}
	return v, nil
}

// CredentialsFromBody reports whether the release's API gateway also reads credentials from
// the request's parameters: CMDB's gateway definition turns that off from 3.13 on.
func (v Version) CredentialsFromBody() bool { return v == V312 }

// Wrap gives the answer of a step's failure as release v reports it: 3.14 wraps the errors of
// C13-C19 once more in 1199011, the inner message as its argument.
func Wrap(v Version, s Step, m Message, lang Lang, args ...any) (Message, string) {
	text := m.Format(lang, args...)
	if v == V314 && s.Wrapped314 {
		return MsgInvalidOrNone, MsgInvalidOrNone.Format(lang, text)
	}
	return m, text
}
