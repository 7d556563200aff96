// Package diff sends the same calls to a target and to a reference (two deployments, or a
// deployment and the mock) and reports every difference that matters in their answers: the
// HTTP status, each envelope key and its JSON type, codes and messages byte for byte, the
// permission body, every data key. Values that differ by nature (ids, times, request ids) are
// compared by their form, and ids by what they refer to; a read is sent to the target twice, and
// what differs between those two answers is noise, not a difference.
package diff

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/internal/printable"
)

// Config says what to compare.
type Config struct {
	Target, Reference *contracttest.Caller // on the same surface
	// TargetName and ReferenceName are how reports name them (addresses, passwords masked).
	TargetName, ReferenceName string
	// BizID is the business the scenario creates its sets and modules in, under ParentID (0: the
	// business); DeniedUser, when set, is a user without permission, for the 9900403 call.
	BizID, ParentID int64
	DeniedUser      string
	// SetFields and ModuleFields are values of custom attributes the sides' set and module models
	// require, on every set and module the scenario creates; it makes one for each other required
	// custom attribute whose type it knows (Report.SetFields).
	SetFields, ModuleFields map[string]any
	// Replay, when set, is the list of calls sent in place of the built-in scenario.
	Replay []Replayed
	DryRun bool      // list the calls, send none
	RunID  string    // "": 8 random hex digits; the scenario's names start with dn-<run id>-
	Output io.Writer // a line per call as it ends; nil: none
}

// Difference is one way the target's answer differs from the reference's.
type Difference struct {
	Call      string `json:"call"`
	Path      string `json:"path"`
	Reference string `json:"reference"`
	Target    string `json:"target"`
	// Kind is status, body, missing (the target lacks the key), extra (the target has it),
	// type, length, value, format (a value that differs by nature, in another form) or
	// relation (an id that refers to something else).
	Kind string `json:"kind"`
}

// CallResult is one call's outcome.
type CallResult struct {
	Name        string       `json:"name"`
	Differences []Difference `json:"differences"`
	Noise       []string     `json:"noise,omitempty"`
	Error       string       `json:"error,omitempty"` // a side that gave no answer
	NotSent     bool         `json:"not_sent,omitempty"`
	Duration    float64      `json:"duration_seconds"`
}

// Report is a comparison's outcome. It holds no secret.
type Report struct {
	RunID       string       `json:"run_id"`
	Target      string       `json:"target"`
	Reference   string       `json:"reference"`
	Surface     string       `json:"surface"`
	Started     time.Time    `json:"started"`
	Duration    float64      `json:"duration_seconds"`
	Calls       []CallResult `json:"calls"`
	Differences []Difference `json:"differences"`
	Noise       []string     `json:"noise"`
	Leftovers   []string     `json:"leftovers"`
	// SetFields and ModuleFields are what every set and module the scenario created carried on
	// both sides besides its own fields: the values given, and one for each other custom
	// attribute a side's model requires.
	SetFields    map[string]any `json:"set_fields,omitempty"`
	ModuleFields map[string]any `json:"module_fields,omitempty"`
	// Notes are what the comparison learnt or could not learn of each side's model before its
	// first call: where its sets hang, the parts it did not answer.
	Notes []string `json:"notes,omitempty"`
}

// Same reports whether the target answered as the reference did, and nothing was left behind.
func (r *Report) Same() bool {
	for _, c := range r.Calls {
		if c.Error != "" {
			return false
		}
	}
	return len(r.Differences) == 0 && len(r.Leftovers) == 0
}

