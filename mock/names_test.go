package mock

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNameIndexSpillsCollisions forces every name onto one hash.
func TestNameIndexSpillsCollisions(t *testing.T) {
	ix := newNameIndex()
	ix.hash = func(nameKey) uint64 { return 7 }
	a := &row{biz: 1, parent: 1, name: "a"}
	b := &row{biz: 1, parent: 1, name: "b"}
	c := &row{biz: 2, parent: 1, name: "a"}
	for _, r := range []*row{a, b, c} {
		ix.put(r)
	}
	for _, r := range []*row{a, b, c} {
		assert.Same(t, r, ix.get(keyOf(r)))
	}
	assert.Nil(t, ix.get(nameKey{1, 1, "z"}))

	ix.remove(a)
	assert.Nil(t, ix.get(keyOf(a)))
	assert.Same(t, b, ix.get(keyOf(b)), "a spilled name is found after the one it collided with goes")
	assert.Same(t, c, ix.get(keyOf(c)))
	ix.remove(c)
	ix.remove(b)
	assert.Empty(t, ix.byHash)
	assert.Empty(t, ix.spill)
}
