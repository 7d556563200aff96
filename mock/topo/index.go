package topo

import (
	"cmp"
	"hash/maphash"
	"iter"
	"runtime"
	"slices"
	"sort"
)

// slab holds a store's rows in chunks, and the maps that find rows hold slot numbers, which the
// collector does not scan. The slot of a deleted row is used again, so the slab holds at most as
// many rows as were ever live at once: a row leaves the store's lock only as a copy.
type slab struct {
	rows chunks[row]
	free []uint32 // slots of deleted rows, to use again
}

func (sl *slab) add(r row) uint32 {
	if n := len(sl.free); n > 0 {
		var i uint32
		i, sl.free = sl.free[n-1], sl.free[:n-1]
		*sl.at(i) = r
		return i
	}
	sl.rows.push(r)
	return sl.size() - 1
}

// release empties a slot for the next row; what the row held is let go.
func (sl *slab) release(i uint32) {
	*sl.at(i) = row{}
	sl.free = append(sl.free, i)
}

func (sl *slab) at(i uint32) *row { return sl.rows.at(int(i)) }

// readAhead reads the rows of a page's sets, and the first and last bytes of their values, in a
// loop that does nothing else, before the page is written: the memory they lie in is then
// waited for together, not a row at a time between the writing of one and the next. A page of
// 200 of 100,000 sets written to its answer (search_set, bench/search.lua search_set_page) went
// from 87.2 to 71.7 us of the server's CPU a request, at 1.15 times the requests a second
// (`CALL=search_set_page ROUNDS=5 DURATION=10s bench/ab.sh HEAD .`, this change on bde0e97,
// medians of five rounds in turns, 2026-12-06); 1.05 times with the two builds' order swapped,
// in rounds of 6 s. Reading ahead each slice of a scan, which runs through the slab in order,
// gained nothing: 7.2-7.8 ms a search against 6.9-8.7 (BenchmarkSearchSetsDeepPage/with a
// condition, four runs of each).
func (sl *slab) readAhead(sets []idSlot) {
	var read byte
	for _, h := range sets {
		if h.slot < sl.size() {
			if v := sl.at(h.slot).vals; len(v) > 0 {
				read ^= v[0] ^ v[len(v)-1]
			}
		}
	}
	runtime.KeepAlive(read) // the reads are kept: their result is
}

// size is how many slots were handed out, empty ones too.
func (sl *slab) size() uint32 { return uint32(sl.rows.len()) }

// nameIndex finds a set by parent and name, in whatever business: CMDB's unique index on sets is
// (bk_parent_id, bk_set_name). It keys a map by a 64-bit hash rather
// than by the strings and holds slots rather than pointers, which saves memory and the
// collector's time; the rare pair of names whose hashes collide spills into an exact map. It
// also keeps, for each business, what its searches read without reading every set: the sets
// of each parent, so that a set is found by its name alone with a look-up a parent, and the
// ids of its sets in order, so that a page by id is read from where it starts.
type nameIndex struct {
	hash   func(nameKey) uint64
	at     func(uint32) *row
	byHash map[uint64]uint32
	spill  map[nameKey]uint32
	biz    map[int64]*bizSets
	// bulk: ids are appended as they come and put in order by sortIDs, for a restore, whose
	// sets come in any order.
	bulk bool
}

// bizSets is what the index keeps of a business's sets.
type bizSets struct {
	parents map[int64]int // parent -> its sets
	// sets are the ids of its sets, ascending, each with where it is in the slab, so that its
	// reads need no look-up by id; a removed set's id is left negated until compacted.
	sets    chunks[idSlot]
	holes   int // negated ids
	foreign int // sets whose owner is not "0": a caller of "0" does not see them
}

// owner is a row's supplier account.
func owner(r *row) string { return ownerIn(r.extra) }

// ownerIn is the supplier account that a record's kept fields name, "0" when they name none.
func ownerIn(fields Record) string {
	if o, ok := fields["bk_supplier_account"].(string); ok {
		return o
	}
	return DefaultSupplierAccount
}

type nameKey struct {
	parentID int64
	name     string
}

