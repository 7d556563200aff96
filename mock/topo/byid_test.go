package topo

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzByIDActsAsAMap runs the same puts and removes on a byID and on a map and compares them
// after each. Each three bytes are an operation, an id and a value: the id is near the end of
// the run (so that the run grows one at a time, in gaps, and not at all), far past it, negative
// or 0, so that ids move from the map into the run as it grows over them.
func FuzzByIDActsAsAMap(f *testing.F) {
	f.Add([]byte{0, 1, 7, 0, 2, 8, 1, 1, 0, 0, 200, 3, 0, 100, 4, 2, 0, 9, 0, 150, 1})
	f.Add([]byte{0, 255, 1, 0, 254, 2, 0, 128, 3, 3, 0, 0, 0, 1, 5, 1, 255, 0, 0, 3, 6})
	overFar := []byte{0, 1, 9, 0, 6, 10, 1, 1, 0, 0, 1, 9} // ids far past the run, one removed, then the run grows over them
	for range 25 {
		overFar = append(overFar, 0, 250, 1)
	}
	overFar = append(overFar, 1, 3, 0, 1, 3, 0, 0, 2, 5) // one in the run removed, twice; one negative
	f.Add(overFar)
	f.Fuzz(func(t *testing.T, ops []byte) {
		var x byID[int64]
		want := map[int64]int64{}
		for k := 0; k+2 < min(len(ops), 900); k += 3 {
			end := int64(x.run.len())
			var id int64
			switch arg := int64(ops[k+1]); ops[k+1] % 5 {
			case 0:
				id = end + arg // the next, or a gap the run closes
			case 1:
				id = end + farGap + arg*97 // far past, unless the run is long
			case 2:
				id = -arg
			default:
				id = arg * end / 255 // within the run
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
