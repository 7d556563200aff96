package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
	"github.com/cmdbmock/cmdbmock/internal/lazyre"
	"github.com/cmdbmock/cmdbmock/spec"
)

// The keys whose values differ by nature: compared by their form, and ids by what they refer to.
var (
	requestIDKeys = []string{"request_id"}
	timeKeys      = []string{"create_time", "last_time", "bk_created_at", "bk_updated_at"}
	idKeys        = []string{"bk_set_id", "bk_module_id", "bk_inst_id", "bk_parent_id", "id", "bk_ids", "inst_ids"}
	userKeys      = []string{"bk_created_by", "bk_updated_by", "creator", "modifier"}
	// requestIDHeaders are the v3 answers' request ids, compared by their form.
	requestIDHeaders = []string{spec.HeaderRequestID, "X-Bkapi-Request-Id"}
)

var (
	hex32     = lazyre.New(`^[0-9a-f]{32}$`)
	uuid      = lazyre.New(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	rfc3339   = lazyre.New(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)
	spaceTime = lazyre.New(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
)

// form names what kind of request id or time a value is, for comparing values that differ by
// nature: a dashed request id and an undashed one differ, as do an RFC 3339 time and one with a
// space.
func form(key string, v any) string {
	s, ok := v.(string)
	switch {
	case !ok:
		return jsonType(v)
	case slices.Contains(requestIDKeys, key):
		return idForm(s)
	case slices.Contains(timeKeys, key):
		switch {
		case rfc3339().MatchString(s):
			return "an RFC 3339 time"
		case spaceTime().MatchString(s):
			return "a date and time with a space"
		}
	}
	return "another string"
}

// idForm names the kind of request id s is.
func idForm(s string) string {
	switch {
	case hex32().MatchString(s):
		return "32 lowercase hex digits"
	case uuid().MatchString(s):
		return "a uuid with dashes"
	case s == "":
		return "absent"
	}
	return "another string"
}

// compare lists how the target's answer differs from the reference's, leaving out the paths of
// noise. ref and tgt are the sides, with the ids each handed out by the scenario's names.
func compare(name string, ref, tgt contracttest.Answer, refSide, tgtSide *side, noise map[string]bool, sameUser bool) []Difference {
	c := comparer{call: name, ref: refSide, tgt: tgtSide, noise: noise, sameUser: sameUser, out: []Difference{}}
	if ref.Status != tgt.Status {
		c.add("status", answerStatus(ref), answerStatus(tgt), "status")
	}
	for _, h := range requestIDHeaders {
		if rv, tv := ref.Header.Get(h), tgt.Header.Get(h); idForm(rv) != idForm(tv) {
			c.add("header "+h, idForm(rv)+": "+rv, idForm(tv)+": "+tv, "format")
		}
	}
	rj, rerr := decode(ref.Body)
	tj, terr := decode(tgt.Body)
	if rerr != nil || terr != nil {
		if !bytes.Equal(ref.Body, tgt.Body) {
			c.add("body", clip(ref.Body), clip(tgt.Body), "body")
		}
		return c.out
	}
	c.walk("$", "", rj, tj)
	return c.out
}

type comparer struct {
	call     string
	ref, tgt *side
	noise    map[string]bool
	sameUser bool
	out      []Difference
	more     int // differences past maxDifferences, plus one
}

// maxDifferences bounds what one call's report lists; the rest are counted in one more line.
const maxDifferences = 200

func (c *comparer) add(path, ref, tgt, kind string) {
	switch n := len(c.out); {
	case n < maxDifferences:
		c.out = append(c.out, Difference{Call: c.call, Path: path, Reference: ref, Target: tgt, Kind: kind})
	case n == maxDifferences:
		c.out = append(c.out, Difference{Call: c.call, Path: "(more)", Reference: "", Target: "", Kind: "more"})
		c.more = 1
		fallthrough
	default:
		c.more++
		c.out[maxDifferences].Target = fmt.Sprintf("%d more differences, not listed", c.more-1)
	}
}

// walk compares two values at path; key is the last object key on the path.
func (c *comparer) walk(path, key string, ref, tgt any) {
	if c.noise[path] {
		return
	}
	if rt, tt := jsonType(ref), jsonType(tgt); rt != tt {
		c.add(path, show(ref), show(tgt), "type")
		return
	}
	switch r := ref.(type) {
	case map[string]any:
		t := tgt.(map[string]any)
		keys := map[string]bool{}
		for k := range r {
			keys[k] = true
		}
		for k := range t {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			rv, inRef := r[k]
			tv, inTgt := t[k]
			sub := path + "." + k
			switch {
			case c.noise[sub]:
			case !inTgt:
				c.add(sub, show(rv), "(absent)", "missing")
			case !inRef:
				c.add(sub, "(absent)", show(tv), "extra")
			default:
				c.walk(sub, k, rv, tv)
			}
		}
	case []any:
		t := tgt.([]any)
		if len(r) != len(t) {
			c.add(path, fmt.Sprintf("%d items", len(r)), fmt.Sprintf("%d items", len(t)), "length")
		}
		for i := range min(len(r), len(t)) {
			c.walk(path+"["+strconv.Itoa(i)+"]", key, r[i], t[i])
		}
	case json.Number:
		c.number(path, key, r, tgt.(json.Number))
	case string:
		t := tgt.(string)
		switch {
		case slices.Contains(requestIDKeys, key), slices.Contains(timeKeys, key):
			if form(key, r) != form(key, t) {
				c.add(path, form(key, r)+": "+show(r), form(key, t)+": "+show(t), "format")
			}
		case slices.Contains(userKeys, key) && !c.sameUser:
			// Each side called as its own user: a creator is the same when it is each side's own.
			if rOwn, tOwn := r == c.ref.caller.Username(), t == c.tgt.caller.Username(); rOwn != tOwn || !rOwn && r != t {
				c.add(path, show(r), show(t), "value")
			}
		case r == t:
		case c.ref.named(r) != c.tgt.named(t):
			c.add(path, show(r), show(t), "value")
		}
	default: // bool, null
		if ref != tgt {
			c.add(path, show(ref), show(tgt), "value")
		}
	}
}

// number compares numbers: an id by the name of what it refers to on its side, an id handed out
// before the comparison by its form alone, any other number by value.
func (c *comparer) number(path, key string, r, t json.Number) {
	if !slices.Contains(idKeys, key) {
		if r != t {
			c.add(path, string(r), string(t), "value")
		}
		return
	}
	ri, rerr := strconv.ParseInt(string(r), 10, 64)
	ti, terr := strconv.ParseInt(string(t), 10, 64)
	if (rerr == nil) != (terr == nil) {
		c.add(path, string(r), string(t), "format")
		return
	}
	rn, tn := c.ref.names(ri, key), c.tgt.names(ti, key)
	if (len(rn) > 0 || len(tn) > 0) && !slices.ContainsFunc(rn, func(n string) bool { return slices.Contains(tn, n) }) {
		c.add(path, named(r, rn), named(t, tn), "relation")
	}
}

func named(n json.Number, names []string) string {
	if len(names) == 0 {
		return string(n) + " (an id the comparison did not make)"
	}
	return string(n) + " (" + strings.Join(names, " or ") + ")"
}

// names are the scenario's names for an id this side handed out, of the kind the key holds
// (a set's id under bk_set_id, a module's under bk_module_id, either elsewhere).
func (s *side) names(id int64, key string) []string {
	var out []string
	for name, v := range s.vars {
		if v == id && (s.kinds[name] == key || key != "bk_set_id" && key != "bk_module_id") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// idInText is an id a message names: "bk_set_id: 3".
var idInText = lazyre.New(`(\w*_id\W{1,3})(\d+)`)

// named is a text with the ids this side handed out written as their names.
func (s *side) named(text string) string {
	return idInText().ReplaceAllStringFunc(text, func(m string) string {
		sub := idInText().FindStringSubmatch(m)
		id, err := strconv.ParseInt(sub[2], 10, 64)
		if names := s.names(id, strings.TrimRight(sub[1], ": =\"")); err == nil && len(names) > 0 {
			return sub[1] + "<" + strings.Join(names, " or ") + ">"
		}
		return m
	})
}

// decode reads an answer as a client does: one JSON value, nothing after it.
func decode(b []byte) (any, error) {
	return jsonx.Parse(string(b), jsonx.StdDepth, nil)
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// show is a value as reports write it: JSON, cut at 200 bytes.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip(b)
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
