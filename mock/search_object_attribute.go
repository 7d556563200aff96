package mock

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// searchObjectAttributeOp is search_object_attribute: the attributes of the business's, the
// set's, the module's and the custom levels' models that match every key of the body,
// translated to the call's language, system and API attributes left out (reference §8, §9,
// §11.6). Other objects (hosts, processes) have no attributes in the mock.
func (s *Server) searchObjectAttributeOp() operation {
	return operation{op: spec.CallSearchObjectAttribute, answer: s.searchObjectAttribute}
}

func (s *Server) searchObjectAttribute(c *call) answer {
	q, bad := attributeQuery(c.args())
	if bad != nil {
		return c.failure(bad.msg, bad.args...)
	}
	// The condition holds for the attributes as stored, names and options in Chinese; the
	// answer has them in the call's language.
	var attrs []attribute
	var stored []topo.Record
	add := func(at attribute) {
		if !at.IsSystem && !at.IsAPI {
			attrs = append(attrs, at)
			stored = append(stored, s.attributeRecord(at, spec.Chinese))
		}
	}
	for _, o := range []*object{s.bizObj, s.setObj, s.moduleObj} {
		for _, a := range o.model {
			add(attribute{Attribute: a, obj: o.id})
		}
	}
	// The levels' model is one; each level's attributes have ids of their own, past every id
	// of the level above (the mock's choice: CMDB counts on from the ids it handed out before
	// the level was made).
	var span int64
	for _, a := range s.levelObj.model {
		span = max(span, a.ID)
	}
	for i, l := range s.store.Levels() {
		for _, a := range s.levelObj.model {
			a.ID += span * int64(i)
			add(attribute{Attribute: a, obj: l.ObjID, level: true})
		}
	}
	pageWithin(&q, len(stored))
	_, page, err := topo.SearchRecords(c.ctx, stored, q)
	if a, failed := s.searchFailure(c, err); failed {
		return a
	}
	out := make([]any, len(page))
	for i, at := range page {
		if c.lang == spec.Chinese {
			out[i] = stored[at] // the stored language is the answer's
			continue
		}
		out[i] = s.attributeRecord(attrs[at], c.lang)
	}
	return succeeded(out)
}

// attribute is an attribute of a model, of the object obj.
type attribute struct {
	fixtures.Attribute
	obj string
	// level: of a custom level, made with the level as CMDB makes a new model's (bk-cmdb
	// src/scene_server/topo_server/logics/model/object.go:130-163,738-781 @111e7ac): in its
	// group "Default", first in it, the instance name by "user".
	level bool
}

// notFilters are the keys of a body that are not conditions on the attributes: ESB's credentials,
// the supplier account, which CMDB takes from its header, and the two flags CMDB sets to false.
var notFilters = append(slices.Clone(credentialKeys), "bk_supplier_account", "bk_issystem", "bk_isapi")

// attributeQuery is search_object_attribute's body as CMDB reads it (bk-cmdb src/scene_server/
// topo_server/service/object_attribute.go:236-266 @111e7ac): a MongoDB condition on the
// attributes, but for page, read as start, limit and sort, and bk_biz_id, an integer that
// adds a business's own attributes to every business's, which are all the mock has.
func attributeQuery(args map[string]any) (topo.RecordQuery, *failure) {
	q := topo.RecordQuery{Condition: map[string]any{}}
	for k, v := range args {
		switch {
		case slices.Contains(notFilters, k):
		case k == "bk_biz_id":
			if _, ok := jsonx.Int(v); !ok && v != nil {
				return q, fail(spec.MsgJSONDecode) // ModelType's int64
			}
		case k == "page":
			if f := attributePage(v, &q); f != nil {
				return q, f
			}
		default:
			q.Condition[k] = v
		}
	}
	return q, nil
}

