// Package topo is the mock's store of a business topology: businesses, sets and modules, with
// the indexes CMDB's rules need (sets by id; by parent and name across businesses, CMDB's unique
// index), search as search_set does it, and a snapshot to save and restore. Sets are kept
// compact, in slots of a slab that deleted sets give back, and leave the store only as copies.
// It knows nothing of HTTP, Echo, the journal or the contract.
package topo
