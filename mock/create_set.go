package mock

import (
	"fmt"
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// createSet answers create_set on either surface.
func (s *Server) createSet(c *call) answer {
	s.validate(c)
	return s.run(c, s.steps, func(c *call) answer {
		a := succeeded(nil)
		a.created = &c.created
		return a
	})
}

// validate runs kin-openapi over what a create sent, for the checks that read its findings.
func (s *Server) validate(c *call) {
	switch {
	case c.jsonErr:
	case c.surface == spec.SurfaceESB:
		c.esbViolations = s.spec.CheckESBRequest(c.fields)
		c.violations = c.esbViolations.Under("/data")
	default:
		c.violations = s.spec.CheckSetData(c.data)
	}
}

// buildRow makes the set of a call that passed every check: the model's attributes that were
// sent (or that the set template defines), what CMDB stores for the rest (or, with fake, fake
// values), the server's fields, and the keys CMDB keeps as sent.
func (s *Server) buildRow(c *call, fake bool) topo.Draft {
	d := topo.Draft{
		BizID: c.bizID, ParentID: c.parentID, Default: c.def, TemplateID: c.template.ID, Name: c.name,
		Created:   s.cfg.Now().UnixMilli(),
		CreatedBy: c.creds.user(),
	}
	var scratch [256]byte // most rows fit: then only vals is allocated
	b := scratch[:0]
	for _, i := range s.inRow {
		a, sent := s.model[i], c.attr(i)
		tv, fromTemplate := c.template.Attributes[a.PropertyID]
		switch {
		case fromTemplate:
			b = topo.AppendValue(b, tv)
		case sent.sent:
			b = topo.AppendValue(b, sent.value)
		case fake && a.Editable && !a.IsSystem:
			b = topo.AppendValue(b, s.fakeValue(a))
		default:
			b = topo.AppendValue(b, a.StoredWhenAbsent())
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
	keep := func(k string, v any) {
		if kept == nil {
			kept = topo.Record{}
		}
		kept[k] = topo.JSONValue(v)
	}
	for _, k := range keptAsSent {
		if v, ok := c.data[k]; ok {
			keep(k, v)
		}
	}
	if v, ok := c.data["default"].(string); ok {
		keep("default", v)
	}
	if c.supplier != "" && c.supplier != topo.DefaultSupplierAccount {
		keep("bk_supplier_account", c.supplier)
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
		out[i] = topo.ModuleTemplate{ServiceTemplateID: st.ID, Name: st.Name}
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
	case fixtures.TypeInt:
		lo, hi := max(a.Min, 1), min(a.Max, 10000)
		if lo > hi {
			return a.StoredWhenAbsent()
		}
		return int64(s.faker.Number(int(lo), int(hi)))
	case fixtures.TypeSingleChar, fixtures.TypeLongChar:
		return s.fakeText(a, byteLimits[a.Type])
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

// populate pre-creates n fake sets under each business, so that a front end has data to show.
func (s *Server) populate(n int) error {
	const maxRepeats = 1000 // names the faker may repeat in a row before we give up
	for _, b := range s.fixtures().Businesses {
		for created, repeats := 0, 0; created < n; {
			c := &call{bizID: b.ID, parentID: b.ID, name: s.fakeName(), creds: credentials{Username: systemUser}}
			if s.store.HasName(b.ID, c.name) {
				if repeats++; repeats > maxRepeats {
					return fmt.Errorf("mock: populate: %d names in a row already taken in business %d", repeats, b.ID)
				}
				continue
			}
			repeats = 0
			if _, err := s.store.Create(s.buildRow(c, true), nil); err != nil {
				return fmt.Errorf("mock: populate: %w", err)
			}
			created++
		}
	}
	return nil
}
