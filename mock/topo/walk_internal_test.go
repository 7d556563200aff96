package topo

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mutating is a context whose Err, which walkToPage asks before each slice, with the store's
// lock let go, runs a change to the store once, at its at-th call.
type mutating struct {
	context.Context
	calls, at int
	change    func()
}

func (m *mutating) Err() error {
	if m.calls++; m.calls == m.at {
		m.change()
	}
	return nil
}

// TestWalkToPageTakesUpByIDAfterACompaction: a walk to a deep page whose business's ids are
// compacted between two of its slices (the ids it passed removed, so that every place moves)
// takes up after the last id it passed, by a search of the ids, and finds the page it would
// have found unmoved, as a cursor does.
func TestWalkToPageTakesUpByIDAfterACompaction(t *testing.T) {
	total := walkSlice + walkSlice/2 // the first slice's ids, removed, are more than half
	s := New([]string{"bk_capacity", "bk_set_desc"}, time.UTC, total+10)
	for i := 1; i <= total; i++ {
		s.Put(int64(i), Draft{BizID: 1, ParentID: 1, Name: fmt.Sprint("s", i), Created: 1645533241386}, nil)
	}
	require.NoError(t, s.Delete(1, int64(total))) // a removed id: the page is walked to
	passed := make([]int64, 0, walkSlice)
	for id := int64(1); id < walkSlice; id++ {
		passed = append(passed, id)
	}
	ctx := &mutating{Context: context.Background(), at: 2, change: func() {
		require.NoError(t, s.Delete(1, passed...))
	}}
	start := total - 10 // of the sets as they were when the walk began
	page, err := s.walkToPage(ctx, 1, start, 3, false)
	require.NoError(t, err)
	require.Equal(t, 2, ctx.calls, "the change ran between the first two slices")
	assert.Less(t, s.names.biz[1].sets.len(), walkSlice, "the ids were compacted: the walk's place is past their end")
	var got []int64
	for _, h := range page {
		got = append(got, h.id)
	}
	assert.Equal(t, []int64{int64(start) + 1, int64(start) + 2, int64(start) + 3}, got)
}
