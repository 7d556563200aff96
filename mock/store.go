package mock

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/cmdbmock/cmdbmock/fixtures"
)

// ErrDuplicateName is returned by Store.Create when the parent already has a set by that name.
var ErrDuplicateName = errors.New("a set with the same name exists under the same parent")

// Record is a set as CMDB returns it. encoding/json writes its keys in alphabetical order, as
// the real system does.
type Record map[string]any

// Module is a module the store created under a set (from a set template) or took from fixtures.
type Module struct {
	ID                int64  `json:"bk_module_id"`
	Name              string `json:"bk_module_name"`
	SetID             int64  `json:"bk_set_id"`
	BizID             int64  `json:"bk_biz_id"`
	ServiceTemplateID int64  `json:"service_template_id"`
}

type nameKey struct {
	bizID, parentID int64
	name            string
}

// Store holds the sets and modules of one mock. Its id counters belong to it, so two mocks in one
// process never share ids. It is safe for concurrent use.
type Store struct {
	mu           sync.RWMutex
	nextSetID    int64
	nextModuleID int64
	sets         map[int64]Record
	names        map[nameKey]int64
	modules      map[int64]Module
}

// NewStore returns a store holding the built-in sets and modules of fx; the first id it hands
// out is the highest fixture id + 1.
func NewStore(fx *fixtures.Fixtures) *Store {
	s := &Store{
		nextSetID:    1,
		nextModuleID: 1,
		sets:         map[int64]Record{},
		names:        map[nameKey]int64{},
		modules:      map[int64]Module{},
	}
	for _, b := range fx.Businesses {
		for _, set := range b.Sets {
			parent := set.ParentID
			if parent == 0 {
				parent = b.ID
			}
			rec := Record{
				"bk_biz_id": b.ID, "bk_set_id": set.ID, "bk_set_name": set.Name,
				"bk_parent_id": parent, "default": set.Default,
			}
			s.sets[set.ID] = rec
			s.names[nameKey{b.ID, parent, set.Name}] = set.ID
			s.nextSetID = max(s.nextSetID, set.ID+1)
			for _, m := range set.Modules {
				s.modules[m.ID] = Module{ID: m.ID, Name: m.Name, SetID: set.ID, BizID: b.ID}
				s.nextModuleID = max(s.nextModuleID, m.ID+1)
			}
		}
	}
	return s
}

// Create stores rec under the next set id and creates one module per service template. As in
// CMDB, the id is taken before the name is checked, so a duplicate uses one up.
func (s *Store) Create(rec Record, templates []fixtures.ServiceTemplate) (Record, error) {
	key := nameKey{rec["bk_biz_id"].(int64), rec["bk_parent_id"].(int64), rec["bk_set_name"].(string)}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextSetID
	s.nextSetID++
	if _, dup := s.names[key]; dup {
		return nil, ErrDuplicateName
	}
	rec = maps.Clone(rec)
	rec["bk_set_id"] = id
	s.sets[id] = rec
	s.names[key] = id
	for _, t := range templates {
		m := Module{ID: s.nextModuleID, Name: t.Name, SetID: id, BizID: key.bizID, ServiceTemplateID: t.ID}
		s.modules[m.ID] = m
		s.nextModuleID++
	}
	return rec, nil
}

// Has reports whether the parent already has a set by that name.
func (s *Store) Has(bizID, parentID int64, name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.names[nameKey{bizID, parentID, name}]
	return ok
}

// Set returns a copy of the set with the given id.
func (s *Store) Set(id int64) (Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.sets[id]
	return maps.Clone(rec), ok
}

// Sets returns copies of all sets, built-in ones included, by id.
func (s *Store) Sets() []Record {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Record, 0, len(s.sets))
	for _, rec := range s.sets {
		out = append(out, maps.Clone(rec))
	}
	slices.SortFunc(out, func(a, b Record) int { return cmp.Compare(a["bk_set_id"].(int64), b["bk_set_id"].(int64)) })
	return out
}

// Modules returns the modules of a set.
func (s *Store) Modules(setID int64) []Module {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Module
	for _, m := range s.modules {
		if m.SetID == setID {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b Module) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Len returns the number of sets stored, built-in ones included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sets)
}
