package topo

import (
	"cmp"
	"iter"
	"slices"
)

// moduleBlock is how many modules a block of a set's modules holds at most.
const moduleBlock = 512

// moduleList is a set's modules in the order of their ids, which is the order they were made:
// the newest in tail, the others, once there are more than moduleBlock, in blocks. No module a
// list holds is changed in place, so that a copy of the list (in a copy of its row, taken under
// the store's lock) may be read once the lock is let go: a new module is appended to the tail
// past what any copy reads, and a change or a removal makes a new block and a new list of
// blocks. Its cost is a block and 24 bytes a block of the set, not the set: in a set of a million
// modules an update takes 63-90 us and 107 KB under the store's lock, where a copy of them all
// took 56-90 ms and 112 MB (BenchmarkLargeSet on each build, 2026-12-06;
// TestModuleChangeCostDoesNotGrowWithItsSet holds a bound).
type moduleList struct {
	tail []Module
	full *blocks // nil while every module is in tail
}

// blocks are the modules of a set before its tail, in blocks that are never empty and never
// changed once here.
type blocks struct {
	list [][]Module
	n    int // the modules in them
}

func byModuleID(a, b Module) int { return cmp.Compare(a.ID, b.ID) }

// place is where a module is in a list: its block (len(full.list) for the tail) and its index.
type place struct{ block, i int }

// listOf is a list of ms, which it puts in the order of their ids (a fixture's or a state's may
// come in any order) and keeps.
func listOf(ms []Module) moduleList {
	slices.SortFunc(ms, byModuleID)
	var l moduleList
	for len(ms) > moduleBlock {
		l = l.push(ms[:moduleBlock:moduleBlock])
		ms = ms[moduleBlock:]
	}
	l.tail = ms
	return l
}

func (l moduleList) len() int {
	if l.full == nil {
		return len(l.tail)
	}
	return l.full.n + len(l.tail)
}

// all yields the modules in the order of their ids.
func (l moduleList) all() iter.Seq[*Module] {
	return func(yield func(*Module) bool) {
		for k := range l.nblocks() {
			b := l.block(k)
			for i := range b {
				if !yield(&b[i]) {
					return
				}
			}
		}
	}
}

// nblocks is how many blocks hold the modules, the tail one of them; with block, for a loop
// that reads every module, cheaper than all by a call a module.
func (l moduleList) nblocks() int {
	if l.full == nil {
		return 1
	}
	return len(l.full.list) + 1
}

// block is the k-th block, in the order of their ids.
func (l moduleList) block(k int) []Module {
	if l.full != nil && k < len(l.full.list) {
		return l.full.list[k]
	}
	return l.tail
}

// appendTo appends the modules to out, in the order of their ids, growing out once.
func (l moduleList) appendTo(out []Module) []Module {
	out = slices.Grow(out, l.len())
	if l.full != nil {
		for _, b := range l.full.list {
			out = append(out, b...)
		}
	}
	return append(out, l.tail...)
}

// last is the module of the highest id, nil for an empty list.
func (l moduleList) last() *Module {
	switch {
	case len(l.tail) > 0:
		return &l.tail[len(l.tail)-1]
	case l.full != nil:
		b := l.full.list[len(l.full.list)-1]
		return &b[len(b)-1]
	}
	return nil
}

// add is the list with m appended, whose id is above every id the list holds: in place, past
// what any copy of the list reads.
func (l moduleList) add(m Module) moduleList {
	if len(l.tail) == moduleBlock {
		l, l.tail = l.push(l.tail), nil
	}
	l.tail = append(l.tail, m)
	return l
}

// push is the list with b, a block of ids above those of the full blocks, after them.
func (l moduleList) push(b []Module) moduleList {
	full := &blocks{list: [][]Module{b}, n: len(b)}
	if l.full != nil {
		// In place past what a copy of l.full reads, as add does.
		full.list, full.n = append(l.full.list, b), l.full.n+len(b)
	}
	l.full = full
	return l
}

// find is the place of the module of the given id.
func (l moduleList) find(id int64) (place, bool) {
	byID := func(m Module, id int64) int { return cmp.Compare(m.ID, id) }
	n := 0
	if l.full != nil {
		n = len(l.full.list)
		// The first block whose last module's id is not below id.
		b, _ := slices.BinarySearchFunc(l.full.list, id, func(b []Module, id int64) int { return cmp.Compare(b[len(b)-1].ID, id) })
		if b < n {
			i, ok := slices.BinarySearchFunc(l.full.list[b], id, byID)
			return place{b, i}, ok
		}
	}
	i, ok := slices.BinarySearchFunc(l.tail, id, byID)
	return place{n, i}, ok
}

// at is the module at p, a place find gave.
func (l moduleList) at(p place) *Module {
	if l.full != nil && p.block < len(l.full.list) {
		return &l.full.list[p.block][p.i]
	}
	return &l.tail[p.i]
}

// with is the list with m, of the same id, in place of the module at p.
func (l moduleList) with(p place, m Module) moduleList {
	return l.change(p, func(b []Module) []Module {
		b = slices.Clone(b)
		b[p.i] = m
		return b
	})
}

// without is the list less the module at p.
func (l moduleList) without(p place) moduleList {
	return l.change(p, func(b []Module) []Module { return slices.Concat(b[:p.i], b[p.i+1:]) })
}

// change is the list with the block at p, or the tail, replaced by what f makes of it, a new
// slice. A block left empty goes, and one left small enough to share a block with a neighbour
// does so, so that removals do not leave a set in many small blocks.
func (l moduleList) change(p place, f func([]Module) []Module) moduleList {
	if l.full == nil || p.block == len(l.full.list) {
		l.tail = f(l.tail)
		return l
	}
	old := l.full.list
	n := l.full.n - len(old[p.block])
	b := f(old[p.block])
	n += len(b)
	lo, hi := p.block, p.block+1 // the blocks b replaces
	switch {
	case len(b) == 0: // goes
	case lo > 0 && len(old[lo-1])+len(b) <= moduleBlock:
		lo--
		b = slices.Concat(old[lo], b)
	case hi < len(old) && len(b)+len(old[hi]) <= moduleBlock:
		b = slices.Concat(b, old[hi])
		hi++
	}
	list := make([][]Module, 0, len(old)-(hi-lo)+1)
	list = append(list, old[:lo]...)
	if len(b) > 0 {
		list = append(list, b)
	}
	list = append(list, old[hi:]...)
	l.full = nil
	if len(list) > 0 {
		l.full = &blocks{list: list, n: n}
	}
	return l
}
