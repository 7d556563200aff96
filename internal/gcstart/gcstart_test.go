package gcstart

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

// gcPercent is the collector's percentage now, read by setting it and setting it back.
func gcPercent() int {
	p := debug.SetGCPercent(0)
	debug.SetGCPercent(p)
	return p
}

func TestResumeRestoresTheStartingPercentOnce(t *testing.T) {
	assert.Equal(t, -1, gcPercent(), "held off from the package's initialisation")
	Resume()
	assert.Equal(t, percent, gcPercent(), "GOGC's percentage again")
	debug.SetGCPercent(percent + 50)
	defer debug.SetGCPercent(percent)
	Resume()
	assert.Equal(t, percent+50, gcPercent(), "a second Resume changes nothing")
}
