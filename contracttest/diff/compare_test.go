package diff

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/spec"
)

// TestCompare: what is a difference, of which kind, at which path; ids by what they name, times
// and request ids by their form, noise left out.
func TestCompare(t *testing.T) {
	ref, tgt := newSide(nil), newSide(nil)
	ref.vars["set a"], ref.kinds["set a"] = 3, "bk_set_id"
	tgt.vars["set a"], tgt.kinds["set a"] = 47, "bk_set_id"
	tgt.vars["module m"], tgt.kinds["module m"] = 3, "bk_module_id"
	answer := func(body string) contracttest.Answer {
		return contracttest.Answer{Status: 200, Header: http.Header{}, Body: []byte(body)}
	}
	cases := []struct {
		name, ref, tgt string
		noise          map[string]bool
		want           []Difference
	}{
		{"the same", `{"a":1}`, `{"a":1}`, nil, nil},
		{"a key missing", `{"a":1,"b":2}`, `{"a":1}`, nil, []Difference{{Path: "$.b", Reference: "2", Target: "(absent)", Kind: "missing"}}},
		{"a key more", `{"a":1}`, `{"a":1,"b":2}`, nil, []Difference{{Path: "$.b", Reference: "(absent)", Target: "2", Kind: "extra"}}},
		{"a type", `{"a":1}`, `{"a":"1"}`, nil, []Difference{{Path: "$.a", Reference: "1", Target: `"1"`, Kind: "type"}}},
		{"a length", `{"a":[1,2]}`, `{"a":[1]}`, nil, []Difference{{Path: "$.a", Reference: "2 items", Target: "1 items", Kind: "length"}}},
		{"a set named alike", `{"bk_set_id":3}`, `{"bk_set_id":47}`, nil, nil},
		{"a set named otherwise", `{"bk_set_id":3}`, `{"bk_set_id":3}`, nil,
			[]Difference{{Path: "$.bk_set_id", Reference: "3 (set a)", Target: "3 (an id the comparison did not make)", Kind: "relation"}}},
		{"an id nobody made", `{"bk_set_id":1}`, `{"bk_set_id":2}`, nil, nil},
		{"an id in a message", `{"message":"bk_set_id: 3 taken"}`, `{"message":"bk_set_id: 47 taken"}`, nil, nil},
		{"times in one form", `{"create_time":"2026-12-04T10:00:00+08:00"}`, `{"create_time":"2026-12-05T01:00:00.5Z"}`, nil, nil},
		{"times in two forms", `{"create_time":"2026-12-04T10:00:00+08:00"}`, `{"create_time":"2026-12-04 10:00:00"}`, nil,
			[]Difference{{Path: "$.create_time", Reference: `an RFC 3339 time: "2026-12-04T10:00:00+08:00"`, Target: `a date and time with a space: "2026-12-04 10:00:00"`, Kind: "format"}}},
		{"request ids in two forms", `{"request_id":"0123456789abcdef0123456789abcdef"}`, `{"request_id":"01234567-89ab-cdef-0123-456789abcdef"}`, nil,
			[]Difference{{Path: "$.request_id", Reference: `32 lowercase hex digits: "0123456789abcdef0123456789abcdef"`, Target: `a uuid with dashes: "01234567-89ab-cdef-0123-456789abcdef"`, Kind: "format"}}},
		{"noise", `{"a":1,"n":1}`, `{"a":1,"n":2}`, map[string]bool{"$.n": true}, nil},
		{"not JSON", `{"a":1}`, `<html>`, nil, []Difference{{Path: "body", Reference: `{"a":1}`, Target: "<html>", Kind: "body"}}},
		{"bytes after the JSON", `{"a":1}`, `{"a":1}}`, nil, []Difference{{Path: "body", Reference: `{"a":1}`, Target: `{"a":1}}`, Kind: "body"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := compare("c", answer(tc.ref), answer(tc.tgt), ref, tgt, tc.noise, true)
			for i := range tc.want {
				tc.want[i].Call = "c"
			}
			if tc.want == nil {
				tc.want = []Difference{}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestCompareListsABoundedNumber: a call lists at most maxDifferences differences, then counts
// the rest in one more.
func TestCompareListsABoundedNumber(t *testing.T) {
	ref, tgt := make([]string, 300), make([]string, 300)
	for i := range ref {
		ref[i], tgt[i] = "1", "2"
	}
	a := contracttest.Answer{Body: []byte("[" + strings.Join(ref, ",") + "]")}
	b := contracttest.Answer{Body: []byte("[" + strings.Join(tgt, ",") + "]")}
	got := compare("c", a, b, newSide(nil), newSide(nil), nil, true)
	assert.Len(t, got, maxDifferences+1)
	assert.Equal(t, Difference{Call: "c", Path: "(more)", Target: "100 more differences, not listed", Kind: "more"}, got[maxDifferences])
}

// TestCompareCreatorsOfTwoUsers: when each side calls as its own user, a creator is the same
// when it is each side's own user, and differs otherwise.
func TestCompareCreatorsOfTwoUsers(t *testing.T) {
	caller := func(user string) *contracttest.Caller {
		c, err := contracttest.NewCaller(contracttest.Config{Target: "http://127.0.0.1:1", Spec: spec.Load(context.Background()),
			AppCode: "a", AppSecret: "s", Username: user})
		require.NoError(t, err)
		return c
	}
	ref, tgt := newSide(caller("ref-ops")), newSide(caller("ops"))
	for name, tc := range map[string]struct {
		ref, tgt string
		differ   bool
	}{
		"each side's own":      {"ref-ops", "ops", false},
		"the reference's own":  {"ref-ops", "ref-ops", true},
		"the target's own":     {"ops", "ops", true},
		"another user on both": {"admin", "admin", false},
		"another user on one":  {"ref-ops", "admin", true},
		"two other users":      {"admin", "root", true},
	} {
		t.Run(name, func(t *testing.T) {
			a := contracttest.Answer{Status: 200, Body: []byte(`{"bk_created_by":"` + tc.ref + `"}`)}
			b := contracttest.Answer{Status: 200, Body: []byte(`{"bk_created_by":"` + tc.tgt + `"}`)}
			got := compare("c", a, b, ref, tgt, nil, false)
			if tc.differ {
				assert.Equal(t, []Difference{{Call: "c", Path: "$.bk_created_by", Reference: `"` + tc.ref + `"`, Target: `"` + tc.tgt + `"`, Kind: "value"}}, got)
			} else {
				assert.Empty(t, got)
			}
		})
	}
}
