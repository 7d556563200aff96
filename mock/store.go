package mock

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/cmdbmock/cmdbmock/fixtures"
)

// Errors of the store.
var (
	// ErrDuplicateName: the parent already has a set by that name.
	ErrDuplicateName = errors.New("a set with the same name exists under the same parent")
	// ErrBuiltIn: built-in sets (default != 0) cannot be deleted.
	ErrBuiltIn = errors.New("built-in sets cannot be removed")
)

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

func keyOf(rec Record) nameKey {
	return nameKey{rec["bk_biz_id"].(int64), rec["bk_parent_id"].(int64), rec["bk_set_name"].(string)}
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

// NewStore returns an empty store whose counters start at 1.
func NewStore() *Store {
	s := &Store{}
	s.clear()
	return s
}

// clear empties the store and starts its counters again.
func (s *Store) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextSetID, s.nextModuleID = 1, 1
	s.sets = map[int64]Record{}
	s.names = map[nameKey]int64{}
	s.modules = map[int64]Module{}
}

// put stores a record that comes with its id (a fixture's built-in set) and its modules; the
// counters move past them, so the first id handed out is the highest fixture id + 1.
func (s *Store) put(rec Record, modules []fixtures.Module) {
	id := rec["bk_set_id"].(int64)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sets[id] = rec
	s.names[keyOf(rec)] = id
	s.nextSetID = max(s.nextSetID, id+1)
	for _, m := range modules {
		s.modules[m.ID] = Module{ID: m.ID, Name: m.Name, SetID: id, BizID: rec["bk_biz_id"].(int64)}
		s.nextModuleID = max(s.nextModuleID, m.ID+1)
	}
}

// Create stores rec under the next set id and creates one module per service template. As in
// CMDB, the id is taken before the name is checked, so a duplicate uses one up.
func (s *Store) Create(rec Record, templates []fixtures.ServiceTemplate) (Record, error) {
	key := keyOf(rec)
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
	return maps.Clone(rec), nil
}

// Delete removes a set of a business and its modules. A set that is not there is no error: the
// caller's wish holds. Built-in sets refuse.
func (s *Store) Delete(bizID, setID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.sets[setID]
	if !ok || rec["bk_biz_id"] != bizID {
		return nil
	}
	if rec["default"] != int64(0) {
		return ErrBuiltIn
	}
	delete(s.sets, setID)
	delete(s.names, keyOf(rec))
	for id, m := range s.modules {
		if m.SetID == setID {
			delete(s.modules, id)
		}
	}
	return nil
}

// Query selects sets of a business, as search_set does.
type Query struct {
	BizID     int64
	Condition map[string]any // field -> value, or field -> {"$in": [...]} / {"$eq": v} / {"$ne": v}
	Fields    []string       // empty: every field
	Start     int
	Limit     int    // 0: all
	Sort      string // a field, "-field" for descending; "": bk_set_id
}

// Search returns how many sets match and the page asked for, cut to the fields asked for.
func (s *Store) Search(q Query) (int, []Record, error) {
	s.mu.RLock()
	var hits []Record
	for _, rec := range s.sets {
		if rec["bk_biz_id"] != q.BizID {
			continue
		}
		ok, err := matches(rec, q.Condition)
		if err != nil {
			s.mu.RUnlock()
			return 0, nil, err
		}
		if ok {
			hits = append(hits, rec)
		}
	}
	s.mu.RUnlock()

	field, desc := q.Sort, false
	if field == "" {
		field = "bk_set_id"
	} else if field[0] == '-' {
		field, desc = field[1:], true
	}
	slices.SortStableFunc(hits, func(a, b Record) int {
		c := compareValues(a[field], b[field])
		if c == 0 {
			c = cmp.Compare(a["bk_set_id"].(int64), b["bk_set_id"].(int64))
		}
		if desc {
			return -c
		}
		return c
	})
	count := len(hits)
	hits = hits[min(q.Start, len(hits)):]
	if q.Limit > 0 {
		hits = hits[:min(q.Limit, len(hits))]
	}
	page := make([]Record, len(hits))
	for i, rec := range hits {
		if len(q.Fields) == 0 {
			page[i] = maps.Clone(rec)
			continue
		}
		page[i] = Record{}
		for _, f := range q.Fields {
			if v, ok := rec[f]; ok {
				page[i][f] = v
			}
		}
	}
	return count, page, nil
}

func matches(rec Record, cond map[string]any) (bool, error) {
	for field, want := range cond {
		got := rec[field]
		op, isOp := want.(map[string]any)
		if !isOp {
			if !sameJSON(got, want) {
				return false, nil
			}
			continue
		}
		for name, arg := range op {
			switch name {
			case "$eq":
				if !sameJSON(got, arg) {
					return false, nil
				}
			case "$ne":
				if sameJSON(got, arg) {
					return false, nil
				}
			case "$in":
				list, ok := arg.([]any)
				if !ok {
					return false, fmt.Errorf("%s: $in takes a list", field)
				}
				if !slices.ContainsFunc(list, func(v any) bool { return sameJSON(got, v) }) {
					return false, nil
				}
			default:
				return false, fmt.Errorf("%s: unsupported operator %s", field, name)
			}
		}
	}
	return true, nil
}

// sameJSON compares two values as JSON: int64(3) equals json.Number("3").
func sameJSON(a, b any) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && string(x) == string(y)
}

func compareValues(a, b any) int {
	x, okX := a.(int64)
	y, okY := b.(int64)
	if okX && okY {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
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

// Modules returns the modules of a set, by id.
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
