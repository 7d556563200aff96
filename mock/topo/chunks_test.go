package topo

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChunksActAsASlice runs the same pushes, inserts and truncations on chunks and on a slice,
// across chunk boundaries, and compares them after each.
func TestChunksActAsASlice(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var c chunks[int]
	var want []int
	for step := range 3000 {
		switch op := rng.IntN(10); {
		case op < 7:
			for range rng.IntN(2 * chunkLen) {
				c.push(step)
				want = append(want, step)
			}
		case op < 9 && len(want) > 0:
			i := rng.IntN(len(want) + 1)
			c.insert(i, -step)
			want = slices.Insert(want, i, -step)
		default:
			n := rng.IntN(len(want) + 1)
			c.truncate(n)
			want = want[:n]
		}
		require.Equal(t, len(want), c.len(), "step %d", step)
		if step%100 == 0 || c.len() < 3*chunkLen {
			got := []int{}
			for v := range c.all() {
				got = append(got, *v)
			}
			require.Equal(t, append([]int{}, want...), got, "step %d: in order", step)
			for _, i := range []int{0, len(want) / 2, len(want) - 1} {
				if i >= 0 && i < len(want) {
					require.Equal(t, want[i], *c.at(i), "step %d: at %d", step, i)
				}
			}
		}
		if len(want) > 40*chunkLen {
			c.truncate(0)
			want = want[:0]
		}
	}
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
