package mock

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cmdbmock/cmdbmock/fixtures"
)

// Errors of the store.
var (
	// ErrDuplicateName: the parent already has a set by that name.
	ErrDuplicateName = errors.New("a set with the same name exists under the same parent")
	// ErrBuiltIn: built-in sets (default != 0) cannot be deleted.
	ErrBuiltIn = errors.New("built-in sets cannot be removed")
	// ErrStoreFull: the store holds its limit of sets; nothing stored is dropped to make room.
	ErrStoreFull = errors.New("the store holds its limit of sets")
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

// Store holds the sets and modules of one mock. Its id counters belong to it, so two mocks in one
// process never share ids. It is safe for concurrent use.
type Store struct {
	layout       *layout
	limit        int // sets held at most
	mu           sync.RWMutex
	nextSetID    int64
	nextModuleID int64
	slab         *slab
	sets         map[int64]uint32 // id -> slot in slab; neither holds a pointer
	names        *nameIndex
	modules      map[int64]Module
	users        map[string]string // the users sets were created by, one copy each
}

// maxInterned bounds the users a store keeps one copy of.
const maxInterned = 4096

// newStore returns an empty store whose counters start at 1, for at most limit sets with the
// given model attributes and timestamps in loc.
func newStore(attrs []string, loc *time.Location, limit int) *Store {
	s := &Store{layout: newLayout(attrs, loc), limit: limit}
	s.clear()
	return s
}

// clear empties the store and starts its counters again.
func (s *Store) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextSetID, s.nextModuleID = 1, 1
	s.slab = &slab{}
	s.sets = map[int64]uint32{}
	s.names = newNameIndex(s.slab.at)
	s.modules = map[int64]Module{}
	s.users = map[string]string{}
}

// put stores a row that comes with its id (a fixture's built-in set, a saved set) and its
// modules; the counters move past them, so the first id handed out is the highest one + 1.
func (s *Store) put(r row, modules []Module) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.sets[r.id]; ok { // a set of that id is replaced
		s.names.remove(old)
		s.slab.release(old)
	}
	slot := s.slab.add(r)
	s.sets[r.id] = slot
	s.names.put(slot)
	s.nextSetID = max(s.nextSetID, r.id+1)
	for _, m := range modules {
		m.SetID, m.BizID = r.id, r.biz
		s.modules[m.ID] = m
		s.nextModuleID = max(s.nextModuleID, m.ID+1)
	}
}

// create stores r under the next set id, creates one module per service template, and returns
// a copy of the stored row. As in CMDB, the id is taken before the name is checked, so a
// duplicate uses one up.
func (s *Store) create(r row, templates []fixtures.ServiceTemplate) (row, error) {
	key := keyOf(&r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sets) >= s.limit {
		return row{}, ErrStoreFull
	}
	r.id = s.nextSetID
	s.nextSetID++
	if s.names.get(key) != nil {
		return row{}, ErrDuplicateName
	}
	r.createdBy = s.intern(r.createdBy)
	slot := s.slab.add(r)
	s.sets[r.id] = slot
	s.names.put(slot)
	for _, t := range templates {
		m := Module{ID: s.nextModuleID, Name: t.Name, SetID: r.id, BizID: r.biz, ServiceTemplateID: t.ID}
		s.modules[m.ID] = m
		s.nextModuleID++
	}
	return r, nil
}

// intern returns the store's copy of a user name, which keeps nothing else alive (a name cut
// from a request body would keep the whole body); s.mu is held.
func (s *Store) intern(user string) string {
	if u, ok := s.users[user]; ok {
		return u
	}
	user = strings.Clone(user)
	if len(s.users) < maxInterned {
		s.users[user] = user
	}
	return user
}

// Delete removes a set of a business and its modules. A set that is not there is no error: the
// caller's wish holds. Built-in sets refuse.
func (s *Store) Delete(bizID, setID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot, ok := s.sets[setID]
	if !ok || s.slab.at(slot).biz != bizID {
		return nil
	}
	if s.slab.at(slot).def != 0 {
		return ErrBuiltIn
	}
	delete(s.sets, setID)
	s.names.remove(slot)
	s.slab.release(slot)
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
	Condition map[string]any // field -> value, or field -> {"$in": [...]} / {"$eq": v} / {"$ne": v} / {"$regex": "..."}
	Fields    []string       // empty: every field
	Start     int
	Limit     int    // 0: all
	Sort      string // a field, "-field" for descending; "": bk_set_id
}

