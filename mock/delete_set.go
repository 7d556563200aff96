package mock

import (
	"errors"
	"strconv"

	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// deleteSet answers delete_set; built-in sets refuse with 1101098.
func (s *Server) deleteSet(c *call) answer {
	c.action = actionDelete
	return s.run(c, s.deleteSteps, func(c *call) answer {
		id, bad := deletedSetID(c)
		if bad != nil {
			return *bad
		}
		if err := s.store.Delete(c.bizID, id); errors.Is(err, topo.ErrBuiltIn) {
			return failed(spec.MsgBuiltInSet, spec.MsgBuiltInSet.Format(c.lang), nil)
		}
		return succeeded(nil)
	})
}

// deletedSetID reads the set id of a delete: ESB's form field or the v3 path.
func deletedSetID(c *call) (int64, *answer) {
	raw := c.setIDPath
	if c.surface == spec.SurfaceESB {
		v, present := c.fields["bk_set_id"]
		if emptyValue(v, present) {
			a := failed(spec.MsgESBSetIDRequired, spec.MsgESBSetIDRequired.Format(c.lang), nil)
			return 0, &a
		}
		digits, ok := wholeNumber(v)
		if !ok {
			a := failed(spec.MsgESBSetIDWhole, spec.MsgESBSetIDWhole.Format(c.lang), nil)
			return 0, &a
		}
		raw = digits
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		a := failed(spec.MsgNeedInt, spec.MsgNeedInt.Format(c.lang, "bk_set_id"), nil)
		return 0, &a
	}
	return id, nil
}
