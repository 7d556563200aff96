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
	var keys []nameKey
	for _, r := range []row{{biz: 1, parent: 1, name: "a"}, {biz: 1, parent: 1, name: "b"}, {biz: 2, parent: 2, name: "a"}} {
		slot := sl.add(r)
		ix.put(slot)
		slots, keys = append(slots, slot), append(keys, keyOf(&r))
	}
	for i, k := range keys {
		assert.Same(t, sl.at(slots[i]), ix.get(k))
	}
	assert.Nil(t, ix.get(nameKey{1, "z"}))

	ix.remove(slots[0])
	assert.Nil(t, ix.get(keys[0]))
	assert.Same(t, sl.at(slots[1]), ix.get(keys[1]), "a spilled name is found after the one it collided with goes")
	assert.Same(t, sl.at(slots[2]), ix.get(keys[2]))
	ix.remove(slots[2])
	ix.remove(slots[1])
	assert.Empty(t, ix.byHash)
	assert.Empty(t, ix.spill)
}

// TestSlabReusesSlots: a deleted row's slot takes the next row, emptied first, so the slab
// holds as many rows as were live at once; rows stay in place as it grows past its first chunk.
func TestSlabReusesSlots(t *testing.T) {
	sl := &slab{}
	first := sl.add(row{name: "first"})
	for i := range chunkLen - 1 {
		sl.add(row{id: int64(i)})
	}
	p := sl.at(first)
	for i := range 3 * chunkLen {
		sl.add(row{id: int64(i)})
	}
	assert.Same(t, p, sl.at(first), "a row stays where it is as the slab grows")
	assert.Equal(t, "first", p.name)

	sl.release(first)
	assert.Equal(t, row{}, *sl.at(first), "a released slot keeps nothing alive")
	again := sl.add(row{name: "again"})
	assert.Equal(t, first, again, "the released slot is used again")
	assert.Equal(t, uint32(4*chunkLen), sl.size(), "no new slot was handed out")
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

// TestBusinessSlotsFollowTheSets: the slots each business keeps beside its ids are the store's
// through creates, deletes (and the compaction they bring), updates, a Put that replaces a set
// or lands among the ids, and a Reset from seeds in no order.
func TestBusinessSlotsFollowTheSets(t *testing.T) {
	s := New([]string{"bk_capacity", "bk_set_desc"}, time.UTC, 1000)
	draft := func(biz int64, name string) Draft {
		return Draft{BizID: biz, ParentID: biz, Name: name, Attrs: []byte("null\x00\"d\"\x00"), Created: 1645533241386}
	}
	check := func(step string) {
		t.Helper()
		s.mu.RLock()
		defer s.mu.RUnlock()
		seen := 0
		for bizID, b := range s.names.biz {
			last, of := int64(0), 0
			for id, slot := range s.names.setsOf(bizID) {
				assert.Greater(t, id, last, "%s: ids in order", step)
				held, ok := s.sets.get(id)
				assert.True(t, ok && held == slot, "%s: the slot of set %d", step, id)
				assert.Equal(t, id, s.slab.at(slot).id, "%s: the row in the slot of set %d", step, id)
				last = id
				of++
			}
			assert.Equal(t, of, b.live(), "%s: business %d counts its sets", step, bizID)
			seen += of
		}
		assert.Equal(t, s.sets.len(), seen, "%s: every set once", step)
	}
	var ids []int64
	for i := range 60 {
		set, err := s.Create(draft(int64(1+i%2), "s"+strconv.Itoa(i)), nil)
		assert.NoError(t, err)
		ids = append(ids, set.r.id)
	}
	check("creates")
	every := func(from int) (out []int64) {
		for i := from; i < 40; i += 2 {
			out = append(out, ids[i])
		}
		return out
	}
	assert.NoError(t, s.Delete(1, every(0)...))
	check("deletes of business 1, compacted")
	assert.NoError(t, s.Delete(2, every(1)[:5]...))
	check("deletes of business 2, holes kept")
	_, err := s.Update(1, ids[44], draft(1, "renamed"))
	assert.NoError(t, err)
	check("an update")
	s.Put(ids[46], draft(1, "replaced"), nil)
	s.Put(ids[2], draft(1, "back among the ids"), nil)
	check("puts")
	var seeds []Seed
	for i, id := range []int64{9, 3, 7, 1, 5} {
		seeds = append(seeds, Seed{ID: id, Draft: draft(int64(1+i%2), "seed"+strconv.Itoa(i))})
	}
	s.Reset(seeds)
	check("a reset")
}
