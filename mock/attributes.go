package mock

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/lazyre"
	"github.com/cmdbmock/cmdbmock/spec"
)

// nameField is the set's name, which the row holds on its own and which has rules of its own.
const nameField = "bk_set_name"

// serverOwned are the set attributes the server writes whatever a create sends: the row holds
// them on their own.
var serverOwned = []string{"bk_biz_id", nameField, "bk_parent_id", "set_template_id", "bk_created_at", "bk_created_by", "bk_updated_at"}

// keptAsSent are the keys CMDB neither checks nor drops nor overwrites (createIgnoreKeys and
// bk_obj_id): a create's record has them as sent (reference §5).
var keptAsSent = []string{"bk_inst_id", "bk_data_status", "bk_process_id", "bk_obj_id"}

// unchecked are the model's attributes CMDB does not check on a create: createIgnoreKeys, and
// set_template_id, which the server has overwritten by then.
var unchecked = []string{"bk_biz_id", "bk_parent_id", "set_template_id", "bk_supplier_account"}

// byteLimits are the limits of CMDB's string types, in bytes after TrimSpace.
var byteLimits = map[string]int{fixtures.TypeSingleChar: 256, fixtures.TypeLongChar: 2000, fixtures.TypeUser: 2000}

// CMDB's patterns of a time and a user name (util.IsTime, util.IsUser), compiled at their first
// use: the set's model of a fresh install has neither type.
var (
	timePlain   = lazyre.New(`^[0-9]{4}-[0-9]{2}-[0-9]{2}\s[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	timeZoned   = lazyre.New(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+\-][0-9]{2}:[0-9]{2})$`)
	userPattern = lazyre.New(`^(\d|[a-zA-Z])([a-zA-Z0-9@.,_-])*$`)
	// timeZonePattern is util.IsTimeZone's (bk-cmdb src/common/util/struti.go:35 @111e7ac).
	timeZonePattern = lazyre.New(`^[a-zA-Z0-9\-−_\/\+]+$`)
)

// isCMDBTime is util.IsTime: a time in one of CMDB's two forms, "2006-01-02 15:04:05" or
// RFC 3339 (bk-cmdb src/common/util/struti.go:31-35,97-111 @111e7ac).
func isCMDBTime(s string) bool { return timePlain().MatchString(s) || timeZoned().MatchString(s) }

// parseCMDBTime reads such a time as util.Str2Time does, the plain form in the server's zone,
// loc, and one Go's time cannot read as the zero time (struti.go:131-148); false when it is not
// one (util.IsTime refuses it).
func parseCMDBTime(s string, loc *time.Location) (time.Time, bool) {
	layout := time.RFC3339
	switch {
	case timePlain().MatchString(s):
		layout = time.DateTime
	case !timeZoned().MatchString(s):
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return time.Time{}, true
	}
	return t, true
}

// checkAttribute checks a value the way CMDB's validator of the attribute's type does, the
// value's white space already trimmed; it returns nil when the value passes (reference §5, C18,
// C19).
func checkAttribute(a fixtures.Attribute, v any) *failure {
	label := a.Label()
	empty := func() *failure {
		if a.IsRequired {
			return fail(spec.MsgNeedSet, label)
		}
		return nil
	}
	switch a.Type {
	case fixtures.TypeSingleChar, fixtures.TypeLongChar, fixtures.TypeUser:
		if v == nil || a.Type != fixtures.TypeSingleChar && v == "" {
			return empty()
		}
		str, ok := v.(string)
		if !ok {
			return fail(spec.MsgNeedString, label)
		}
		limit := byteLimits[a.Type]
		switch {
		case len(str) > limit:
			return fail(spec.MsgOutOfBounds, label)
		case str == "":
			return empty()
		case a.Type == fixtures.TypeUser && !a.IsMultiple && strings.Contains(str, ","):
			return fail(spec.MsgInvalid, label) // a comma list only where the model allows several users (§11.5)
		case a.Type == fixtures.TypeUser && !userPattern().MatchString(str),
			a.Pattern != nil && !a.Pattern.MatchString(str):
			return fail(spec.MsgRegex, label)
		}
	case fixtures.TypeInt:
		if v == nil {
			return empty()
		}
		n, ok := v.(json.Number)
		if !ok {
			return fail(spec.MsgNeedInt, label)
		}
		// CMDB reads a number that is not an integer literal (5.0, 1e3) as 0 here.
		i, _ := strconv.ParseInt(string(n), 10, 64)
		if i < a.Min || i > a.Max {
			return fail(spec.MsgInvalid, label)
		}
	case fixtures.TypeEnum:
		if v == nil {
			return empty()
		}
		if !a.IsOption(v) {
			return fail(spec.MsgInvalid, label)
		}
	case fixtures.TypeEnumMulti, fixtures.TypeOrg:
		return checkChoices(a, v, empty)
	case fixtures.TypeTime, fixtures.TypeDate:
		if v == nil || v == "" {
			return empty()
		}
		str, ok := v.(string)
		if !ok || a.Type == fixtures.TypeTime && !isCMDBTime(str) || a.Type == fixtures.TypeDate && !isCMDBDate(str) {
			return fail(spec.MsgInvalid, label)
		}
	case fixtures.TypeFloat:
		if v == nil {
			return empty()
		}
		f, ok := cmdbFloat(v)
		if !ok {
			return fail(spec.MsgInvalidOrNone, label)
		}
		if f > a.FloatMax || f < a.FloatMin {
			return fail(spec.MsgInvalid, label)
		}
	case fixtures.TypeList:
		if v == nil {
			return empty()
		}
		str, ok := v.(string)
		if !ok || !slices.Contains(a.List, str) {
			return fail(spec.MsgInvalid, label)
		}
	case fixtures.TypeBool:
		if v == nil {
			return empty()
		}
		if _, ok := v.(bool); !ok {
			return fail(spec.MsgNeedBool, label)
		}
	case fixtures.TypeTimeZone:
		if v == nil {
			return empty()
		}
		if str, ok := v.(string); !ok || !timeZonePattern().MatchString(str) {
			return fail(spec.MsgNeedTimeZone, label)
		}
	}
	return nil
}

