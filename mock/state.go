package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateFormat is the version of the state file's layout.
const stateFormat = 1

// state is what --state keeps across restarts: the store, counters included.
type state struct {
	Format       int      `json:"format"`
	NextSetID    int64    `json:"next_set_id"`
	NextModuleID int64    `json:"next_module_id"`
	Sets         []Record `json:"sets"`
	Modules      []Module `json:"modules"`
}

func (st *Store) snapshot() state {
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := state{Format: stateFormat, NextSetID: st.nextSetID, NextModuleID: st.nextModuleID, Sets: []Record{}, Modules: []Module{}}
	for _, slot := range st.sets {
		out.Sets = append(out.Sets, st.layout.record(st.slab.at(slot)))
	}
	for _, m := range st.modules {
		out.Modules = append(out.Modules, m)
	}
	return out
}

// restore replaces the store's content with a saved state.
func (st *Store) restore(saved state) error {
	rows := &slab{}
	sets := make(map[int64]uint32, len(saved.Sets))
	names := newNameIndex(rows.at)
	for _, rec := range saved.Sets {
		r, err := st.layout.rowOf(rec)
		if err != nil {
			return err
		}
		slot := rows.add(*r)
		sets[r.id] = slot
		names.put(slot)
	}
	modules := make(map[int64]Module, len(saved.Modules))
	for _, m := range saved.Modules {
		modules[m.ID] = m
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.slab, st.sets, st.names, st.modules = rows, sets, names, modules
	st.nextSetID, st.nextModuleID = saved.NextSetID, saved.NextModuleID
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
		b = append(appendValue(b, rec[a]), 0)
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

// loadState restores the store from Config.StateFile; it reports false when there is none to
// load yet.
func (s *Server) loadState() (bool, error) {
	if s.cfg.StateFile == "" {
		return false, nil
	}
	data, err := os.ReadFile(s.cfg.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mock: state: %w", err)
	}
	var saved state
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&saved); err != nil {
		return false, fmt.Errorf("mock: state %s: %w", s.cfg.StateFile, err)
	}
	if saved.Format != stateFormat {
		return false, fmt.Errorf("mock: state %s: format %d, want %d", s.cfg.StateFile, saved.Format, stateFormat)
	}
	if err := s.store.restore(saved); err != nil {
		return false, fmt.Errorf("mock: state %s: %w", s.cfg.StateFile, err)
	}
	return true, nil
}

// ErrNoStateFile: SaveState was asked for without Config.StateFile.
var ErrNoStateFile = errors.New("mock: no state file configured")

// SaveState writes the store to Config.StateFile atomically: a reader sees the old file or the
// new one, never a part.
func (s *Server) SaveState() error {
	if s.cfg.StateFile == "" {
		return ErrNoStateFile
	}
	data, err := json.Marshal(s.store.snapshot())
	if err != nil {
		return fmt.Errorf("mock: state: %w", err)
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	tmp, err := os.CreateTemp(filepath.Dir(s.cfg.StateFile), ".cmdbmock-state-*")
	if err != nil {
		return fmt.Errorf("mock: state: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("mock: state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("mock: state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mock: state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.cfg.StateFile); err != nil {
		return fmt.Errorf("mock: state: %w", err)
	}
	return nil
}
