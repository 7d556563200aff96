package topo

import (
	"cmp"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
)

// Query selects sets of a business, as search_set does.
type Query struct {
	BizID     int64
	Condition map[string]any // field -> value, or field -> {"$in": [...]} / {"$eq": v} / {"$ne": v} / {"$regex": "..."}
	Fields    []string       // empty: every field
	Start     int
	Limit     int    // 0: all
	Sort      string // a field, "-field" for descending; "": bk_set_id
}

// Search returns how many sets match and the page asked for, cut to the fields asked for.
func (s *Store) Search(q Query) (int, []Record, error) {
	terms, err := prepare(q.Condition)
	if err != nil {
		return 0, nil, err
	}
	s.mu.RLock()
	var hits []row // copies: a slot is used again once its set is deleted
	for _, slot := range s.sets {
		if r := s.slab.at(slot); r.biz == q.BizID && s.layout.matches(r, terms) {
			hits = append(hits, *r)
		}
	}
	s.mu.RUnlock()

	field, desc := q.Sort, false
	if field == "" {
		field = "bk_set_id"
	} else if field[0] == '-' {
		field, desc = field[1:], true
	}
	slices.SortStableFunc(hits, func(a, b row) int {
		if field == "bk_set_id" {
			c := cmp.Compare(a.id, b.id)
			if desc {
				return -c
			}
			return c
		}
		x, _ := s.layout.value(&a, field)
		y, _ := s.layout.value(&b, field)
		c := compareValues(x, y)
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		if desc {
			return -c
		}
		return c
	})
	count := len(hits)
	hits = hits[min(q.Start, len(hits)):]
	if q.Limit > 0 {
		hits = hits[:min(q.Limit, len(hits))]
	}
	page := make([]Record, len(hits))
	for i := range hits {
		r := &hits[i]
		if len(q.Fields) == 0 {
			page[i] = s.layout.record(r)
			continue
		}
		page[i] = Record{}
		for _, f := range q.Fields {
			if v, ok := s.layout.value(r, f); ok {
				page[i][f] = v
			}
		}
	}
	return count, page, nil
}

// term is one test of a search condition, checked before any row is read.
type term struct {
	field string
	op    string // $eq, $ne, $in, $regex
	arg   any
	list  []any
	re    *regexp.Regexp
}

// prepare checks a condition and compiles it into terms.
func prepare(cond map[string]any) ([]term, error) {
	var terms []term
	for field, want := range cond {
		op, isOp := want.(map[string]any)
		if !isOp {
			terms = append(terms, term{field: field, op: "$eq", arg: want})
			continue
		}
		for name, arg := range op {
			t := term{field: field, op: name, arg: arg}
			switch name {
			case "$eq", "$ne":
			case "$in":
				list, ok := arg.([]any)
				if !ok {
					return nil, fmt.Errorf("%s: $in takes a list", field)
				}
				t.list = list
			case "$regex":
				pattern, ok := arg.(string)
				if !ok {
					return nil, fmt.Errorf("%s: $regex takes a string", field)
				}
				re, err := regexp.Compile(pattern)
				if err != nil {
					return nil, fmt.Errorf("%s: $regex: %w", field, err)
				}
				t.re = re
			default:
				return nil, fmt.Errorf("%s: unsupported operator %s", field, name)
			}
			terms = append(terms, t)
		}
	}
	return terms, nil
}

func (l *layout) matches(r *row, terms []term) bool {
	for _, t := range terms {
		got, _ := l.value(r, t.field)
		var ok bool
		switch t.op {
		case "$eq":
			ok = sameJSON(got, t.arg)
		case "$ne":
			ok = !sameJSON(got, t.arg)
		case "$in":
			ok = slices.ContainsFunc(t.list, func(v any) bool { return sameJSON(got, v) })
		case "$regex":
			s, isString := got.(string)
			ok = isString && t.re.MatchString(s)
		}
		if !ok {
			return false
		}
	}
	return true
}

// sameJSON compares two values as JSON: int64(3) equals json.Number("3").
func sameJSON(a, b any) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && string(x) == string(y)
}

func compareValues(a, b any) int {
	x, okX := a.(int64)
	y, okY := b.(int64)
	if okX && okY {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}
