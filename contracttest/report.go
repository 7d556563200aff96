package contracttest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cmdbmock/cmdbmock/internal/printable"
)

// Status is how a case ended.
type Status string

// The statuses of a case.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// CaseResult is one case of a run: what it sent, what came back, and why it failed.
type CaseResult struct {
	Name      string      `json:"name"`
	Kind      string      `json:"kind"` // positive, negative, read or stateful
	Status    Status      `json:"status"`
	Reasons   []string    `json:"reasons,omitempty"`
	Exchanges []*Exchange `json:"exchanges,omitempty"`
	Duration  float64     `json:"duration_seconds"`
}

// Leftover is a set the run created and could not delete (SetID, Name), or a node it added to a
// custom level (Object, InstID, InstName).
type Leftover struct {
	SetID    int64  `json:"bk_set_id,omitempty"`
	Name     string `json:"bk_set_name,omitempty"`
	Object   string `json:"bk_obj_id,omitempty"`
	InstID   int64  `json:"bk_inst_id,omitempty"`
	InstName string `json:"bk_inst_name,omitempty"`
	Reason   string `json:"reason"`
}

// String is the set or node and why it is left, as the text report and JUnit's cleanup case
// list it.
func (l Leftover) String() string {
	if l.Object != "" {
		return fmt.Sprintf("%s bk_inst_id %d %s: %s", l.Object, l.InstID, l.InstName, l.Reason)
	}
	return fmt.Sprintf("bk_set_id %d %s: %s", l.SetID, l.Name, l.Reason)
}

// Report is the outcome of a run. It holds no secret: credentials are masked where they would
// appear.
type Report struct {
	RunID     string       `json:"run_id"`
	Target    string       `json:"target"`
	Surface   Surface      `json:"surface"`
	BizID     int64        `json:"bk_biz_id"`
	Lang      string       `json:"lang"`
	Version   string       `json:"cmdb_version"`
	DryRun    bool         `json:"dry_run,omitempty"`
	Started   time.Time    `json:"started"`
	Duration  float64      `json:"duration_seconds"`
	Cases     []CaseResult `json:"cases"`
	Deleted   int          `json:"deleted"`
	Leftovers []Leftover   `json:"leftovers"`
	// SetFields and ModuleFields are what every set and module the run created carried besides
	// its own fields: the required custom attributes' values, given or made.
	SetFields    map[string]any `json:"set_fields,omitempty"`
	ModuleFields map[string]any `json:"module_fields,omitempty"`
	// Notes are what the run could not learn of the target before its cases.
	Notes []string `json:"notes,omitempty"`
	// Unchecked is what the cleanup could not check, and why: sets the run made may be left
	// that Leftovers cannot name.
	Unchecked []string `json:"unchecked,omitempty"`
}

// Counts returns how many cases passed, failed and were skipped.
func (r *Report) Counts() (pass, fail, skip int) {
	for _, c := range r.Cases {
		switch c.Status {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			skip++
		}
	}
	return pass, fail, skip
}

// Conformant reports whether the target kept the contract: no case failed, and nothing the run
// created was left behind, as far as the cleanup could check.
func (r *Report) Conformant() bool {
	_, fail, _ := r.Counts()
	return fail == 0 && len(r.Leftovers) == 0 && len(r.Unchecked) == 0
}

// WriteText writes a summary for people: every case, the reason of each skip and failure, and
// for a failure the exchanges that led to it. A run with Config.Progress writes the same text
// as it goes.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	r.writeHead(&b, len(r.Cases))
	for i := range r.Cases {
		r.writeCase(&b, i, len(r.Cases))
	}
	r.writeFoot(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeHead is the text report's first line: what the run checks, and how many cases it has.
func (r *Report) writeHead(b *strings.Builder, total int) {
	mode := ""
	if r.DryRun {
		mode = ", dry run: nothing sent"
	}
	fmt.Fprintf(b, "contract run %s against %s (surface %s, business %d, lang %s, CMDB %s%s): %d cases\n",
		r.RunID, printable.String(r.Target), r.Surface, r.BizID, r.Lang, r.Version, mode, total)
	for _, line := range ModelLines(r.SetFields, r.ModuleFields, r.Notes) {
		b.WriteString(line + "\n")
	}
}

// ModelLines are the lines a text report gives what a run learnt of a deployment's model before
// its first create: what every set and module it creates carries, then each note.
func ModelLines(setFields, moduleFields map[string]any, notes []string) []string {
	var lines []string
	for _, f := range []struct {
		object string
		fields map[string]any
	}{{"set", setFields}, {"module", moduleFields}} {
		if len(f.fields) > 0 {
			lines = append(lines, fmt.Sprintf("every %s it creates carries %s (the model's required custom attributes)", f.object, printable.String(jsonText(f.fields))))
		}
	}
	for _, note := range notes {
		lines = append(lines, "note: "+printable.String(note))
	}
	return lines
}

// writeCase is case i of total: its status, the reason of a skip or failure, and the exchanges
// of a failure (of every case in a dry run: what would be sent).
func (r *Report) writeCase(b *strings.Builder, i, total int) {
	c := &r.Cases[i]
	width := len(strconv.Itoa(total))
	fmt.Fprintf(b, "[%*d/%d] %-4s %-9s %s\n", width, i+1, total, strings.ToUpper(string(c.Status)), c.Kind, c.Name)
	if c.Status != Pass {
		for _, reason := range c.Reasons {
			fmt.Fprintf(b, "       - %s\n", printable.String(reason))
		}
	}
	if c.Status == Fail || r.DryRun {
		for _, ex := range c.Exchanges {
			writeExchange(b, ex)
		}
	}
}

// writeFoot is the cleanup and the counts.
func (r *Report) writeFoot(b *strings.Builder) {
	if r.Deleted > 0 || len(r.Leftovers) > 0 || len(r.Unchecked) > 0 {
		fmt.Fprintf(b, "cleanup: %d sets deleted, %d left behind\n", r.Deleted, len(r.Leftovers))
	}
	for _, l := range r.Leftovers {
		fmt.Fprintf(b, "  LEFT %s\n", printable.String(l.String()))
	}
	for _, u := range r.Unchecked {
		fmt.Fprintf(b, "  UNCHECKED %s\n", printable.String(u))
	}
	pass, fail, skip := r.Counts()
	fmt.Fprintf(b, "%d passed, %d failed, %d skipped\n", pass, fail, skip)
}

func writeExchange(b *strings.Builder, ex *Exchange) {
	fmt.Fprintf(b, "       > %s %s\n", ex.Method, printable.String(ex.URL))
	for _, k := range slices.Sorted(maps.Keys(ex.RequestHeaders)) {
		fmt.Fprintf(b, "       > %s: %s\n", k, printable.String(ex.RequestHeaders[k]))
	}
	if ex.RequestBody != "" {
		fmt.Fprintf(b, "       > %s\n", printable.String(ex.RequestBody))
	}
	switch {
	case ex.NotSent:
	case ex.Error != "":
		fmt.Fprintf(b, "       < error: %s\n", printable.String(ex.Error))
	default:
		fmt.Fprintf(b, "       < %d %s\n", ex.Status, printable.String(ex.ResponseBody))
	}
}

// WriteJSON writes the whole report as JSON.
func (r *Report) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

// writeJSON writes v as indented JSON, its text as it is (no HTML escapes).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// JUnitSuite is a suite of JUnit test cases, as CI systems read them.
type JUnitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []JUnitCase `xml:"testcase"`
}

