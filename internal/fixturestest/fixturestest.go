// Package fixturestest makes the fixtures the tests need: the default ones with some files in
// the place of theirs.
package fixturestest

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
)

// Files are the default fixtures' files by name, the given ones in the place of theirs or added:
// what Load reads, or what a test writes to a directory for the binary.
func Files(t testing.TB, replace map[string]string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(fixtures.DefaultFiles(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fixtures.DefaultFiles(), name)
		files[name] = string(data)
		return err
	})
	require.NoError(t, err)
	for name, text := range replace {
		files[name] = text
	}
	return files
}

// Load is the default fixtures with the given files in the place of theirs or added.
func Load(t testing.TB, replace map[string]string) *fixtures.Fixtures {
	t.Helper()
	dir := fstest.MapFS{}
	for name, text := range Files(t, replace) {
		dir[name] = &fstest.MapFile{Data: []byte(text)}
	}
	fx, err := fixtures.Load(dir)
	require.NoError(t, err)
	return fx
}
