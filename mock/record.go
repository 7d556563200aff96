package mock

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/spec"
)

// buildRow makes the set of a call that passed every check: the model's attributes that were
// sent, the server's defaults (or, with fake, fake values) for the rest, and the server fields.
func (s *Server) buildRow(c *call, fake bool) row {
	r := row{
		biz: c.bizID, parent: c.parentID, def: c.def, template: c.templateID,
		created:   s.cfg.Now().UnixMilli(),
		createdBy: c.creds.user(),
	}
	var scratch [256]byte // most rows fit: then only vals is allocated
	b := scratch[:0]
	for _, i := range s.inRow {
		switch a, f := c.attr(i), s.fields[i]; {
		case a.sent:
			b = appendValue(b, a.value)
		case fake:
			b = appendValue(b, s.fakeValue(f))
		default:
			b = appendValue(b, f.Default)
		}
		b = append(b, 0)
	}
	r.vals, r.name = withName(b, c.name)
	if canned, ok := s.fixtures().Record(c.name); ok {
		// The canned fields stand, but for the counter's id and the call's business, parent
		// and name.
		r.extra = maps.Clone(canned.Fields)
		for _, k := range []string{"bk_set_id", "bk_biz_id", "bk_parent_id", "bk_set_name"} {
			delete(r.extra, k)
		}
	}
	return r
}

// jsonValue turns a decoded request value into what the record stores: integers as int64.
func jsonValue(v any) any {
	if n, ok := v.(json.Number); ok {
		if i, ok := integer(n); ok {
			return i
		}
	}
	return v
}

// integer is a decoded number as a record holds it when it is an integer ("-0" is 0).
func integer(n json.Number) (int64, bool) {
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil
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

// iamAction is the IAM action a call needs.
type iamAction struct{ id, name string }

var (
	actionCreate = iamAction{"create_biz_topology", "业务拓扑新建"}
	actionDelete = iamAction{"delete_biz_topology", "业务拓扑删除"}
)

// permission is the IAM body of a 9900403 answer for an action on business bizID.
func (s *Server) permission(bizID int64, action iamAction) any {
	b, _ := s.fixtures().Business(bizID)
	instance := map[string]any{"type": "biz", "type_name": "业务", "id": strconv.FormatInt(bizID, 10), "name": b.Name}
	return map[string]any{
		"system_id":   "bk_cmdb",
		"system_name": "配置平台",
		"actions": []any{map[string]any{
			"id":   action.id,
			"name": action.name,
			"related_resource_types": []any{map[string]any{
				"system_id": "bk_cmdb", "system_name": "配置平台", "type": "biz", "type_name": "业务",
				"instances": []any{[]any{instance}},
			}},
		}},
	}
}

// populate pre-creates n fake sets under each business, so that a front end has data to show.
func (s *Server) populate(n int) error {
	const maxRepeats = 1000 // names the faker may repeat in a row before we give up
	for _, b := range s.fixtures().Businesses {
		for created, repeats := 0, 0; created < n; {
			c := &call{bizID: b.ID, parentID: b.ID, name: s.fakeName(), creds: credentials{Username: systemUser}}
			if s.store.Has(b.ID, b.ID, c.name) {
				if repeats++; repeats > maxRepeats {
					return fmt.Errorf("mock: populate: %d names in a row already taken in business %d", repeats, b.ID)
				}
				continue
			}
			repeats = 0
			if _, err := s.store.create(s.buildRow(c, true), nil); err != nil {
				return fmt.Errorf("mock: populate: %w", err)
			}
			created++
		}
	}
	return nil
}
