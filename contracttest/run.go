package contracttest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/spec"
)

// Run checks the target against the contract and returns the report. An error means the run
// could not be made (a bad config, an unreachable target); violations are in the report.
// Whatever happens after the first create, including ctx's cancellation, the sets the run
// created are deleted before it returns, unless Config.NoCleanup.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	parentGiven, otherGiven := cfg.ParentID != 0, cfg.OtherParentID != 0
	cfg, base, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	lang := "zh"
	if cfg.Lang == spec.English {
		lang = "en"
	}
	r := &runner{
		cfg: cfg,
		cl:  newClient(cfg, strings.TrimRight(base.String(), "/"), strings.TrimRight(base.Redacted(), "/")),
		report: &Report{
			RunID: cfg.RunID, Target: base.Redacted(), Surface: cfg.Surface, BizID: cfg.BizID,
			Lang: lang, Version: string(cfg.Version), DryRun: cfg.DryRun, Started: time.Now(),
			Leftovers: []Leftover{},
		},
	}
	planned := slices.DeleteFunc(cases(), func(c caseDef) bool { return c.surface != "" && c.surface != cfg.Surface })
	if !cfg.DryRun {
		if err := r.preflight(ctx); err != nil {
			return nil, err
		}
	}
	model, err := r.cl.readModel(ctx, cfg.BizID, cfg.SetFields, cfg.ModuleFields)
	if err != nil {
		return nil, err
	}
	r.report.SetFields, r.report.ModuleFields, r.report.Notes = model.SetFields, model.ModuleFields, model.Notes
	if err := r.pickParents(model, parentGiven, otherGiven); err != nil {
		return nil, err
	}
	r.progress(func(b *strings.Builder) { r.report.writeHead(b, len(planned)) })
	for i, c := range planned {
		r.runCase(ctx, c)
		r.progress(func(b *strings.Builder) { r.report.writeCase(b, i, len(planned)) })
	}
	if !cfg.NoCleanup {
		// An interrupted run still cleans up, on a context of its own.
		cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		r.cleanup(cleanupCtx)
		cancel()
	} else {
		for _, s := range r.created {
			r.report.Leftovers = append(r.report.Leftovers, Leftover{SetID: s.id, Name: s.name, Reason: "kept: --no-cleanup"})
		}
		r.cleanupNodes(ctx, true)
	}
	r.report.Duration = time.Since(r.report.Started).Seconds()
	r.progress(r.report.writeFoot)
	return r.report, nil
}

// progress writes a part of the text report to Config.Progress, if the run has one. A writer
// that fails (a closed terminal) does not stop the run: the report still comes back whole.
func (r *runner) progress(write func(*strings.Builder)) {
	if r.cfg.Progress == nil {
		return
	}
	var b strings.Builder
	write(&b)
	_, _ = io.WriteString(r.cfg.Progress, b.String())
}

// createdSet is a set the run made and owes a delete.
type createdSet struct {
	id   int64
	name string
}

type runner struct {
	cfg     Config
	cl      *client
	report  *Report
	cur     *CaseResult
	created []createdSet
	// levelNodes are the nodes of the custom level above sets in the run's business; nil when
	// its sets hang under the business. level is that level, levelParent the parent of the node
	// the run's sets hang under (the business, or a node of the level above), where the run adds
	// a node of its own.
	levelNodes  map[int64]bool
	level       string
	levelParent int64
}

// preflight is one harmless read: an unreachable target stops the run before any case.
func (r *runner) preflight(ctx context.Context) error {
	ex := r.cl.send(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID,
		args: map[string]any{"fields": []string{"bk_set_id"}, "page": map[string]any{"start": 0, "limit": 1}}})
	if ex.Error != "" {
		return fmt.Errorf("contracttest: target %s unreachable: %s", r.report.Target, ex.Error)
	}
	return nil
}

func (r *runner) runCase(ctx context.Context, c caseDef) {
	r.report.Cases = append(r.report.Cases, CaseResult{Name: c.name, Kind: c.kind, Status: Pass})
	r.cur = &r.report.Cases[len(r.report.Cases)-1]
	start := time.Now()
	switch {
	case ctx.Err() != nil:
		r.cur.Status, r.cur.Reasons = Skip, []string{"interrupted"}
	default:
		c.run(ctx, r)
	}
	if r.cfg.DryRun && r.cur.Status == Pass {
		r.cur.Status, r.cur.Reasons = Skip, []string{"dry run: not sent"}
	}
	r.cur.Duration = time.Since(start).Seconds()
}

