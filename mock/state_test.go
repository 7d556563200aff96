package mock_test

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
)

// TestStateFileAtStart: a state file that could never be written is refused when the mock is
// made, not found out at its first stop; temporary files a killed mock left beside it are
// removed.
func TestStateFileAtStart(t *testing.T) {
	sp := loadSpec()
	fx := defaultFixtures(t)
	_, err := mock.New(sp, fx, mock.Config{StateFile: "/nonexistent/dir/state.json"})
	assert.ErrorContains(t, err, "state")

	dir := t.TempDir()
	left := filepath.Join(dir, ".cmdbmock-state-123456")
	require.NoError(t, os.WriteFile(left, []byte("{"), 0o600))
	other := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(other, []byte("keep"), 0o600))
	_, err = mock.New(sp, fx, mock.Config{StateFile: filepath.Join(dir, "state.json")})
	require.NoError(t, err)
	assert.NoFileExists(t, left, "a temporary file of a killed mock is removed")
	assert.FileExists(t, other)
}

// TestStateFollowsASymlink: a state file that is a link is written where it points, and stays
// a link (it used to be replaced by a plain file).
func TestStateFollowsASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "data", "state.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
	require.NoError(t, os.WriteFile(target, []byte(`{"format":1,"next_set_id":1,"next_module_id":1,"sets":[],"modules":[]}`), 0o600))
	link := filepath.Join(dir, "state.json")
	require.NoError(t, os.Symlink(target, link))

	s := newServer(t, mock.Config{StateFile: link})
	require.Equal(t, 0, req{surface: "esb", biz: 1, data: set("bk_set_name", "linked")}.send(t, s).Code)
	require.NoError(t, s.SaveState())
	info, err := os.Lstat(link)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&os.ModeSymlink, "the link is still a link")
	saved, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Contains(t, string(saved), `"linked"`)
}

// TestStateKnowsItsModel: a state file records the model it was written under; a mock on
// another model (an attribute removed or of another type, a new required one, other mainline
// levels) refuses to start, names the differences and leaves the file as it was.
func TestStateKnowsItsModel(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "state.json")
	sp := loadSpec()
	load := func(files fstest.MapFS) (*mock.Server, error) {
		fx, err := fixtures.Load(files)
		require.NoError(t, err)
		return mock.New(sp, fx, mock.Config{StateFile: file})
	}
	businesses := `[{"bk_biz_id":3,"bk_biz_name":"game","nodes":[{"bk_inst_id":103,"bk_inst_name":"zone-a","bk_obj_id":"zone","bk_parent_id":0}]}]`
	first := fstest.MapFS{
		"businesses.json":     {Data: []byte(businesses)},
		"mainline.json":       {Data: []byte(`[{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`)},
		"set_attributes.json": {Data: []byte(`[{"id":900,"bk_property_id":"replicas","bk_property_name":"副本数","bk_property_type":"int","option":""}]`)},
	}
	s, err := load(first)
	require.NoError(t, err)
	require.Equal(t, 0, req{surface: "v3", biz: 3, data: set("bk_parent_id", 103, "bk_set_name", "kept", "replicas", 3)}.send(t, s).Code)
	require.NoError(t, s.SaveState())
	saved, err := os.ReadFile(file)
	require.NoError(t, err)

	changed := fstest.MapFS{
		"businesses.json": {Data: []byte(`[{"bk_biz_id":3,"bk_biz_name":"game"}]`)},
		"set_attributes.json": {Data: []byte(`[{"id":900,"bk_property_id":"replicas","bk_property_name":"副本数","bk_property_type":"singlechar","option":""},
			{"id":901,"bk_property_id":"owner_team","bk_property_name":"负责团队","bk_property_type":"singlechar","option":"","isrequired":true}]`)},
	}
	_, err = load(changed)
	require.Error(t, err)
	for _, want := range []string{"replicas", "int", "singlechar", "owner_team", "zone"} {
		assert.ErrorContains(t, err, want)
	}
	after, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, saved, after, "the file is left as it was")

	_, err = load(first)
	assert.NoError(t, err, "the same model loads its state")
}

// TestFixturesKeepTheStoresKeys: fixtures the store could not hold as they are (two built-in
// sets of one name under one parent, two modules of one name in a set) are refused at load, so
// the mock always restarts from the state it wrote.
func TestFixturesKeepTheStoresKeys(t *testing.T) {
	for name, businesses := range map[string]string{
		"sets": `[{"bk_biz_id":1,"bk_biz_name":"a","sets":[{"bk_set_id":1,"bk_set_name":"空闲机池","default":1},{"bk_set_id":2,"bk_set_name":"空闲机池","default":1}]}]`,
		"modules": `[{"bk_biz_id":1,"bk_biz_name":"a","sets":[{"bk_set_id":1,"bk_set_name":"空闲机池","default":1,
			"modules":[{"bk_module_id":1,"bk_module_name":"空闲机","default":1},{"bk_module_id":2,"bk_module_name":"空闲机","default":1}]}]}]`,
	} {
		_, err := fixtures.Load(fstest.MapFS{"businesses.json": {Data: []byte(businesses)}})
		assert.ErrorContains(t, err, "same name", name)
	}
}

// TestReloadKeepsTheLevels: a reload that changes the mainline levels is refused, as one that
// changes the set model is: sets already stored hang under the levels they were made for.
func TestReloadKeepsTheLevels(t *testing.T) {
	s := zoneServer(t)
	fx, err := fixtures.Load(fstest.MapFS{"businesses.json": {Data: []byte(`[{"bk_biz_id":3,"bk_biz_name":"game","nodes":[
		{"bk_inst_id":201,"bk_inst_name":"r","bk_obj_id":"region","bk_parent_id":0},{"bk_inst_id":103,"bk_inst_name":"zone-a","bk_obj_id":"zone","bk_parent_id":201}]}]`)},
		"mainline.json": {Data: []byte(`[{"bk_obj_id":"region","bk_obj_name":"Region"},{"bk_obj_id":"zone","bk_obj_name":"Zone"}]`)}})
	require.NoError(t, err)
	assert.ErrorContains(t, s.ReloadFixtures(fx), "mainline")
}

// TestStateKeepsTheInstallTime: the fixtures' businesses and the model keep the create_time of
// their installation across a restart from the state file, as a CMDB's records keep theirs; a
// state written before the file held it is read as installed at the start.
func TestStateKeepsTheInstallTime(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	installed := time.Date(2026, 3, 4, 5, 6, 7, 386_000_000, time.UTC)
	first := newServer(t, mock.Config{StateFile: file, Now: func() time.Time { return installed }})
	want := installTimesOf(t, first)
	require.Equal(t, "2026-03-04T13:06:07.386+08:00", want.Business)
	require.NoError(t, first.SaveState())

	restarted := newServer(t, mock.Config{StateFile: file, Now: func() time.Time { return installed.Add(time.Hour) }})
	assert.Equal(t, want, installTimesOf(t, restarted))

	require.NoError(t, os.WriteFile(file, []byte(`{"format":1,"next_set_id":1,"next_module_id":1,"sets":[],"modules":[]}`), 0o600))
	older := newServer(t, mock.Config{StateFile: file, Now: func() time.Time { return installed.Add(2 * time.Hour) }})
	assert.Equal(t, installTimes{Business: "2026-03-04T15:06:07.386+08:00", Model: "2026-03-04T15:06:07.386+08:00"}, installTimesOf(t, older))
}
