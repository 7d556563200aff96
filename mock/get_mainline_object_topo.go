package mock

import (
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// mainlineObject is an object of the mainline: the business, a custom level, set, module or host.
type mainlineObject struct{ id, zh, en string }

// builtInObjects are the mainline objects of every install, named as CMDB names them.
var (
	objBiz    = mainlineObject{"biz", "业务", "Business"}
	objSet    = mainlineObject{"set", "集群", "Set"}
	objModule = mainlineObject{"module", "模块", "Module"}
	objHost   = mainlineObject{"host", "主机", "Host"}
)

func (o mainlineObject) name(lang spec.Lang) string {
	if lang == spec.English {
		return o.en
	}
	return o.zh
}

// mainline is the mainline from the business down: the custom levels between business and set.
func (s *Server) mainline() []mainlineObject {
	out := []mainlineObject{objBiz}
	for _, l := range s.store.Levels() {
		out = append(out, mainlineObject{l.ObjID, l.Name, l.Name})
	}
	return append(out, objSet, objModule, objHost)
}

// getMainlineObjectTopoOp is get_mainline_object_topo: the mainline objects from the business
// down, each with its neighbours (reference §9).
func (s *Server) getMainlineObjectTopoOp() operation {
	return operation{op: spec.CallGetMainlineObjectTopo, answer: s.getMainlineObjectTopo}
}

func (s *Server) getMainlineObjectTopo(c *call) answer {
	objs := s.mainline()
	out := make([]any, len(objs))
	for i, o := range objs {
		rec := topo.Record{
			"bk_obj_id": o.id, "bk_obj_name": o.name(c.lang), "bk_supplier_account": topo.DefaultSupplierAccount,
			"bk_next_obj": "", "bk_next_name": "", "bk_pre_obj_id": "", "bk_pre_obj_name": "",
		}
		if i+1 < len(objs) {
			rec["bk_next_obj"], rec["bk_next_name"] = objs[i+1].id, objs[i+1].name(c.lang)
		}
		if i > 0 {
			rec["bk_pre_obj_id"], rec["bk_pre_obj_name"] = objs[i-1].id, objs[i-1].name(c.lang)
		}
		out[i] = rec
	}
	return succeeded(out)
}
