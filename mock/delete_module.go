package mock

import "github.com/cmdbmock/cmdbmock/spec"

// deleteModuleOp is delete_module (reference §11.7): a module that holds hosts refuses with
// 1101030 (D6); one that does not match the path's business and set is no error; data is null.
func (s *Server) deleteModuleOp() operation {
	return operation{op: spec.CallDeleteModule, action: actionDelete,
		path: pathLabels{biz: "business id", set: "set id", module: "module id"}, answer: s.deleteModule}
}

func (s *Server) deleteModule(c *call) answer {
	out, err := s.submit(c.ctx, deleteModule{Biz: c.bizID, Set: c.setID, Module: c.moduleID})
	if err != nil {
		return c.storeFailure(err)
	}
	return c.deleted(out)
}
