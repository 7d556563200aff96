package topo

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writes records each write it is given, and fails from the write numbered failAt on (0: never).
type writes struct {
	got    [][]byte
	failAt int
}

var errDiskFull = errors.New("disk full")

func (c *writes) Write(p []byte) (int, error) {
	if c.failAt > 0 && len(c.got)+1 >= c.failAt {
		return 0, errDiskFull
	}
	c.got = append(c.got, bytes.Clone(p))
	return len(p), nil
}

// largeStore holds sets enough that their state is several chunks.
func largeStore(t *testing.T) *Store {
	st := newLargeStore()
	attrs := append(AppendValue(append(AppendValue(nil, nil), 0), "desc"), 0)
	for i := range 20_000 {
		_, err := st.Create(Draft{BizID: 1, ParentID: 1, Name: fmt.Sprint("set-", i), Attrs: attrs, Created: 1645533241386, CreatedBy: "alice"},
			[]ModuleTemplate{{Name: "a"}, {Name: "b"}})
		require.NoError(t, err)
	}
	return st
}

func newLargeStore() *Store { return New([]string{"bk_capacity", "bk_set_desc"}, time.UTC, 100_000) }

// TestStateIsWrittenInChunksInOrder: a state of several chunks is written as one text, in its
// order, each write but the last a whole chunk; it reads back as the store it was.
func TestStateIsWrittenInChunksInOrder(t *testing.T) {
	st := largeStore(t)
	var whole bytes.Buffer
	require.NoError(t, st.WriteState(&whole))
	var c writes
	require.NoError(t, st.WriteState(&c))
	require.Greater(t, len(c.got), 3, "several chunks")
	for i, w := range c.got[:len(c.got)-1] {
		assert.GreaterOrEqual(t, len(w), chunkSize, "write %d", i)
	}
	assert.Equal(t, whole.String(), string(bytes.Join(c.got, nil)))

	back := newLargeStore()
	require.NoError(t, back.ReadState(bytes.NewReader(whole.Bytes())))
	assert.Equal(t, st.Sets(), back.Sets())
}

// TestStateWriteStopsAtTheFirstError: once a write fails, WriteState reports that error and
// writes nothing more, wherever the failure falls.
func TestStateWriteStopsAtTheFirstError(t *testing.T) {
	st := largeStore(t)
	for _, failAt := range []int{1, 2, 4} {
		c := writes{failAt: failAt}
		assert.ErrorIs(t, st.WriteState(&c), errDiskFull, "failing at write %d", failAt)
		assert.Len(t, c.got, failAt-1, "nothing written after the failure")
	}
}