// op picks the operation of the run's surface.
func (r *runner) op(esb, v3 string) string { return r.cl.op(esb, v3) }

// op picks the operation of the client's surface.
func (c *client) op(esb, v3 string) string {
	if c.cfg.Surface == SurfaceV3 {
		return v3
	}
	return esb
}

// failf records why the current case failed; a secret the target echoed is masked here too.
func (r *runner) failf(format string, args ...any) {
	r.cur.Status = Fail
	r.cur.Reasons = append(r.cur.Reasons, r.cl.scrub(fmt.Sprintf(format, args...)))
}

// name is a set name this run owns.
func (r *runner) name(suffix string) string { return "ct-" + r.cfg.RunID + "-" + suffix }

// call sends a request within the current case, judges its envelope, and remembers any set it
// created. It returns nil when there is no answer to look at (a dry run, a transport error).
func (r *runner) call(ctx context.Context, req request) *answer {
	ex := r.cl.send(ctx, req)
	r.cur.Exchanges = append(r.cur.Exchanges, ex)
	a, reasons := r.cl.judge(ctx, ex)
	for _, reason := range reasons {
		r.failf("%s", reason)
	}
	if a != nil && a.Result && (req.op == spec.OpESBCreateSet || req.op == spec.OpV3CreateSet) {
		if id, ok := jsonx.Int(a.Data["bk_set_id"]); ok {
			name, _ := a.Data["bk_set_name"].(string)
			r.created = append(r.created, createdSet{id: id, name: name})
		}
	}
	return a
}

// forget drops a set the run deleted itself from the sets it owes a delete.
func (r *runner) forget(id int64) {
	r.created = slices.DeleteFunc(r.created, func(s createdSet) bool { return s.id == id })
}

// cleanup deletes what the run created, and only that: the sets search_set finds under the
// run's names (those it knows of, and any whose create answer was lost), then checks with
// search_set that they are gone. A set a create answered that the search does not find under
// those names is reported and left alone: its id may not be the run's to delete. Only when the
// search cannot be made are the sets the creates answered deleted as they were answered.
func (r *runner) cleanup(ctx context.Context) {
	found, why := r.ownSets(ctx)
	owed := found
	if why != "" {
		r.report.Unchecked = append(r.report.Unchecked, fmt.Sprintf(
			"could not look for sets named %s* whose create answer was lost: search_set: %s", r.name(""), why))
		owed = map[int64]string{}
		for _, s := range r.created {
			owed[s.id] = s.name
		}
	} else {
		for _, s := range r.created {
			if _, ok := found[s.id]; !ok {
				r.report.Leftovers = append(r.report.Leftovers, Leftover{SetID: s.id, Name: s.name,
					Reason: "its create answered it, but search_set does not find it under the run's names: left alone"})
			}
		}
	}
	failed := map[int64]bool{}
	for _, id := range slices.Sorted(maps.Keys(owed)) {
		if _, why := r.cl.quiet(ctx, request{op: r.op(spec.OpESBDeleteSet, spec.OpV3DeleteSet), biz: r.cfg.BizID, setID: id}); why != "" {
			failed[id] = true
			r.report.Leftovers = append(r.report.Leftovers, Leftover{SetID: id, Name: owed[id], Reason: "delete_set: " + why})
		}
	}
	// Trust, then verify: a delete that says success must leave nothing behind.
	still, why := r.ownSets(ctx)
	if why != "" && len(owed) > len(failed) {
		r.report.Unchecked = append(r.report.Unchecked, fmt.Sprintf(
			"could not check that %d deletes that said success took: search_set: %s", len(owed)-len(failed), why))
	}
	for _, id := range slices.Sorted(maps.Keys(owed)) {
		switch {
		case failed[id], why != "":
		case still[id] != "":
			r.report.Leftovers = append(r.report.Leftovers, Leftover{SetID: id, Name: owed[id], Reason: "delete_set said success, but search_set still finds it"})
		default:
			r.report.Deleted++
		}
	}
	r.cleanupNodes(ctx, false)
}

