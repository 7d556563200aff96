package topo

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzSeekPage holds seekPage to the page that sorting the ids gives: for any ids, in any order,
// any start and any room (small rooms make it narrow the span down to single ids), the matches
// from the span's start on hold the start-th id of the sorted ids at rank skip, with no more
// than room before it; a start past the last id finds nothing; it takes at most eight passes;
// and a negative room (a page larger than a heap keeps) is refused before any. The ids are a
// run with gaps, spread over all of int64, in clusters far apart, or a run with a few far past
// the span first given (as a fixture's ids may lie), in either order.
func FuzzSeekPage(f *testing.F) {
	// room is one more than the room given: 0 stands for a page larger than the heap.
	f.Add(uint64(1), uint16(500), uint8(0), uint32(250), uint32(11), false)
	f.Add(uint64(2), uint16(2000), uint8(1), uint32(1999), uint32(1), true)
	f.Add(uint64(3), uint16(1500), uint8(2), uint32(700), uint32(4), false)
	f.Add(uint64(4), uint16(300), uint8(3), uint32(299), uint32(1), false)
	f.Add(uint64(5), uint16(300), uint8(3), uint32(2), uint32(2), true)
	f.Add(uint64(6), uint16(0), uint8(0), uint32(0), uint32(1), false)
	f.Add(uint64(7), uint16(100), uint8(0), uint32(0), uint32(0), false)
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, shape uint8, start, room uint32, desc bool) {
		rng := rand.New(rand.NewPCG(seed, uint64(shape)))
		size := int(n % 3000)
		seen := map[int64]bool{}
		ids := []int64{}
		add := func(id int64) {
			if id > 0 && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		given := int64(4 * size)
		for i := range size {
			switch shape % 4 {
			case 0: // a run with gaps
				add(rng.Int64N(given+1) + 1)
			case 1: // over all of int64
				add(rng.Int64N(math.MaxInt64) + 1)
			case 2: // clusters far apart
				add(int64(i%5)<<58 + int64(i) + 1)
			default: // a run, and a few far past it
				add(int64(i) + 1)
				if i%97 == 0 {
					add(math.MaxInt64 - int64(i))
				}
			}
		}
		if shape%4 == 1 || shape%4 == 2 {
			given = slices.Max(append([]int64{1}, ids...))
		}
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		skip, space := int(start%uint32(size+10)), int(room%5000)-1 // -1: a page larger than the heap

		matches, passes := passesOver(ids)
		count, at, found, err := seekPage(matches, idSpan{lo: 1, hi: given, skip: skip, desc: desc}, space, func(int) bool { return false })
		if space < 0 {
			assert.ErrorIs(t, err, ErrPageTooLarge)
			assert.Zero(t, *passes, "refused before any pass")
			return
		}
		require.NoError(t, err)
		assert.Equal(t, len(ids), count)
		assert.LessOrEqual(t, *passes, 8, "passes")
		sorted := slices.Sorted(slices.Values(ids))
		if desc {
			slices.Reverse(sorted)
		}
		if skip >= len(ids) {
			assert.False(t, found, "a start past the last match")
			return
		}
		require.True(t, found)
		assert.LessOrEqual(t, at.skip, space, "what comes before the page fits the room")
		var from []int64 // the matches the last pass keeps, in the page's order
		for _, id := range sorted {
			if desc && id <= at.hi || !desc && id >= at.lo {
				from = append(from, id)
			}
		}
		require.Less(t, at.skip, len(from))
		assert.Equal(t, sorted[skip], from[at.skip], "the page's first match")
	})
}

// TestSeekPageStops: a count that the page refuses is ErrPageTooLarge after one pass, and an
// error of a pass ends the seek with it.
func TestSeekPageStops(t *testing.T) {
	matches, passes := passesOver(rangeOf(1, 5000))
	_, _, _, err := seekPage(matches, idSpan{lo: 1, hi: 5000, skip: 4000}, 0, func(count int) bool { return count > 4500 })
	assert.ErrorIs(t, err, ErrPageTooLarge)
	assert.Equal(t, 1, *passes)

	stopped := errors.New("stopped")
	_, _, _, err = seekPage(func(func(int64)) error { return stopped }, idSpan{lo: 1, hi: 5000}, 0, func(int) bool { return false })
	assert.ErrorIs(t, err, stopped)
}

// TestSeekPagePasses counts the passes of two seeks for a page of 200 with room for the rest of
// MaxWindow: one over a run of a million ids the store gave out (the passes' counts narrow it
// at once), six over a run with ids near int64's end past the span first given (one to widen
// it to them, five to narrow 2^63 ids down to a range the room holds).
func TestSeekPagePasses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ids    []int64
		given  int64
		passes int
	}{
		{"a million given", rangeOf(1, 1_000_000), 1_000_000, 1},
		{"far past the span", append(rangeOf(1, 200_000), math.MaxInt64, math.MaxInt64-7), 200_000, 6},
	} {
		matches, passes := passesOver(tc.ids)
		start := len(tc.ids) - 300
		count, at, found, err := seekPage(matches, idSpan{lo: 1, hi: tc.given, skip: start}, MaxWindow-200, func(int) bool { return false })
		require.NoError(t, err, tc.name)
		require.True(t, found, tc.name)
		assert.Equal(t, len(tc.ids), count, tc.name)
		assert.Equal(t, tc.passes, *passes, tc.name)
		assert.Equal(t, tc.ids[start], at.lo+int64(at.skip), "%s: the page's first id, in a run from lo", tc.name)
	}
}

// passesOver is seekPage's matches over ids, in their order, and the count of its passes.
func passesOver(ids []int64) (func(visit func(int64)) error, *int) {
	passes := new(int)
	return func(visit func(int64)) error {
		*passes++
		for _, id := range ids {
			visit(id)
		}
		return nil
	}, passes
}

// rangeOf is the ids from from to to.
func rangeOf(from, to int64) []int64 {
	ids := make([]int64, 0, to-from+1)
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	return ids
}