// Run compares. An error means the comparison could not be made (a side unreachable before the
// first call); differences are in the report. Whatever happens after the first call, the sets the
// scenario made are deleted on both sides before it returns.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Target == nil || cfg.Reference == nil {
		return nil, errors.New("diff: a target and a reference are needed")
	}
	if cfg.Target.Surface() != cfg.Reference.Surface() {
		return nil, errors.New("diff: the target and the reference go through different surfaces")
	}
	if cfg.RunID == "" {
		cfg.RunID = contracttest.NewRunID()
	}
	rep := &Report{RunID: cfg.RunID, Target: cfg.TargetName, Reference: cfg.ReferenceName, Surface: string(cfg.Target.Surface()),
		Started: time.Now(), Differences: []Difference{}, Noise: []string{}, Leftovers: []string{}}
	r := &runner{cfg: cfg, rep: rep, noise: map[string]bool{},
		sides: [2]*side{newSide(cfg.Reference), newSide(cfg.Target)}}
	if cfg.Replay == nil {
		if cfg.BizID <= 0 {
			return nil, errors.New("diff: an explicit business id (--biz-id) is required: the scenario creates and deletes sets in it")
		}
		if cfg.ParentID < 0 {
			return nil, errors.New("diff: a parent id (--parent-id) is positive, or 0 for the business")
		}
	}
	if !cfg.DryRun {
		if err := r.reachable(ctx); err != nil {
			return nil, err
		}
	}
	var calls []call
	if cfg.Replay != nil {
		calls = replayCalls(cfg.Replay)
	} else {
		if err := r.readModels(ctx); err != nil {
			return nil, err
		}
		calls = scenario(cfg, rep.SetFields, rep.ModuleFields, r.level)
	}
	for i, c := range calls {
		r.run(ctx, c, i, len(calls))
	}
	if cfg.Replay == nil && !cfg.DryRun {
		cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		r.cleanup(cleanupCtx)
		cancel()
	}
	for path := range r.noise {
		rep.Noise = append(rep.Noise, path)
	}
	slices.Sort(rep.Noise)
	rep.Duration = time.Since(rep.Started).Seconds()
	return rep, nil
}

// side is one deployment with the ids its answers bound.
type side struct {
	caller *contracttest.Caller
	vars   map[string]int64 // the scenario's names for the ids this side handed out
	// last is the last id of each kind (bk_set_id, ...) it handed out, and steps how far each
	// named id came after the one before it: a duplicate in between takes an id in CMDB.
	last  map[string]int64
	steps map[string]int64
	kinds map[string]string // each name's kind: the key its id came under
}

func newSide(c *contracttest.Caller) *side {
	return &side{caller: c, vars: map[string]int64{}, last: map[string]int64{}, steps: map[string]int64{}, kinds: map[string]string{}}
}

type runner struct {
	cfg   Config
	rep   *Report
	sides [2]*side // the reference, then the target
	noise map[string]bool
	level string // the custom level above sets, when a side has one
}

// reachable reads the business list of each side once: a side that does not answer stops the
// comparison before any call.
func (r *runner) reachable(ctx context.Context) error {
	for i, s := range r.sides {
		name := []string{r.cfg.ReferenceName, r.cfg.TargetName}[i]
		if _, err := s.caller.Do(ctx, contracttest.Call{Op: opFor(s.caller, opSearchBusiness), Args: map[string]any{"page": map[string]any{"start": 0, "limit": 1}}}); err != nil {
			return fmt.Errorf("diff: %s unreachable: %w", name, err)
		}
	}
	return nil
}

// sideNames are the sides as reports name them, in the order of runner.sides.
var sideNames = [2]string{"reference", "target"}

