package topo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
)

// StateFormat is the version of a State's layout.
const StateFormat = 1

// State is the store as saved across restarts, counters included.
type State struct {
	Format int `json:"format"`
	// Model describes the model the state was written under, as the store's owner gave it
	// (SetModel); a state of another model is refused when it loads.
	Model        json.RawMessage `json:"model,omitempty"`
	NextSetID    int64           `json:"next_set_id"`
	NextModuleID int64           `json:"next_module_id"`
	Sets         []Record        `json:"sets"`
	Modules      []Module        `json:"modules"`
	// Nodes are the custom levels' nodes calls made (create_inst); the fixtures' are not saved.
	Nodes []Node `json:"nodes,omitempty"`
	// Installed is when the topology was installed, in Unix milliseconds; a state written
	// before it was saved has none, and leaves the store's as it is.
	Installed int64 `json:"installed,omitempty"`
	// Hosts is how many hosts each module that holds any holds, by module id (Store.PlaceHosts).
	Hosts map[int64]int64 `json:"hosts,omitempty"`
}

// Snapshot returns the store's sets, modules and counters.
func (st *Store) Snapshot() State {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := State{Format: StateFormat, Model: st.model, NextSetID: st.nextSetID, NextModuleID: st.nextModuleID, Sets: []Record{}, Modules: []Module{},
		Installed: st.installed}
	for _, slot := range st.sets.all() {
		r := st.slab.at(slot)
		out.Sets = append(out.Sets, st.layout.record(r))
		out.Modules = r.modules.appendTo(out.Modules)
	}
	out.Nodes, out.Hosts = st.madeNodes(), st.savedHosts()
	return out
}

// Restore replaces the store's sets, modules and counters with a saved state, checked as
// ReadState checks one.
func (st *Store) Restore(saved State) error {
	rs := st.restorer()
	for _, rec := range saved.Sets {
		if err := rs.addSet(rec); err != nil {
			return err
		}
	}
	for _, m := range saved.Modules {
		if err := rs.addModule(m); err != nil {
			return err
		}
	}
	rs.nodes, rs.model, rs.installed, rs.hosts = saved.Nodes, saved.Model, saved.Installed, saved.Hosts
	return rs.finish(saved.NextSetID, saved.NextModuleID)
}

// WriteState writes the store to w as the JSON of a State. The sets' compact rows are copied
// under the store's lock, which is then let go; the records are written from the copies, one at
// a time, so that neither the writing nor the memory grows with a map per set.
func (st *Store) WriteState(w io.Writer) error { return st.StateWriter()(w) }

// StateWriter copies the store as it is now and returns what writes that copy as WriteState
// does: the store is held only while it is copied.
func (st *Store) StateWriter() func(io.Writer) error {
	st.mu.RLock()
	// The sets in the order of their slots, and the modules in their sets' order (every module
	// is of a set the store holds, as a load checks): one store is always written as one text.
	// The copy takes a set's list of modules, not the modules, which the store never changes
	// in place (moduleList).
	rows := make([]row, 0, st.sets.len())
	for slot := range st.slab.size() {
		if r := st.slab.at(slot); r.id != 0 {
			rows = append(rows, *r)
		}
	}
	head := State{NextSetID: st.nextSetID, NextModuleID: st.nextModuleID, Nodes: st.madeNodes(), Installed: st.installed, Hosts: st.savedHosts()}
	st.mu.RUnlock()
	return func(w io.Writer) error { return st.writeState(w, head, rows) }
}

