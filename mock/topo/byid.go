package topo

import "iter"

// byID maps ids to values, as a map[int64]V does. The store gives ids out one after another,
// so nearly all of them lie in one run from 0 up, held as a value each in chunks: a create
// appends where a map hashed and probed. An id far past the run (a fixture's, a saved state's)
// is kept in a map, and so are the ids after it while the run stays short of them: no worse than
// a map. In the run, V(0) marks an id not held and a value is kept plus one: a value is never
// the largest of V's (uint32: a slot) or -1 (int64: an id). FuzzByIDActsAsAMap holds it to a map.
//
// Against a map for the sets' slots and the modules' sets (2026-12-06, the builds in turns):
// 276.1 heap bytes a set against 295.6 (go test ./mock -bench BenchmarkStoreMemory, three turns);
// a million sets loaded in 2.02-2.07 s at a peak of 671-685 MB against 2.17 s and 714-735 MB
// (bench/state.sh, two turns), and with a module each 746-770 MB live against 842-869
// (MODULES=1 bench/state.sh, two turns). Creates under load, no difference past the VM's spread
// (bench/ab.sh, six rounds of 8 s each way round: 1.05 and 0.98 of the map's requests a second).
type byID[V uint32 | int64] struct {
	run chunks[V]
	far map[int64]V
	n   int
}

// farGap: an id at most this far past the end of the run, or at most as far as the run is
// long, extends the run, the ids between held as not there; the run at most doubles so.
const farGap = chunkLen

func (x *byID[V]) len() int { return x.n }

// get returns the value of id, and whether there is one.
func (x *byID[V]) get(id int64) (V, bool) {
	if id >= 0 && id < int64(x.run.len()) {
		v := *x.run.at(int(id))
		return v - 1, v != 0
	}
	v, ok := x.far[id]
	return v, ok
}

// put sets the value of id.
func (x *byID[V]) put(id int64, v V) {
	end := int64(x.run.len())
	if id < 0 || id >= end && id-end > max(end, farGap) {
		if x.far == nil {
			x.far = map[int64]V{}
		}
		if _, ok := x.far[id]; !ok {
			x.n++
		}
		x.far[id] = v
		return
	}
	for ; end <= id; end++ { // the ids up to id join the run, from the map if it held them
		held, ok := x.far[end]
		if ok {
			delete(x.far, end)
			held++
		}
		x.run.push(held)
	}
	at := x.run.at(int(id))
	if *at == 0 {
		x.n++
	}
	*at = v + 1
}

// add sets the value of id, and says whether id is new.
func (x *byID[V]) add(id int64, v V) bool {
	n := x.n
	x.put(id, v)
	return x.n > n
}

// remove lets go of id's value; an id not held is no error.
func (x *byID[V]) remove(id int64) {
	if id >= 0 && id < int64(x.run.len()) {
		if at := x.run.at(int(id)); *at != 0 {
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
		id := int64(0)
		for _, c := range x.run.c {
			for _, v := range c {
				if v != 0 && !yield(id, v-1) {
					return
				}
				id++
			}
		}
		for id, v := range x.far {
			if !yield(id, v) {
				return
			}
		}
	}
}
