package mock

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// searchObjectAttributeOp is search_object_attribute: the attributes of the business's, the
// set's and the module's models that match every key of the body, translated to the call's
// language, system and API attributes left out (reference §8, §9, §11.6). Other objects (hosts,
// processes, custom levels) have no attributes in the mock.
func (s *Server) searchObjectAttributeOp() operation {
	return operation{op: spec.CallSearchObjectAttribute, answer: s.searchObjectAttribute}
}

func (s *Server) searchObjectAttribute(c *call) answer {
	filter := c.args()
	out := []any{}
	for _, o := range []*object{s.bizObj, s.setObj, s.moduleObj} {
		for _, a := range o.model {
			if a.IsSystem || a.IsAPI {
				continue
			}
			if rec := s.attributeRecord(o.id, a, c.lang); matches(rec, filter) {
				out = append(out, rec)
			}
		}
	}
	return succeeded(out)
}

// notFilters are the keys of a body that are not conditions on the attributes: ESB's credentials,
// and the supplier account, which CMDB takes from its header.
var notFilters = append(slices.Clone(credentialKeys), "bk_supplier_account")

// matches reports whether an attribute has every value the filter asks for; bk_biz_id matches the
// attributes of every business (0) too.
func matches(rec topo.Record, filter map[string]any) bool {
	for k, want := range filter {
		if slices.Contains(notFilters, k) {
			continue
		}
		got := string(topo.AppendValue(nil, rec[k]))
		if w := string(topo.AppendValue(nil, want)); got != w && !(k == "bk_biz_id" && got == "0") {
			return false
		}
	}
	return true
}

// attributeRecord is an attribute as search_object_attribute answers it, in lang.
func (s *Server) attributeRecord(objID string, a fixtures.Attribute, lang spec.Lang) topo.Record {
	name, groupName, option := a.Name, "基础信息", any(json.RawMessage(a.Option))
	if lang == spec.English {
		groupName = "default"
		if a.En != nil && a.En.Name != "" {
			name = a.En.Name
		}
	}
	if a.Type == fixtures.TypeEnum {
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
		"bk_property_group": "default", "bk_property_group_name": groupName, "bk_property_index": 0,
		"bk_issystem": false, "bk_isapi": false, "bk_obj_id": objID, "bk_supplier_account": topo.DefaultSupplierAccount,
		"bk_biz_id": 0, "description": "", "bk_template_id": 0, "creator": "cc_system",
		"create_time": installed, "last_time": installed,
	}
	if a.Default != nil {
		rec["default"] = a.Default
	}
	return rec
}
