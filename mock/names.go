package mock

import "hash/maphash"

// slab holds a store's rows in fixed chunks. A slot is never reused, so a *row handed out stays
// valid, and the maps that find rows hold slot numbers, which the collector does not scan.
type slab struct {
	chunks [][]row
	n      uint32
}

const chunkRows = 4096

func (sl *slab) add(r row) (uint32, *row) {
	if sl.n%chunkRows == 0 {
		sl.chunks = append(sl.chunks, make([]row, chunkRows))
	}
	i := sl.n
	sl.n++
	p := sl.at(i)
	*p = r
	return i, p
}

func (sl *slab) at(i uint32) *row { return &sl.chunks[i/chunkRows][i%chunkRows] }

// nameIndex finds a set by business, parent and name. It keys a map by a 64-bit hash rather
// than by the strings and holds slots rather than pointers, which saves memory and the
// collector's time; the rare pair of names whose hashes collide spills into an exact map.
type nameIndex struct {
	hash   func(nameKey) uint64
	at     func(uint32) *row
	byHash map[uint64]uint32
	spill  map[nameKey]uint32
}

type nameKey struct {
	bizID, parentID int64
	name            string
}

func newNameIndex(at func(uint32) *row) *nameIndex {
	seed := maphash.MakeSeed()
	return &nameIndex{
		hash:   func(k nameKey) uint64 { return hashName(seed, k) },
		at:     at,
		byHash: map[uint64]uint32{},
		spill:  map[nameKey]uint32{},
	}
}

func hashName(seed maphash.Seed, k nameKey) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var b [16]byte
	for i := range 8 {
		b[i], b[8+i] = byte(k.bizID>>(8*i)), byte(k.parentID>>(8*i))
	}
	_, _ = h.Write(b[:])
	_, _ = h.WriteString(k.name)
	return h.Sum64()
}

func keyOf(r *row) nameKey { return nameKey{r.biz, r.parent, r.name} }

func (ix *nameIndex) get(k nameKey) *row {
	if slot, ok := ix.byHash[ix.hash(k)]; ok && keyOf(ix.at(slot)) == k {
		return ix.at(slot)
	}
	if slot, ok := ix.spill[k]; ok {
		return ix.at(slot)
	}
	return nil
}

func (ix *nameIndex) put(slot uint32) {
	k := keyOf(ix.at(slot))
	h := ix.hash(k)
	if cur, ok := ix.byHash[h]; ok && keyOf(ix.at(cur)) != k {
		ix.spill[k] = slot
		return
	}
	ix.byHash[h] = slot
}

func (ix *nameIndex) remove(slot uint32) {
	k := keyOf(ix.at(slot))
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

// idIndex finds a set's slot by its id. The store's counter hands out ids one after another, so
// nearly every id has its place in a slice, which costs four bytes a set and no hashing; an id
// far past the others (a fixture's, a saved set's) goes to a map. An id is in one or the other.
type idIndex struct {
	dense  []uint32 // dense[id] is the slot of id + 1; 0: not there
	sparse map[int64]uint32
	n      int
}

// maxIDGap is how far past the ids in the slice, or past twice the count of ids, an id may be and
// still have its place in the slice: the slice stays within about twice the ids it holds.
const maxIDGap = 4096

func newIDIndex() *idIndex { return &idIndex{sparse: map[int64]uint32{}} }

func (x *idIndex) get(id int64) (uint32, bool) {
	if x.inDense(id) && x.dense[id] != 0 {
		return x.dense[id] - 1, true
	}
	if len(x.sparse) == 0 {
		return 0, false
	}
	slot, ok := x.sparse[id]
	return slot, ok
}

func (x *idIndex) inDense(id int64) bool { return id >= 0 && id < int64(len(x.dense)) }

// put stores the slot of id, in place of any it had.
func (x *idIndex) put(id int64, slot uint32) {
	x.remove(id)
	x.n++
	if !x.inDense(id) && id >= 0 && (id-int64(len(x.dense)) < maxIDGap || id < 2*int64(x.n)+maxIDGap) {
		x.dense = append(x.dense, make([]uint32, id+1-int64(len(x.dense)))...)
	}
	if x.inDense(id) {
		x.dense[id] = slot + 1
		return
	}
	x.sparse[id] = slot
}

func (x *idIndex) remove(id int64) {
	if x.inDense(id) && x.dense[id] != 0 {
		x.dense[id] = 0
		x.n--
		return
	}
	if _, ok := x.sparse[id]; ok {
		delete(x.sparse, id)
		x.n--
	}
}

func (x *idIndex) len() int { return x.n }

// slots yields the slot of every id in the index.
func (x *idIndex) slots(yield func(uint32) bool) {
	for _, slot := range x.dense {
		if slot != 0 && !yield(slot-1) {
			return
		}
	}
	for _, slot := range x.sparse {
		if !yield(slot) {
			return
		}
	}
}
