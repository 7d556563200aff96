package mock

import (
	"errors"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// createModuleOp is create_module (reference §11.3): a module in a set of the business, which
// answers the stored record.
func (s *Server) createModuleOp() operation {
	return operation{op: spec.CallCreateModule, object: s.moduleObj, creates: true, action: actionCreate,
		path: pathLabels{biz: "bk_biz_id", set: "bk_set_id"}, answer: s.createModule}
}

// createModule stores the module of a call that passed every check. The insert finds a
// duplicate name (M24) after the id is taken, as CMDB's does.
func (s *Server) createModule(c *call) answer {
	name := c.name
	if c.service.templateName != "" {
		name = c.service.templateName // the service template names its modules (§11.4)
	}
	setTemplateID, _ := jsonx.Int(c.data["set_template_id"])
	out, err := s.submit(c.ctx, createModule{Module: topo.Module{
		BizID: c.bizID, SetID: c.setID, Name: name,
		ServiceTemplateID: c.service.templateID, ServiceCategoryID: c.service.categoryID, SetTemplateID: setTemplateID,
		Created: s.cfg.Now().UnixMilli(), CreatedBy: c.creds.user(), Fields: s.storedFields(s.moduleObj, moduleOwned, c, nil),
	}})
	if err != nil {
		return c.storeFailure(err)
	}
	rec, err := out.record, out.err
	switch {
	case errors.Is(err, topo.ErrDuplicateModule):
		return s.refuse(c, spec.StepModuleDuplicate, duplicateModule(c.bizID, c.setID, name))
	case errors.Is(err, topo.ErrModulesFull):
		return c.failure(spec.MsgModulesFull, s.store.ModuleLimit())
	case errors.Is(err, topo.ErrNoSet):
		return c.failure(spec.MsgNotFound) // deleted since it was found
	}
	return succeeded(record(rec))
}
