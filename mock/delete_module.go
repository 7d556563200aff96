package mock

import "github.com/cmdbmock/cmdbmock/spec"

// deleteModuleOp is delete_module (reference §11.7): a module that does not match the path's
// business and set is no error; data is null. The mock holds no hosts, so D6 never answers.
func (s *Server) deleteModuleOp() operation {
	return operation{op: spec.CallDeleteModule, action: actionDelete,
		path: pathLabels{biz: "business id", set: "set id", module: "module id"}, answer: s.deleteModule}
}

func (s *Server) deleteModule(c *call) answer {
	if _, err := s.submit(c.ctx, deleteModule{Biz: c.bizID, Set: c.setID, Module: c.moduleID}); err != nil {
		return c.storeFailure(err)
	}
	return succeeded(nil)
}
