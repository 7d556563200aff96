package topo

import (
	"encoding/json"
	"fmt"
	"time"
)

// StateFormat is the version of a State's layout.
const StateFormat = 1

// State is the store as saved across restarts, counters included.
type State struct {
	Format       int      `json:"format"`
	NextSetID    int64    `json:"next_set_id"`
	NextModuleID int64    `json:"next_module_id"`
	Sets         []Record `json:"sets"`
	Modules      []Module `json:"modules"`
}

// Snapshot returns the store's sets, modules and counters.
func (st *Store) Snapshot() State {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := State{Format: StateFormat, NextSetID: st.nextSetID, NextModuleID: st.nextModuleID, Sets: []Record{}, Modules: []Module{}}
	for _, slot := range st.sets {
		out.Sets = append(out.Sets, st.layout.record(st.slab.at(slot)))
	}
	for _, ms := range st.modules {
		out.Modules = append(out.Modules, ms...)
	}
	return out
}

// Restore replaces the store's sets, modules and counters with a saved state.
//
// The state is checked as it loads: set ids positive and unique, names unique under a parent,
// module ids positive and unique and of a saved set. Counters behind the saved ids (a stale
// file) are moved past them, so no id in use is handed out again.
func (st *Store) Restore(saved State) error {
	rows := &slab{}
	sets := make(map[int64]uint32, len(saved.Sets))
	names := newNameIndex(rows.at)
	nextSet, nextModule := max(saved.NextSetID, 1), max(saved.NextModuleID, 1)
	for _, rec := range saved.Sets {
		r, err := st.layout.rowOf(rec)
		if err != nil {
			return err
		}
		if _, dup := sets[r.id]; dup || r.id <= 0 {
			return fmt.Errorf("a saved set's id %d is not positive or not unique", r.id)
		}
		if names.get(keyOf(r)) != nil {
			return fmt.Errorf("two saved sets are named %q under parent %d", r.name, r.parent)
		}
		slot := rows.add(*r)
		sets[r.id] = slot
		names.put(slot)
		nextSet = max(nextSet, r.id+1)
	}
	modules := map[int64][]Module{}
	moduleIDs := make(map[int64]bool, len(saved.Modules))
	for _, m := range saved.Modules {
		if moduleIDs[m.ID] || m.ID <= 0 {
			return fmt.Errorf("a saved module's id %d is not positive or not unique", m.ID)
		}
		if _, ok := sets[m.SetID]; !ok {
			return fmt.Errorf("saved module %d belongs to set %d, which is not saved", m.ID, m.SetID)
		}
		moduleIDs[m.ID] = true
		modules[m.SetID] = append(modules[m.SetID], m)
		nextModule = max(nextModule, m.ID+1)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.slab, st.sets, st.names, st.modules = rows, sets, names, modules
	st.nextSetID, st.nextModuleID = nextSet, nextModule
	return nil
}

// rowOf turns a saved record back into a row; what the row would not give back as it was
// saved is kept as an extra field.
func (l *layout) rowOf(rec Record) (*row, error) {
	for k, v := range rec {
		rec[k] = jsonValue(v)
	}
	r := &row{}
	for key, into := range map[string]*int64{"bk_set_id": &r.id, "bk_biz_id": &r.biz, "bk_parent_id": &r.parent, "default": &r.def, "set_template_id": &r.template} {
		v, ok := rec[key].(int64)
		if !ok {
			return nil, fmt.Errorf("a saved set has no integer %s: %v", key, rec[key])
		}
		*into = v
	}
	var ok bool
	if r.name, ok = rec["bk_set_name"].(string); !ok {
		return nil, fmt.Errorf("a saved set has no name: %v", rec)
	}
	if t, err := time.Parse(timeLayout, fmt.Sprint(rec["create_time"])); err == nil {
		r.created = t.UnixMilli()
	}
	r.createdBy, _ = rec["bk_created_by"].(string)
	var b []byte
	for _, a := range l.attrs {
		b = append(AppendValue(b, rec[a]), 0)
	}
	r.vals, r.name = withName(b, r.name)
	for k, v := range rec {
		if got, known := l.value(r, k); !known || !sameJSON(got, v) {
			if r.extra == nil {
				r.extra = Record{}
			}
			r.extra[k] = v
		}
	}
	return r, nil
}

// sameJSON compares two values as JSON: int64(3) equals json.Number("3").
func sameJSON(a, b any) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && string(x) == string(y)
}
