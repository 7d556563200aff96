package topo

import "hash/maphash"

// slab holds a store's rows in fixed chunks, and the maps that find rows hold slot numbers,
// which the collector does not scan. The slot of a deleted row is used again, so the slab holds
// at most as many rows as were ever live at once: a row leaves the store's lock only as a copy.
type slab struct {
	chunks [][]row
	n      uint32   // slots handed out
	free   []uint32 // slots of deleted rows, to use again
}

const chunkRows = 4096

func (sl *slab) add(r row) uint32 {
	var i uint32
	if n := len(sl.free); n > 0 {
		i, sl.free = sl.free[n-1], sl.free[:n-1]
	} else {
		if sl.n%chunkRows == 0 {
			sl.chunks = append(sl.chunks, make([]row, chunkRows))
		}
		i = sl.n
		sl.n++
	}
	*sl.at(i) = r
	return i
}

// release empties a slot for the next row; what the row held is let go.
func (sl *slab) release(i uint32) {
	*sl.at(i) = row{}
	sl.free = append(sl.free, i)
}

func (sl *slab) at(i uint32) *row { return &sl.chunks[i/chunkRows][i%chunkRows] }

// nameIndex finds a set by parent and name, in whatever business: CMDB's unique index on sets is
// (bk_parent_id, bk_set_name). It keys a map by a 64-bit hash rather
// than by the strings and holds slots rather than pointers, which saves memory and the
// collector's time; the rare pair of names whose hashes collide spills into an exact map. It
// also counts the sets of each parent by business, so that a set is found by its name alone with
// a look-up a parent rather than a read of every set.
type nameIndex struct {
	hash    func(nameKey) uint64
	at      func(uint32) *row
	byHash  map[uint64]uint32
	spill   map[nameKey]uint32
	parents map[int64]map[int64]int // business -> parent -> its sets
}

type nameKey struct {
	parentID int64
	name     string
}

func newNameIndex(at func(uint32) *row) *nameIndex {
	seed := maphash.MakeSeed()
	return &nameIndex{
		hash:    func(k nameKey) uint64 { return hashName(seed, k) },
		at:      at,
		byHash:  map[uint64]uint32{},
		spill:   map[nameKey]uint32{},
		parents: map[int64]map[int64]int{},
	}
}

func hashName(seed maphash.Seed, k nameKey) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var b [8]byte
	for i := range 8 {
		b[i] = byte(k.parentID >> (8 * i))
	}
	_, _ = h.Write(b[:])
	_, _ = h.WriteString(k.name)
	return h.Sum64()
}

func keyOf(r *row) nameKey { return nameKey{r.parent, r.name} }

func (ix *nameIndex) get(k nameKey) *row {
	if slot, ok := ix.slot(k); ok {
		return ix.at(slot)
	}
	return nil
}

// slot is where the set of the key is, if there is one.
func (ix *nameIndex) slot(k nameKey) (uint32, bool) {
	if slot, ok := ix.byHash[ix.hash(k)]; ok && keyOf(ix.at(slot)) == k {
		return slot, true
	}
	slot, ok := ix.spill[k]
	return slot, ok
}

func (ix *nameIndex) put(slot uint32) {
	r := ix.at(slot)
	if ix.parents[r.biz] == nil {
		ix.parents[r.biz] = map[int64]int{}
	}
	ix.parents[r.biz][r.parent]++
	k := keyOf(r)
	h := ix.hash(k)
	if cur, ok := ix.byHash[h]; ok && keyOf(ix.at(cur)) != k {
		ix.spill[k] = slot
		return
	}
	ix.byHash[h] = slot
}

func (ix *nameIndex) remove(slot uint32) {
	r := ix.at(slot)
	if ix.parents[r.biz][r.parent]--; ix.parents[r.biz][r.parent] == 0 {
		delete(ix.parents[r.biz], r.parent)
	}
	k := keyOf(r)
	h := ix.hash(k)
	if cur, ok := ix.byHash[h]; !ok || cur != slot {
		delete(ix.spill, k)
		return
	}
	delete(ix.byHash, h)
	for sk, ss := range ix.spill { // promote a spilled name of the same hash, if any
		if ix.hash(sk) == h {
			ix.byHash[h] = ss
			delete(ix.spill, sk)
			return
		}
	}
}
