package mock

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// moduleNameField is the module's name, which has the rules of a topology node's name.
const moduleNameField = "bk_module_name"

// moduleUnchecked are the module's attributes CMDB does not check on a create: its
// createIgnoreKeys, and those the topo server writes before the check (the path's ids, the
// parent, the templates, the category, host_apply_enabled) (reference §11.4).
var moduleUnchecked = []string{"bk_biz_id", "bk_set_id", "bk_parent_id", "bk_supplier_account", "service_category_id",
	"service_template_id", "set_template_id", "host_apply_enabled"}

// moduleFilled are the module's required attributes the topo server fills in before CMDB
// checks the required ones: so only the name can be missing (M18).
var moduleFilled = []string{"service_category_id", "service_template_id", "bk_parent_id"}

// moduleOwned are the module's attributes its record takes from the server, whatever a create
// sends.
var moduleOwned = []string{"bk_biz_id", "bk_set_id", moduleNameField, "bk_parent_id", "service_category_id",
	"service_template_id", "set_template_id", "host_apply_enabled", "bk_created_at", "bk_created_by", "bk_updated_at"}

// serviceChoice is the service template and category a module is created with (M8-M13).
type serviceChoice struct {
	templateID, categoryID int64
	templateName           string
}

// moduleRules are the module calls' own checks (reference §11.3, §11.7), in the order of
// their rows.
func (s *Server) moduleRules() map[spec.StepID]rule {
	return map[spec.StepID]rule{
		spec.StepModuleSet: func(c *call) *failure {
			// Looked up by id alone, in any business, among the caller's owners.
			set, ok := s.store.Get(c.setID)
			if !ok || !slices.Contains(c.owners(), set.Owner()) {
				if s.cfg.Version == spec.V314 {
					return fail(spec.MsgInvalidOrNone, "bk_set_id")
				}
				return fail(spec.MsgNotFound)
			}
			c.set = set
			return nil
		},
		spec.StepSetTemplateMade: func(c *call) *failure {
			if c.set.TemplateID() > 0 {
				return fail(spec.MsgSetFromTemplate)
			}
			return nil
		},
		spec.StepModuleDefault: func(c *call) *failure {
			if v, present := c.data["default"]; present {
				if _, err := cmdbInt64("default", v); err != nil {
					return fail(spec.MsgNeedInt, "default")
				}
			}
			return nil
		},
		spec.StepModuleSetBiz: func(c *call) *failure {
			if c.set.BizID() != c.bizID {
				return fail(spec.MsgInvalidOrNone, "bk_biz_id/bk_set_id")
			}
			return nil
		},
		spec.StepCategoryID:        integerField("service_category_id"),
		spec.StepServiceTemplateID: integerField("service_template_id"),
		spec.StepServiceTemplate: func(c *call) *failure {
			id, _ := jsonx.Int(c.data["service_template_id"])
			if id == 0 {
				return nil
			}
			t, ok := s.fixtures().ServiceTemplate(c.bizID, id)
			if !ok {
				return fail(spec.MsgInvalid, "service_template_id")
			}
			category := cmp.Or(t.CategoryID, topo.DefaultCategory)
			if v, sent := c.data["service_category_id"]; sent {
				if sentID, _ := jsonx.Int(v); sentID != category {
					return fail(spec.MsgCategoryTemplate)
				}
			}
			c.service = serviceChoice{templateID: id, categoryID: category, templateName: t.Name}
			c.takeTemplateValues(t.Attributes)
			return nil
		},
		spec.StepCategory: func(c *call) *failure {
			if c.service.templateID != 0 {
				return nil
			}
			id, _ := jsonx.Int(c.data["service_category_id"])
			if id == 0 {
				c.service.categoryID = topo.DefaultCategory
				return nil
			}
			cat, ok := s.fixtures().ServiceCategory(id)
			switch {
			case !ok:
				return fail(spec.MsgNotFound)
			case cat.BizID != 0 && cat.BizID != c.bizID:
				return fail(spec.MsgInvalid, "service_category_id")
			}
			c.service.categoryID = id
			return nil
		},
		spec.StepModuleParent: func(c *call) *failure {
			v, present := c.data["bk_parent_id"]
			if !present {
				return nil
			}
			if id, ok := jsonx.Int(v); !ok || id != c.setID {
				return fail(spec.MsgInvalid, "bk_parent_id")
			}
			return nil
		},
		spec.StepModuleDefaultKey: func(c *call) *failure {
			if _, present := c.data["default"]; present {
				return fail(spec.MsgInternal) // CMDB asserts an int on a json.Number and panics (M15)
			}
			return nil
		},
		spec.StepModuleParentGiven: func(c *call) *failure {
			if _, present := c.data["bk_parent_id"]; !present {
				return fail(spec.MsgInvalidOrNone, "bk_parent_id")
			}
			return nil
		},
		spec.StepBuiltInModule: func(c *call) *failure {
			// On the id alone, whatever the path's business and set (U3, D5).
			if m, ok := s.store.Module(c.moduleID); ok && m.BuiltIn() { // reference §11.7 U3
				return fail(spec.MsgBuiltInSet)
			}
			return nil
		},
		spec.StepModuleFound: func(c *call) *failure {
			m, ok := s.store.Module(c.moduleID)
			if !ok || m.BizID != c.bizID || m.SetID != c.setID {
				return fail(spec.MsgNotFound)
			}
			c.module = m
			return nil
		},
		spec.StepTemplateFields: func(c *call) *failure {
			m := c.module
			for _, f := range []struct {
				field  string
				stored int64
			}{{"set_template_id", m.SetTemplateID}, {"service_template_id", m.ServiceTemplateID}} {
				v, sent := c.data[f.field]
				if !sent {
					continue
				}
				id, ok := jsonx.Int(v)
				if !ok {
					return fail(spec.MsgInvalid, f.field)
				}
				if id != f.stored {
					return fail(spec.MsgModifyForbidden, f.field)
				}
			}
			if m.ServiceTemplateID == 0 {
				return nil
			}
			if v, sent := c.data["service_category_id"]; sent {
				id, ok := jsonx.Int(v) // not an integer: 1199006 before 1101090 (module.go:548-553 @111e7ac)
				if !ok {
					return fail(spec.MsgInvalid, "service_category_id")
				}
				if id != cmp.Or(m.ServiceCategoryID, topo.DefaultCategory) {
					return fail(spec.MsgTemplateCategory)
				}
			}
			if v, sent := c.data[moduleNameField]; sent {
				// CMDB reads the name as fmt's %v of the value, null as "" (util.GetStrByInterface).
				name := ""
				if v != nil {
					name = fmt.Sprint(v)
				}
				if name == "" {
					delete(c.data, moduleNameField) // dropped silently (U8)
					c.readFields(c.op.object)
				} else if name != m.Name {
					return fail(spec.MsgTemplateName)
				}
			}
			if t, ok := s.fixtures().ServiceTemplate(m.BizID, m.ServiceTemplateID); ok { // U9
				return fixedValuesKept(s.moduleObj.model, t.Attributes, c.data, s.store.ModuleRecord(m), s.cfg.Location)
			}
			return nil
		},
		spec.StepModuleDuplicate: atWrite,
	}
}

// integerField refuses a field that is sent and not a JSON integer (M8, M9).
func integerField(field string) rule {
	return func(c *call) *failure {
		if v, sent := c.data[field]; sent {
			if _, ok := jsonx.Int(v); !ok {
				return fail(spec.MsgInvalid, field)
			}
		}
		return nil
	}
}

// duplicateModule is CMDB's 1199014 for a module name its set holds already: the unique key's
// values as MongoDB's error names them (reference §11.3 M24, inferred text).
func duplicateModule(bizID, setID int64, name string) *failure {
	return fail(spec.MsgDuplicateInstance, fmt.Sprintf("bk_biz_id: %d, bk_set_id: %d, bk_module_name: %s", bizID, setID, strconv.Quote(name)))
}
