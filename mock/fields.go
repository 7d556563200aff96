package mock

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// object is a kind of CMDB instance, a set or a module, as the mock checks its fields: its
// model (data, from fixtures/model), the attribute that names an instance, and which of its
// attributes a create checks. CMDB checks every object with one validator (reference §5,
// §11.5); so does the mock, with checkAttribute.
type object struct {
	id        string
	nameField string
	model     []fixtures.Attribute
	// checked are the attributes a create or an update checks, as indexes into model, by
	// property id: CMDB ranges over a map, so which of several bad fields it names is random,
	// and the mock names the first by id (reference §4.2).
	checked []int
	// filled are the required attributes the server fills in before it checks the required
	// ones (a module's category and templates, reference §11.4).
	filled []string
}

// newObject makes an object of a model; unchecked are the attributes CMDB does not validate
// on a create (its createIgnoreKeys and those the server overwrites first).
func newObject(id, nameField string, model []fixtures.Attribute, unchecked, filled []string) *object {
	o := &object{id: id, nameField: nameField, model: model, filled: filled}
	for i, a := range model {
		if !slices.Contains(unchecked, a.PropertyID) {
			o.checked = append(o.checked, i)
		}
	}
	slices.SortFunc(o.checked, func(i, j int) int { return strings.Compare(model[i].PropertyID, model[j].PropertyID) })
	return o
}

// maxNameRunes is CMDB's limit on the characters of a topology node's name.
const maxNameRunes = 256

// fieldRules check the fields a call sends for its operation's object, as CMDB's validator
// of instances does (reference §4.2 C11-C19, §11.3 M18-M23): the name's own rules, then every
// attribute by its type. An update checks only what it sends.
func (s *Server) fieldRules() map[spec.StepID]rule {
	return map[spec.StepID]rule{
		spec.StepRequired: func(c *call) *failure {
			o := c.op.object
			for _, a := range o.model {
				if _, sent := c.data[a.PropertyID]; a.IsRequired && !sent && !slices.Contains(o.filled, a.PropertyID) {
					return fail(spec.MsgNeedSet, a.PropertyID)
				}
			}
			return nil
		},
		spec.StepNameString: func(c *call) *failure {
			field := c.op.object.nameField
			v, sent := c.data[field]
			if !sent && !c.op.creates {
				return nil // an update that keeps the name
			}
			name, ok := v.(string)
			if !ok {
				return fail(spec.MsgNeedString, field)
			}
			c.name, c.named = name, true
			return nil
		},
		spec.StepNameEmpty: func(c *call) *failure {
			if c.named && c.name == "" {
				return fail(spec.MsgNeedSet, c.op.object.nameField)
			}
			return nil
		},
		spec.StepNameLength: func(c *call) *failure {
			// CMDB counts characters here; the byte limit comes later (StepAttributes).
			if c.named && utf8.RuneCountInString(c.name) > maxNameRunes {
				return fail(spec.MsgExceedMax, c.op.object.nameField, maxNameRunes)
			}
			return nil
		},
		spec.StepNameChars: func(c *call) *failure {
			if !c.named {
				return nil
			}
			if c.violations.At("/"+c.op.object.nameField, "pattern") {
				return fail(spec.MsgInvalid, c.op.object.nameField)
			}
			// The name is stored trimmed of all white space, as every string attribute.
			c.name = strings.TrimSpace(c.name)
			return nil
		},
		spec.StepAttributes: func(c *call) *failure {
			o := c.op.object
			for _, i := range o.checked {
				if a := c.attr(i); a.sent {
					if f := checkAttribute(o.model[i], a.value); f != nil {
						return f
					}
				}
			}
			return nil
		},
	}
}

