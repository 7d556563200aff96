// Package mock serves a faithful stand-in of BlueKing CMDB's create_set call and its neighbours
// on their two surfaces, ESB and the v3 API: every request is validated against the spec with
// kin-openapi, then put through the real system's checks in their order, and answered with the
// same envelope, codes and messages. The topology lives in one topo.Store per Server.
//
// A request flows through the files in this order:
//
//	routes.go      the routes: each CMDB operation on each surface, and the mock's own
//	pipeline.go    read the call -> fault -> the operation -> write the answer -> observe
//	call.go        what was asked, by whom, in which language, decoded once
//	faults.go      fault rules, which may delay, drop or answer a call before its operation
//	rules.go       one rule per step of spec.Steps, the order of checks, and which steps
//	               each kind of call makes
//	attributes.go  the set model's checks by attribute type, as CMDB's validators make them
//	ratelimit.go   the API gateway's rate limit
//	create_set.go  the operations: each runs its steps and returns an answer
//	search_set.go
//	update_set.go
//	delete_set.go
//	batch_delete_set.go
//	search_object_attribute.go
//	get_mainline_object_topo.go
//	search_biz_inst_topo.go
//	answer.go      the one writer of CMDB envelopes (ESB's, the v3 kinds, the API gateway's
//	               errors, and the mock's own 404, 413, 431)
//	journal.go     what was asked and answered, secrets masked
//	metrics.go     Prometheus metrics
//
// Beside the flow: server.go (Config, New, the store's seeding), admin.go (the admin API and
// its access rules), state.go (the store saved across restarts) and values.go (how CMDB and
// ESB read numbers and empty values).
package mock
