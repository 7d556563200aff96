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

// Layer is who answers: ESB's own checks leave the permission key out of the envelope, CMDB's
// put "permission": null in it.
type Layer int

// The two layers of a call.
const (
	LayerESB Layer = iota
	LayerCMDB
)

// CodeMock marks the mock's own answers, to conditions the real system has no code for (a full
// store, an HTTP-status-only fault, an internal error); CMDB never gives it.
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
	Zh    string // empty: the English text serves both (ESB speaks English only)
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
	// ESB's own errors: code 1306000, English whatever the language.
	MsgESBJSON           = Message{1306000, LayerESB, "Request JSON string is wrong in format, which cannot be analyzed.", ""}
	MsgESBAuthHeader     = Message{1306406, LayerESB, "Parameters error, request header X-Bkapi-Authorization is not a valid JSON format string", ""}
	MsgESBComponent      = Message{1306000, LayerESB, "Component error, please contact the component developer to handle it.", ""}
	MsgESBAppCode        = Message{1306000, LayerESB, "APP Code [bk_app_code] cannot be empty", ""}
	MsgESBAppSecret      = Message{1306000, LayerESB, "Signature [bk_signature] and APP Secret [bk_app_secret] cannot be empty at the same time", ""}
	MsgESBAppUnknown     = Message{1306000, LayerESB, "Invalid APP Code [bk_app_code=%s], please confirm if the APP Code has been registered", ""}
	MsgESBAppSecretWrong = Message{1306000, LayerESB, "APP Secret verification failed, pelase confirm if the APP Secret and APP Code [bk_app_code=%s] match", ""}
	MsgESBUser           = Message{1306000, LayerESB, "User authentication failed, please provide a valid user identity, such as bk_token, bk_username", ""}
	MsgESBBizRequired    = Message{1306000, LayerESB, "business id [bk_biz_id] This field is required.", ""}
	MsgESBBizWhole       = Message{1306000, LayerESB, "business id [bk_biz_id] Enter a whole number.", ""}
	MsgESBDataRequired   = Message{1306000, LayerESB, "data [data] This field is required.", ""}
	MsgESBDataDict       = Message{1306000, LayerESB, "data [data] Must be the specified parameter data type dict", ""}
	// delete_set's form field, in the shape of bk_biz_id's (inferred).
	MsgESBSetIDRequired = Message{1306000, LayerESB, "set id [bk_set_id] This field is required.", ""}
	MsgESBSetIDWhole    = Message{1306000, LayerESB, "set id [bk_set_id] Enter a whole number.", ""}
	// MsgBodyTooLarge is the mock's own answer to a body over its limit (HTTP 413); the real
	// gateway's proxy answers that case with a page of its own.
	MsgBodyTooLarge = Message{1306000, LayerESB, "Request body is larger than the limit of %d bytes", ""}
	// MsgHeadersTooLarge is the mock's own answer to request headers over its limit (HTTP 431).
	MsgHeadersTooLarge = Message{1306000, LayerESB, "Request headers are larger than the limit of %d bytes", ""}
	// MsgBodyCut is the mock's own answer to a body that ended before its Content-Length (the
	// client went away): nothing is made of it (HTTP 400).
	MsgBodyCut = Message{1306000, LayerESB, "Request body ended before its Content-Length", ""}
	// MsgStoreFull is the mock's own answer when its store holds --max-sets sets.
	MsgStoreFull = Message{CodeMock, LayerCMDB, "cmdbmock holds its limit of %d sets (--max-sets): delete sets or raise the limit", ""}
	// MsgPageTooLarge is the mock's own answer to a search whose page would hold more sets than
	// --max-page, or reach past the 100,000th match.
	MsgPageTooLarge = Message{CodeMock, LayerCMDB, "cmdbmock answers at most %d sets a page (--max-page), within the first 100000 matches: ask with page.start and page.limit", ""}
	// MsgCancelled is the mock's own answer to a call whose client went away while it was served.
	MsgCancelled = Message{CodeMock, LayerCMDB, "the request was cancelled", ""}

	// CMDB's errors.
	MsgJSONDecode    = Message{1199000, LayerCMDB, "Deserializing JSON data failed", "反序列化JSON数据失败"}
	MsgInvalid       = Message{1199006, LayerCMDB, "'%s' data parameter verification does not pass", "'%s' 数据参数校验不通过"}
	MsgNeedString    = Message{1199007, LayerCMDB, "'%s' must be a string type", "'%s' 必须为字符串类型"}
	MsgNeedInt       = Message{1199009, LayerCMDB, "'%s' parameters must be integral", "'%s' 参数必须是整型"}
	MsgNeedSet       = Message{1199010, LayerCMDB, "'%s' unassigned", "'%s' 未赋值"}
	MsgInvalidOrNone = Message{1199011, LayerCMDB, "'%s' the parameter is invalid or does not exist", "'%s' 参数无效或不存在"}
	MsgOutOfBounds   = Message{1199015, LayerCMDB, "Data out of bounds", "'%s' 数据越界"}
	MsgNotFound      = Message{1199019, LayerCMDB, "No relevant data found", "未找到相关数据"}
	MsgExceedMax     = Message{1199073, LayerCMDB, "%s field exceeds maximum value %s", "字段%s超过最大值%v"}
	MsgRaw           = Message{1199998, LayerCMDB, "%s", "%s"}
	MsgDuplicateName = Message{1101108, LayerCMDB, "the same set name exist", "已经存在同名的集群"}
	MsgBuiltInSet    = Message{1101098, LayerCMDB, "forbidden remove or update built in set or module", "禁止删除或更新内置集群/模块"}
	MsgNoPermission  = Message{9900403, LayerCMDB, "Do not have access permission.", "没有操作的权限"}
)