func newNameIndex(at func(uint32) *row) *nameIndex {
	seed := maphash.MakeSeed()
	return &nameIndex{
		hash:   func(k nameKey) uint64 { return hashName(seed, k) },
		at:     at,
		byHash: map[uint64]uint32{},
		spill:  map[nameKey]uint32{},
		biz:    map[int64]*bizSets{},
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
	b := ix.biz[r.biz]
	if b == nil {
		b = &bizSets{parents: map[int64]int{}}
		ix.biz[r.biz] = b
	}
	b.parents[r.parent]++
	if owner(r) != DefaultSupplierAccount {
		b.foreign++
	}
	b.addID(r.id, slot, ix.bulk)
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
	b := ix.biz[r.biz]
	if b.parents[r.parent]--; b.parents[r.parent] == 0 {
		delete(b.parents, r.parent)
	}
	if owner(r) != DefaultSupplierAccount {
		b.foreign--
	}
	b.removeID(r.id, ix.bulk)
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

// find is where id is, or would be, in the sets.
func (b *bizSets) find(id int64) (int, bool) {
	n := b.sets.len()
	i := sort.Search(n, func(i int) bool { return abs(b.sets.at(i).id) >= id })
	return i, i < n && abs(b.sets.at(i).id) == id
}

func abs(n int64) int64 { return max(n, -n) }

// addID puts a set's id, and its slot, in order: in the place of its removed self (an update
// removes and adds it again), at the end (a create's id is the largest), or, rarely, inserted;
// in bulk, at the end, for sortIDs.
func (b *bizSets) addID(id int64, slot uint32, bulk bool) {
	h := idSlot{id, slot}
	if n := b.sets.len(); bulk || n == 0 || abs(b.sets.at(n-1).id) < id {
		b.sets.push(h)
		return
	}
	i, found := b.find(id)
	if found {
		*b.sets.at(i), b.holes = h, b.holes-1
		return
	}
	b.sets.insert(i, h)
}

// removeID marks a set's id removed, and compacts the sets when half of them are; in bulk, where
// the ids are in no order, it looks for it from the start.
func (b *bizSets) removeID(id int64, bulk bool) {
	var i int
	var found bool
	if bulk {
		for h := range b.sets.all() {
			if found = h.id == id; found {
				break
			}
			i++
		}
	} else {
		i, found = b.find(id)
	}
	if found && b.sets.at(i).id > 0 {
		b.sets.at(i).id, b.holes = -id, b.holes+1
	}
	if b.holes > b.sets.len()/2 {
		b.compact()
	}
}

// compact drops the removed ids, and their slots.
func (b *bizSets) compact() {
	kept := 0
	for h := range b.sets.all() {
		if h.id > 0 {
			*b.sets.at(kept) = *h
			kept++
		}
	}
	b.sets.truncate(kept)
	b.holes = 0
}

// sortIDs puts every business's ids, and their slots, in order after a bulk load, and ends it.
func (ix *nameIndex) sortIDs() {
	for _, b := range ix.biz {
		b.compact()
		order := make([]idSlot, 0, b.sets.len())
		for h := range b.sets.all() {
			order = append(order, *h)
		}
		slices.SortFunc(order, func(x, y idSlot) int { return cmp.Compare(x.id, y.id) })
		for i, h := range order {
			*b.sets.at(i) = h
		}
	}
	ix.bulk = false
}

// idSlot is a set's id and where its row is; once the set is removed, the slot holds another
// set, or none.
type idSlot struct {
	id   int64
	slot uint32
}

// setsOf yields the ids of a business's sets, in order, each with its slot.
func (ix *nameIndex) setsOf(bizID int64) iter.Seq2[int64, uint32] {
	return func(yield func(int64, uint32) bool) {
		if b := ix.biz[bizID]; b != nil {
			for _, chunk := range b.sets.c { // not all(): a scan of a million sets runs through here
				for _, h := range chunk {
					if h.id > 0 && !yield(h.id, h.slot) { // a removed id is negated
						return
					}
				}
			}
		}
	}
}

// idsIn yields the ids of a business's sets, in order.
func (ix *nameIndex) idsIn(bizID int64) iter.Seq[int64] {
	return func(yield func(int64) bool) {
		for id := range ix.setsOf(bizID) {
			if !yield(id) {
				return
			}
		}
	}
}

// live is how many sets the business holds (none for a nil one).
func (b *bizSets) live() int {
	if b == nil {
		return 0
	}
	return b.sets.len() - b.holes
}

// pageByID is the business's sets from the start-th on, at most n of them, in ascending order
// of their ids or descending: each id and its slot. Its ids hold no removed one (Store.walkIDs
// steps over them).
func (b *bizSets) pageByID(start, n int, desc bool) []idSlot {
	all := b.sets.len()
	page := make([]idSlot, 0, min(n, max(all-start, 0)))
	if desc {
		for i := all - 1 - start; i >= 0 && len(page) < n; i-- {
			page = append(page, *b.sets.at(i))
		}
		return page
	}
	for i := min(start, all); i < min(start+n, all); i++ {
		page = append(page, *b.sets.at(i))
	}
	return page
}
