package topo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"
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
}

// Snapshot returns the store's sets, modules and counters.
func (st *Store) Snapshot() State {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := State{Format: StateFormat, Model: st.model, NextSetID: st.nextSetID, NextModuleID: st.nextModuleID, Sets: []Record{}, Modules: []Module{},
		Installed: st.installed}
	for _, slot := range st.sets {
		out.Sets = append(out.Sets, st.layout.record(st.slab.at(slot)))
	}
	for _, ms := range st.modules {
		out.Modules = append(out.Modules, ms...)
	}
	out.Nodes = st.madeNodes()
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
	rs.nodes, rs.model, rs.installed = saved.Nodes, saved.Model, saved.Installed
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
	rows := make([]row, 0, len(st.sets))
	for slot := range st.slab.size() {
		if r := st.slab.at(slot); r.id != 0 {
			rows = append(rows, *r)
		}
	}
	var modules []Module
	for _, ms := range st.modules {
		modules = append(modules, ms...)
	}
	head := State{NextSetID: st.nextSetID, NextModuleID: st.nextModuleID, Nodes: st.madeNodes(), Installed: st.installed}
	st.mu.RUnlock()
	return func(w io.Writer) error { return st.writeState(w, head, rows, modules) }
}

// writeState writes the state of head's counters, nodes and install time, and of the rows and
// modules.
func (st *Store) writeState(w io.Writer, head State, rows []row, modules []Module) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	b := fmt.Appendf(nil, `{"format":%d,`, StateFormat)
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
		if len(b) > 64<<10 {
			if _, err := bw.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	b = append(b, `],"modules":`...)
	if modules == nil {
		modules = []Module{}
	}
	ms, err := json.Marshal(modules)
	if err != nil {
		return err
	}
	b = append(b, ms...)
	if len(head.Nodes) > 0 {
		ns, err := json.Marshal(head.Nodes)
		if err != nil {
			return err
		}
		b = append(append(b, `,"nodes":`...), ns...)
	}
	b = append(b, "}\n"...)
	if _, err := bw.Write(b); err != nil {
		return err
	}
	return bw.Flush()
}

// restorer builds the content of a store from saved sets and modules, checking them, and puts
// it in place at finish.
type restorer struct {
	st      *Store
	rows    *slab
	sets    map[int64]uint32
	names   *nameIndex
	modules map[int64][]Module
	// moduleSets and moduleNames are the store's indexes of the modules, kept as they come:
	// a module's set by its id, which is unique, and its id by its name in its set.
	moduleSets  map[int64]int64
	moduleNames map[moduleKey]int64
	users       map[string]string // one copy of each user the sets and modules were made by
	nodes       []Node            // made by calls
	model       json.RawMessage   // the model the state was written under
	installed   int64             // when the topology was installed; 0: not saved
	nextSet     int64
	nextModule  int64
}

func (st *Store) restorer() *restorer {
	rows := &slab{}
	names := newNameIndex(rows.at)
	names.bulk = true // saved sets come in the order of their slots; sortIDs at finish
	return &restorer{st: st, rows: rows, sets: map[int64]uint32{}, names: names,
		modules: map[int64][]Module{}, moduleSets: map[int64]int64{}, moduleNames: map[moduleKey]int64{},
		users: map[string]string{}, nextSet: 1, nextModule: 1}
}

func (rs *restorer) addSet(rec Record) error {
	r, err := rs.st.layout.rowOf(rec)
	if err != nil {
		return err
	}
	return rs.addRow(r)
}

// addRow checks a saved set's row against those added before it, and adds it.
func (rs *restorer) addRow(r *row) error {
	if _, dup := rs.sets[r.id]; dup || r.id <= 0 {
		return fmt.Errorf("a saved set's id %d is not positive or not unique", r.id)
	}
	if rs.names.get(keyOf(r)) != nil {
		return fmt.Errorf("two saved sets are named %q under parent %d", r.name, r.parent)
	}
	r.createdBy = intern(rs.users, r.createdBy)
	slot := rs.rows.add(*r)
	rs.sets[r.id] = slot
	rs.names.put(slot)
	rs.nextSet = max(rs.nextSet, r.id+1)
	return nil
}