// Labels CMDB puts in messages outside the model's attributes.
var (
	LabelBusinessID    = Text{"business id", "business id"}
	LabelSetTemplateID = Text{"Set template ID", "集群模板ID"}
)

// StepID names one check of create_set.
type StepID string

// The checks of create_set. The comments give the row of the reference table.
const (
	StepESBAuthHeader  StepID = "esb.auth_header"   // E1: X-Bkapi-Authorization is not JSON
	StepESBJSON        StepID = "esb.json"          // E2: body starts with { but is not JSON
	StepESBAuthShape   StepID = "esb.auth_shape"    // X-Bkapi-Authorization is JSON but not an object
	StepESBAppCode     StepID = "esb.app_code"      // no bk_app_code
	StepESBAppSecret   StepID = "esb.app_secret"    // no bk_app_secret
	StepESBAppUnknown  StepID = "esb.app_unknown"   // app code not registered (apps configured)
	StepESBAppSecretOK StepID = "esb.app_secret_ok" // secret does not match the app
	StepESBUser        StepID = "esb.user"          // neither bk_token nor bk_username
	StepESBBizRequired StepID = "esb.biz_required"  // bk_biz_id missing
	StepESBBizWhole    StepID = "esb.biz_whole"     // bk_biz_id not a whole number
	StepESBData        StepID = "esb.data"          // data missing, {} or []
	StepESBDataDict    StepID = "esb.data_dict"     // data not an object
	StepJSON           StepID = "cmdb.json"         // 1: v3 body is not a JSON object
	StepBizPath        StepID = "cmdb.biz_path"     // 2: business id in the path not an integer
	StepPermission     StepID = "cmdb.permission"   // -: the user lacks IAM permission
	StepDefault        StepID = "cmdb.default"      // 3: default not an integer
	StepTemplateID     StepID = "cmdb.template_id"  // 4: set_template_id not an integer
	StepTemplate       StepID = "cmdb.template"     // 5: set template not in this business
	StepBusiness       StepID = "cmdb.business"     // 6: business does not exist
	StepNameMissing    StepID = "cmdb.name_missing"
	StepParentMissing  StepID = "cmdb.parent_missing"
	StepNameString     StepID = "cmdb.name_string" // 9
	StepNameEmpty      StepID = "cmdb.name_empty"  // 10
	StepNameLength     StepID = "cmdb.name_length" // 11
	StepNameChars      StepID = "cmdb.name_chars"  // 12
	StepParent         StepID = "cmdb.parent"      // 13
	StepFieldType      StepID = "cmdb.field_type"  // 14
	StepFieldBytes     StepID = "cmdb.field_bytes" // 15
	StepDuplicate      StepID = "cmdb.duplicate"   // 16: checked by the insert itself
)