// writeState writes the state of head's counters, nodes and install time, and of the rows and
// modules, a value at a time, into chunks that a goroutine of its own writes (chunkWriter): what
// it holds in memory is a few chunks of the text, whatever the store's size. A million sets with
// a module each, made through ESB, written a value at a time (before the chunk writer): saved in
// 2.90-3.86 s at a peak of 1,630-1,722 MB, where writing the modules whole through encoding/json
// took 5.92-7.20 s at 2,897-3,169 MB (a start on the same file and a stop, three of each build in
// turns; 2026-12-06).
func (st *Store) writeState(w io.Writer, head State, rows []row) (err error) {
	cw, b := newChunkWriter(w)
	defer func() {
		if closed := cw.close(b); err == nil {
			err = closed
		}
	}()
	b = fmt.Appendf(b, `{"format":%d,`, StateFormat)
	// flush hands b over once it holds a chunk.
	flush := func() (err error) {
		b, err = cw.next(b)
		return err
	}
	if st.model != nil {
		b = append(append(append(b, `"model":`...), st.model...), ',')
	}
	if head.Installed != 0 {
		b = fmt.Appendf(b, `"installed":%d,`, head.Installed)
	}
	b = fmt.Appendf(b, `"next_set_id":%d,"next_module_id":%d,"sets":[`, head.NextSetID, head.NextModuleID)
	for i := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = st.layout.appendJSON(b, &rows[i])
		if err := flush(); err != nil {
			return err
		}
	}
	b = append(b, `],"modules":[`...)
	var keys []string
	first := true
	for _, r := range rows {
		for m := range r.modules.all() {
			if !first {
				b = append(b, ',')
			}
			first = false
			b, keys = appendModuleJSON(b, m, keys)
			if err := flush(); err != nil {
				return err
			}
		}
	}
	b = append(b, ']')
	if len(head.Nodes) > 0 {
		ns, err := json.Marshal(head.Nodes)
		if err != nil {
			return err
		}
		b = append(append(b, `,"nodes":`...), ns...)
	}
	if len(head.Hosts) > 0 {
		hs, err := json.Marshal(head.Hosts) // its keys sorted: one store is one text
		if err != nil {
			return err
		}
		b = append(append(b, `,"hosts":`...), hs...)
	}
	b = append(b, "}\n"...)
	return nil
}

// appendModuleJSON appends a module as encoding/json writes a Module without HTML escaping
// (TestModuleJSONMatchesEncodingJSON, FuzzModuleJSON); keys is room for its fields' keys, handed
// back for the next.
func appendModuleJSON(b []byte, m *Module, keys []string) ([]byte, []string) {
	b = strconv.AppendInt(append(b, `{"bk_module_id":`...), m.ID, 10)
	b = jsonx.AppendString(append(b, `,"bk_module_name":`...), m.Name)
	b = strconv.AppendInt(append(b, `,"bk_set_id":`...), m.SetID, 10)
	b = strconv.AppendInt(append(b, `,"bk_biz_id":`...), m.BizID, 10)
	b = strconv.AppendInt(append(b, `,"service_template_id":`...), m.ServiceTemplateID, 10)
	b = strconv.AppendInt(append(b, `,"default":`...), m.Default, 10)
	for _, f := range [...]struct {
		key string
		v   int64
	}{{`,"service_category_id":`, m.ServiceCategoryID}, {`,"set_template_id":`, m.SetTemplateID}, {`,"created":`, m.Created}, {`,"updated":`, m.Updated}} {
		if f.v != 0 { // omitempty
			b = strconv.AppendInt(append(b, f.key...), f.v, 10)
		}
	}
	if m.CreatedBy != "" {
		b = jsonx.AppendString(append(b, `,"created_by":`...), m.CreatedBy)
	}
	if len(m.Fields) > 0 {
		b, keys = appendRecord(append(b, `,"fields":`...), m.Fields, keys)
	}
	return append(b, '}'), keys
}

// restorer builds the content of a store from saved sets and modules, checking them, and puts
// it in place at finish.
type restorer struct {
	st    *Store
	rows  *slab
	sets  byID[uint32]
	names *nameIndex
	// modules is the store's index of the modules, kept as they come; its names find two
	// modules of one name in a set. The modules themselves are in their sets' rows.
	modules    moduleIndex
	unsorted   map[uint32]bool   // the sets whose modules were not saved in the order of their ids
	users      map[string]string // one copy of each user the sets and modules were made by
	nodes      []Node            // made by calls
	hosts      map[int64]int64   // the hosts of modules, by id
	model      json.RawMessage   // the model the state was written under
	installed  int64             // when the topology was installed; 0: not saved
	nextSet    int64
	nextModule int64
}

func (st *Store) restorer() *restorer {
	rows := &slab{}
	names := newNameIndex(rows.at)
	names.bulk = true // saved sets come in the order of their slots; sortIDs at finish
	return &restorer{st: st, rows: rows, names: names,
		modules: newModuleIndex(), unsorted: map[uint32]bool{}, users: map[string]string{}, nextSet: 1, nextModule: 1}
}

// addSet adds a set of a snapshot, read as its saved text is.
func (rs *restorer) addSet(rec Record) error {
	text, err := jsonx.Marshal(rec)
	if err != nil {
		return fmt.Errorf("a set of the snapshot: %w", err)
	}
	var r row
	if err := rs.st.layout.rowOf(string(text), &r); err != nil {
		return err
	}
	return rs.addRow(&r)
}

