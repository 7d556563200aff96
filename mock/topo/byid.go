package topo

import "iter"

// byID maps ids to values, as a map[int64]V does. The store gives ids out one after another,
// so nearly all of them lie in one run, held as a value each in chunks: a create appends where
// a map hashed and probed. An id far past the run or before it (a fixture's, a saved state's)
// is kept in a map, unless the run is short: then its ids go to the map and the run starts again
// at that id, where the creates after it will follow. In the run, V(0) marks an id not held
// and a value is kept plus one: a value is never the largest of V's (uint32: a slot) or -1
// (int64: an id). FuzzByIDActsAsAMap holds it to a map.
//
// Against a map for the sets' slots and the modules' sets (2026-12-06, the builds in turns):
// 276.1 heap bytes a set against 295.6 (go test ./mock -bench BenchmarkStoreMemory, three turns);
// a million sets loaded in 2.02-2.07 s at a peak of 671-685 MB against 2.17 s and 714-735 MB
// (bench/state.sh, two turns), and with a module each 746-770 MB live against 842-869
// (MODULES=1 bench/state.sh, two turns). Creates under load, no difference past the VM's spread
// (bench/ab.sh, six rounds of 8 s each way round: 1.05 and 0.98 of the map's requests a second).
type byID[V uint32 | int64] struct {
	base int64 // the id of the run's first value; the run holds no negative id
	run  chunks[V]
	far  map[int64]V
	n    int
}

// farGap: an id at most this far past the end of the run, or at most as far as the run is
// long, extends the run, the ids between held as not there: the run at most doubles so. A run
// of at most farGap values starts again at an id further past it, or before it.
const farGap = chunkLen

func (x *byID[V]) len() int { return x.n }

// inRun is where id is in the run, if it is: neither id nor base is negative, so the
// difference does not overflow.
func (x *byID[V]) inRun(id int64) (int64, bool) {
	i := id - x.base
	return i, id >= 0 && i >= 0 && i < int64(x.run.len())
}

// get returns the value of id, and whether there is one.
func (x *byID[V]) get(id int64) (V, bool) {
	if i, ok := x.inRun(id); ok {
		v := *x.run.at(int(i))
		return v - 1, v != 0
	}
	v, ok := x.far[id]
	return v, ok
}

// put sets the value of id.
func (x *byID[V]) put(id int64, v V) {
	i, in := x.inRun(id)
	end := int64(x.run.len())
	switch {
	case in:
	case id >= 0 && i >= end && i-end <= max(end, farGap): // the run grows to id
	case id >= 0 && end <= farGap: // the run starts again at id
		far := x.farMap()
		for held, v := range x.inRunOrder() {
			far[held] = v
		}
		x.base, x.run, i, end = id, chunks[V]{}, 0, 0
	default:
		if _, ok := x.farMap()[id]; !ok {
			x.n++
		}
		x.far[id] = v
		return
	}
	for ; end <= i; end++ { // the ids up to id join the run, from the map if it held them
		held, ok := x.far[x.base+end]
		if ok {
			delete(x.far, x.base+end)
			held++
		}
		x.run.push(held)
	}
	at := x.run.at(int(i))
	if *at == 0 {
		x.n++
	}
	*at = v + 1
}

func (x *byID[V]) farMap() map[int64]V {
	if x.far == nil {
		x.far = map[int64]V{}
	}
	return x.far
}

// add sets the value of id, and says whether id is new.
func (x *byID[V]) add(id int64, v V) bool {
	n := x.n
	x.put(id, v)
	return x.n > n
}

// remove lets go of id's value; an id not held is no error.
func (x *byID[V]) remove(id int64) {
	if i, ok := x.inRun(id); ok {
		if at := x.run.at(int(i)); *at != 0 {
			*at = 0
			x.n--
		}
		return
	}
	if _, ok := x.far[id]; ok {
		delete(x.far, id)
		x.n--
	}
}

// all yields each id held and its value: the run's in order of id, then the map's.
func (x *byID[V]) all() iter.Seq2[int64, V] {
	return func(yield func(int64, V) bool) {
		for id, v := range x.inRunOrder() {
			if !yield(id, v) {
				return
			}
		}
		for id, v := range x.far {
			if !yield(id, v) {
				return
			}
		}
	}
}

// inRunOrder yields each id the run holds and its value, in order of id.
func (x *byID[V]) inRunOrder() iter.Seq2[int64, V] {
	return func(yield func(int64, V) bool) {
		id := x.base
		for _, c := range x.run.c {
			for _, v := range c {
				if v != 0 && !yield(id, v-1) {
					return
				}
				id++
			}
		}
	}
}
