package topo

import (
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestNameIndexSpillsCollisions forces every name onto one hash.
func TestNameIndexSpillsCollisions(t *testing.T) {
	sl := &slab{}
	ix := newNameIndex(sl.at)
	ix.hash = func(nameKey) uint64 { return 7 }
	var slots []uint32
	var rows []*row
	for _, r := range []row{{biz: 1, parent: 1, name: "a"}, {biz: 1, parent: 1, name: "b"}, {biz: 2, parent: 2, name: "a"}} {
		slot := sl.add(r)
		ix.put(slot)
		slots, rows = append(slots, slot), append(rows, sl.at(slot))
	}
	for _, r := range rows {
		assert.Same(t, r, ix.get(keyOf(r)))
	}
	assert.Nil(t, ix.get(nameKey{1, "z"}))

	ix.remove(slots[0])
	assert.Nil(t, ix.get(keyOf(rows[0])))
	assert.Same(t, rows[1], ix.get(keyOf(rows[1])), "a spilled name is found after the one it collided with goes")
	assert.Same(t, rows[2], ix.get(keyOf(rows[2])))
	ix.remove(slots[2])
	ix.remove(slots[1])
	assert.Empty(t, ix.byHash)
	assert.Empty(t, ix.spill)
}

// TestSlabReusesSlots: a deleted row's slot takes the next row, emptied first, so the slab
// holds as many rows as were live at once; rows stay in place as it grows.
func TestSlabReusesSlots(t *testing.T) {
	sl := &slab{}
	first := sl.add(row{name: "first"})
	p := sl.at(first)
	for i := range 3 * chunkRows {
		sl.add(row{id: int64(i)})
	}
	assert.Same(t, p, sl.at(first), "a row stays where it is as the slab grows")
	assert.Equal(t, "first", p.name)

	sl.release(first)
	assert.Equal(t, row{}, *sl.at(first), "a released slot keeps nothing alive")
	again := sl.add(row{name: "again"})
	assert.Equal(t, first, again, "the released slot is used again")
	assert.Equal(t, uint32(3*chunkRows+1), sl.n, "no new slot was handed out")
}

// TestInternCopies: a row's user, cut from a request body, must not keep that body alive, both
// while the store still interns new names and once it has stopped.
func TestInternCopies(t *testing.T) {
	s := New(nil, time.UTC, 0)
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
