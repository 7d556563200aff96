package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cmdbmock/cmdbmock/internal/fserr"
)

// reportFile is a report's --out: made ready before a command sends its first request, so that a
// report that cannot be written stops the command before it touches the target, and put in place
// whole at the end, so that a reader never sees half of it.
type reportFile struct {
	path string   // where the report goes: --out, or the file a link there points to
	tmp  *os.File // beside it, until the report is written
}

// openReport makes --out ready: a file beside it that takes the report. An empty out is standard
// output, and no file.
func openReport(out string) (*reportFile, error) {
	if out == "" {
		return nil, nil
	}
	path := out
	if real, err := filepath.EvalSymlinks(out); err == nil {
		path = real
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, fmt.Errorf("--out %s is a directory: name the report's file", out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("--out %s: the report cannot be written there: %w", out, fserr.WithoutPath(err))
	}
	return &reportFile{path: path, tmp: tmp}, nil
}

// write puts the report in place of --out: written beside it, then renamed over it.
func (f *reportFile) write(report []byte) error {
	_, err := f.tmp.Write(report)
	if err == nil {
		err = f.tmp.Chmod(0o644)
	}
	if closeErr := f.tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.path)
	}
	if err != nil {
		_ = os.Remove(f.tmp.Name())
		return fmt.Errorf("--out %s: %w", f.path, fserr.WithoutPath(err))
	}
	f.tmp = nil
	return nil
}

// discard removes the file made ready when no report was written; after write it does nothing.
func (f *reportFile) discard() {
	if f == nil || f.tmp == nil {
		return
	}
	_ = f.tmp.Close()
	_ = os.Remove(f.tmp.Name())
}