// Step is one check in the order the real system makes it.
type Step struct {
	ID StepID
	// Ref is the row of the reference table: "esb" for ESB's checks, "-" for IAM.
	Ref string
	// Messages are the answers the step can give.
	Messages []Message
	// Wrapped314 marks the steps whose errors release 3.14 wraps once more in 1199011.
	Wrapped314 bool
}

var steps = []Step{
	{ID: StepESBAuthHeader, Ref: "esb", Messages: []Message{MsgESBAuthHeader}},
	{ID: StepESBJSON, Ref: "esb", Messages: []Message{MsgESBJSON}},
	{ID: StepESBAuthShape, Ref: "esb", Messages: []Message{MsgESBComponent}},
	// ESB checks the secret before the code (reference §3.1): a call with neither gets the
	// secret's message.
	{ID: StepESBAppSecret, Ref: "esb", Messages: []Message{MsgESBAppSecret}},
	{ID: StepESBAppCode, Ref: "esb", Messages: []Message{MsgESBAppCode}},
	{ID: StepESBAppUnknown, Ref: "esb", Messages: []Message{MsgESBAppUnknown}},
	{ID: StepESBAppSecretOK, Ref: "esb", Messages: []Message{MsgESBAppSecretWrong}},
	{ID: StepESBUser, Ref: "esb", Messages: []Message{MsgESBUser}},
	{ID: StepESBBizRequired, Ref: "esb", Messages: []Message{MsgESBBizRequired}},
	{ID: StepESBBizWhole, Ref: "esb", Messages: []Message{MsgESBBizWhole}},
	{ID: StepESBData, Ref: "esb", Messages: []Message{MsgESBDataRequired}},
	{ID: StepESBDataDict, Ref: "esb", Messages: []Message{MsgESBDataDict}},
	{ID: StepJSON, Ref: "1", Messages: []Message{MsgJSONDecode}}, // ESB sends CMDB valid JSON
	{ID: StepBizPath, Ref: "2", Messages: []Message{MsgNeedInt}},
	{ID: StepPermission, Ref: "-", Messages: []Message{MsgNoPermission}},
	{ID: StepDefault, Ref: "3", Messages: []Message{MsgRaw}},
	{ID: StepTemplateID, Ref: "4", Messages: []Message{MsgInvalid}},
	{ID: StepTemplate, Ref: "5", Messages: []Message{MsgNotFound}},
	{ID: StepBusiness, Ref: "6", Messages: []Message{MsgInvalidOrNone}},
	{ID: StepNameMissing, Ref: "7", Messages: []Message{MsgNeedSet}},
	{ID: StepParentMissing, Ref: "8", Messages: []Message{MsgNeedSet}},
	{ID: StepNameString, Ref: "9", Messages: []Message{MsgNeedString}, Wrapped314: true},
	{ID: StepNameEmpty, Ref: "10", Messages: []Message{MsgNeedSet}, Wrapped314: true},
	{ID: StepNameLength, Ref: "11", Messages: []Message{MsgExceedMax}, Wrapped314: true},
	{ID: StepNameChars, Ref: "12", Messages: []Message{MsgInvalid}, Wrapped314: true},
	{ID: StepParent, Ref: "13", Messages: []Message{MsgInvalid}, Wrapped314: true},
	{ID: StepFieldType, Ref: "14", Messages: []Message{MsgInvalid, MsgNeedString, MsgNeedInt}, Wrapped314: true},
	{ID: StepFieldBytes, Ref: "15", Messages: []Message{MsgOutOfBounds}, Wrapped314: true},
	{ID: StepDuplicate, Ref: "16", Messages: []Message{MsgDuplicateName}},
}

// Steps returns the checks of create_set in the order the real system makes them; the first
// that fails is the one reported.
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

// The releases whose behaviour differs.
const (
	V313 Version = "3.13" // releases 3.10 to 3.13
	V314 Version = "3.14"
)

// Wrap gives the answer of a step's failure as release v reports it: 3.14 wraps the errors of
// steps 9-15 once more in 1199011, the inner message as its argument.
func Wrap(v Version, s Step, m Message, lang Lang, args ...any) (Message, string) {
	text := m.Format(lang, args...)
	if v == V314 && s.Wrapped314 {
		return MsgInvalidOrNone, MsgInvalidOrNone.Format(lang, text)
	}
	return m, text
}
