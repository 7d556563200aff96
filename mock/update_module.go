package mock

import (
	"errors"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// updateModuleOp is update_module (reference §11.7): the fields sent are checked as a create
// checks them and written over the module's; data is null.
func (s *Server) updateModuleOp() operation {
	return operation{op: spec.CallUpdateModule, object: s.moduleObj, action: actionUpdate,
		path: pathLabels{biz: "business id", set: "set id", module: "module id"}, answer: s.updateModule}
}

// updateModule writes the module anew. The ids, the parent and the attributes that are not
// editable are ignored; default is stored as sent (reference §11.7), and so is what keptOnUpdate
// writes; the time and the user of the update are the call's.
func (s *Server) updateModule(c *call) answer {
	m := c.module
	current := s.store.ModuleRecord(m)
	if c.named {
		m.Name = c.name
	}
	if id, ok := jsonx.Int(c.data["service_category_id"]); ok {
		m.ServiceCategoryID = id
	}
	m.Fields = keptOnUpdate(c, s.storedFields(s.moduleObj, moduleOwned, c, current))
	m.Default, m.Fields = updatedDefault(c, m.Default, m.Fields)
	m.Fields["bk_updated_by"] = c.creds.user()
	m.Updated = s.cfg.Now().UnixMilli()
	out, err := s.submit(c.ctx, updateModule{Module: m})
	if err != nil {
		return c.storeFailure(err)
	}
	switch err := out.err; {
	case errors.Is(err, topo.ErrDuplicateModule):
		return s.refuse(c, spec.StepModuleDuplicate, duplicateModule(c.bizID, c.setID, m.Name))
	case err != nil:
		return c.failure(spec.MsgNotFound) // deleted since it was found
	}
	return succeeded(nil)
}