// addRow checks a saved set's row against those added before it, and adds it. An id seen
// before is found by the map not growing as the row is added to it, one look-up rather than
// two: an error leaves the restorer to be dropped.
func (rs *restorer) addRow(r *row) error {
	if rs.names.get(keyOf(r)) != nil {
		return fmt.Errorf("two saved sets are named %q under parent %d", r.name, r.parent)
	}
	r.createdBy = intern(rs.users, r.createdBy)
	slot := rs.rows.add(*r)
	if !rs.sets.add(r.id, slot) || r.id <= 0 {
		return fmt.Errorf("a saved set's id %d is not positive or not unique", r.id)
	}
	rs.names.put(slot)
	rs.nextSet = max(rs.nextSet, r.id+1)
	return nil
}

// addModule checks a saved module against the sets and the modules added before it, and adds
// it.
func (rs *restorer) addModule(m Module) error {
	slot, ok := rs.sets.get(m.SetID)
	if !ok {
		return fmt.Errorf("saved module %d belongs to set %d, which is not saved", m.ID, m.SetID)
	}
	set := rs.rows.at(slot)
	if m.BizID != set.biz {
		return fmt.Errorf("saved module %d is of business %d, its set %d of business %d", m.ID, m.BizID, m.SetID, set.biz)
	}
	if !rs.modules.sets.add(m.ID, m.SetID) || m.ID <= 0 {
		return fmt.Errorf("a saved module's id %d is not positive or not unique", m.ID)
	}
	if rs.modules.names.taken(set, &m) {
		return fmt.Errorf("two saved modules of set %d are named %q", m.SetID, m.Name)
	}
	m.own(rs.users)
	if last := set.modules.last(); last != nil && last.ID > m.ID {
		rs.unsorted[slot] = true // put in order at finish
	}
	rs.modules.add(set, m)
	rs.nextModule = max(rs.nextModule, m.ID+1)
	return nil
}