// JUnitCase is a test case; a failed one has Failure, a skipped one Skipped.
type JUnitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *JUnitMessage `xml:"failure,omitempty"`
	Skipped   *JUnitMessage `xml:"skipped,omitempty"`
}

// JUnitMessage is why a case failed or was skipped.
type JUnitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// Write writes the suite as a JUnit XML document, its counts taken from its cases.
func (s JUnitSuite) Write(w io.Writer) error { return writeJUnit(w, s) }

// writeJUnit writes the suites as one JUnit XML document, each one's counts taken from its cases.
func writeJUnit(w io.Writer, suites ...JUnitSuite) error {
	for i := range suites {
		s := &suites[i]
		s.Tests, s.Failures, s.Skipped = len(s.Cases), 0, 0
		for _, c := range s.Cases {
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	doc := struct {
		XMLName xml.Name     `xml:"testsuites"`
		Suites  []JUnitSuite `xml:"testsuite"`
	}{Suites: suites}
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteJUnit writes the report as JUnit XML, one test case per case, for CI systems; the
// cleanup is a case of its own.
func (r *Report) WriteJUnit(w io.Writer) error { return writeJUnit(w, r.junitSuite()) }

// Reports are the reports of runs made one after the other (one on each surface), written as
// one: the text reports in turn, a JSON array of them (one report alone is written as itself),
// a JUnit document with a suite each.
type Reports []*Report

// WriteText writes each report's text in turn.
func (rs Reports) WriteText(w io.Writer) error {
	for _, r := range rs {
		if err := r.WriteText(w); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes the reports as a JSON array, or one report alone as itself.
func (rs Reports) WriteJSON(w io.Writer) error {
	if len(rs) == 1 {
		return rs[0].WriteJSON(w)
	}
	return writeJSON(w, []*Report(rs))
}

// WriteJUnit writes one JUnit document with a suite for each report.
func (rs Reports) WriteJUnit(w io.Writer) error {
	suites := make([]JUnitSuite, len(rs))
	for i, r := range rs {
		suites[i] = r.junitSuite()
	}
	return writeJUnit(w, suites...)
}

// Conformant reports whether every run found the target conformant.
func (rs Reports) Conformant() bool {
	for _, r := range rs {
		if !r.Conformant() {
			return false
		}
	}
	return true
}

// junitSuite is the report as a JUnit suite: a test case per case, and the cleanup's.
func (r *Report) junitSuite() JUnitSuite {
	suite := JUnitSuite{Name: "cmdbmock contract " + string(r.Surface), Time: r.Duration}
	for _, c := range r.Cases {
		jc := JUnitCase{ClassName: "contract." + c.Kind, Name: c.Name, Time: c.Duration}
		var detail strings.Builder
		for _, ex := range c.Exchanges {
			writeExchange(&detail, ex)
		}
		switch c.Status {
		case Fail:
			jc.Failure = &JUnitMessage{Message: strings.Join(c.Reasons, "; "), Body: detail.String()}
		case Skip:
			jc.Skipped = &JUnitMessage{Message: strings.Join(c.Reasons, "; ")}
		}
		suite.Cases = append(suite.Cases, jc)
	}
	cleanup := JUnitCase{ClassName: "contract.cleanup", Name: "delete what the run created"}
	if len(r.Leftovers) > 0 || len(r.Unchecked) > 0 {
		var lines []string
		for _, l := range r.Leftovers {
			lines = append(lines, l.String())
		}
		lines = append(lines, r.Unchecked...)
		msg := fmt.Sprintf("%d sets left behind", len(r.Leftovers))
		if len(r.Unchecked) > 0 {
			msg += fmt.Sprintf("; %d things the cleanup could not check", len(r.Unchecked))
		}
		cleanup.Failure = &JUnitMessage{Message: msg, Body: strings.Join(lines, "\n")}
	}
	suite.Cases = append(suite.Cases, cleanup)
	return suite
}
