package mock

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// What a template fixes (reference §6, U9): a set template's attribute values are those of
// every set made from it, a service template's those of every module made from it. A create's
// values give way to them before anything is checked, and an update may not change them.

// takeTemplateValues writes the values a template defines over the call's data, as CMDB does
// before it checks the instance it creates (bk-cmdb src/scene_server/topo_server/logics/inst/
// set.go:200-258 and module.go:201-205,379-440 @111e7ac), and reads the fields again.
func (c *call) takeTemplateValues(values fixtures.Values) {
	if len(values) == 0 {
		return
	}
	for k, v := range values {
		c.data[k] = asDecoded(v)
	}
	c.readFields(c.op.object)
}

// asDecoded is a fixture's value as the mock decodes a request's: one built in Go (an int, say)
// as its JSON reads.
func asDecoded(v any) any {
	switch v.(type) {
	case nil, string, bool, json.Number:
		return v
	}
	b, err := jsonx.Marshal(v)
	if err != nil {
		return v
	}
	out, err := jsonx.Parse(string(b), len(b), nil)
	if err != nil {
		return v
	}
	return out
}

// templateFields are a service template's values as the record of a module it makes holds them.
func templateFields(values fixtures.Values) topo.Record {
	if len(values) == 0 {
		return nil
	}
	out := make(topo.Record, len(values))
	for k, v := range values {
		out[k] = topo.JSONValue(asDecoded(v))
	}
	return out
}

// fixedValuesKept refuses an update that changes what a template fixes: the attributes it
// defines that the update sends with a value other than the stored one, named in the model's
// order (set.go:326-329,351-445, module.go:572-575,582-665 @111e7ac). CMDB compares the two as
// decoded with UseNumber, so a number written otherwise (10.0 for 10) is a change; a time
// attribute compares the instants, and a value that is not a time is invalid.
func fixedValuesKept(model []fixtures.Attribute, fixed fixtures.Values, data map[string]any, stored topo.Record, loc *time.Location) *failure {
	var changed []string
	for _, a := range model {
		sent, ok := data[a.PropertyID]
		if _, fixes := fixed[a.PropertyID]; !ok || !fixes {
			continue
		}
		if a.Type == fixtures.TypeTime {
			now, ok := cmdbTime(sent, loc)
			before, was := cmdbTime(stored[a.PropertyID], loc)
			if !ok || !was {
				return fail(spec.MsgInvalidOrNone, a.PropertyID)
			}
			if now.Equal(before) {
				continue
			}
		} else if sameJSON(sent, stored[a.PropertyID]) {
			continue
		}
		changed = append(changed, a.PropertyID)
	}
	if changed == nil {
		return nil
	}
	return fail(spec.MsgModifyForbidden, strings.Join(changed, ","))
}

// sameJSON reports whether two values read the same as JSON: what reflect.DeepEqual finds of
// two values decoded with UseNumber.
func sameJSON(a, b any) bool {
	x, errX := jsonx.Marshal(a)
	y, errY := jsonx.Marshal(b)
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

// cmdbTime reads a value as CMDB's util.ConvToTime does: a number as Unix seconds (an integer
// only), a string in one of its two time forms as parseCMDBTime reads it.
func cmdbTime(v any, loc *time.Location) (time.Time, bool) {
	switch v := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(v), 10, 64)
		return time.Unix(i, 0), err == nil
	case int64:
		return time.Unix(v, 0), true
	case string:
		return parseCMDBTime(v, loc)
	}
	return time.Time{}, false
}
