package topo

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzModuleList runs a list and a plain slice through the same adds, renames and removals, as
// ops reads them two bytes at a time, and holds the list to the slice after each. Every copy of
// the list taken on the way must still read what it held when taken: what a copy of a row, read
// once the store's lock is let go, relies on.
func FuzzModuleList(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 1, 0, 2, 0})
	adds := make([]byte, 2*3*moduleBlock) // three blocks and more, then changes all over them
	for i := range 200 {
		adds = append(adds, byte(1+i%2), byte(i*37))
	}
	f.Add(adds)
	removeAll := slices.Clone(adds[:2*2*moduleBlock])
	for range 2 * moduleBlock {
		removeAll = append(removeAll, 2, 0)
	}
	f.Add(append(removeAll, 0, 0, 0, 0))
	f.Fuzz(func(t *testing.T, ops []byte) {
		var (
			l      moduleList
			want   = []Module{}
			copies []moduleList
			held   [][]Module
			nextID = int64(1)
		)
		for len(ops) >= 2 {
			op, arg := ops[0]%4, int(ops[1])
			ops = ops[2:]
			switch {
			case op == 1 && len(want) > 0: // rename
				i := arg * len(want) / 256
				at, ok := l.find(want[i].ID)
				require.True(t, ok)
				m := want[i]
				m.Name += "'"
				l = l.with(at, m)
				want = slices.Clone(want)
				want[i] = m
			case op == 2 && len(want) > 0: // remove
				i := arg * len(want) / 256
				at, ok := l.find(want[i].ID)
				require.True(t, ok)
				l = l.without(at)
				want = slices.Delete(slices.Clone(want), i, i+1)
			default: // add, for two ops of four, so that lists grow past a block
				m := Module{ID: nextID, Name: string(binary.AppendUvarint(nil, uint64(nextID)))}
				nextID += 1 + int64(arg%3) // ids rise, with gaps where other sets took some
				l, want = l.add(m), append(want, m)
			}
			require.Equal(t, len(want), l.len())
			if len(copies) < 64 {
				copies, held = append(copies, l), append(held, want)
			}
		}
		assert.Equal(t, want, l.appendTo([]Module{}))
		if len(want) > 0 {
			assert.Equal(t, want[len(want)-1], *l.last())
			_, ok := l.find(want[0].ID - 1)
			assert.False(t, ok, "an id the list does not hold")
		} else {
			assert.Nil(t, l.last())
		}
		for _, m := range want {
			at, ok := l.find(m.ID)
			require.True(t, ok, "module %d", m.ID)
			assert.Equal(t, m, *l.at(at))
		}
		if l.full != nil {
			for i, b := range l.full.list {
				assert.NotEmpty(t, b, "block %d", i)
				assert.LessOrEqual(t, len(b), moduleBlock, "block %d", i)
			}
		}
		for i, c := range copies {
			assert.Equal(t, held[i], c.appendTo([]Module{}), "copy %d", i)
		}
		assert.Equal(t, want, listOf(slices.Clone(want)).appendTo([]Module{}), "listOf")
	})
}

// TestModuleListRemovalsLeaveFewBlocks: removals all over a large list leave it in blocks that
// are not many times more than its modules need.
func TestModuleListRemovalsLeaveFewBlocks(t *testing.T) {
	var l moduleList
	for id := range int64(20 * moduleBlock) {
		l = l.add(Module{ID: id + 1})
	}
	for id := int64(1); id <= 20*moduleBlock; id++ {
		if id%16 != 0 { // keep one in 16
			at, ok := l.find(id)
			require.True(t, ok)
			l = l.without(at)
		}
	}
	require.Equal(t, 20*moduleBlock/16, l.len())
	assert.LessOrEqual(t, len(l.full.list), 2*l.len()/moduleBlock+1, "blocks of %d modules", l.len())
}

// TestModuleListAppendsInOneAllocation: a set's modules are copied into room made for all of
// them at once, not grown block by block (a tree of 100,000 modules allocated five times its
// modules' size as append grew the copy): as many allocations for 40 blocks as for 2, one
// (two under the race detector, whose build of slices.Grow allocates what it appends).
func TestModuleListAppendsInOneAllocation(t *testing.T) {
	modules := func(n int) []Module {
		ms := make([]Module, n)
		for i := range ms {
			ms[i] = Module{ID: int64(i + 1), Name: "m"}
		}
		return ms
	}
	ms := modules(40*moduleBlock + 7)
	small, large := listOf(modules(2*moduleBlock+7)), listOf(slices.Clone(ms))
	require.Equal(t, len(ms), large.len())
	allocs := func(l moduleList) float64 { return testing.AllocsPerRun(10, func() { _ = l.appendTo(nil) }) }
	assert.Equal(t, allocs(small), allocs(large))
	assert.LessOrEqual(t, allocs(large), 2.0)
	got := large.appendTo([]Module{{ID: -1}})
	require.Len(t, got, len(ms)+1)
	assert.Equal(t, int64(-1), got[0].ID, "what out held is kept")
	assert.Equal(t, ms, got[1:])
}
