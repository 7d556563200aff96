package lazyre_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/lazyre"
)

func TestNewCompilesOnceAtFirstUse(t *testing.T) {
	re := lazyre.New(`^[0-9a-f]{32}$`)
	first := re()
	require.NotNil(t, first)
	assert.Same(t, first, re(), "compiled once")
	assert.True(t, re().MatchString("0123456789abcdef0123456789abcdef"))
	assert.False(t, re().MatchString("0123"))
}

func TestNewPanicsAtFirstUseOnABadPattern(t *testing.T) {
	re := lazyre.New(`(`) // no panic yet: nothing is compiled until the first use
	assert.Panics(t, func() { re() })
}
