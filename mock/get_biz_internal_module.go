package mock

import (
	"github.com/cmdbmock/cmdbmock/spec"
)

// getBizInternalModuleOp is get_biz_internal_module (reference §11.8): ESB's generic
// component, by GET on v3; IAM skips reads.
func (s *Server) getBizInternalModuleOp() operation {
	return operation{op: spec.CallGetBizInternalModule, generic: true, answer: s.getBizInternalModule}
}

// internalModule is a module of get_biz_internal_module's answer: four fields.
type internalModule struct {
	ID               int64  `json:"bk_module_id"`
	Name             string `json:"bk_module_name"`
	Default          int64  `json:"default"`
	HostApplyEnabled bool   `json:"host_apply_enabled"`
}

// getBizInternalModule answers the business's idle set and every built-in module of the
// business, by id, named as the core service names them (builtin_names.go). An unknown business
// is a success with nothing in it.
func (s *Server) getBizInternalModule(c *call) answer {
	set, ok := s.store.IdleSet(c.bizID)
	if !ok {
		return succeeded(map[string]any{"bk_set_id": 0, "bk_set_name": "", "module": nil})
	}
	ms := s.store.BuiltInModules(c.bizID)
	out := make([]internalModule, len(ms))
	for i, m := range ms {
		out[i] = internalModule{ID: m.ID, Name: builtInNameOf("module", m.Default, m.Name, c.lang), Default: m.Default}
	}
	return succeeded(map[string]any{"bk_set_id": set.ID(), "bk_set_name": builtInNameOf("set", set.Default(), set.Name(), c.lang), "module": out})
}