// finish puts what was read in place of the store's sets and modules; counters behind the
// saved ids are moved past them.
func (rs *restorer) finish(nextSet, nextModule int64) error {
	st := rs.st
	if st.sameModel != nil && rs.model != nil {
		if err := st.sameModel(rs.model); err != nil {
			return err // before anything is replaced
		}
	}
	for id, n := range rs.hosts { // before anything is replaced
		if _, ok := rs.modules.sets.get(id); !ok {
			return fmt.Errorf("hosts: module %d holds hosts, and is not saved", id)
		}
		if n < 0 {
			return fmt.Errorf("hosts: module %d holds %d hosts", id, n)
		}
	}
	rs.names.sortIDs()
	for slot := range rs.unsorted {
		r := rs.rows.at(slot)
		r.modules = listOf(r.modules.appendTo(nil))
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.slab, st.sets, st.names = rs.rows, rs.sets, rs.names
	st.modules, st.users = rs.modules, rs.users
	st.hosts = map[int64]int64{}
	for id, n := range rs.hosts {
		if n > 0 {
			st.hosts[id] = n
		}
	}
	nodes := maps.Clone(st.nodes)
	for _, n := range rs.nodes {
		n.Made = true
		nodes[n.ID] = n
	}
	st.setNodes(nodes)
	st.nextSetID, st.nextModuleID = max(nextSet, rs.nextSet), max(nextModule, rs.nextModule)
	if rs.installed != 0 {
		st.setInstalled(rs.installed)
	}
	return nil
}

// savedKeys are where the keys rowOf reads by name are in a layout's keys.
type savedKeys struct{ id, biz, parent, def, template, name, created, updated, createdBy int }

// rowOf turns a saved set, the JSON text of its record, back into a row; what the row would not
// give back as it was saved is kept as an extra field. The record is read member by member, each
// value left as its text (jsonx.Members), which is what the row keeps of an attribute: no map
// is made of the record, and a value the mock wrote is taken as it was written (appendSaved).
// Against decoding each record into a map and writing its values again, BenchmarkReadState
// takes 242-258 ms rather than 300-336, with 1.40 M allocations rather than 3.40 M (the two test
// binaries in turns, four runs each), and a million sets of bench/state.sh's file load in
// 2.30-2.60 s rather than 3.64-4.05 s, at 655-666 MB rather than 731-754 (three starts of each
// in turns; 2026-12-06).
func (l *layout) rowOf(text string, r *row) error {
	var held [32]string
	saved := held[:0]
	if len(l.keys) <= len(held) {
		saved = held[:len(l.keys)]
	} else {
		saved = make([]string, len(l.keys))
	}
	type member struct{ key, raw string }
	var extra []member // keys the layout does not know, then values the row would not give back
	next := 0
	err := jsonx.Members(text, maxDepth, func(key, raw string) error {
		if i, ok := placeOf(l.keys, l.pos, next, key); ok {
			saved[i], next = raw, i+1 // "" for a key not saved; a key given twice, its last value
		} else {
			extra = append(extra, member{key, raw})
		}
		return nil
	})
	if err != nil {
		return errors.New("sets: a saved set is not a JSON object")
	}
	for _, f := range [...]struct {
		at   int
		into *int64
	}{{l.saved.id, &r.id}, {l.saved.biz, &r.biz}, {l.saved.parent, &r.parent}, {l.saved.def, &r.def}, {l.saved.template, &r.template}} {
		v, err := strconv.ParseInt(saved[f.at], 10, 64)
		if err != nil {
			return fmt.Errorf("a saved set has no integer %s: %q", l.keys[f.at], saved[f.at])
		}
		*f.into = v
	}
	var ok bool
	if r.name, ok = savedString(saved[l.saved.name]); !ok {
		return fmt.Errorf("saved set %d has no name", r.id)
	}
	created, _ := savedString(saved[l.saved.created])
	if ms, ok := l.parseTime(created); ok {
		r.created = ms
	}
	// A set never updated was saved with the same last_time: read once.
	if updated, _ := savedString(saved[l.saved.updated]); updated != created {
		if ms, ok := l.parseTime(updated); ok && ms != r.created {
			r.updated = ms
		}
	}
	r.createdBy, _ = savedString(saved[l.saved.createdBy])
	var vals [512]byte // the attributes' text on the stack; the row's own is made once, by withName
	b := vals[:0]
	for i, src := range l.from { // the attributes come in the order rows hold them
		if src >= srcAttr {
			b = append(appendSaved(b, saved[i]), 0)
		}
	}
	r.vals, r.name = withName(b, r.name)
	// A value the row would not give back as it was saved is kept as an extra field. The
	// attributes' values are in vals as they were saved: only the server's fields are written
	// again to be compared.
	var keptText, asText [64]byte
	kept, as := keptText[:0], asText[:0]
	for i, src := range l.from {
		if saved[i] == "" || src >= srcAttr {
			continue
		}
		if kept, as = l.appendSource(kept[:0], r, src), appendSaved(as[:0], saved[i]); !bytes.Equal(kept, as) {
			extra = append(extra, member{l.keys[i], saved[i]})
		}
	}
	for _, m := range extra {
		if r.extra == nil {
			r.extra = Record{}
		}
		// Both cut from the state's text: kept, a copy.
		v, _ := jsonx.Parse(m.raw, maxDepth, nil)
		r.extra[strings.Clone(m.key)] = JSONValue(v)
	}
	return nil
}

// placeOf finds a key's place among keys, which places maps to: first at next, then in places. A
// state writes a record's keys in the order of keys, so that next, the place after the key found
// before, holds the key and no map is looked in. In a CPU profile of a start on a million sets
// with a module each (perf record, bench/state.sh's file), the map's look-up and its hashing
// fell from 8.1% of the samples to 1.9%, and the load took 4.00-4.89 s, 7.2-8.7 s of CPU, against
// 3.90-4.84 s, 7.0-8.6 s without it (four starts of each build in turns; 2026-12-06): within the
// VM's spread.
func placeOf(keys []string, places map[string]int, next int, key string) (int, bool) {
	if next < len(keys) && keys[next] == key {
		return next, true
	}
	i, ok := places[key]
	return i, ok
}

// plainString is what a JSON string's text holds when it holds no escape and only UTF-8: the
// text between its quotes; false for any other text.
func plainString(raw string) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	return s, strings.IndexByte(s, '\\') < 0 && utf8.ValidString(s)
}

// savedString is the string a saved value's text holds; false when it holds none.
func savedString(raw string) (string, bool) {
	if s, ok := plainString(raw); ok {
		return s, true
	}
	v, _ := jsonx.Parse(raw, maxDepth, nil)
	s, ok := v.(string)
	return s, ok
}

// appendSaved appends a saved value's text as AppendValue writes the value it holds: as it is
// when it is already so, which a value the mock wrote is but an object or a list (a string
// quoted as AppendString quotes it, a number but -0, a literal); written again from its value
// otherwise. FuzzAppendSaved holds it to AppendValue.
func appendSaved(b []byte, raw string) []byte {
	if raw == "" {
		return append(b, "null"...) // not saved
	}
	switch c := raw[0]; {
	case c == '"':
		if s, ok := plainString(raw); ok && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029") {
			return append(b, raw...)
		}
	case c == 't' || c == 'f' || c == 'n', c == '-' && raw != "-0", c >= '0' && c <= '9':
		return append(b, raw...)
	}
	v, _ := jsonx.Parse(raw, maxDepth, nil)
	return AppendValue(b, v)
}
