package topo

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzByIDActsAsAMap runs the same puts and removes on a byID and on a map and compares them
// after each. Each three bytes are an operation, an id and a value: the id is near the end of
// the run (so that the run grows one at a time or over a gap), far past it (so that a short run
// starts again there and its ids move to the map), in it, before it or negative; ids move from
// the map into the run as it grows over them.
func FuzzByIDActsAsAMap(f *testing.F) {
	f.Add([]byte{0, 1, 7, 0, 2, 8, 1, 1, 0, 0, 200, 3, 0, 100, 4, 2, 0, 9, 0, 150, 1})
	f.Add([]byte{0, 255, 1, 0, 254, 2, 0, 128, 3, 3, 0, 0, 0, 1, 5, 1, 255, 0, 0, 3, 6})
	// The case of an operation is its second byte mod 5. A run grown past farGap; two ids far
	// past it, one removed; the run grown over the other; one id in the run put and removed
	// twice; a negative id.
	overFar := []byte{}
	for range 18 {
		overFar = append(overFar, 0, 250, 1)
	}
	overFar = append(overFar, 0, 251, 9, 0, 246, 10, 1, 246, 0)
	for range 8 {
		overFar = append(overFar, 0, 1, 1)
	}
	overFar = append(overFar, 0, 253, 5, 1, 253, 0, 1, 253, 0, 0, 2, 5)
	f.Add(overFar)
	// A short run that starts again far away, then again just before its start; the run grows
	// back over the first id it held there.
	f.Add([]byte{0, 0, 1, 0, 1, 2, 0, 4, 3, 0, 3, 4, 0, 0, 5, 0, 0, 6, 0, 0, 7, 0, 0, 8})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var x byID[int64]
		want := map[int64]int64{}
		for k := 0; k+2 < min(len(ops), 900); k += 3 {
			end := x.base + int64(x.run.len())
			var id int64
			switch arg := int64(ops[k+1]); ops[k+1] % 5 {
			case 0:
				id = end + arg // the next, or a gap the run closes
			case 1:
				id = end + farGap + arg*97 // far past: the run starts again there if it is short
			case 2:
				id = -arg
			case 3:
				id = x.base + arg*int64(x.run.len())/255 // within the run
			default:
				id = x.base - arg // before the run
			}
			v := int64(ops[k+2]) // what the store keeps: a slot, or a set's id
			if ops[k]%3 == 1 {
				x.remove(id)
				delete(want, id)
			} else {
				x.put(id, v)
				want[id] = v
			}
			require.Equal(t, len(want), x.len(), "after operation %d", k/3)
			require.Equal(t, want, maps.Collect(x.all()), "after operation %d", k/3)
			for id, v := range want {
				got, ok := x.get(id)
				require.True(t, ok && got == v, "after operation %d: id %d is %d, not %d (%v)", k/3, id, v, got, ok)
			}
			for _, id := range []int64{id, id + 1, -1, end + farGap*4} {
				_, held := want[id]
				_, ok := x.get(id)
				require.Equal(t, held, ok, "after operation %d: id %d", k/3, id)
			}
		}
	})
}

// TestCreatesAfterAFarIDJoinTheRun: a fixture's set of an id far past the built-in ones (one
// imported from a CMDB) starts the store's run of ids there, so that the sets created after it
// are held in the run, and the built-in ones in the map; each is found by its id.
func TestCreatesAfterAFarIDJoinTheRun(t *testing.T) {
	s := New(nil, time.UTC, 1000)
	draft := func(name string) Draft { return Draft{BizID: 2, ParentID: 2, Name: name, Created: 1645533241386} }
	s.Put(2, draft("idle"), nil)
	s.Put(3, draft("fault"), nil)
	s.Put(5_000_000, draft("imported"), nil)
	var ids []int64
	for i := range 100 {
		set, err := s.Create(draft(fmt.Sprint("made-", i)), nil)
		require.NoError(t, err)
		ids = append(ids, set.ID())
	}
	assert.Equal(t, int64(5_000_001), ids[0])
	assert.Equal(t, 101, s.sets.run.len(), "the imported set and the ones made after it")
	assert.Len(t, s.sets.far, 2, "the built-in sets")
	for _, id := range append([]int64{2, 3, 5_000_000}, ids...) {
		_, ok := s.Set(id)
		assert.True(t, ok, "set %d", id)
	}
	assert.Equal(t, 103, s.Len())
}
