package mock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
