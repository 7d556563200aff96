package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// stateTempPattern names the temporary files a state is written to before it is renamed.
const stateTempPattern = ".cmdbmock-state-*"

// prepareStateFile checks, at start, that a state can be written where Config.StateFile says
// (the directory exists and takes a file), rather than finding out at the first stop, and
// removes the temporary files that a mock killed while it wrote left there.
func prepareStateFile(file string) error {
	dir := filepath.Dir(stateTarget(file))
	left, _ := filepath.Glob(filepath.Join(dir, stateTempPattern))
	for _, f := range left {
		_ = os.Remove(f)
	}
	probe, err := os.CreateTemp(dir, stateTempPattern)
	if err != nil {
		return fmt.Errorf("mock: state %s cannot be written: %w", file, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// stateTarget is where the state file really is: a link is followed, so that a write replaces
// the file it points to and the link stays.
func stateTarget(file string) string {
	if target, err := filepath.EvalSymlinks(file); err == nil {
		return target
	}
	return file
}

// loadState restores the store from Config.StateFile; it reports false when there is none to
// load yet.
func (s *Server) loadState() (bool, error) {
	if s.cfg.StateFile == "" {
		return false, nil
	}
	if err := prepareStateFile(s.cfg.StateFile); err != nil {
		return false, err
	}
	f, err := os.Open(s.cfg.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mock: state: %w", err)
	}
	defer f.Close()
	if err := s.store.ReadState(f); err != nil {
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
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	target := stateTarget(s.cfg.StateFile)
	tmp, err := os.CreateTemp(filepath.Dir(target), stateTempPattern)
	if err != nil {
		return fmt.Errorf("mock: state: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := s.store.WriteState(tmp); err != nil {
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
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("mock: state: %w", err)
	}
	return nil
}

// stateModel is the model a state is written under: each object's attributes, with what decides
// how a record of it is read, and the custom mainline levels. A state of another model would
// load records that the model no longer describes.
type stateModel struct {
	Objects map[string][]stateAttribute `json:"objects"`
	Levels  []string                    `json:"levels"`
}

type stateAttribute struct {
	ID       string `json:"bk_property_id"`
	Type     string `json:"bk_property_type"`
	Required bool   `json:"isrequired,omitempty"`
}

// model describes the mock's model for its state file.
func (s *Server) stateModel() stateModel {
	m := stateModel{Objects: map[string][]stateAttribute{}, Levels: levelIDs(s.fixtures().Mainline)}
	for _, o := range []*object{s.setObj, s.moduleObj, s.levelObj} {
		for _, a := range o.model {
			m.Objects[o.id] = append(m.Objects[o.id], stateAttribute{a.PropertyID, a.Type, a.IsRequired})
		}
	}
	return m
}

// modelDifferences lists how a saved model differs from the mock's: attributes gone, new or of
// another type or requirement, levels changed. None when they are the same.
func modelDifferences(saved, now stateModel) []string {
	var out []string
	for _, obj := range slices.Sorted(maps.Keys(now.Objects)) {
		was := map[string]stateAttribute{}
		for _, a := range saved.Objects[obj] {
			was[a.ID] = a
		}
		for _, a := range now.Objects[obj] {
			old, ok := was[a.ID]
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s.%s (%s) is new", obj, a.ID, a.Type))
			case old.Type != a.Type:
				out = append(out, fmt.Sprintf("%s.%s was %s, is %s", obj, a.ID, old.Type, a.Type))
			case old.Required != a.Required:
				out = append(out, fmt.Sprintf("%s.%s required was %v, is %v", obj, a.ID, old.Required, a.Required))
			}
			delete(was, a.ID)
		}
		for _, id := range slices.Sorted(maps.Keys(was)) {
			out = append(out, fmt.Sprintf("%s.%s (%s) is gone", obj, id, was[id].Type))
		}
	}
	if !slices.Equal(saved.Levels, now.Levels) {
		out = append(out, fmt.Sprintf("the mainline levels were %v, are %v", saved.Levels, now.Levels))
	}
	return out
}

// describeModel gives the store the mock's model, which its states carry, and the check of a
// saved state's model, which refuses one of another model with the list of differences.
func (s *Server) describeModel() error {
	now := s.stateModel()
	raw, err := json.Marshal(now)
	if err != nil {
		return err
	}
	s.store.SetModel(raw, func(savedRaw json.RawMessage) error {
		var saved stateModel
		if err := json.Unmarshal(savedRaw, &saved); err != nil {
			return fmt.Errorf("its model: %w", err)
		}
		if diff := modelDifferences(saved, now); len(diff) > 0 {
			return fmt.Errorf("it was written under another model; start with the fixtures it was written for, or without it: %s",
				strings.Join(diff, "; "))
		}
		return nil
	})
	return nil
}