func (rs *restorer) addModule(m Module) error {
	if _, dup := rs.moduleSets[m.ID]; dup || m.ID <= 0 {
		return fmt.Errorf("a saved module's id %d is not positive or not unique", m.ID)
	}
	if _, ok := rs.sets[m.SetID]; !ok {
		return fmt.Errorf("saved module %d belongs to set %d, which is not saved", m.ID, m.SetID)
	}
	m.CreatedBy = intern(rs.users, m.CreatedBy)
	rs.moduleSets[m.ID] = m.SetID
	rs.moduleNames[keyOfModule(&m)] = m.ID
	rs.modules[m.SetID] = append(rs.modules[m.SetID], m)
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
	rs.names.sortIDs()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.slab, st.sets, st.names = rs.rows, rs.sets, rs.names
	st.modules, st.moduleSets, st.moduleNames, st.users = rs.modules, rs.moduleSets, rs.moduleNames, rs.users
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

// rowOf turns a saved record back into a row; what the row would not give back as it was
// saved is kept as an extra field. Since it writes only the server's fields again to compare
// them, and reads a last_time equal to the create_time once (and the restorer keeps the modules'
// indexes as they come, rather than building them again at the end), BenchmarkReadState takes
// 405-491 ms rather than 492-557, and a million sets of bench/state.sh's file load in 4.84-5.22 s
// rather than 5.25-5.56 (the two builds in turns, four runs each, with the VM slow; 2026-12-06).
func (l *layout) rowOf(rec Record) (*row, error) {
	r := &row{}
	for _, f := range [...]struct {
		key  string
		into *int64
	}{{"bk_set_id", &r.id}, {"bk_biz_id", &r.biz}, {"bk_parent_id", &r.parent}, {"default", &r.def}, {"set_template_id", &r.template}} {
		// A snapshot's record holds an int64, a decoded one a json.Number: the values written
		// below (AppendValue, JSONValue) read an integer of either as its int64.
		v, ok := rec[f.key].(int64)
		if !ok {
			v, ok = integer(rec[f.key])
		}
		if !ok {
			return nil, fmt.Errorf("a saved set has no integer %s: %v", f.key, rec[f.key])
		}
		*f.into = v
	}
	var ok bool
	if r.name, ok = rec["bk_set_name"].(string); !ok {
		return nil, fmt.Errorf("a saved set has no name: %v", rec)
	}
	created, _ := rec["create_time"].(string)
	if t, err := time.Parse(timeLayout, created); err == nil {
		r.created = t.UnixMilli()
	}
	// A set never updated was saved with the same last_time: read once.
	if updated, _ := rec["last_time"].(string); updated != created {
		if t, err := time.Parse(timeLayout, updated); err == nil && t.UnixMilli() != r.created {
			r.updated = t.UnixMilli()
		}
	}
	r.createdBy, _ = rec["bk_created_by"].(string)
	var b []byte
	for _, a := range l.attrs {
		b = append(AppendValue(b, rec[a]), 0)
	}
	r.vals, r.name = withName(b, r.name)
	// A value the row would not give back as it was saved is kept as an extra field. The
	// attributes' values are in vals as they were written just above: only the server's fields
	// are written again to be compared.
	var kept, saved []byte
	for k, v := range rec {
		src, known := l.sources[k]
		if known && src < srcAttr {
			kept, saved = l.appendText(kept[:0], r, k), AppendValue(saved[:0], v)
			known = bytes.Equal(kept, saved)
		}
		if !known {
			if r.extra == nil {
				r.extra = Record{}
			}
			// The record's maps are lent, its strings cut from the state's text: kept, a copy.
			r.extra[strings.Clone(k)] = JSONValue(v)
		}
	}
	return r, nil
}
