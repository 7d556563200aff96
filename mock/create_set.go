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
// sent, the server's defaults (or, with fake, fake values) for the rest, and the server fields.
func (s *Server) buildRow(c *call, fake bool) topo.Draft {
	d := topo.Draft{
		BizID: c.bizID, ParentID: c.parentID, Default: c.def, TemplateID: c.templateID, Name: c.name,
		Created:   s.cfg.Now().UnixMilli(),
		CreatedBy: c.creds.user(),
	}
	var scratch [256]byte // most rows fit: then only vals is allocated
	b := scratch[:0]
	for _, i := range s.inRow {
		switch a, f := c.attr(i), s.fields[i]; {
		case a.sent:
			b = topo.AppendValue(b, a.value)
		case fake:
			b = topo.AppendValue(b, s.fakeValue(f))
		default:
			b = topo.AppendValue(b, f.Default)
		}
		b = append(b, 0)
	}
	d.Attrs = b
	if canned, ok := s.fixtures().Record(c.name); ok {
		// The canned fields stand, but for the counter's id and the call's business, parent
		// and name.
		d.Extra = maps.Clone(canned.Fields)
		for _, k := range []string{"bk_set_id", "bk_biz_id", "bk_parent_id", "bk_set_name"} {
			delete(d.Extra, k)
		}
	}
	return d
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
func (s *Server) fakeValue(f spec.Field) any {
	s.fakeMu.Lock()
	defer s.fakeMu.Unlock()
	switch f.Kind {
	case spec.KindEnum:
		return s.faker.RandomString(f.Enum)
	case spec.KindInt:
		return int64(s.faker.Number(int(f.Min), int(min(f.Max, 10000))))
	default:
		return truncateBytes(s.faker.Sentence(8), f.MaxBytes)
	}
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
