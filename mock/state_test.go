package mock_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock"
)

// TestStateFileAtStart: a state file that could never be written is refused when the mock is
// made, not found out at its first stop; temporary files a killed mock left beside it are
// removed.
func TestStateFileAtStart(t *testing.T) {
	sp, err := loadSpec()
	require.NoError(t, err)
	fx := defaultFixtures(t)
	_, err = mock.New(sp, fx, mock.Config{StateFile: "/nonexistent/dir/state.json"})
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