// Search returns how many sets match and the page asked for, cut to the fields asked for.
func (s *Store) Search(q Query) (int, []Record, error) {
	terms, err := prepare(q.Condition)
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	var hits []row // copies: a slot is used again once its set is deleted
	for _, slot := range s.sets {
		if r := s.slab.at(slot); r.biz == q.BizID && s.layout.matches(r, terms) {
			hits = append(hits, *r)
		}
	}
	s.mu.RUnlock()

	field, desc := q.Sort, false
	if field == "" {
		field = "bk_set_id"
	} else if field[0] == '-' {
		field, desc = field[1:], true
	}
	slices.SortStableFunc(hits, func(a, b row) int {
		if field == "bk_set_id" {
			c := cmp.Compare(a.id, b.id)
			if desc {
				return -c
			}
			return c
		}
		x, _ := s.layout.value(&a, field)
		y, _ := s.layout.value(&b, field)
		c := compareValues(x, y)
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
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
	for i := range hits {
		r := &hits[i]
		if len(q.Fields) == 0 {
			page[i] = s.layout.record(r)
			continue
		}
		page[i] = Record{}
		for _, f := range q.Fields {
			if v, ok := s.layout.value(r, f); ok {
				page[i][f] = v
			}
		}
	}
	return count, page, nil
}

// term is one test of a search condition, checked before any row is read.
type term struct {
	field string
	op    string // $eq, $ne, $in, $regex
	arg   any
	list  []any
	re    *regexp.Regexp
}

// prepare checks a condition and compiles it into terms.
func prepare(cond map[string]any) ([]term, error) {
	var terms []term
	for field, want := range cond {
		op, isOp := want.(map[string]any)
		if !isOp {
			terms = append(terms, term{field: field, op: "$eq", arg: want})
			continue
		}
		for name, arg := range op {
			t := term{field: field, op: name, arg: arg}
			switch name {
			case "$eq", "$ne":
			case "$in":
				list, ok := arg.([]any)
				if !ok {
					return nil, fmt.Errorf("%s: $in takes a list", field)
				}
				t.list = list
			case "$regex":
				pattern, ok := arg.(string)
				if !ok {
					return nil, fmt.Errorf("%s: $regex takes a string", field)
				}
				re, err := regexp.Compile(pattern)
				if err != nil {
					return nil, fmt.Errorf("%s: $regex: %w", field, err)
				}
				t.re = re
			default:
				return nil, fmt.Errorf("%s: unsupported operator %s", field, name)
			}
			terms = append(terms, t)
		}
	}
	return terms, nil
}

func (l *layout) matches(r *row, terms []term) bool {
	for _, t := range terms {
		got, _ := l.value(r, t.field)
		var ok bool
		switch t.op {
		case "$eq":
			ok = sameJSON(got, t.arg)
		case "$ne":
			ok = !sameJSON(got, t.arg)
		case "$in":
			ok = slices.ContainsFunc(t.list, func(v any) bool { return sameJSON(got, v) })
		case "$regex":
			s, isString := got.(string)
			ok = isString && t.re.MatchString(s)
		}
		if !ok {
			return false
		}
	}
	return true
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
	return s.names.get(nameKey{bizID, parentID, name}) != nil
}

// Set returns the record of the set with the given id.
func (s *Store) Set(id int64) (Record, bool) {
	s.mu.RLock()
	slot, ok := s.sets[id]
	var r row
	if ok {
		r = *s.slab.at(slot)
	}
	s.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return s.layout.record(&r), true
}

// has reports whether a set with the given id is stored.
func (s *Store) has(id int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.sets[id]
	return ok
}

// Sets returns the records of all sets, built-in ones included, by id.
func (s *Store) Sets() []Record {
	out := make([]Record, 0, s.Len())
	for _, r := range s.rows() {
		out = append(out, s.layout.record(&r))
	}
	return out
}

// rows returns copies of the stored rows, by id.
func (s *Store) rows() []row {
	s.mu.RLock()
	out := make([]row, 0, len(s.sets))
	for _, slot := range s.sets {
		out = append(out, *s.slab.at(slot))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b row) int { return cmp.Compare(a.id, b.id) })
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
