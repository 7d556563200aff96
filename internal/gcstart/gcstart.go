// Package gcstart holds the garbage collector off from its own initialisation, among the first
// of the program's packages, until the program says its start is over: a start of the mock on
// its built-in fixtures allocates a few megabytes (the JSON Schema validator that kin-openapi
// imports compiles its meta-schemas at init, 1.7 MB), passes the collector's first goal of
// 4 MB, and would otherwise spend part of its start in a collection of what it is about to keep.
// Held off, that collection runs once the mock listens. A start that reads a caller's data or
// makes sets resumes the collector before it does, so that what it throws away is collected as
// it goes.
//
// Only a program that imports it, and calls Resume, is affected; GOGC and GOMEMLIMIT keep
// their meaning: Resume restores the percentage the program started with.
package gcstart

import (
	"runtime/debug"
	"sync"
)

// percent is GOGC's percentage, read as the collector is held off.
var percent = debug.SetGCPercent(-1)

var resume sync.Once

// Resume lets the collector run again as GOGC set it; calls after the first do nothing.
func Resume() { resume.Do(func() { debug.SetGCPercent(percent) }) }
