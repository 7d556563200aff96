package mock

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// createSetOp is create_set (reference §4): its checks are spec.CallCreateSet's.
func (s *Server) createSetOp() operation {
	return operation{op: spec.CallCreateSet, object: s.setObj, creates: true, action: actionCreate,
		path: pathLabels{biz: spec.LabelBusinessID.En}, answer: s.createSet}
}

// createSet stores the set of a call that passed every check. The insert finds a duplicate
// name (C20) after the id is taken, as CMDB's does.
func (s *Server) createSet(c *call) answer {
	out, err := s.submit(c.ctx, createSet{Draft: s.buildRow(c, s.cfg.Fill == FillFake), Templates: moduleTemplates(c.template)})
	if err != nil {
		return c.storeFailure(err)
	}
	set, err := out.set, out.err
	switch {
	case errors.Is(err, topo.ErrDuplicateName):
		return s.refuse(c, spec.StepDuplicate, fail(spec.MsgDuplicateName))
	case errors.Is(err, topo.ErrStoreFull):
		return c.failure(spec.MsgStoreFull, s.cfg.MaxSets)
	}
	c.created = set
	a := succeeded(nil)
	a.created = &c.created
	return a
}

// setRules are the checks of a set's own (reference §4.2 C6-C9, C17, §9).
func (s *Server) setRules() map[spec.StepID]rule {
	return map[spec.StepID]rule{
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
			id, ok := jsonx.Int(v)
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
				c.takeTemplateValues(t.Attributes)
			}
			return nil
		},
		spec.StepMainline: func(c *call) *failure {
			if !s.store.HasLevels() {
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
		spec.StepParent: func(c *call) *failure {
			id, ok := jsonx.Int(c.data["bk_parent_id"])
			if !ok || id <= 0 {
				return fail(spec.MsgInvalid, "bk_parent_id")
			}
			c.parentID = id
			underBusiness := !s.store.HasLevels()
			if c.op.object == s.levelObj {
				underBusiness = s.levelIndex(c.objPath) == 0
			}
			if id != c.bizID && underBusiness {
				c.warn(fmt.Sprintf("bk_parent_id %d is not business %d: CMDB stores it unchecked when the %s hangs under the business", id, c.bizID, c.op.object.id))
			}
			return nil
		},
		spec.StepBuiltInSet: func(c *call) *failure {
			// CMDB counts the built-in sets by the id alone, whatever the path's business
			// (inst_set.go:122-150,259-263 @111e7ac).
			if set, ok := s.store.Get(c.setID); ok && set.BuiltIn() {
				return fail(spec.MsgBuiltInSet)
			}
			return nil
		},
		spec.StepSetFixedFields: func(c *call) *failure {
			t, ok := s.fixtures().SetTemplate(c.bizID, c.set.TemplateID())
			if !ok {
				return nil
			}
			return fixedValuesKept(s.model, t.Attributes, c.data, c.set.Record(), s.cfg.Location)
		},
		spec.StepSetFound: func(c *call) *failure {
			set, ok := s.store.Get(c.setID)
			if !ok || set.BizID() != c.bizID {
				return fail(spec.MsgNotFound)
			}
			c.set = set
			return nil
		},
		spec.StepDuplicate: atWrite,
	}
}

// buildRow makes the set of a call that passed every check: the model's attributes that were
// sent (the set template's values among them), what CMDB stores for the rest (or, with fake, fake
// values), the server's fields, and the keys CMDB keeps as sent.
func (s *Server) buildRow(c *call, fake bool) topo.Draft {
	d := topo.Draft{
		BizID: c.bizID, ParentID: c.parentID, Default: c.def, TemplateID: c.template.ID, Name: c.name,
		Created:   s.cfg.Now().UnixMilli(),
		CreatedBy: c.creds.user(),
	}
	var scratch [256]byte // most rows fit: then only vals is allocated
	b := scratch[:0]
	for k, i := range s.inRow {
		a, sent := s.model[i], c.attr(i)
		switch {
		case sent.sent:
			b = topo.AppendValue(b, sent.value)
		case fake && a.Editable && !a.IsSystem:
			b = topo.AppendValue(b, s.fakeValue(a))
		default:
			b = append(b, s.absent[k]...)
		}
		b = append(b, 0)
	}
	d.Attrs = b
	d.Extra = keptFields(c)
	if canned, ok := s.fixtures().Record(c.name); ok {
		// The canned fields stand, but for the counter's id and the call's business, parent
		// and name.
		if d.Extra == nil {
			d.Extra = topo.Record{}
		}
		maps.Copy(d.Extra, canned.Fields)
		for _, k := range []string{"bk_set_id", "bk_biz_id", "bk_parent_id", "bk_set_name"} {
			delete(d.Extra, k)
		}
	}
	return d
}

// keptFields are the fields of a record that a row does not hold: the keys CMDB keeps as sent,
// a default sent as a string ("5" is stored so), and an owner other than "0". Nil for most
// creates.
func keptFields(c *call) topo.Record {
	var kept topo.Record
	for _, k := range keptAsSent {
		if v, ok := c.data[k]; ok {
			kept = withKept(kept, k, v)
		}
	}
	if v, ok := c.data["default"].(string); ok {
		kept = withKept(kept, "default", v)
	}
	if c.supplier != "" && c.supplier != topo.DefaultSupplierAccount {
		kept = withKept(kept, "bk_supplier_account", c.supplier)
	}
	return kept
}

