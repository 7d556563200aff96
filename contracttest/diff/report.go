package diff

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/internal/printable"
)

// WriteText writes a line per difference (the call, the JSON path, the reference's value, the
// target's), then the summary.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "diff run %s: target %s against reference %s (surface %s)\n", r.RunID, printable.String(r.Target), printable.String(r.Reference), r.Surface)
	for _, line := range r.modelLines() {
		b.WriteString(line + "\n")
	}
	for _, c := range r.Calls {
		if c.Error != "" {
			fmt.Fprintf(&b, "%s: no answer: %s\n", printable.String(c.Name), printable.String(c.Error))
		}
		for _, d := range c.Differences {
			fmt.Fprintf(&b, "%s  %s  reference %s  target %s  (%s)\n", printable.String(d.Call), printable.String(d.Path), printable.String(d.Reference), printable.String(d.Target), d.Kind)
		}
	}
	for _, l := range r.Leftovers {
		fmt.Fprintf(&b, "left behind: %s\n", printable.String(l))
	}
	b.WriteString(r.summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) summary() string {
	failed := 0
	for _, c := range r.Calls {
		if c.Error != "" {
			failed++
		}
	}
	s := fmt.Sprintf("%d calls, %d differences, %d noise keys", len(r.Calls), len(r.Differences), len(r.Noise))
	if failed > 0 {
		s += fmt.Sprintf(", %d calls without an answer", failed)
	}
	return s
}

// modelLines say what every set and module the scenario created carried, and what it learnt of
// each side's model.
func (r *Report) modelLines() []string {
	return contracttest.ModelLines(r.SetFields, r.ModuleFields, r.Notes)
}

// WriteJSON writes the whole report; its differences array holds every difference.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteJUnit writes a test case per call, failed when the call's answers differ.
func (r *Report) WriteJUnit(w io.Writer) error {
	suite := contracttest.JUnitSuite{Name: "cmdbmock diff " + r.Surface, Time: r.Duration}
	for _, c := range r.Calls {
		tc := contracttest.JUnitCase{ClassName: "diff." + r.Surface, Name: c.Name, Time: c.Duration}
		switch {
		case c.NotSent:
			tc.Skipped = &contracttest.JUnitMessage{Message: "dry run: not sent"}
		case c.Error != "":
			tc.Failure = &contracttest.JUnitMessage{Message: "no answer: " + c.Error}
		case len(c.Differences) > 0:
			var lines []string
			for _, d := range c.Differences {
				lines = append(lines, fmt.Sprintf("%s: reference %s, target %s (%s)", d.Path, d.Reference, d.Target, d.Kind))
			}
			tc.Failure = &contracttest.JUnitMessage{Message: fmt.Sprintf("%d differences", len(c.Differences)), Body: strings.Join(lines, "\n")}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	return suite.Write(w)
}

// page is the HTML report's template, parsed when a report is first written rather than at every
// start of the binary, which serves far more often than it writes a diff.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("diff").Parse(pageText))
})

const pageText = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>cmdbmock diff {{.RunID}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;max-width:80rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #8884;vertical-align:top}
td code{overflow-wrap:anywhere}.same{color:#17753a}.differ{color:#b3261e}.muted{color:#888}
</style></head><body>
<h1>cmdbmock diff</h1>
<p>Target <code>{{.Target}}</code> against reference <code>{{.Reference}}</code>, surface {{.Surface}}, run {{.RunID}}, {{.Started.Format "2006-01-02 15:04:05 MST"}}.</p>
<p><strong>{{.Summary}}</strong></p>
{{with .ModelLines}}<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Calls}}<h2 class="{{if or .Differences .Error}}differ{{else}}same{{end}}">{{.Name}}</h2>
{{if .Error}}<p class="differ">No answer: {{.Error}}</p>{{end}}
{{if .Differences}}<table><tr><th>path</th><th>reference</th><th>target</th><th>kind</th></tr>
{{range .Differences}}<tr><td><code>{{.Path}}</code></td><td><code>{{.Reference}}</code></td><td><code>{{.Target}}</code></td><td>{{.Kind}}</td></tr>
{{end}}</table>{{else if not .Error}}<p class="muted">{{if .NotSent}}Not sent (dry run).{{else}}The same answers.{{end}}</p>{{end}}
{{end}}
{{if .Noise}}<h2>Noise</h2><p>Paths whose values differed between two answers of the target to the same read, and so were not compared:</p>
<ul>{{range .Noise}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}
{{if .Leftovers}}<h2 class="differ">Left behind</h2><ul>{{range .Leftovers}}<li>{{.}}</li>{{end}}</ul>{{end}}
</body></html>
`

// WriteHTML writes one page a person reads: the summary, then each call with its differences.
func (r *Report) WriteHTML(w io.Writer) error {
	return page().Execute(w, struct {
		*Report
		Summary    string
		ModelLines []string
	}{r, r.summary(), r.modelLines()})
}
