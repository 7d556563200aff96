// Package mock serves a faithful stand-in of BlueKing CMDB's create_set call and the topology
// calls around it (sets, modules, businesses, custom mainline levels) on their two surfaces,
// ESB and the v3 API: every request is validated against the spec with kin-openapi, then put
// through the real system's checks in their order, and answered with the same envelope, codes
// and messages. The instances live in one topo.Store per Server.
//
// "Reference §N" in comments and tests is a section of docs/reference.md, how the real system
// answers, each of whose rows cites the upstream source line it is read from.
//
// A request flows through the files in this order:
//
//	routes.go       the routes: each operation, its steps bound, on each surface; the mock's own
//	pipeline.go     read the call -> fault -> the operation -> write the answer -> observe
//	call.go         what was asked, by whom, in which language, decoded once
//	form.go         ESB's parameters that are not JSON, as its Django reads a query or a form
//	faults.go       fault rules, which may delay, drop or answer a call before its operation
//	steps.go        an operation: its steps in spec.CallSteps' order, then its answer
//	caller.go       the shared steps: ESB's credentials and form, the gateway, the JWT, IAM,
//	                the ids of the path, the business
//	ratelimit.go    the API gateway's rate limit
//	fields.go       an object's fields: the name's rules, then every attribute by its type
//	attributes.go   CMDB's validators of the attribute types, for every object
//	reads.go        the read calls' arguments: a search's shape, a batch's ids and fields
//	module.go       the module's own checks, shared by the module calls
//	create_set.go   the operations, one file a call: its operation, its own checks, its answer
//	search_set.go
//	update_set.go
//	delete_set.go
//	batch_delete_set.go
//	search_object_attribute.go
//	get_mainline_object_topo.go
//	search_biz_inst_topo.go
//	create_module.go
//	update_module.go
//	delete_module.go
//	search_module.go
//	find_module_batch.go
//	get_biz_internal_module.go
//	search_business.go
//	find_set_batch.go
//	find_topo_node_paths.go
//	create_inst.go
//	delete_inst.go
//	answer.go       the one writer of CMDB envelopes (ESB's, the v3 kinds, the API gateway's
//	                errors, and the mock's own 404, 413, 431)
//	journal.go      what was asked and answered, secrets masked
//	metrics.go      Prometheus metrics
//
// Beside the flow: server.go (Config, New, the store's seeding), admin.go (the admin API and
// its access rules), ui.go (the page at /__mock/ui, embedded from ui/, and the admin calls it
// reads: status, topology, the journal's stream), state.go (the store saved across restarts)
// and values.go (how CMDB and ESB read numbers and empty values).
package mock
