package topo

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzChunksActAsASlice runs the same pushes, inserts and truncations on chunks and on a slice
// and compares them after each. Each pair of bytes is an operation and its argument: a run of
// pushes up to 9,435 long (so that chunk boundaries are crossed), an insert or a truncation at a
// place scaled to the length, or one push; past 8 chunks, both are emptied.
func FuzzChunksActAsASlice(f *testing.F) {
	f.Add([]byte{0, 255, 1, 0, 1, 255, 1, 128, 2, 200, 0, 111, 2, 0, 3, 0, 1, 0})
	f.Add([]byte{0, 111, 0, 111, 2, 128, 3, 0, 0, 255, 1, 1, 2, 255})
	rng := rand.New(rand.NewPCG(1, 2))
	long := make([]byte, 600)
	for i := range long {
		long[i] = byte(rng.UintN(256))
	}
	f.Add(long)
	f.Fuzz(func(t *testing.T, ops []byte) {
		var c chunks[int]
		var want []int
		for k := 0; k+1 < min(len(ops), 600); k += 2 { // each exec's cost bounded

			arg := int(ops[k+1])
			switch ops[k] % 4 {
			case 0:
				for range arg * 37 {
					c.push(k)
					want = append(want, k)
				}
			case 1:
				i := arg * len(want) / 255
				c.insert(i, -k)
				want = slices.Insert(want, i, -k)
			case 2:
				n := arg * len(want) / 255
				c.truncate(n)
				want = want[:n]
			case 3:
				c.push(k)
				want = append(want, k)
			}
			require.Equal(t, len(want), c.len(), "after operation %d", k/2)
			got := make([]int, 0, c.len())
			for v := range c.all() {
				got = append(got, *v)
			}
			require.True(t, slices.Equal(want, got), "after operation %d: the elements in order", k/2)
			for i, v := range want {
				if *c.at(i) != v {
					require.Equal(t, v, *c.at(i), "after operation %d: at %d", k/2, i)
				}
			}
			if len(want) > 8*chunkLen {
				c.truncate(0)
				want = want[:0]
			}
		}
	})
}

// TestChunksGrowWithoutMoving: once a chunk is whole, what it holds stays where it is as the
// sequence grows; truncating lets go of whole chunks past the end.
func TestChunksGrowWithoutMoving(t *testing.T) {
	var c chunks[int]
	for i := range chunkLen + 1 {
		c.push(i)
	}
	first, second := c.at(0), c.at(chunkLen)
	for i := range 10 * chunkLen {
		c.push(i)
	}
	assert.Same(t, first, c.at(0))
	assert.Same(t, second, c.at(chunkLen))
	c.truncate(chunkLen + 1)
	assert.Len(t, c.c, 2, "the chunks past the end are let go")
	assert.Equal(t, chunkLen, *c.at(chunkLen))
	c.push(7)
	assert.Equal(t, 7, *c.at(chunkLen + 1), "a push after a truncation lands at the end")
}