// checkChoices checks a list of choices as CMDB's validators of the two types that take one do:
// null, or a list, none required to be sent, of one choice at most unless the attribute allows
// several; a multiple-choice enum's choices are ids of its options (validEnumMulti), an
// organization's are numbers, which is all util.IsInteger asks of a json.Number
// (validOrganization; bk-cmdb src/common/metadata/attribute.go:359-439,925-979 and
// src/common/util/struti.go:176-183 @111e7ac).
func checkChoices(a fixtures.Attribute, v any, empty func() *failure) *failure {
	label := a.Label()
	if v == nil {
		return empty()
	}
	ids, ok := v.([]any)
	switch {
	case !ok, len(ids) == 0 && a.IsRequired:
		return fail(spec.MsgInvalid, label)
	case len(ids) == 0:
		return nil
	case !a.IsMultiple && len(ids) != 1 && a.Type == fixtures.TypeOrg:
		return fail(spec.MsgInvalid, label)
	case !a.IsMultiple && len(ids) != 1:
		return fail(spec.MsgSingleChoice, label) // its text has no verb: the label follows as %!(EXTRA ...)
	}
	for _, id := range ids {
		if a.Type == fixtures.TypeOrg {
			if _, isNumber := id.(json.Number); !isNumber {
				return fail(spec.MsgInvalidOrNone, label)
			}
			continue
		}
		if !a.IsOption(id) {
			return fail(spec.MsgInvalid, label)
		}
	}
	return nil
}

// isCMDBDate is util.IsDate: a date as time.DateOnly reads one (bk-cmdb
// src/common/util/struti.go:70-83 @111e7ac).
func isCMDBDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// cmdbFloat reads a value as util.GetFloat64ByInterface does over a decoded body: a number, or
// a string strconv.ParseFloat reads (bk-cmdb src/common/util/conv.go:135-168 @111e7ac).
func cmdbFloat(v any) (float64, bool) {
	var text string
	switch v := v.(type) {
	case json.Number:
		text = string(v)
	case string:
		text = v
	case float64:
		return v, true
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(text, 64)
	return f, err == nil
}

// describe is the JSON Schema of a custom attribute in the served document, as far as JSON
// Schema can say what CMDB checks (byte limits go in the description).
func describe(a fixtures.Attribute, object string) spec.Property {
	name := a.Name
	if a.En != nil && a.En.Name != "" {
		name += " / " + a.En.Name
	}
	schema := map[string]any{"nullable": true, "description": name + " (a custom attribute of the " + object + " model)"}
	switch a.Type {
	case fixtures.TypeSingleChar, fixtures.TypeLongChar:
		schema["type"] = "string"
		schema["description"] = fmt.Sprintf("%s; at most %d bytes once white space is trimmed", schema["description"], byteLimits[a.Type])
		if a.Pattern != nil {
			// Not as a pattern: a record holds "" when a create leaves the field out.
			schema["description"] = fmt.Sprintf("%s, and match %s when not empty", schema["description"], a.Pattern)
		}
	case fixtures.TypeInt:
		schema["type"] = "integer"
		if a.Min != math.MinInt64 {
			schema["minimum"] = a.Min
		}
		if a.Max != math.MaxInt64 {
			schema["maximum"] = a.Max
		}
	case fixtures.TypeEnum:
		schema["type"], schema["enum"] = "string", enumIDs(a)
	case fixtures.TypeEnumMulti, fixtures.TypeOrg:
		items := map[string]any{"type": "number", "description": "an organisation's id"}
		if a.Type == fixtures.TypeEnumMulti {
			items = map[string]any{"type": "string", "enum": enumIDs(a)}
		}
		schema["type"], schema["items"] = "array", items
		if !a.IsMultiple {
			schema["maxItems"] = 1
		}
	case fixtures.TypeFloat:
		// No type: CMDB takes a string of a number too.
		schema["description"] = fmt.Sprintf("%s; a number, or a string of one, from %v to %v", schema["description"], a.FloatMin, a.FloatMax)
	case fixtures.TypeList:
		schema["type"], schema["enum"] = "string", slices.Clone(a.List)
	case fixtures.TypeBool:
		schema["type"] = "boolean"
	case fixtures.TypeDate:
		schema["type"], schema["format"] = "string", "date"
	default: // time, objuser, timezone
		schema["type"] = "string"
	}
	if d := a.StoredWhenAbsent(); d != nil && !a.IsRequired {
		schema["default"] = d
	}
	return spec.Property{Name: a.PropertyID, Schema: schema, Required: a.IsRequired}
}

// enumIDs are the ids of an enum's options.
func enumIDs(a fixtures.Attribute) []string {
	ids := make([]string, len(a.Enum))
	for i, o := range a.Enum {
		ids[i] = o.ID
	}
	return ids
}