// moduleTemplates are the modules a set template makes: one per service template.
func moduleTemplates(t fixtures.SetTemplate) []topo.ModuleTemplate {
	if len(t.ServiceTemplates) == 0 {
		return nil
	}
	out := make([]topo.ModuleTemplate, len(t.ServiceTemplates))
	for i, st := range t.ServiceTemplates {
		out[i] = topo.ModuleTemplate{ServiceTemplateID: st.ID, ServiceCategoryID: st.CategoryID, Name: st.Name, Fields: templateFields(st.Attributes)}
	}
	return out
}

// fakeValue is a realistic value for an attribute a request left out.
func (s *Server) fakeValue(a fixtures.Attribute) any {
	s.fakeMu.Lock()
	defer s.fakeMu.Unlock()
	switch a.Type {
	case fixtures.TypeEnum:
		return a.Enum[s.faker.IntRange(0, len(a.Enum)-1)].ID
	case fixtures.TypeEnumMulti:
		var ids []any
		if a.IsMultiple {
			for _, o := range a.Enum {
				if s.faker.Bool() {
					ids = append(ids, o.ID)
				}
			}
		}
		if len(ids) == 0 {
			ids = append(ids, a.Enum[s.faker.IntRange(0, len(a.Enum)-1)].ID)
		}
		return ids
	case fixtures.TypeOrg:
		ids := []any{int64(s.faker.IntRange(1, 1000))}
		if a.IsMultiple {
			ids = append(ids, int64(s.faker.IntRange(1, 1000)))
		}
		return ids
	case fixtures.TypeInt:
		lo, hi := max(a.Min, 1), min(a.Max, 10000)
		if lo > hi {
			return a.StoredWhenAbsent()
		}
		return int64(s.faker.Number(int(lo), int(hi)))
	case fixtures.TypeSingleChar, fixtures.TypeLongChar:
		return s.fakeText(a, byteLimits[a.Type])
	case fixtures.TypeFloat:
		lo, hi := max(a.FloatMin, 0), min(a.FloatMax, 10000)
		if lo > hi {
			return a.StoredWhenAbsent()
		}
		return math.Round(s.faker.Float64Range(lo, hi)*100) / 100
	case fixtures.TypeList:
		return a.List[s.faker.IntRange(0, len(a.List)-1)]
	case fixtures.TypeBool:
		return s.faker.Bool()
	case fixtures.TypeDate:
		return s.faker.Date().Format(time.DateOnly)
	case fixtures.TypeTimeZone:
		if tz := s.faker.TimeZoneRegion(); timeZonePattern().MatchString(tz) {
			return tz
		}
	}
	return a.StoredWhenAbsent()
}

// fakeText is a sentence for a string attribute, or its default when the attribute asks for a
// pattern a sentence would not match. The caller holds fakeMu.
func (s *Server) fakeText(a fixtures.Attribute, limit int) any {
	text := truncateBytes(s.faker.Sentence(8), limit)
	if a.Pattern != nil && !a.Pattern.MatchString(text) {
		return a.StoredWhenAbsent()
	}
	return text
}

// fakeName is a valid set name that looks like one a team would choose.
func (s *Server) fakeName() string {
	s.fakeMu.Lock()
	defer s.fakeMu.Unlock()
	name := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return unicode.ToLower(r)
		case r == ' ' || r == '-':
			return '-'
		}
		return -1
	}, s.faker.AppName())
	return fmt.Sprintf("%s-%s", name, s.faker.RandomString([]string{"prod", "test", "stage", "dev", "gray"}))
}

func truncateBytes(v string, limit int) string {
	if limit <= 0 || len(v) <= limit {
		return v
	}
	v = v[:limit]
	for !utf8.ValidString(v) {
		v = v[:len(v)-1]
	}
	return v
}

// populated makes n fake sets under each business, as seeds numbered after the given ones, so
// that a front end has data to show. They are made before the store is touched and stored in
// one step with the built-in sets.
func (s *Server) populated(n int, builtIns []topo.Seed) []topo.Seed {
	next, names := int64(1), newSetNames(s.fakeName)
	for _, sd := range builtIns {
		next = max(next, sd.ID+1)
		names.take(sd.Draft.ParentID, sd.Draft.Name)
	}
	businesses := s.fixtures().Businesses
	out := make([]topo.Seed, 0, n*len(businesses))
	for _, b := range businesses {
		for range n {
			c := &call{bizID: b.ID, parentID: b.ID, name: names.next(b.ID), creds: credentials{Username: systemUser}}
			out = append(out, topo.Seed{ID: next, Draft: s.buildRow(c, true)})
			next++
		}
	}
	return out
}

// setNames hands out set names that no set under the same parent has (CMDB's unique index,
// reference C20): the faker's name, and once the faker repeats one, that name with the next
// number after it ("web-prod-2"). The faker knows fewer than a million names and a populate may
// ask for more; a name costs a bounded time however many were handed out, as each name's number
// only rises. The faker's names end in a word, so a numbered name is never one of them.
type setNames struct {
	fake  func() string
	taken map[parentName]bool
	last  map[parentName]int // a faker's name -> the last number tried after it
}

type parentName struct {
	parent int64
	name   string
}

func newSetNames(fake func() string) setNames {
	return setNames{fake: fake, taken: map[parentName]bool{}, last: map[parentName]int{}}
}

func (sn setNames) take(parent int64, name string) { sn.taken[parentName{parent, name}] = true }

func (sn setNames) next(parent int64) string {
	faked := parentName{parent, sn.fake()}
	name := faked.name
	for sn.taken[parentName{parent, name}] {
		n := max(sn.last[faked], 1) + 1
		sn.last[faked] = n
		name = fmt.Sprintf("%s-%d", faked.name, n)
	}
	sn.take(parent, name)
	return name
}
