package mock

import (
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/spec"
)

// batchDeleteSetOp is batch_delete_set: {"delete":{"inst_ids":[...]}} removes those sets of
// the business and their modules, all or none. An empty or missing list is not refused: CMDB's
// delete condition is then the whole business (reference §9), and as its count of built-in sets
// among the ids finds none, the whole business goes, built-in sets and modules included, unless
// a module of it holds hosts (1101030).
func (s *Server) batchDeleteSetOp() operation {
	return operation{op: spec.CallBatchDeleteSet, action: actionDelete, path: pathLabels{biz: spec.LabelBusinessID.En}, answer: s.batchDeleteSet}
}

func (s *Server) batchDeleteSet(c *call) answer {
	ids, ok := instIDs(c.args())
	if !ok {
		return c.failure(spec.MsgJSONDecode) // CMDB decodes the body into its struct
	}
	return s.removeSets(c, deleteSets{Biz: c.bizID, IDs: ids, Whole: len(ids) == 0})
}

// instIDs reads delete.inst_ids as CMDB decodes it: absent or null is no ids; anything but an
// object holding a list of JSON integers is a body it cannot decode.
func instIDs(args map[string]any) ([]int64, bool) {
	del, present := args["delete"]
	if !present || del == nil {
		return nil, true
	}
	m, ok := del.(map[string]any)
	if !ok {
		return nil, false
	}
	raw, present := m["inst_ids"]
	if !present || raw == nil {
		return nil, true
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, false
	}
	ids := make([]int64, 0, len(list))
	for _, v := range list {
		id, ok := jsonx.Int(v)
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}
