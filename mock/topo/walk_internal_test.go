package topo

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mutating is a context whose Err, which walkIDs asks before each slice, with the store's
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

// TestWalkTakesUpByIDAfterACompaction: a walk to a deep page whose business's ids are
// compacted between two of its slices (the ids it passed removed, so that every place moves)
// takes up after the last id it passed, by a search of the ids, whether that id stays or was
// removed with the others, and finds the page it would have found unmoved, as a cursor does.
func TestWalkTakesUpByIDAfterACompaction(t *testing.T) {
	for _, lastRemoved := range []bool{false, true} {
		t.Run(fmt.Sprint("the last id passed removed: ", lastRemoved), func(t *testing.T) {
			total := walkSlice + walkSlice/2 // the first slice's ids, removed, are more than half
			s := New([]string{"bk_capacity", "bk_set_desc"}, time.UTC, total+10)
			var attrs []byte // bk_capacity and bk_set_desc
			for _, v := range []any{nil, "desc"} {
				attrs = append(AppendValue(attrs, v), 0)
			}
			for i := 1; i <= total; i++ {
				s.Put(int64(i), Draft{BizID: 1, ParentID: 1, Name: fmt.Sprint("s", i), Attrs: attrs, Created: 1645533241386}, nil)
			}
			require.NoError(t, s.Delete(1, int64(total))) // a removed id: the page is walked to
			passed := make([]int64, 0, walkSlice)         // the first slice walks ids 1 to walkSlice
			for id := int64(1); id < walkSlice; id++ {
				passed = append(passed, id)
			}
			if lastRemoved {
				passed = append(passed, walkSlice)
			}
			slices.Reverse(passed) // the last id passed goes in the compaction, not after it
			// Err's first call is the search's own, then one before each slice of the walk.
			ctx := &mutating{Context: context.Background(), at: 3, change: func() {
				require.NoError(t, s.Delete(1, passed...))
			}}
			start := total - 10 // of the sets as they were when the walk began
			_, page, err := s.Search(ctx, Query{BizID: 1, Start: start, Limit: 3})
			require.NoError(t, err)
			require.Equal(t, 3, ctx.calls, "the change ran between the first two slices")
			assert.Less(t, s.names.biz[1].sets.len(), walkSlice, "the ids were compacted: the walk's place is past their end")
			var got []any
			for _, rec := range page {
				got = append(got, rec["bk_set_id"])
			}
			assert.Equal(t, []any{int64(start) + 1, int64(start) + 2, int64(start) + 3}, got)
		})
	}
}
