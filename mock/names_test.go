package mock

import (
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNameIndexSpillsCollisions forces every name onto one hash.
func TestNameIndexSpillsCollisions(t *testing.T) {
	sl := &slab{}
	ix := newNameIndex(sl.at)
	ix.hash = func(nameKey) uint64 { return 7 }
	var slots []uint32
	var rows []*row
	for _, r := range []row{{biz: 1, parent: 1, name: "a"}, {biz: 1, parent: 1, name: "b"}, {biz: 2, parent: 1, name: "a"}} {
		slot, p := sl.add(r)
		ix.put(slot)
		slots, rows = append(slots, slot), append(rows, p)
	}
	for _, r := range rows {
		assert.Same(t, r, ix.get(keyOf(r)))
	}
	assert.Nil(t, ix.get(nameKey{1, 1, "z"}))

	ix.remove(slots[0])
	assert.Nil(t, ix.get(keyOf(rows[0])))
	assert.Same(t, rows[1], ix.get(keyOf(rows[1])), "a spilled name is found after the one it collided with goes")
	assert.Same(t, rows[2], ix.get(keyOf(rows[2])))
	ix.remove(slots[2])
	ix.remove(slots[1])
	assert.Empty(t, ix.byHash)
	assert.Empty(t, ix.spill)
}

func TestSlabKeepsRowsInPlace(t *testing.T) {
	sl := &slab{}
	first, p := sl.add(row{name: "first"})
	for i := range 3 * chunkRows {
		sl.add(row{id: int64(i)})
	}
	assert.Same(t, p, sl.at(first), "a row handed out stays where it is as the slab grows")
	assert.Equal(t, "first", p.name)
}

// TestInternCopies: a row's user, cut from a request body, must not keep that body alive, both
// while the store still interns new names and once it has stopped.
func TestInternCopies(t *testing.T) {
	s := newStore(nil, time.UTC, 0)
	body := `{"bk_username":"alice"}`
	user := body[16:21]
	got := s.intern(user)
	assert.Equal(t, "alice", got)
	assert.NotSame(t, unsafe.StringData(user), unsafe.StringData(got))
	assert.Same(t, unsafe.StringData(got), unsafe.StringData(s.intern("alice")), "one copy a name")

	for i := len(s.users); i < maxInterned; i++ {
		s.intern(strconv.Itoa(i))
	}
	body = `{"bk_username":"bobby"}`
	user = body[16:21]
	got = s.intern(user)
	assert.Equal(t, "bobby", got)
	assert.NotSame(t, unsafe.StringData(user), unsafe.StringData(got))
}

// TestIDIndex: ids the counter hands out sit in the slice, a far one in the map, and either way
// an id is found, replaced, removed and counted once.
func TestIDIndex(t *testing.T) {
	x := newIDIndex()
	far := int64(1 << 40)
	for id, slot := range map[int64]uint32{1: 0, 2: 1, 3: 2, far: 3, -5: 4} {
		x.put(id, slot)
	}
	assert.Equal(t, 5, x.len())
	assert.Len(t, x.dense, 4)
	assert.Len(t, x.sparse, 2)
	for id, want := range map[int64]uint32{1: 0, 3: 2, far: 3, -5: 4} {
		slot, ok := x.get(id)
		assert.True(t, ok, id)
		assert.Equal(t, want, slot, id)
	}
	for _, id := range []int64{0, 4, far + 1, -1} {
		_, ok := x.get(id)
		assert.False(t, ok, id)
	}

	x.put(2, 9) // in place of its slot
	x.put(far, 8)
	assert.Equal(t, 5, x.len())
	slot, _ := x.get(2)
	assert.Equal(t, uint32(9), slot)
	slot, _ = x.get(far)
	assert.Equal(t, uint32(8), slot)

	x.remove(3)
	x.remove(far)
	x.remove(77) // not there: no change
	assert.Equal(t, 3, x.len())
	_, ok := x.get(3)
	assert.False(t, ok)
	var slots []uint32
	for s := range x.slots {
		slots = append(slots, s)
	}
	assert.ElementsMatch(t, []uint32{0, 9, 4}, slots)

	// Ids that follow a far one go to the map until there are enough of them for the slice to
	// reach them, after which they take their place in it.
	y := newIDIndex()
	start := int64(10 * maxIDGap)
	for i := range int64(10 * maxIDGap) {
		y.put(start+i, uint32(i))
	}
	assert.Equal(t, 10*maxIDGap, y.len())
	assert.NotEmpty(t, y.sparse)
	assert.Greater(t, len(y.dense), int(start))
	for i := range int64(10 * maxIDGap) {
		slot, ok := y.get(start + i)
		require.True(t, ok, start+i)
		require.Equal(t, uint32(i), slot)
	}
}
