package mock

import (
	"fmt"
	"maps"
	"slices"

	"github.com/cmdbmock/cmdbmock/spec"
)

// failure is the answer of the first check that fails.
type failure struct {
	msg         spec.Message
	args        []any
	permission  any  // the IAM body, for 9900403 only
	noRequestID bool // ESB answers before its component runs, without a request_id
}

func fail(m spec.Message, args ...any) *failure { return &failure{msg: m, args: args} }

// rule makes one check of a call; it returns nil when the call passes. A rule reads the call and
// the store and decides: it never writes to the store. It may record what it worked out on the
// call, for the rules after it and the operation's write.
type rule func(c *call) *failure

// atWrite marks the steps the write itself decides, such as a duplicate name, which the
// store finds as it inserts, after the id is taken (reference §6): the operation reports them
// with refuse.
var atWrite rule = func(*call) *failure { return nil }

// boundStep is a step of the spec with the rule that makes it.
type boundStep struct {
	spec.Step
	check rule
}

// operation is one CMDB call: its checks in the order spec.CallSteps gives, and what it
// answers once they pass.
type operation struct {
	op    spec.Call
	steps []boundStep
	// object is the kind of instance whose fields the call checks (nil: none).
	object *object
	// form: ESB's form fields of a list or dict type, in the form's order (StepESBFormTypes).
	form []formField
	// path names the ids of the call's CMDB path as CMDB does when one is not an integer.
	path pathLabels
	// generic: an ESB component without a form, whose path variables come from the body as
	// they are (reference §11.1, §12.1); params are those variables, in path order (nil:
	// bk_biz_id alone).
	generic bool
	params  []string
	// creates: a create, whose fields are all checked; an update checks those it sends.
	creates bool
	action  iamAction // what IAM is asked for
	answer  func(*call) answer
}

// formField is a field of ESB's form that must be of a JSON type when sent.
type formField struct {
	name, label, kind string // kind: "list" or "dict"
}

// pathLabels are CMDB's names of the ids of a call's path in its 1199009 answers (IAM off):
// "" for an id the path does not hold.
type pathLabels struct{ biz, set, module string }

// rules pairs every step of the spec with the rule that makes it: the caller's and the shared
// layers' (caller.go), those of an object's fields (fields.go), of the reads' arguments
// (reads.go), the set's (create_set.go), the module's (module.go), the business's
// (search_business.go), the node paths' (find_topo_node_paths.go) and the custom levels'
// instances' (create_inst.go).
func (s *Server) rules() (map[spec.StepID]rule, error) {
	all := map[spec.StepID]rule{}
	for _, rs := range []map[spec.StepID]rule{s.callerRules(), s.fieldRules(), s.readRules(), s.setRules(), s.moduleRules(), s.businessRules(), s.nodePathRules(), s.instRules()} {
		for id, r := range rs {
			if _, twice := all[id]; twice {
				return nil, fmt.Errorf("mock: two rules for step %q", id)
			}
			all[id] = r
		}
	}
	return all, nil
}

// bind makes an operation of a call's steps. A step without a rule is an error: the table is
// complete or the server does not start.
func (s *Server) bind(rules map[spec.StepID]rule, op operation) (*operation, error) {
	steps := spec.CallSteps(op.op)
	if steps == nil {
		return nil, fmt.Errorf("mock: %s is not an operation of the spec", op.op)
	}
	for _, st := range steps {
		r, ok := rules[st.ID]
		if !ok {
			return nil, fmt.Errorf("mock: %s: no rule for step %q", op.op, st.ID)
		}
		op.steps = append(op.steps, boundStep{Step: st, check: r})
	}
	return &op, nil
}

// checkRulesUsed reports a rule that no operation's step names: dead code, or a step left out
// of the spec's lists.
func checkRulesUsed(rules map[spec.StepID]rule, ops map[spec.Call]*operation) error {
	used := map[spec.StepID]bool{}
	for _, op := range ops {
		for _, st := range op.steps {
			used[st.ID] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(rules)) {
		if !used[id] {
			return fmt.Errorf("mock: rule %q is not a step of any operation", id)
		}
	}
	return nil
}

// serve runs an operation's steps over a call and answers: the first failure, or the
// operation's answer once every step passed.
func (s *Server) serve(op *operation, c *call) answer {
	c.action = op.action
	if op.object != nil {
		if c.data != nil {
			c.readFields(op.object)
		}
		s.validate(c)
	}
	for _, st := range op.steps {
		if f := st.check(c); f != nil {
			s.logWarnings(c)
			return s.refusal(c, st.Step, f)
		}
	}
	s.logWarnings(c)
	return op.answer(c)
}

func (s *Server) logWarnings(c *call) {
	for _, w := range c.warnings {
		s.log.Warn("accepted a probable caller's bug", "path", c.path, "request_id", c.requestID, "warning", w)
	}
}

// refusal is the answer of a step's failure, as the configured release reports it.
func (s *Server) refusal(c *call, st spec.Step, f *failure) answer {
	m, text := spec.Wrap(s.cfg.Version, st, f.msg, c.langOf(f.msg), f.args...)
	a := failed(m, text, f.permission)
	a.noRequestID = f.noRequestID
	return a
}

// refuse is the answer of a step the write decided (atWrite).
func (s *Server) refuse(c *call, id spec.StepID, f *failure) answer {
	st, _ := spec.LookupStep(id)
	return s.refusal(c, st, f)
}