// attributePage reads page as mapstructure decodes it into CMDB's BasePage: start and limit
// integers, sort a string. A negative start reaches past every attribute and a negative limit
// none, as MongoDB reads them made unsigned; what does not decode is an error CMDB does not
// name, with the decoder's text.
func attributePage(v any, q *topo.RecordQuery) *failure {
	if v == nil {
		return nil
	}
	page, ok := v.(map[string]any)
	if !ok {
		return fail(spec.MsgRaw, "the value of the key(page) is not a map[string]interface{} type")
	}
	for _, f := range []struct {
		key string
		to  *int
	}{{"start", &q.Start}, {"limit", &q.Limit}} {
		raw, sent := page[f.key]
		if !sent || raw == nil {
			continue
		}
		n, ok := jsonx.Int(raw)
		if !ok {
			return fail(spec.MsgRaw, fmt.Sprintf("1 error(s) decoding:\n\n* '%s' expected type 'int', got %v", f.key, raw))
		}
		*f.to = int(min(max(n, -1), math.MaxInt32))
	}
	if q.Start < 0 {
		q.Start = math.MaxInt32
	}
	q.Limit = max(q.Limit, 0)
	if sort, sent := page["sort"]; sent && sort != nil {
		str, ok := sort.(string)
		if !ok {
			return fail(spec.MsgRaw, fmt.Sprintf("1 error(s) decoding:\n\n* 'sort' expected type 'string', got %v", sort))
		}
		q.Sort = str
	}
	return nil
}

// attributeRecord is an attribute as search_object_attribute answers it, in lang. Its group's
// name is translated as CMDB's core service translates a default group's, by the key
// <object>_property_group_<group> of the language's files, else its own name (bk-cmdb
// src/source_controller/coreservice/service/model.go:505-523, translate.go:96-100, and
// resources/language/en/property_group.json:2-5 @111e7ac: "default" for the business, the set and
// the module, 基础信息 in the default language); a custom level's group "Default" has no key.
func (s *Server) attributeRecord(at attribute, lang spec.Lang) topo.Record {
	a := at.Attribute
	name, groupName, option := a.Name, "基础信息", any(json.RawMessage(a.Option))
	index, creator := 0, "cc_system"
	if at.level {
		groupName, index = "Default", -1
		if a.PropertyID == s.levelObj.nameField {
			creator = "user"
		}
	}
	if lang == spec.English {
		if !at.level {
			groupName = "default"
		}
		if a.En != nil && a.En.Name != "" {
			name = a.En.Name
		}
	}
	if a.Type == fixtures.TypeEnum || a.Type == fixtures.TypeEnumMulti {
		opts := make([]fixtures.EnumOption, len(a.Enum))
		for i, o := range a.Enum {
			if lang == spec.English && a.En != nil && a.En.Option[o.ID] != "" {
				o.Name = a.En.Option[o.ID]
			}
			opts[i] = o
		}
		option = opts
	}
	if len(a.Option) == 0 {
		option = ""
	}
	installed := topo.FormatTime(s.cfg.Location, time.UnixMilli(s.store.Installed()))
	rec := topo.Record{
		"id": a.ID, "bk_property_id": a.PropertyID, "bk_property_name": name, "bk_property_type": a.Type,
		"option": option, "isrequired": a.IsRequired, "isonly": a.IsOnly, "ispre": a.Predefined(),
		"editable": a.Editable, "isreadonly": a.IsReadOnly, "ismultiple": a.IsMultiple, "unit": a.Unit, "placeholder": a.Placeholder,
		"bk_property_group": "default", "bk_property_group_name": groupName, "bk_property_index": index,
		"bk_issystem": false, "bk_isapi": false, "bk_obj_id": at.obj, "bk_supplier_account": topo.DefaultSupplierAccount,
		"bk_biz_id": 0, "description": "", "bk_template_id": 0, "creator": creator,
		"create_time": installed, "last_time": installed,
	}
	if a.Default != nil {
		rec["default"] = a.Default
	}
	return rec
}