// validate runs kin-openapi over the fields a call sends for its object, for the checks that
// read its findings. ESB's create_set body is checked whole, as the document describes it. A
// call that makes nothing leaves out what a create requires, which no check reads: its fields
// take the partial check first, where the whole one sent every update to kin-openapi. An
// update_set on v3 through the handler: 10.7-14.9 us and 82-92 allocations, against 18.0-20.8
// us and 113-123 (BenchmarkUpdateSet, the test binaries in turns five times, 2026-12-06).
func (s *Server) validate(c *call) {
	switch {
	case c.jsonErr:
	case c.surface == spec.SurfaceESB && c.op.object == s.setObj:
		c.esbViolations = s.spec.CheckESBRequest(c.fields, c.op.creates)
		c.violations = c.esbViolations.Under("/data")
	case c.data != nil:
		c.violations = s.spec.CheckData(c.op.object.id, c.data, c.op.creates)
	}
}

// storedFields are the fields of an instance's record that the server does not own: the
// object's attributes sent, else those of current (an update's instance), else, on a create,
// what CMDB stores when one is absent (with --fill fake, a fake value of one a client may edit,
// as on a set); then a create's keys CMDB keeps as sent and its owner, or the kept keys of
// current.
func (s *Server) storedFields(o *object, owned []string, c *call, current topo.Record) topo.Record {
	out := topo.Record{}
	fake := current == nil && s.cfg.Fill == FillFake
	for i, a := range o.model {
		if slices.Contains(owned, a.PropertyID) {
			continue
		}
		switch v := c.attr(i); {
		case v.sent:
			out[a.PropertyID] = topo.JSONValue(v.value)
		case current != nil:
			out[a.PropertyID] = current[a.PropertyID]
		case fake && a.Editable && !a.IsSystem:
			out[a.PropertyID] = topo.JSONValue(s.fakeValue(a))
		default:
			out[a.PropertyID] = topo.JSONValue(a.StoredWhenAbsent())
		}
	}
	if current == nil {
		maps.Copy(out, keptFields(c))
		return out
	}
	for _, k := range append(slices.Clone(keptAsSent), "bk_supplier_account") {
		if v, ok := current[k]; ok {
			out[k] = v
		}
	}
	return out
}

// keptOnUpdate writes over an instance's kept fields what an update stores as sent, unchecked:
// CMDB's updateIgnoreKeys, but for the ids and the parent its topo server takes out first and
// the default, which each object holds as its own (bk-cmdb src/source_controller/coreservice/core/
// instances/instance_validate.go:37-44,395-399, src/scene_server/topo_server/logics/inst/
// inst.go:921-926 @111e7ac). bk_data_status and bk_inst_id are kept as they came; a string
// bk_supplier_account is the instance's owner from then on (the default owner, "0", is not kept,
// as on a create). An owner of another JSON type, which CMDB would store too, is not written.
func keptOnUpdate(c *call, fields topo.Record) topo.Record {
	for _, k := range []string{"bk_data_status", "bk_inst_id"} {
		if v, ok := c.data[k]; ok {
			fields = withKept(fields, k, v)
		}
	}
	switch owner, ok := c.data["bk_supplier_account"].(string); {
	case !ok:
	case owner == topo.DefaultSupplierAccount:
		delete(fields, "bk_supplier_account")
	default:
		fields = withKept(fields, "bk_supplier_account", owner)
	}
	return fields
}

// updatedDefault is an instance's default and kept fields once an update has written the default
// it sent: as a create stores it, a whole number as the number and a string of digits as the
// string too, kept among the fields (reference §11.7). A default that is not a whole number, which
// CMDB would store as well, is not written.
func updatedDefault(c *call, def int64, fields topo.Record) (int64, topo.Record) {
	n, err := cmdbInt64("default", c.data["default"])
	if err != nil {
		return def, fields
	}
	delete(fields, "default")
	if str, ok := c.data["default"].(string); ok {
		fields = withKept(fields, "default", str)
	}
	return n, fields
}

// withKept sets a kept field to a value of the call, as a record holds it (its own copy: a string
// cut from the request would keep the whole body alive), making the map of them when there is
// none yet: most records have none.
func withKept(fields topo.Record, k string, v any) topo.Record {
	if fields == nil {
		fields = topo.Record{}
	}
	fields[k] = topo.JSONValue(v)
	return fields
}
