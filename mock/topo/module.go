package topo

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// Errors of the module calls.
var (
	// ErrDuplicateModule: a module by that name is in the same set; CMDB's unique index is
	// (bk_biz_id, bk_set_id, bk_module_name).
	ErrDuplicateModule = errors.New("a module with the same name is in the set")
	// ErrNoModule: no module of that id in that set of that business.
	ErrNoModule = errors.New("no such module in the set")
	// ErrModulesFull: the store holds its limit of modules.
	ErrModulesFull = errors.New("the store holds its limit of modules")
	// ErrHasHosts: a module the delete would take holds hosts; nothing is deleted.
	ErrHasHosts = errors.New("a module under the target holds hosts")
)

// DefaultCategory is the service category of a module that names none: the second-level
// "Default" category a fresh install has (reference §11.4).
const DefaultCategory = 2

// Module is a module of a set: made by create_module, by a set template, or taken from
// fixtures. Its record is the server's fields below and Fields, the rest as stored.
type Module struct {
	ID                int64  `json:"bk_module_id"`
	Name              string `json:"bk_module_name"`
	SetID             int64  `json:"bk_set_id"`
	BizID             int64  `json:"bk_biz_id"`
	ServiceTemplateID int64  `json:"service_template_id"`
	Default           int64  `json:"default"` // a built-in module's kind: 1 idle, 2 faulty, 3 to recycle
	// ServiceCategoryID is the module's service category; 0 in a state saved before modules had
	// one, read as DefaultCategory.
	ServiceCategoryID int64 `json:"service_category_id,omitempty"`
	SetTemplateID     int64 `json:"set_template_id,omitempty"`
	// Created and Updated are create_time and last_time in Unix milliseconds; Updated 0: Created.
	Created   int64  `json:"created,omitempty"`
	Updated   int64  `json:"updated,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
	// Fields are the rest of the record as stored: the model's other attributes sent or
	// defaulted, the keys CMDB keeps as sent, an owner other than "0". Nil for a module the
	// store made: then the model's defaults.
	Fields Record `json:"fields,omitempty"`
}

// moduleDefaults are what a module's record holds for the attributes its Fields leave out:
// CMDB's defaults of the module model (reference §11.4).
var moduleDefaults = Record{
	"bk_module_type": "1", "operator": nil, "bk_bak_operator": nil, "host_apply_enabled": false,
	"bk_updated_by": nil, "bk_supplier_account": DefaultSupplierAccount,
}

// withoutDefaults returns fields less those moduleDefaults give as they are, which the record
// holds all the same: nil when none is left, fields itself when none goes; fields is left as it
// is. A module made through create_module with the model's defaults keeps no map: a million
// sets with such a module each, made through ESB, hold 1,100-1,105 MB rather than 1,864-1,891,
// save in 1.52-2.14 s rather than 3.48-4.24 to a file of 640 MB rather than 727, and load in
// 3.56 s at a peak of 992-1,009 MB rather than 5.17-5.37 s at 1,629-1,660 (MODULES=1
// bench/state.sh, two runs of each build in turns; 2026-12-06).
func withoutDefaults(fields Record) Record {
	same := func(k string, v any) bool {
		d, ok := moduleDefaults[k]
		switch v.(type) {
		case nil, string, bool: // the kinds of moduleDefaults, and comparable
			return ok && v == d
		}
		return false
	}
	n := 0
	for k, v := range fields {
		if !same(k, v) {
			n++
		}
	}
	switch n {
	case len(fields):
		return fields
	case 0:
		return nil
	}
	out := make(Record, n)
	for k, v := range fields {
		if !same(k, v) {
			out[k] = v
		}
	}
	return out
}

// own makes m what the store keeps of a module: its name a copy (one cut from a request or a
// state would keep all of it alive), its user the one copy in users (intern), its fields less
// the defaults (withoutDefaults).
func (m *Module) own(users map[string]string) {
	m.Name, m.CreatedBy, m.Fields = strings.Clone(m.Name), intern(users, m.CreatedBy), withoutDefaults(m.Fields)
}

// record is the module as CMDB returns it, with only the fields asked for when any is (a page's
// record makes nothing it leaves out); l writes its times.
func (m Module) record(l *layout, fields keep) Record {
	rec := make(Record, fields.room(len(moduleDefaults)+len(m.Fields)+14)) // no growing on the way
	fields.copy(rec, moduleDefaults)
	fields.copy(rec, m.Fields)
	put(rec, fields, "bk_module_id", m.ID)
	put(rec, fields, "bk_module_name", m.Name)
	put(rec, fields, "bk_set_id", m.SetID)
	put(rec, fields, "bk_biz_id", m.BizID)
	put(rec, fields, "bk_parent_id", m.SetID)
	if !textDefault(m.Fields) { // an update's, kept as sent
		put(rec, fields, "default", m.Default)
	}
	put(rec, fields, "service_template_id", m.ServiceTemplateID)
	put(rec, fields, "set_template_id", m.SetTemplateID)
	put(rec, fields, "service_category_id", cmp.Or(m.ServiceCategoryID, DefaultCategory))
	put(rec, fields, "bk_created_by", m.CreatedBy)
	if fields.any("create_time", "bk_created_at", "last_time", "bk_updated_at") {
		created := l.formatTime(m.Created)
		updated := created
		if m.Updated != 0 {
			updated = l.formatTime(m.Updated)
		}
		put(rec, fields, "create_time", created)
		put(rec, fields, "bk_created_at", created)
		put(rec, fields, "last_time", updated)
		put(rec, fields, "bk_updated_at", updated)
	}
	return rec
}

// owner is the supplier account the module was stored under.
func (m Module) owner() string { return ownerIn(m.Fields) }

// BuiltIn reports whether CMDB counts the module as built in, and so refuses to update or
// delete it: a default, as stored, other than the numbers 0 (an ordinary module) and 4 (one a
// user made in the resource pool) (bk-cmdb src/scene_server/topo_server/service/
// inst_module.go:176-201 @111e7ac), which a default stored as text, "0" included, never is.
func (m Module) BuiltIn() bool { return m.Default != 0 && m.Default != 4 || textDefault(m.Fields) }

// scanModules is how many modules a set holds before their names are found in an index of the
// set's rather than by reading them.
const scanModules = 64

// moduleIndex is how a store finds the modules its sets' rows hold: a module's set by the
// module's id, a large set's modules by name, and the sets that hold built-in modules. A load
// builds one and hands it over whole.
type moduleIndex struct {
	sets    byID[int64] // module id -> its set's id
	names   moduleNames
	builtIn builtInSets
}

func newModuleIndex() moduleIndex {
	return moduleIndex{names: moduleNames{}, builtIn: builtInSets{}}
}

// add appends m, whose id is in ix.sets already, to the set's modules, and indexes it by name
// and by kind.
func (ix moduleIndex) add(set *row, m Module) {
	set.modules = set.modules.add(m)
	if names, ok := ix.names[set.id]; ok {
		names[m.Name] = m.ID
	}
	ix.builtIn.add(&m)
}

// moduleNames are the ids of a set's modules by name, for the sets of more than scanModules
// whose names were checked: set id -> name -> module id.
type moduleNames map[int64]map[string]int64

// taken says whether another module of the set has m's name: CMDB's unique index of modules is
// (business, set, name), and a set's modules are all of its business. A set of a few modules is
// read; a larger one's names are indexed the first time they are checked, so that a check costs
// the same in a set of thousands.
func (ns moduleNames) taken(set *row, m *Module) bool {
	if set.modules.len() <= scanModules {
		for x := range set.modules.all() {
			if x.ID != m.ID && x.Name == m.Name {
				return true
			}
		}
		return false
	}
	names, ok := ns[set.id]
	if !ok {
		names = make(map[string]int64, set.modules.len())
		for x := range set.modules.all() {
			names[x.Name] = x.ID
		}
		ns[set.id] = names
	}
	id, taken := names[m.Name]
	return taken && id != m.ID
}

// rename moves m from the name old to its own in its set's index of names, if the set has one.
func (ns moduleNames) rename(setID int64, old string, m *Module) {
	if names, ok := ns[setID]; ok {
		delete(names, old)
		names[m.Name] = m.ID
	}
}

// setModules makes ms the modules of a set's row, in place of those it had, and keeps the index
// of modules by id and the sets of built-in modules; the set's index of names, if it had one, is
// dropped, and so are the hosts of the modules it had. s.mu is held.
func (s *Store) setModules(r *row, ms moduleList) {
	for m := range r.modules.all() {
		s.modules.sets.remove(m.ID)
		if len(s.hosts) > 0 {
			delete(s.hosts, m.ID)
		}
	}
	delete(s.modules.names, r.id)
	delete(s.modules.builtIn[r.biz], r.id)
	r.modules = ms
	for m := range ms.all() {
		s.modules.sets.put(m.ID, r.id)
		s.modules.builtIn.add(m)
	}
}

// builtInSets are, by business, the sets that hold a module whose default is not 0, or held one
// (a set is let go only when it leaves the store): get_biz_internal_module's modules are found
// in them, not in every set of the business (BenchmarkBuiltInOfALargeBusiness, 200,000 sets:
// 0.24 us a read, where reading every set took 4.0-4.4 ms).
type builtInSets map[int64]map[int64]bool

// add notes m's set if m is a built-in module.
func (b builtInSets) add(m *Module) {
	if m.Default == 0 {
		return
	}
	sets, ok := b[m.BizID]
	if !ok {
		sets = map[int64]bool{}
		b[m.BizID] = sets
	}
	sets[m.SetID] = true
}

// modulesOf returns the modules of a set, none when it is not stored; s.mu is held.
func (s *Store) modulesOf(setID int64) moduleList {
	if slot, ok := s.sets.get(setID); ok {
		return s.slab.at(slot).modules
	}
	return moduleList{}
}

// CreateModule stores a module under the next module id and returns its record: ErrNoSet when
// its set is not stored in its business. As in CMDB, the id is taken before the name is checked,
// so a duplicate uses one up. The module is appended to its set's modules in place, past what
// any copy of the row reads: a create costs the same in a set of thousands as in a set of one.
func (s *Store) CreateModule(m Module) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot, ok := s.sets.get(m.SetID)
	if !ok || s.slab.at(slot).biz != m.BizID {
		return nil, ErrNoSet
	}
	set := s.slab.at(slot)
	if s.modules.sets.len() >= s.moduleLimit {
		return nil, ErrModulesFull
	}
	m.ID = s.nextModuleID
	s.nextModuleID++
	if s.modules.names.taken(set, &m) {
		return nil, ErrDuplicateModule
	}
	m.own(s.users)
	s.modules.sets.put(m.ID, set.id)
	s.modules.add(set, m)
	return m.record(s.layout, nil), nil
}

// Module returns the module with the given id, in whatever set.
func (s *Store) Module(id int64) (Module, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.module(id)
}

func (s *Store) module(id int64) (Module, bool) {
	set, at, ok := s.moduleAt(id)
	if !ok {
		return Module{}, false
	}
	return *set.modules.at(at), true
}

// moduleAt finds the module with the given id: its set's row and its place in the set's
// modules. s.mu is held.
func (s *Store) moduleAt(id int64) (set *row, at place, ok bool) {
	setID, ok := s.modules.sets.get(id)
	if !ok {
		return nil, place{}, false
	}
	slot, _ := s.sets.get(setID)
	set = s.slab.at(slot)
	at, ok = set.modules.find(id)
	return set, at, ok
}

// UpdateModule writes a module anew, keeping its id, business and set: ErrNoModule when it is
// not there, ErrDuplicateModule when another module of the set has its new name.
func (s *Store) UpdateModule(m Module) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, at, ok := s.moduleAt(m.ID)
	if !ok {
		return ErrNoModule
	}
	old := set.modules.at(at)
	if old.BizID != m.BizID || old.SetID != m.SetID {
		return ErrNoModule
	}
	if s.modules.names.taken(set, &m) {
		return ErrDuplicateModule
	}
	m.own(s.users)
	set.modules = set.modules.with(at, m) // old is left as it was
	s.modules.builtIn.add(&m)
	s.modules.names.rename(set.id, old.Name, &m)
	return nil
}

// DeleteModule removes a module of a set of a business; one that is not there is no error
// (reference §11.7 D7), one that holds hosts ErrHasHosts (D6).
func (s *Store) DeleteModule(bizID, setID, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, at, ok := s.moduleAt(id)
	if !ok {
		return nil
	}
	m := set.modules.at(at)
	switch {
	case m.BizID != bizID || m.SetID != setID:
		return nil
	case s.hosts[id] > 0:
		return ErrHasHosts
	}
	delete(s.modules.names[setID], m.Name)
	set.modules = set.modules.without(at)
	s.modules.sets.remove(id)
	return nil
}

// PlaceHosts makes a module hold hosts hosts (0 or more), in place of those it held, and
// returns it: ErrNoModule when no module has that id. The mock keeps how many hosts a module
// holds, not the hosts, beside the modules, as CMDB keeps its hosts' modules in a table of
// their own: a delete that would take a module holding any is refused (ErrHasHosts).
func (s *Store) PlaceHosts(id, hosts int64) (Module, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, at, ok := s.moduleAt(id)
	if !ok {
		return Module{}, ErrNoModule
	}
	if hosts > 0 {
		s.hosts[id] = hosts
	} else {
		delete(s.hosts, id)
	}
	return *set.modules.at(at), nil
}

// savedHosts is a copy of the hosts modules hold, by module id, for a state; nil when none holds
// any. s.mu is held.
func (s *Store) savedHosts() map[int64]int64 {
	if len(s.hosts) == 0 {
		return nil
	}
	return maps.Clone(s.hosts)
}

// Hosts is how many hosts a module holds.
func (s *Store) Hosts(id int64) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.hosts[id]
}

// ModuleQuery selects modules of a business, as search_module and find_module_batch do.
type ModuleQuery struct {
	BizID     int64
	SetID     int64          // 0: every set
	IDs       []int64        // when not nil: only these ids
	Condition map[string]any // as Query's
	Fields    []string       // empty: every field
	Start     int
	Limit     int    // 0: every module from Start on
	Sort      string // a field, "-field" for descending; "": bk_module_id
	MaxPage   int    // the most modules a page may hold; 0: DefaultMaxPage
	Owners    []string
}

// SearchModules returns how many modules match and the page asked for, cut to the fields asked
// for (eachModule reads them). It tests their values without making records, and makes records
// only for what the page can reach: its memory is bounded by the page and the sets' ids, not by
// the modules. Against a record made for each module, a search of 200,000 went from 475 ms and
// 598 MB to 21 ms and 1.2 MB (BenchmarkSearchModules, medians of -count 6, one run).
func (s *Store) SearchModules(ctx context.Context, q ModuleQuery) (int, []Record, error) {
	terms, top, err := planAnyDepth(q.Condition, nil, q.Start, q.Limit, q.MaxPage, q.Sort, "bk_module_id")
	if err != nil {
		return 0, nil, err
	}
	if top.deep {
		return s.deepModulePage(ctx, q, terms, top)
	}
	sets := s.moduleSets(q)
	count := 0
	var scratch []byte
	err = s.eachModule(ctx, q, sets, terms, func(m *Module) {
		count++
		scratch = offerValues(top, m.ID, m, scratch, s.layout)
	})
	if err != nil {
		return 0, nil, err
	}
	return pageOf(top, count, q.Fields, s.layout)
}

// moduleSets are the sets whose modules a search reads, when it does not ask for modules by
// id: one set's, or the business's; never a walk of every set's.
func (s *Store) moduleSets(q ModuleQuery) []int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch {
	case q.IDs != nil:
		return nil
	case q.SetID != 0:
		if s.modulesOf(q.SetID).len() > 0 {
			return []int64{q.SetID}
		}
		return nil
	}
	return slices.AppendSeq(make([]int64, 0, s.names.biz[q.BizID].live()), s.names.idsIn(q.BizID))
}

// eachModule calls match with each module of a search that its business, owners and condition
// take: the modules asked for by id, or else those of the sets, in slices, each taken under the
// store's lock and read once it is let go (a module is never changed in place), until ctx ends.
func (s *Store) eachModule(ctx context.Context, q ModuleQuery, sets []int64, terms []term, match func(*Module)) error {
	var scratch []byte
	consider := func(m *Module) {
		if m.BizID != q.BizID || len(q.Owners) > 0 && !slices.Contains(q.Owners, m.owner()) {
			return
		}
		var ok bool
		if ok, scratch = matchesValues(m, terms, scratch, s.layout); ok {
			match(m)
		}
	}
	if q.IDs != nil {
		// The modules asked for, found by their ids, in slices under the lock; an id asked for
		// twice is counted once.
		ids := slices.Compact(slices.Sorted(slices.Values(q.IDs)))
		found := make([]*Module, 0, min(len(ids), scanSlice))
		for len(ids) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			found = found[:0]
			s.mu.RLock()
			for _, id := range ids[:min(len(ids), scanSlice)] {
				if set, at, ok := s.moduleAt(id); ok && (q.SetID == 0 || set.id == q.SetID) {
					found = append(found, set.modules.at(at))
				}
			}
			s.mu.RUnlock()
			ids = ids[min(len(ids), scanSlice):]
			for _, m := range found {
				consider(m)
			}
		}
		return nil
	}
	var lists []moduleList
	for next := 0; next < len(sets); {
		if err := ctx.Err(); err != nil {
			return err
		}
		// The modules of a slice of the sets, taken under the lock and read once it is let go
		// (a list is never changed in place): a set of a million modules holds up no write
		// while it is read.
		lists = lists[:0]
		s.mu.RLock()
		for read := 0; next < len(sets) && read < scanSlice; next++ {
			ms := s.modulesOf(sets[next]) // none when the set went meanwhile
			lists = append(lists, ms)
			read += ms.len() + 1
		}
		s.mu.RUnlock()
		for _, ms := range lists {
			for k := range ms.nblocks() {
				if k > 0 && ctx.Err() != nil { // a large set's: its blocks one by one
					return ctx.Err()
				}
				b := ms.block(k)
				for i := range b {
					consider(&b[i])
				}
			}
		}
	}
	return nil
}

// deepBuckets is how many ranges of ids a pass of seekPage counts the matches of.
const deepBuckets = 1024

// deepModulePage is a page past MaxWindow of a search of modules in the order of their ids, so
// that a client walking a business's modules page by page reaches its last, as CMDB answers any
// start. A business's modules are read set by set, not in the order of their ids, so where the
// page starts is found by counting (seekPage), from the span of the ids the store gave out; a
// last pass keeps the page from there. A page of 200 at the 999,700th of a million modules:
// 86-92 ms and 8.8 MB, against 51-63 ms and 8.2 MB for the first page of 10, one pass
// (BenchmarkDeepModulePage, three runs). The passes read the sets of the first; a module made or
// removed between two passes moves the page as it would move a database's cursor. Any other
// order ranks its matches, and a page past MaxWindow of it is refused.
func (s *Store) deepModulePage(ctx context.Context, q ModuleQuery, terms []term, top *pageHeap) (int, []Record, error) {
	byID, desc := idOrder(q.Sort, "bk_module_id")
	if !byID {
		return 0, nil, ErrPageTooLarge
	}
	sets := s.moduleSets(q)
	s.mu.RLock()
	given := idSpan{lo: 1, hi: s.nextModuleID - 1, skip: top.start, desc: desc}
	s.mu.RUnlock()
	matches := func(visit func(id int64)) error {
		return s.eachModule(ctx, q, sets, terms, func(m *Module) { visit(m.ID) })
	}
	count, at, found, err := seekPage(matches, given, MaxWindow-top.window, top.tooLarge)
	switch {
	case err != nil:
		return 0, nil, err
	case !found:
		return count, []Record{}, nil
	}
	page, err := newPage(at.skip, top.window, top.maxPage, q.Sort, "bk_module_id")
	if err != nil {
		return 0, nil, err
	}
	var scratch []byte
	err = s.eachModule(ctx, q, sets, terms, func(m *Module) {
		if desc && m.ID <= at.hi || !desc && m.ID >= at.lo {
			scratch = offerValues(page, m.ID, m, scratch, s.layout)
		}
	})
	if err != nil {
		return 0, nil, err
	}
	return pageOf(page, count, q.Fields, s.layout)
}

// idSpan is a span of ids, lo to hi, and the rank of a page's first match among the matches in
// it: skip matches come before it from lo on, or from hi down when desc.
type idSpan struct {
	lo, hi int64
	skip   int
	desc   bool
}

// seekPage finds where a page of matches in the order of their ids starts, when the matches
// come in another order: each call of matches is a pass that calls visit with the id of every
// match. Each pass counts the matches in each of deepBuckets equal ranges of the span; the page's
// first match lies in one of them, behind the matches of those before it, and that range is the
// next pass's span, until at most room matches of it come before the page. It returns how many
// matches the first pass saw and the span, whose matches from its start on (from lo up, or
// from hi down) hold the page at rank skip; false when the page lies past the last match. A
// count that tooLarge refuses is ErrPageTooLarge. A first span that does not hold every match
// (a fixture's id outside the ids the store gave out) is widened to theirs by a second pass. A
// negative room, a page larger than a heap may keep (MaxWindow), is ErrPageTooLarge at once: no
// pass would leave less than none before the page.
//
// Ids the store gave out take one pass while it gave out fewer than about a hundred million
// (deepBuckets times MaxWindow); ids spread over all of int64, with room for a page, at most
// six, one to widen the first span and five to narrow it, as each pass narrows the span by
// deepBuckets (TestSeekPagePasses); whatever the room, at most eight, seven to narrow 2^63 ids
// down to single ones (FuzzSeekPage, which also holds the page to the one the sorted ids give).
func seekPage(matches func(visit func(id int64)) error, sp idSpan, room int, tooLarge func(count int) bool) (int, idSpan, bool, error) {
	if room < 0 {
		return 0, sp, false, ErrPageTooLarge
	}
	count := -1
	for count < 0 || sp.skip > room {
		width := (uint64(sp.hi)-uint64(sp.lo))/deepBuckets + 1 // the ranges cover the span: no sum wraps
		var in [deepBuckets]int
		n, low, high := 0, int64(math.MaxInt64), int64(math.MinInt64)
		err := matches(func(id int64) {
			n, low, high = n+1, min(low, id), max(high, id)
			if id >= sp.lo && id <= sp.hi {
				in[(uint64(id)-uint64(sp.lo))/width]++
			}
		})
		if err != nil {
			return 0, sp, false, err
		}
		if count < 0 {
			switch count = n; {
			case tooLarge(count):
				return 0, sp, false, ErrPageTooLarge
			case count <= sp.skip:
				return count, sp, false, nil
			case low < sp.lo || high > sp.hi:
				sp.lo, sp.hi = low, high
				continue
			}
		}
		if !sp.narrow(&in, width) { // removed since they were counted: the page lies past the last match
			return count, sp, false, nil
		}
	}
	return count, sp, true, nil
}

// narrow makes the span the range of the given width in which the page's first match lies, by
// the matches counted in each range; false when the counts end before it.
func (sp *idSpan) narrow(in *[deepBuckets]int, width uint64) bool {
	for k := range uint64(deepBuckets) {
		b := k
		if sp.desc {
			b = deepBuckets - 1 - k
		}
		if sp.skip < in[b] {
			from, to := b*width, min(b*width+width-1, uint64(sp.hi)-uint64(sp.lo))
			sp.lo, sp.hi = int64(uint64(sp.lo)+from), int64(uint64(sp.lo)+to)
			return true
		}
		sp.skip -= in[b]
	}
	return false
}

// appendField appends a field of the module's record as JSON text, without making the record; l
// writes its times. A search reads a stored module through a pointer: modules in the store are
// never changed in place (moduleList), so it may be read once the lock is let go.
func (m *Module) appendField(b []byte, field string, l *layout) []byte {
	switch field {
	case "bk_module_id":
		return strconv.AppendInt(b, m.ID, 10)
	case "bk_module_name":
		return jsonx.AppendString(b, m.Name)
	case "bk_set_id", "bk_parent_id":
		return strconv.AppendInt(b, m.SetID, 10)
	case "bk_biz_id":
		return strconv.AppendInt(b, m.BizID, 10)
	case "default":
		return strconv.AppendInt(b, m.Default, 10)
	case "service_template_id":
		return strconv.AppendInt(b, m.ServiceTemplateID, 10)
	case "set_template_id":
		return strconv.AppendInt(b, m.SetTemplateID, 10)
	case "bk_created_by":
		return jsonx.AppendString(b, m.CreatedBy)
	case "service_category_id", "create_time", "last_time", "bk_created_at", "bk_updated_at":
		return AppendValue(b, m.record(l, keep{field})[field]) // rare in a condition: made as the record makes it
	}
	if v, ok := m.Fields[field]; ok {
		return AppendValue(b, v)
	}
	return AppendValue(b, moduleDefaults[field])
}

// has reports whether the module's record has the field; made as the record makes it ($exists
// is rare in a condition).
func (m *Module) has(field string, l *layout) bool {
	_, ok := m.record(l, keep{field})[field]
	return ok
}

// pageOf is the page a search kept, cut to the fields asked for; l writes its records' times.
func pageOf(top *pageHeap, count int, fields []string, l *layout) (int, []Record, error) {
	hits, err := top.page(count)
	if err != nil {
		return 0, nil, err
	}
	page := make([]Record, len(hits))
	for i, h := range hits {
		page[i] = h.val.record(l, fields)
	}
	return count, page, nil
}

// RecordQuery selects records by a condition and tests, as Query does sets, and pages them.
type RecordQuery struct {
	Condition map[string]any
	Rules     []Rule
	Fields    []string
	Start     int
	Limit     int
	Sort      string
	MaxPage   int
}

// SearchBusinesses returns how many businesses match and the page asked for; ids, when not nil,
// limits them to those. Businesses are few (the fixtures'); their values are read without
// making their records, which are made for the page's only.
func (s *Store) SearchBusinesses(ctx context.Context, q RecordQuery, ids map[int64]bool) (int, []Record, error) {
	terms, top, err := plan(q.Condition, q.Rules, q.Start, q.Limit, q.MaxPage, q.Sort, "bk_biz_id")
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	bs := slices.Collect(maps.Values(s.businesses))
	s.mu.RUnlock()
	count := 0
	var scratch []byte
	for i := range bs {
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
		b := &bs[i]
		if ids != nil && !ids[b.ID] {
			continue
		}
		var ok bool
		if ok, scratch = matchesValues(b, terms, scratch, s.layout); ok {
			count++
			scratch = offerValues(top, b.ID, b, scratch, s.layout)
		}
	}
	return pageOf(top, count, q.Fields, s.layout)
}

// SearchRecords returns how many of recs match a query and the positions in recs of the page
// asked for, in the query's order, ties in the order of recs: a search of records the caller
// holds, such as a model's attributes, by the rules of every other search.
func SearchRecords(ctx context.Context, recs []Record, q RecordQuery) (int, []int, error) {
	terms, top, err := plan(q.Condition, q.Rules, q.Start, q.Limit, q.MaxPage, q.Sort, "")
	if err != nil {
		return 0, nil, err
	}
	count := 0
	var scratch []byte
	for i, r := range recs {
		if err := ctx.Err(); err != nil {
			return 0, nil, err
		}
		var ok bool
		if ok, scratch = matchesValues(r, terms, scratch, nil); ok {
			count++
			scratch = offerValues(top, int64(i), r, scratch, nil)
		}
	}
	hits, err := top.page(count)
	if err != nil {
		return 0, nil, err
	}
	at := make([]int, len(hits))
	for i, h := range hits {
		at[i] = int(h.id)
	}
	return count, at, nil
}

// appendField, has and record let a record be searched as an instance.
func (r Record) appendField(b []byte, field string, _ *layout) []byte {
	return AppendValue(b, r[field])
}

func (r Record) has(field string, _ *layout) bool {
	_, ok := r[field]
	return ok
}
func (r Record) record(_ *layout, fields keep) Record { return fields.cut(r) }

// keep is the fields a record is made with: all of them when none is named.
type keep []string

func (k keep) has(field string) bool { return len(k) == 0 || slices.Contains(k, field) }

// any is whether it keeps one of the fields.
func (k keep) any(fields ...string) bool { return slices.ContainsFunc(fields, k.has) }

// room is how many fields a record that could hold n needs room for.
func (k keep) room(n int) int {
	if len(k) == 0 {
		return n
	}
	return min(n, len(k))
}

// copy puts the fields of from it keeps into rec.
func (k keep) copy(rec, from Record) {
	if len(k) == 0 {
		maps.Copy(rec, from)
		return
	}
	for _, f := range k {
		if v, ok := from[f]; ok {
			rec[f] = v
		}
	}
}

// cut is rec with the fields it keeps alone.
func (k keep) cut(rec Record) Record {
	if len(k) == 0 {
		return rec
	}
	out := make(Record, len(k))
	k.copy(out, rec)
	return out
}

// put sets a field the record keeps; a value it leaves out is not made into an any (v's type
// is a parameter, not an any, for that).
func put[V int64 | string](rec Record, k keep, field string, v V) {
	if k.has(field) {
		rec[field] = v
	}
}

// BuiltInModules returns the modules of a business whose default is not 0 (its idle, faulty
// and recycle modules), by id: get_biz_internal_module's. It reads the sets that hold such
// modules (builtInSets), not every set of the business.
func (s *Store) BuiltInModules(bizID int64) []Module {
	s.mu.RLock()
	var out []Module
	for setID := range s.modules.builtIn[bizID] {
		for m := range s.modulesOf(setID).all() {
			if m.Default != 0 {
				out = append(out, *m)
			}
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, byModuleID)
	return out
}

// ModuleRecord is the record of a module as CMDB returns it.
func (s *Store) ModuleRecord(m Module) Record { return m.record(s.layout, nil) }
