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
	return s.run(c, s.changeSteps, func(c *call) answer {
		id, bad := setIDOf(c)
		if bad != nil {
			return *bad
		}
		if err := s.store.Delete(c.bizID, id); errors.Is(err, topo.ErrBuiltIn) {
			return c.failure(spec.MsgBuiltInSet)
		}
		return succeeded(nil)
	})
}

// setIDOf reads the set id of a delete or an update: ESB's form field or the v3 path.
func setIDOf(c *call) (int64, *answer) {
	raw := c.setIDPath
	if c.surface == spec.SurfaceESB {
		v, present := c.fields["bk_set_id"]
		if emptyValue(v, present) {
			a := c.failure(spec.MsgESBSetIDRequired)
			return 0, &a
		}
		digits, ok := wholeNumber(v)
		if !ok {
			a := c.failure(spec.MsgESBSetIDWhole)
			return 0, &a
		}
		raw = digits
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		a := c.failure(spec.MsgNeedInt, "bk_set_id")
		return 0, &a
	}
	return id, nil
}
