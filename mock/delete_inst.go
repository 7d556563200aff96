package mock

import "github.com/cmdbmock/cmdbmock/spec"

// deleteInstOp is delete_inst on a custom mainline level (reference §12.5): the node and its
// whole subtree (lower nodes, sets, modules) go; a node that is not there is a success. ESB's
// generic component takes bk_obj_id and bk_inst_id from the body.
func (s *Server) deleteInstOp() operation {
	return operation{op: spec.CallDeleteInst, action: actionDelete, generic: true,
		params: []string{"bk_obj_id", "bk_inst_id"}, answer: s.deleteInst}
}

// deleteInst deletes the node whatever business the call names, as CMDB does; a module below it
// that holds hosts refuses the whole delete with 1101030.
func (s *Server) deleteInst(c *call) answer {
	out, err := s.submit(c.ctx, deleteNode{ID: c.instID, ObjID: c.objPath})
	if err != nil {
		return c.storeFailure(err)
	}
	return c.deleted(out)
}
