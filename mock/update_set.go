package mock

import (
	"errors"

	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// updateSetOp is update_set (reference §9): the fields sent are checked as a create checks them
// and written over the set's; data is null.
func (s *Server) updateSetOp() operation {
	return operation{op: spec.CallUpdateSet, object: s.setObj, action: actionUpdate,
		path: pathLabels{biz: spec.LabelBusinessID.En, set: "set id"}, answer: s.updateSet}
}

func (s *Server) updateSet(c *call) answer {
	out, err := s.submit(c.ctx, updateSet{Biz: c.bizID, Set: c.setID, Draft: s.updatedRow(c, c.set)})
	if err != nil {
		return c.storeFailure(err)
	}
	switch err := out.err; {
	case errors.Is(err, topo.ErrBuiltIn):
		return c.failure(spec.MsgBuiltInSet)
	case errors.Is(err, topo.ErrDuplicateName):
		return c.failure(spec.MsgDuplicateName)
	case err != nil:
		return c.failure(spec.MsgNotFound)
	}
	return succeeded(nil)
}

// updatedRow is a set with an update's fields written over it: the model's attributes sent (the
// server's own are not changed), the name, what CMDB keeps as sent (keptOnUpdate, and a default
// stored as a create stores it: a string of digits as the string), the time and the user of the
// update. A default that is not a whole number is not written.
func (s *Server) updatedRow(c *call, set topo.Set) topo.Draft {
	d, current := set.Draft(), set.Record()
	if c.named {
		d.Name = c.name
	}
	d.Default, d.Extra = updatedDefault(c, d.Default, keptOnUpdate(c, d.Extra))
	if len(d.Extra) == 0 {
		d.Extra = nil // a row without kept fields is written by the row's own writer
	}
	d.Updated = s.cfg.Now().UnixMilli()
	var b []byte
	for _, i := range s.inRow {
		a, sent := s.model[i], c.attr(i)
		switch {
		case a.PropertyID == "bk_updated_by":
			b = topo.AppendValue(b, c.creds.user())
		case sent.sent:
			b = topo.AppendValue(b, sent.value)
		default:
			b = topo.AppendValue(b, current[a.PropertyID])
		}
		b = append(b, 0)
	}
	d.Attrs = b
	return d
}
