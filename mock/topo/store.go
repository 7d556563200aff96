package topo

import (
	"cmp"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// Errors of the store.
var (
	// ErrDuplicateName: a set by that name hangs under the same parent, in whatever business:
	// CMDB's unique index is (bk_parent_id, bk_set_name).
	ErrDuplicateName = errors.New("a set with the same name exists under the same parent")
	// ErrBuiltIn: built-in sets (default != 0) cannot be deleted or updated.
	ErrBuiltIn = errors.New("built-in sets cannot be removed or updated")
	// ErrNoSet: no set of that id in that business.
	ErrNoSet = errors.New("no such set in the business")
	// ErrStoreFull: the store holds its limit of sets; nothing stored is dropped to make room.
	ErrStoreFull = errors.New("the store holds its limit of sets")
	// ErrDraftOfAnotherModel: a draft holds another number of attribute values than the store's
	// model has attributes (Draft).
	ErrDraftOfAnotherModel = errors.New("the draft's attributes are not the store's model's")
)

// Record is a set as CMDB returns it. encoding/json writes its keys in alphabetical order, as
// the real system does.
type Record map[string]any

// Business is a business of the topology: the top of its mainline.
type Business struct {
	ID   int64  `json:"bk_biz_id"`
	Name string `json:"bk_biz_name"`
	// Default is 1 for the resource pool, which search_business never lists; 0 for the others.
	Default int64 `json:"default"`
	// Fields are the rest of its record as stored (maintainers, time zone, life cycle, ...).
	Fields Record `json:"fields,omitempty"`
	// Created is its create_time and last_time, in Unix milliseconds: the store's install time.
	Created int64 `json:"created,omitempty"`
}

// record is the business as CMDB stores it, with only the fields asked for when any is; l
// writes its times.
func (b Business) record(l *layout, fields keep) Record {
	rec := make(Record, fields.room(len(b.Fields)+8)) // no growing on the way
	put(rec, fields, "bk_supplier_account", DefaultSupplierAccount)
	fields.copy(rec, b.Fields)
	put(rec, fields, "bk_biz_id", b.ID)
	put(rec, fields, "bk_biz_name", b.Name)
	put(rec, fields, "default", b.Default)
	if fields.any("create_time", "last_time", "bk_created_at", "bk_updated_at") {
		t := l.formatTime(b.Created)
		put(rec, fields, "create_time", t)
		put(rec, fields, "last_time", t)
		put(rec, fields, "bk_created_at", t) // added on read (reference §12.2)
		put(rec, fields, "bk_updated_at", t)
	}
	return rec
}

// appendField appends a field of the business's record as JSON text, without making the
// record: the server's fields first, as record writes them over Fields; l writes its times.
func (b *Business) appendField(text []byte, field string, l *layout) []byte {
	switch field {
	case "bk_biz_id":
		return strconv.AppendInt(text, b.ID, 10)
	case "bk_biz_name":
		return jsonx.AppendString(text, b.Name)
	case "default":
		return strconv.AppendInt(text, b.Default, 10)
	case "create_time", "last_time", "bk_created_at", "bk_updated_at":
		return append(l.appendTime(append(text, '"'), b.Created), '"')
	}
	if v, ok := b.Fields[field]; ok {
		return AppendValue(text, v)
	}
	if field == "bk_supplier_account" {
		return jsonx.AppendString(text, DefaultSupplierAccount)
	}
	return append(text, "null"...)
}

// has reports whether the business's record has the field; made as the record makes it ($exists
// is rare in a condition).
func (b *Business) has(field string, l *layout) bool {
	_, ok := b.record(l, keep{field})[field]
	return ok
}

// Level is a custom mainline level between the business and its sets, such as a zone.
type Level struct {
	ObjID string `json:"bk_obj_id"`
	Name  string `json:"bk_obj_name"`
}

// Node is an instance of a custom level in a business; ParentID 0 is the business itself.
type Node struct {
	ID       int64  `json:"bk_inst_id"`
	Name     string `json:"bk_inst_name"`
	ObjID    string `json:"bk_obj_id"`
	BizID    int64  `json:"bk_biz_id"`
	ParentID int64  `json:"bk_parent_id"`
	// Made is true for a node create_inst made, which outlives a reload of the fixtures and is
	// saved with the state; Created and CreatedBy are its creation's, Fields the rest of its
	// record as stored.
	Made      bool   `json:"made,omitempty"`
	Created   int64  `json:"created,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
	Fields    Record `json:"fields,omitempty"`
}

// Topology is the mainline above the sets: the businesses, the custom levels between a business
// and its sets, top down (none in a fresh install), and their nodes.
type Topology struct {
	Businesses []Business
	Levels     []Level
	Nodes      []Node
}

// ModuleTemplate is what a set template makes one module of: a service template.
type ModuleTemplate struct {
	ServiceTemplateID int64
	ServiceCategoryID int64 // 0: DefaultCategory
	Name              string
	Fields            Record // the attributes the service template defines; nil: none
}

// Store holds the topology of one mock: businesses, sets and modules. Its id counters belong to
// it, so two mocks in one process never share ids. It is safe for concurrent use.
type Store struct {
	layout       *layout
	limit        int // sets held at most
	mu           sync.RWMutex
	businesses   map[int64]Business
	levels       []Level
	nodes        map[int64]Node
	nodeNames    map[nodeKey]int64
	nextNodeID   int64
	nodeLimit    int // custom-level nodes held at most; 0: no limit
	nextSetID    int64
	nextModuleID int64
	slab         *slab
	sets         byID[uint32] // id -> slot in slab; neither holds a pointer
	names        *nameIndex
	modules      moduleIndex       // the modules are in their sets' rows
	moduleLimit  int               // modules held at most
	users        map[string]string // the users sets were created by, one copy each
	// hosts is how many hosts each module that holds any holds, by the module's id (PlaceHosts).
	hosts map[int64]int64
	// model is the model the store's records are of, saved with its state; sameModel refuses
	// a saved state of another.
	model     json.RawMessage
	sameModel func(saved json.RawMessage) error
	// installed is when the topology was installed, in Unix milliseconds: the businesses'
	// create_time, saved with the state.
	installed int64
}

// Installed is when the store's topology was installed, in Unix milliseconds: the create_time
// of its businesses, and of the model its owner describes.
func (s *Store) Installed() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.installed
}

// SetInstalled sets when the store's topology was installed, in Unix milliseconds.
func (s *Store) SetInstalled(unixMS int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setInstalled(unixMS)
}

// setInstalled stamps the businesses with the install time; s.mu is held.
func (s *Store) setInstalled(unixMS int64) {
	s.installed = unixMS
	for id, b := range s.businesses {
		b.Created = unixMS
		s.businesses[id] = b
	}
}

// SetModel describes the model the store's records are of, for the states it writes, and how a
// saved state's model is checked against it before the state is loaded.
func (s *Store) SetModel(model json.RawMessage, same func(saved json.RawMessage) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.model, s.sameModel = model, same
}

// ModulesPerSet is how many modules a store holds at most for each set it may hold.
const ModulesPerSet = 10

// maxInterned bounds the users a store keeps one copy of.
const maxInterned = 4096

// New returns an empty store whose counters start at 1, for at most limit sets with the given
// model attributes (the set's attributes that records hold besides the server's fields, in the
// order a Draft's Attrs hold them, which is alphabetical: records are written in key order)
// and timestamps in loc.
func New(attrs []string, loc *time.Location, limit int) *Store {
	if !slices.IsSorted(attrs) {
		panic("topo: New needs the attributes in alphabetical order")
	}
	s := &Store{layout: newLayout(attrs, loc), limit: limit, moduleLimit: ModuleLimitOf(limit), businesses: map[int64]Business{}}
	s.setNodes(map[int64]Node{})
	s.Clear()
	return s
}

// ModuleLimit is how many modules the store holds at most: ModulesPerSet for each set it may
// hold.
func (s *Store) ModuleLimit() int { return s.moduleLimit }

// ModuleLimitOf is how many modules a store of at most sets sets holds: ModulesPerSet for each,
// or as many as an int counts where the product would wrap.
func ModuleLimitOf(sets int) int {
	if sets > math.MaxInt/ModulesPerSet {
		return math.MaxInt
	}
	return sets * ModulesPerSet
}

// Clear empties the store of sets, modules and the nodes calls made, and starts its counters
// again; the topology of the fixtures above the sets stays.
func (s *Store) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clear()
}

func (s *Store) clear() {
	s.nextSetID, s.nextModuleID = 1, 1
	if s.nodes != nil {
		s.forgetMadeNodes()
	}
	s.slab = &slab{}
	s.sets = byID[uint32]{}
	s.names = newNameIndex(s.slab.at)
	s.modules = newModuleIndex()
	s.users = map[string]string{}
	s.hosts = map[int64]int64{}
}

// SetTopology makes t the topology above the sets, in place of any before. The sets stay, and
// so do the nodes calls made.
func (s *Store) SetTopology(t Topology) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bs := make(map[int64]Business, len(t.Businesses))
	for _, b := range t.Businesses {
		b.Created = s.installed
		bs[b.ID] = b
	}
	nodes := make(map[int64]Node, len(t.Nodes))
	for _, n := range s.nodes {
		if n.Made {
			nodes[n.ID] = n // made by a call: not the fixtures' to take away
		}
	}
	for _, n := range t.Nodes {
		nodes[n.ID] = n
	}
	s.businesses, s.levels = bs, slices.Clone(t.Levels)
	s.setNodes(nodes)
}

// Levels returns the custom levels between a business and its sets, top down.
func (s *Store) Levels() []Level {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.levels)
}

// HasLevels reports whether custom levels stand between a business and its sets.
func (s *Store) HasLevels() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.levels) > 0
}

// Nodes returns the nodes of the custom levels in a business, by id, counted first so that they
// are copied once.
func (s *Store) Nodes(bizID int64) []Node {
	s.mu.RLock()
	n := 0
	for _, node := range s.nodes {
		if node.BizID == bizID {
			n++
		}
	}
	out := make([]Node, 0, n)
	for _, node := range s.nodes {
		if node.BizID == bizID {
			out = append(out, node)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Node) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Node returns the node of a custom level with the given id.
func (s *Store) Node(id int64) (Node, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.nodes[id]
	return n, ok
}

// SetParentExists reports whether a set of business bizID may hang under parentID. Under custom
// levels the parent must be a node of the lowest one in that business; with none, sets hang
// under the business and CMDB stores any positive parent unchecked.
func (s *Store) SetParentExists(bizID, parentID int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.levels) == 0 {
		return parentID > 0
	}
	n, ok := s.nodes[parentID]
	return ok && n.BizID == bizID && n.ObjID == s.levels[len(s.levels)-1].ObjID
}

// Business returns the business with the given id.
func (s *Store) Business(id int64) (Business, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.businesses[id]
	return b, ok
}

// Seed is a set that comes with its id and modules: a fixture's built-in set.
type Seed struct {
	ID      int64
	Draft   Draft
	Modules []Module
	Hosts   map[int64]int64 // how many hosts its modules hold, by module id; none: none
}

// Put stores a set that comes with its id (a fixture's built-in set, a saved set), in place of
// any set of that id, and its modules; the counters move past them, so the first id handed out
// is the highest one + 1.
func (s *Store) Put(id int64, d Draft, modules []Module) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(Seed{ID: id, Draft: d, Modules: modules})
}

// PutMissing stores the seeds whose ids the store does not hold, in one step.
func (s *Store) PutMissing(seeds []Seed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sd := range seeds {
		if _, ok := s.sets.get(sd.ID); !ok {
			s.put(sd)
		}
	}
}

// Reset empties the store of sets and modules, starts its counters again and stores the seeds,
// in one step: no create sees the store in between. The topology above the sets stays.
func (s *Store) Reset(seeds []Seed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clear()
	s.names.bulk = true // the seeds' ids in any order, put in order once
	for _, sd := range seeds {
		s.put(sd)
	}
	s.names.sortIDs()
}

// put is Put with s.mu held.
func (s *Store) put(sd Seed) {
	r, err := s.layout.row(sd.Draft)
	if err != nil {
		panic(err) // a seed is the program's own: a draft of another model is its mistake
	}
	r.id = sd.ID
	modules := sd.Modules
	if old, ok := s.sets.get(r.id); ok { // a set of that id is replaced
		s.removeSet(old)
	}
	slot := s.slab.add(r)
	s.sets.put(r.id, slot)
	s.names.put(slot)
	s.nextSetID = max(s.nextSetID, r.id+1)
	own := make([]Module, 0, len(modules))
	for _, m := range modules {
		m.SetID, m.BizID = r.id, r.biz
		if m.Created == 0 {
			m.Created, m.CreatedBy = r.created, r.createdBy
		}
		m.own(s.users)
		own = append(own, m)
		s.nextModuleID = max(s.nextModuleID, m.ID+1)
	}
	s.setModules(s.slab.at(slot), listOf(own))
	for _, m := range own {
		if n := sd.Hosts[m.ID]; n > 0 {
			s.hosts[m.ID] = n
		}
	}
}

// Create stores a set under the next set id, creates one module per template, and returns the
// stored set. As in CMDB, the id is taken before the name is checked, so a duplicate uses one
// up.
func (s *Store) Create(d Draft, templates []ModuleTemplate) (Set, error) {
	r, err := s.layout.row(d)
	if err != nil {
		return Set{}, err
	}
	key := keyOf(&r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sets.len() >= s.limit {
		return Set{}, ErrStoreFull
	}
	r.id = s.nextSetID
	s.nextSetID++
	if s.names.get(key) != nil {
		return Set{}, ErrDuplicateName
	}
	r.createdBy = s.intern(r.createdBy)
	slot := s.slab.add(r)
	s.sets.put(r.id, slot)
	s.names.put(slot)
	if len(templates) > 0 {
		ms := make([]Module, len(templates))
		for i, t := range templates {
			ms[i] = Module{ID: s.nextModuleID, Name: t.Name, SetID: r.id, BizID: r.biz, ServiceTemplateID: t.ServiceTemplateID,
				ServiceCategoryID: t.ServiceCategoryID, SetTemplateID: r.template, Created: r.created, CreatedBy: r.createdBy,
				Fields: withoutDefaults(t.Fields)}
			s.nextModuleID++
		}
		s.setModules(s.slab.at(slot), listOf(ms))
	}
	return Set{r: r, l: s.layout}, nil
}

// intern returns the store's copy of a user name, which keeps nothing else alive (a name cut
// from a request body would keep the whole body); s.mu is held.
func (s *Store) intern(user string) string { return intern(s.users, user) }

// intern returns users' copy of a user name, made and kept (up to maxInterned of them) the first
// time it is asked for.
func intern(users map[string]string, user string) string {
	if u, ok := users[user]; ok {
		return u
	}
	user = strings.Clone(user)
	if len(users) < maxInterned {
		users[user] = user
	}
	return user
}

// Delete removes sets of a business and their modules, all or none. A set that is not there is
// no error: the caller's wish holds. Built-in sets refuse, whatever their business (ErrBuiltIn),
// then a module of the sets that holds hosts (ErrHasHosts), and then nothing is removed.
func (s *Store) Delete(bizID int64, setIDs ...int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delete(bizID, setIDs, true)
}

// DeleteBusiness removes every set of a business with its modules, built-in ones included, or
// none when a module of them holds hosts (ErrHasHosts): CMDB's batch delete with an empty list
// of ids, whose count of built-in sets among the ids finds none and whose delete then takes the
// whole business. The sets are found under the read lock, a slice of the store at a time, so
// that the scan holds up no write; the write lock is taken to delete what was found.
func (s *Store) DeleteBusiness(bizID int64) error {
	var ids []int64
	for next := uint32(0); ; {
		s.mu.RLock()
		end := min(next+scanSlice, s.slab.size())
		for slot := next; slot < end; slot++ {
			if r := s.slab.at(slot); r.id != 0 && r.biz == bizID {
				ids = append(ids, r.id)
			}
		}
		s.mu.RUnlock()
		if end == next {
			break
		}
		next = end
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delete(bizID, ids, false)
}

// delete is Delete with s.mu held; builtIn says whether built-in sets among setIDs refuse.
func (s *Store) delete(bizID int64, setIDs []int64, builtIn bool) error {
	var slots []uint32
	for _, id := range setIDs {
		slot, ok := s.sets.get(id)
		switch {
		case !ok:
			continue
		case builtIn && s.slab.at(slot).builtIn():
			return ErrBuiltIn // whatever its business: CMDB counts the built-in sets by id alone
		case s.slab.at(slot).biz != bizID:
			continue
		}
		slots = append(slots, slot)
	}
	if s.holdHosts(slots) {
		return ErrHasHosts // checked once no set refuses as built in, before anything is removed
	}
	for _, slot := range slots {
		id := s.slab.at(slot).id
		if _, ok := s.sets.get(id); !ok {
			continue // listed twice
		}
		s.removeSet(slot)
	}
	return nil
}

// holdHosts reports whether a module of the sets in slots holds hosts. s.mu is held.
func (s *Store) holdHosts(slots []uint32) bool {
	if len(s.hosts) == 0 {
		return false // as in a fresh install
	}
	for _, slot := range slots {
		for m := range s.slab.at(slot).modules.all() {
			if s.hosts[m.ID] > 0 {
				return true
			}
		}
	}
	return false
}

// removeSet takes the set in slot out of the store with its modules: out of the indexes, its
// modules first (they are found through the row), then its slot given back. s.mu is held.
func (s *Store) removeSet(slot uint32) {
	r := s.slab.at(slot)
	s.sets.remove(r.id)
	s.setModules(r, moduleList{})
	s.names.remove(slot)
	s.slab.release(slot)
}

// Update writes a set of a business anew from d, keeping its id, business, parent and modules.
// A set that is not there is ErrNoSet; a built-in one ErrBuiltIn; a name another set under the
// same parent has, ErrDuplicateName.
func (s *Store) Update(bizID, setID int64, d Draft) (Set, error) {
	r, err := s.layout.row(d)
	if err != nil {
		return Set{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	slot, ok := s.sets.get(setID)
	switch {
	case ok && s.slab.at(slot).builtIn():
		return Set{}, ErrBuiltIn // whatever its business, as Delete
	case !ok || s.slab.at(slot).biz != bizID:
		return Set{}, ErrNoSet
	}
	old := s.slab.at(slot)
	r.id, r.biz, r.parent, r.modules = old.id, old.biz, old.parent, old.modules
	if other := s.names.get(keyOf(&r)); other != nil && other.id != setID {
		return Set{}, ErrDuplicateName
	}
	r.createdBy = s.intern(r.createdBy)
	s.names.remove(slot)
	s.slab.release(slot)
	slot = s.slab.add(r)
	s.sets.put(setID, slot)
	s.names.put(slot)
	return Set{r: r, l: s.layout}, nil
}

// Set returns the record of the set with the given id.
func (s *Store) Set(id int64) (Record, bool) {
	s.mu.RLock()
	slot, ok := s.sets.get(id)
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

// Get returns the set with the given id.
func (s *Store) Get(id int64) (Set, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	slot, ok := s.sets.get(id)
	if !ok {
		return Set{}, false
	}
	return Set{r: *s.slab.at(slot), l: s.layout}, true
}

// Placed is a set where the topology holds it: under a parent, with its modules.
type Placed struct {
	ID, ParentID, Default, TemplateID int64
	Name                              string
	Modules                           []PlacedModule
}

// PlacedModule is what the topology shows of a module, and the hosts it holds: 48 bytes of the
// module's 112, as a tree copies every module of its business under the store's lock.
type PlacedModule struct {
	ID, Default, ServiceTemplateID, Hosts int64
	Name                                  string
}

// SetsOf returns the sets of a business with their modules, by id; none when there are more
// than limit sets, or more than ModulesPerSet times limit modules, and whether there were. It
// reads the business's own ids, not every set's.
func (s *Store) SetsOf(bizID int64, limit int) ([]Placed, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.names.biz[bizID]
	switch {
	case b == nil:
		return nil, false
	case b.live() > limit:
		return nil, true
	}
	modules := 0
	for _, slot := range s.names.setsOf(bizID) {
		modules += s.slab.at(slot).modules.len()
	}
	if modules > limit*ModulesPerSet {
		return nil, true
	}
	out := make([]Placed, 0, b.live())
	room := make([]PlacedModule, 0, modules) // every set's modules, in one allocation
	for id, slot := range s.names.setsOf(bizID) {
		r := s.slab.at(slot)
		start := len(room)
		for k := range r.modules.nblocks() {
			for _, m := range r.modules.block(k) {
				room = append(room, PlacedModule{ID: m.ID, Default: m.Default, ServiceTemplateID: m.ServiceTemplateID, Hosts: s.hosts[m.ID], Name: m.Name})
			}
		}
		out = append(out, Placed{ID: id, ParentID: r.parent, Default: r.def, TemplateID: r.template, Name: r.name,
			Modules: room[start:len(room):len(room)]})
	}
	return out, false
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
	out := make([]row, 0, s.sets.len())
	for _, slot := range s.sets.all() {
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
	return s.modulesOf(setID).appendTo(nil)
}

// Len returns the number of sets stored, built-in ones included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sets.len()
}

// IdleSet returns the built-in set of a business whose default is 1, its idle pool.
func (s *Store) IdleSet(bizID int64) (Set, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, slot := range s.names.setsOf(bizID) {
		if r := s.slab.at(slot); r.def == 1 {
			return Set{r: *r, l: s.layout}, true
		}
	}
	return Set{}, false
}