// readModels reads each side's model before the scenario's first call, the target's first: every
// set and module the scenario creates carries a value for each custom attribute either side
// requires, the same on both, and each side hangs its sets under its own parent: --parent-id,
// else the first node of the level above sets when its business has custom levels, else the
// business. r.level is then the custom level above sets, the target's or else the reference's,
// where the scenario adds a node beside each side's parent (under the parent's own parent). A dry
// run reads nothing.
func (r *runner) readModels(ctx context.Context) error {
	r.rep.SetFields, r.rep.ModuleFields = r.cfg.SetFields, r.cfg.ModuleFields
	for _, k := range []int{1, 0} {
		s, who := r.sides[k], sideNames[k]
		s.vars[parentVar] = cmp.Or(r.cfg.ParentID, r.cfg.BizID)
		if r.cfg.DryRun {
			continue
		}
		m, err := s.caller.ReadModel(ctx, r.cfg.BizID, r.rep.SetFields, r.rep.ModuleFields)
		if err != nil {
			return fmt.Errorf("diff: the %s: %w", who, err)
		}
		r.rep.SetFields, r.rep.ModuleFields = m.SetFields, m.ModuleFields
		for _, note := range m.Notes {
			r.rep.Notes = append(r.rep.Notes, who+": "+note)
		}
		if !m.Custom() {
			continue
		}
		r.level = cmp.Or(r.level, m.Level)
		for _, n := range m.Nodes {
			if n.ID == r.cfg.ParentID {
				s.vars[nodeParentVar] = n.Parent
			}
		}
		if r.cfg.ParentID != 0 {
			continue
		}
		if len(m.Nodes) == 0 {
			return fmt.Errorf("diff: the sets of business %d on the %s hang under its %s nodes, and it has none: give one with --parent-id", r.cfg.BizID, who, m.Level)
		}
		s.vars[parentVar], s.vars[nodeParentVar] = m.Nodes[0].ID, m.Nodes[0].Parent
		r.rep.Notes = append(r.rep.Notes, fmt.Sprintf("%s: sets hang under %s %d, the first node of the level above sets", who, m.Level, m.Nodes[0].ID))
	}
	return nil
}

// run sends one call to both sides (a read twice to the target) and compares the answers.
func (r *runner) run(ctx context.Context, c call, i, total int) {
	start := time.Now()
	res := CallResult{Name: c.name, Differences: []Difference{}}
	defer func() {
		res.Duration = time.Since(start).Seconds()
		r.rep.Calls = append(r.rep.Calls, res)
		r.rep.Differences = append(r.rep.Differences, res.Differences...)
		r.show(res, i, total)
	}()
	if r.cfg.DryRun {
		res.NotSent = true
		return
	}
	if ctx.Err() != nil {
		res.Error = "interrupted"
		return
	}
	var answers [2]contracttest.Answer
	for k, s := range r.sides {
		a, err := c.send(ctx, s)
		if err != nil {
			res.Error = fmt.Sprintf("%s: %v", sideNames[k], err) // masked by the caller
			return
		}
		answers[k] = a
		c.bind(s, a)
		if err := r.ownSets(ctx, c, s); err != nil {
			res.Error = fmt.Sprintf("%s: %v", sideNames[k], err)
			return
		}
	}
	if c.read {
		again, err := c.send(ctx, r.sides[1])
		if err == nil {
			for _, d := range compare(c.name, answers[1], again, r.sides[1], r.sides[1], nil, true) {
				if !r.noise[d.Path] {
					r.noise[d.Path] = true
					res.Noise = append(res.Noise, d.Path)
				}
			}
		}
	}
	res.Differences = compare(c.name, answers[0], answers[1], r.sides[0], r.sides[1], r.noise, c.sameUser)
	for i := range res.Differences {
		d := &res.Differences[i]
		d.Reference, d.Target = r.sides[0].caller.Scrub(d.Reference), r.sides[1].caller.Scrub(d.Target)
	}
	for name, key := range c.binds {
		rs, inRef := r.sides[0].steps[name]
		ts, inTgt := r.sides[1].steps[name]
		if inRef && inTgt && rs != ts {
			res.Differences = append(res.Differences, Difference{Call: c.name, Path: "$.data." + key + " (after the id before it)",
				Reference: fmt.Sprintf("%+d", rs), Target: fmt.Sprintf("%+d", ts), Kind: "relation"})
		}
	}
}

// show writes a call's line.
func (r *runner) show(res CallResult, i, total int) {
	if r.cfg.Output == nil {
		return
	}
	what := fmt.Sprintf("%d differences", len(res.Differences))
	switch {
	case res.NotSent:
		what = "not sent (dry run)"
	case res.Error != "":
		what = "no answer: " + res.Error
	case len(res.Differences) == 0:
		what = "same"
	}
	fmt.Fprintf(r.cfg.Output, "[%*d/%d] %s: %s\n", len(fmt.Sprint(total)), i+1, total, printable.String(res.Name), printable.String(what))
}

// answerStatus is an answer's HTTP status as reports show it.
func answerStatus(a contracttest.Answer) string {
	return fmt.Sprint(a.Status, " ", http.StatusText(a.Status))
}