// cleanupNodes deletes, once the run's sets are gone, the nodes of the custom level above sets
// that the business's tree shows under the run's names (a node a case could not see gone, or
// whose create answer was lost), then checks in the tree that they are gone. As with sets, it
// deletes nothing the tree does not show under those names. With keep (--no-cleanup) it lists
// them as kept.
func (r *runner) cleanupNodes(ctx context.Context, keep bool) {
	if r.level == "" {
		return
	}
	own, err := r.ownNodes(ctx)
	if err != nil {
		r.report.Unchecked = append(r.report.Unchecked, fmt.Sprintf("could not look for %s nodes named %s*: %v", r.level, r.name(""), err))
		return
	}
	if keep {
		for _, n := range own {
			r.report.Leftovers = append(r.report.Leftovers, Leftover{Object: r.level, InstID: n.ID, InstName: n.Name, Reason: "kept: --no-cleanup"})
		}
		return
	}
	failed := map[int64]bool{}
	for _, n := range own {
		if _, why := r.cl.quiet(ctx, r.deleteNode(n.ID)); why != "" {
			failed[n.ID] = true
			r.report.Leftovers = append(r.report.Leftovers, Leftover{Object: r.level, InstID: n.ID, InstName: n.Name, Reason: "delete_inst: " + why})
		}
	}
	if len(own) == len(failed) {
		return
	}
	still, err := r.ownNodes(ctx)
	if err != nil {
		r.report.Unchecked = append(r.report.Unchecked, fmt.Sprintf("could not check that the %s nodes deleted are gone: %v", r.level, err))
	}
	for _, n := range still {
		if !failed[n.ID] {
			r.report.Leftovers = append(r.report.Leftovers, Leftover{Object: r.level, InstID: n.ID, InstName: n.Name,
				Reason: "delete_inst said success, but search_biz_inst_topo still shows it"})
		}
	}
}

// ownNodes are the nodes of the custom level above sets that the business's tree shows under the
// run's names.
func (r *runner) ownNodes(ctx context.Context) ([]Node, error) {
	nodes, err := r.cl.levelNodes(ctx, r.cfg.BizID, r.level)
	return slices.DeleteFunc(nodes, func(n Node) bool { return !strings.HasPrefix(n.Name, r.name("")) }), err
}

// deleteNode is delete_inst of a node of the custom level above sets in the run's business.
func (r *runner) deleteNode(id int64) request {
	return request{op: r.op(spec.OpESBDeleteInst, spec.OpV3DeleteInst), objID: r.level, instID: id,
		args: map[string]any{"bk_biz_id": r.cfg.BizID}}
}

// ownSets finds the sets of the business whose names carry this run's prefix; why says what
// went wrong when the search got no good answer, and then nothing is known of them. A set the
// answer lists under another name is not the run's, whatever the target made of the condition:
// such an answer is noted, and those sets are never deleted.
func (r *runner) ownSets(ctx context.Context) (found map[int64]string, why string) {
	prefix := r.name("")
	a, why := r.cl.quiet(ctx, request{op: r.op(spec.OpESBSearchSet, spec.OpV3SearchSet), biz: r.cfg.BizID, args: map[string]any{
		"condition": map[string]any{"bk_set_name": map[string]any{"$regex": "^" + regexp.QuoteMeta(prefix)}},
		"fields":    []string{"bk_set_id", "bk_set_name"},
	}})
	found = map[int64]string{}
	if a == nil || why != "" { // not sent, no answer or a failed one
		return found, why
	}
	others := 0
	for _, rec := range infoOf(a) {
		id, ok := jsonx.Int(rec["bk_set_id"])
		name, _ := rec["bk_set_name"].(string)
		switch {
		case !ok:
		case strings.HasPrefix(name, prefix):
			found[id] = name
		default:
			others++
		}
	}
	if others > 0 {
		note := fmt.Sprintf("search_set for names that start %s also answered %d sets not named %s*: the target does not keep to the condition; those sets were left alone", prefix, others, prefix)
		if !slices.Contains(r.report.Unchecked, note) {
			r.report.Unchecked = append(r.report.Unchecked, note)
		}
	}
	return found, ""
}

// quiet sends a request outside any case (the model's reads, the cleanup). Unless the answer
// says success (or a dry run sends nothing), why says what came back instead.
func (c *client) quiet(ctx context.Context, req request) (a *answer, why string) {
	ex := c.send(ctx, req)
	a, _ = c.judge(ctx, ex)
	switch {
	case ex.NotSent:
		return nil, ""
	case ex.Error != "":
		return nil, "request failed: " + ex.Error
	case a == nil:
		return nil, fmt.Sprintf("HTTP status %d, no CMDB answer", ex.Status)
	case !a.Result:
		return a, fmt.Sprintf("HTTP status %d, %d %s", ex.Status, a.Code, a.Message)
	}
	return a, ""
}

// infoOf returns the records of a search_set answer.
func infoOf(a *answer) []map[string]any {
	list, _ := a.Data["info"].([]any)
	var out []map[string]any
	for _, item := range list {
		if rec, ok := item.(map[string]any); ok {
			out = append(out, rec)
		}
	}
	return out
}
