package topo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// TestConditionOperators: the operators CMDB's filters turn into (pkg/filter, querybuilder)
// match as MongoDB's do. A comparison holds a value of its own kind only (a number to numbers,
// a string to strings, a time to the record's times); $exists asks whether the record has the
// field at all, null or not; $options are the flags of the $regex beside it; $not holds when
// the operators it wraps do not, a missing field too; $size counts a list's elements.
func TestConditionOperators(t *testing.T) {
	s := newStore(10)
	for _, name := range []string{"a", "b", "c"} {
		_, err := s.Create(draft(1, 1, name), nil) // ids 1, 2, 3; created 2022-02-22T20:34:01.386+08:00
		require.NoError(t, err)
	}
	created := time.UnixMilli(1645533241386)
	cases := []struct {
		name string
		cond map[string]any
		want int
	}{
		{"$gt a number", map[string]any{"bk_set_id": map[string]any{"$gt": json.Number("1")}}, 2},
		{"$gte", map[string]any{"bk_set_id": map[string]any{"$gte": json.Number("2")}}, 2},
		{"$lt", map[string]any{"bk_set_id": map[string]any{"$lt": json.Number("2")}}, 1},
		{"$lte a fraction", map[string]any{"bk_set_id": map[string]any{"$lte": json.Number("2.5")}}, 2},
		{"$gt a float64", map[string]any{"bk_set_id": map[string]any{"$gt": 1.0}}, 2},
		{"$gt and $lt on one field", map[string]any{"bk_set_id": map[string]any{"$gt": json.Number("1"), "$lt": json.Number("3")}}, 1},
		{"$gt a string", map[string]any{"bk_set_name": map[string]any{"$gt": "a"}}, 2},
		{"a number does not compare with a string", map[string]any{"bk_set_name": map[string]any{"$gt": json.Number("0")}}, 0},
		{"a string does not compare with a number", map[string]any{"bk_set_id": map[string]any{"$gt": ""}}, 0},
		{"null compares with nothing", map[string]any{"bk_capacity": map[string]any{"$lt": json.Number("10")}}, 0},
		{"a time before the records'", map[string]any{"create_time": map[string]any{"$gt": created.Add(-time.Second)}}, 3},
		{"the records' time itself", map[string]any{"create_time": map[string]any{"$gte": created, "$lte": created}}, 3},
		{"a time after", map[string]any{"last_time": map[string]any{"$gt": created}}, 0},
		{"a string does not compare with a time", map[string]any{"create_time": map[string]any{"$gt": "2000-01-01"}}, 0},
		{"a time does not compare with a string", map[string]any{"bk_set_name": map[string]any{"$gt": created}}, 0},
		{"$exists", map[string]any{"bk_set_name": map[string]any{"$exists": true}}, 3},
		{"$exists of a null attribute", map[string]any{"bk_capacity": map[string]any{"$exists": true}}, 3},
		{"$exists false", map[string]any{"bk_set_name": map[string]any{"$exists": false}}, 0},
		{"$exists of a field no record has", map[string]any{"nope": map[string]any{"$exists": true}}, 0},
		{"$exists false of a field no record has", map[string]any{"nope": map[string]any{"$exists": false}}, 3},
		{"$regex with $options i", map[string]any{"bk_set_desc": map[string]any{"$regex": "^DE", "$options": "i"}}, 3},
		{"$regex without options keeps case", map[string]any{"bk_set_desc": map[string]any{"$regex": "^DE"}}, 0},
		{"$not of a $regex", map[string]any{"bk_set_name": map[string]any{"$not": map[string]any{"$regex": "^a"}}}, 2},
		{"$not of a $regex with $options", map[string]any{"bk_set_name": map[string]any{"$not": map[string]any{"$regex": "A", "$options": "i"}}}, 2},
		{"$not of a missing field", map[string]any{"nope": map[string]any{"$not": map[string]any{"$regex": "x"}}}, 3},
		{"$not of a comparison", map[string]any{"bk_set_id": map[string]any{"$not": map[string]any{"$gt": json.Number("1")}}}, 1},
		{"$size of what is not a list", map[string]any{"bk_set_name": map[string]any{"$size": json.Number("0")}}, 0},
		{"$size of 0.0", map[string]any{"bk_set_name": map[string]any{"$size": json.Number("0.0")}}, 0},
		// null compares with null and a missing field alone, and only by $gte and $lte.
		{"$gte null", map[string]any{"bk_capacity": map[string]any{"$gte": nil}}, 3},
		{"$lte null of a field no record has", map[string]any{"nope": map[string]any{"$lte": nil}}, 3},
		{"$gt null", map[string]any{"bk_capacity": map[string]any{"$gt": nil}}, 0},
		{"$gte null of a string", map[string]any{"bk_set_name": map[string]any{"$gte": nil}}, 0},
		// $exists reads its argument as MongoDB's trueValue: 0 and null are false, a string true.
		{"$exists 1", map[string]any{"bk_set_name": map[string]any{"$exists": json.Number("1")}}, 3},
		{"$exists 0", map[string]any{"bk_set_name": map[string]any{"$exists": json.Number("0")}}, 0},
		{"$exists null", map[string]any{"nope": map[string]any{"$exists": nil}}, 3},
		{"$exists of a string", map[string]any{"bk_set_name": map[string]any{"$exists": "no"}}, 3},
		{"$regex with $options u", map[string]any{"bk_set_desc": map[string]any{"$regex": "^de", "$options": "u"}}, 3},
		// MongoDB compares numbers by value, however they are written.
		{"equal to 2.0", map[string]any{"bk_set_id": json.Number("2.0")}, 1},
		{"equal to 20e-1", map[string]any{"bk_set_id": json.Number("20e-1")}, 1},
		{"$eq a float64", map[string]any{"bk_set_id": map[string]any{"$eq": 2.0}}, 1},
		{"$ne 2.0", map[string]any{"bk_set_id": map[string]any{"$ne": json.Number("2.0")}}, 2},
		{"$in 1.0 and 3e0", map[string]any{"bk_set_id": map[string]any{"$in": []any{json.Number("1.0"), json.Number("3e0")}}}, 2},
		{"$nin 1.0", map[string]any{"bk_set_id": map[string]any{"$nin": []any{json.Number("1.0")}}}, 2},
		{"default -0", map[string]any{"default": json.Number("-0")}, 3},
		{"default 0.0 in a $in", map[string]any{"default": map[string]any{"$in": []any{json.Number("0.0")}}}, 3},
		{"2.5 is no id", map[string]any{"bk_set_id": json.Number("2.5")}, 0},
		{"a string is no number", map[string]any{"bk_set_id": "2"}, 0},
		{"a number is no string", map[string]any{"bk_set_name": map[string]any{"$in": []any{json.Number("1")}}}, 0},
	}
	for _, tc := range cases {
		count, _, err := s.Search(context.Background(), topo.Query{BizID: 1, Condition: tc.cond})
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, count, tc.name)
	}

	// MongoDB refuses these; so does the store, before any set is read.
	for name, cond := range map[string]map[string]any{
		"$size of an operator (CMDB's is_not_empty)": {"bk_set_name": map[string]any{"$size": map[string]any{"$gt": 0}}},
		"$size of a negative number":                 {"bk_set_name": map[string]any{"$size": json.Number("-1")}},
		"$size of a fraction":                        {"bk_set_name": map[string]any{"$size": json.Number("1.5")}},
		"$options without $regex":                    {"bk_set_name": map[string]any{"$options": "i"}},
		"an option MongoDB does not know":            {"bk_set_name": map[string]any{"$regex": "a", "$options": "g"}},
		"$not of a string":                           {"bk_set_name": map[string]any{"$not": "a"}},
		"$not of nothing":                            {"bk_set_name": map[string]any{"$not": map[string]any{}}},
		"$in of a string":                            {"bk_set_name": map[string]any{"$in": "a"}},
		"$regex of a number":                         {"bk_set_name": map[string]any{"$regex": json.Number("1")}},
		"a pattern PCRE cannot compile":              {"bk_set_name": map[string]any{"$regex": "a("}},
		"an operator MongoDB does not know":          {"bk_set_name": map[string]any{"$like": "a"}},
		"one at the top":                             {"$like": "a"},
		"$where, which CMDB refuses":                 {"$where": "true"},
		"an empty $or":                               {"$or": []any{}},
		"a $and of no conditions":                    {"$and": []any{json.Number("1")}},
	} {
		_, _, err := s.Search(context.Background(), topo.Query{BizID: 1, Condition: cond})
		assert.ErrorIs(t, err, topo.ErrRefusedCondition, name)
	}
	// MongoDB reads these; the store does not evaluate them.
	for name, cond := range map[string]map[string]any{
		"an option Go's regexp lacks": {"bk_set_name": map[string]any{"$regex": "a", "$options": "x"}},
		"a look-ahead":                {"bk_set_name": map[string]any{"$regex": "a(?=b)"}},
		"$gt of a list":               {"bk_set_id": map[string]any{"$gt": []any{1}}},
		"$elemMatch":                  {"bk_set_id": map[string]any{"$elemMatch": map[string]any{}}},
		"$nor":                        {"$nor": []any{map[string]any{"bk_set_id": 1}}},
	} {
		_, _, err := s.Search(context.Background(), topo.Query{BizID: 1, Condition: cond})
		assert.ErrorIs(t, err, topo.ErrBadCondition, name)
	}
}

// TestExistsOfModulesAndBusinesses: $exists reads a module's and a business's record as a set's:
// the fields its record has, null or not.
func TestExistsOfModulesAndBusinesses(t *testing.T) {
	s := newStore(10)
	_, err := s.Create(draft(1, 1, "a"), []topo.ModuleTemplate{{Name: "m1"}})
	require.NoError(t, err)
	s.SetTopology(topo.Topology{Businesses: []topo.Business{{ID: 1, Name: "blue", Fields: topo.Record{"life_cycle": nil}}}})
	for field, want := range map[string]int{"bk_module_name": 1, "bk_module_type": 1, "create_time": 1, "nope": 0} {
		n, _, err := s.SearchModules(context.Background(), topo.ModuleQuery{BizID: 1, Condition: map[string]any{field: map[string]any{"$exists": true}}})
		require.NoError(t, err)
		assert.Equal(t, want, n, "module %s", field)
	}
	for field, want := range map[string]int{"bk_biz_name": 1, "life_cycle": 1, "bk_supplier_account": 1, "create_time": 1, "nope": 0} {
		n, _, err := s.SearchBusinesses(context.Background(), topo.RecordQuery{Condition: map[string]any{field: map[string]any{"$exists": true}}}, nil)
		require.NoError(t, err)
		assert.Equal(t, want, n, "business %s", field)
	}
}

// TestModulesSortByEachField: a sort of several fields orders modules, read through their
// records' text, as it orders sets: each field in turn, then the id, and a page of the heap's
// size or less comes out the same.
func TestModulesSortByEachField(t *testing.T) {
	s := newStore(10)
	var templates []topo.ModuleTemplate
	for _, name := range []string{"b", "a", "c"} {
		templates = append(templates, topo.ModuleTemplate{Name: name})
	}
	_, err := s.Create(draft(1, 1, "x"), templates) // modules 1 b, 2 a, 3 c, all of default 0
	require.NoError(t, err)
	ids := func(sort string, limit int) []any {
		_, recs, err := s.SearchModules(context.Background(), topo.ModuleQuery{BizID: 1, Sort: sort, Limit: limit, Fields: []string{"bk_module_id"}})
		require.NoError(t, err)
		var out []any
		for _, r := range recs {
			out = append(out, r["bk_module_id"])
		}
		return out
	}
	for sort, want := range map[string][]any{
		"default,bk_module_name":               {int64(2), int64(1), int64(3)},
		"default,-bk_module_name":              {int64(3), int64(1), int64(2)},
		"-default,bk_module_name":              {int64(2), int64(1), int64(3)},
		"default,-bk_module_id,bk_module_name": {int64(3), int64(2), int64(1)},
	} {
		for limit := 1; limit <= 3; limit++ {
			assert.Equal(t, want[:limit], ids(sort, limit), "%s, limit %d", sort, limit)
		}
	}
}

// TestConditionsOnLists: a field whose value is a list matches as MongoDB's does: an equality,
// $in, $regex or comparison holds when it holds of the list itself or of any of its elements
// (one level down), $ne and $nin when their opposite does not; $size counts the list. A
// multiple-choice attribute's value (enummulti) is such a list.
func TestConditionsOnLists(t *testing.T) {
	s := newStore(10)
	for i, tags := range []any{
		[]any{"a", "b"},                 // 1
		[]any{json.Number("2"), "c"},    // 2
		[]any{},                         // 3
		"a",                             // 4
		[]any{[]any{"a"}},               // 5
		[]any{map[string]any{"k": "a"}}, // 6
	} {
		d := draft(1, 1, fmt.Sprint("s", i))
		d.Extra = topo.Record{"tags": tags}
		_, err := s.Create(d, nil)
		require.NoError(t, err)
	}
	cases := []struct {
		name string
		cond map[string]any
		want []any
	}{
		{"an element", map[string]any{"tags": "a"}, []any{1, 4}},
		{"$eq an element", map[string]any{"tags": map[string]any{"$eq": "b"}}, []any{1}},
		{"a number element, however written", map[string]any{"tags": json.Number("2.0")}, []any{2}},
		{"the whole list", map[string]any{"tags": []any{"a", "b"}}, []any{1}},
		{"the list in another order is another list", map[string]any{"tags": []any{"b", "a"}}, nil},
		{"a list element", map[string]any{"tags": []any{"a"}}, []any{5}},
		{"the empty list", map[string]any{"tags": []any{}}, []any{3}},
		{"an object element", map[string]any{"tags": map[string]any{"$eq": map[string]any{"k": "a"}}}, []any{6}},
		{"no deeper than one level", map[string]any{"tags": map[string]any{"$in": []any{"k"}}}, nil},
		{"$ne: no element and not the list", map[string]any{"tags": map[string]any{"$ne": "a"}}, []any{2, 3, 5, 6}},
		{"$in", map[string]any{"tags": map[string]any{"$in": []any{"c", "z"}}}, []any{2}},
		{"$in of a whole list", map[string]any{"tags": map[string]any{"$in": []any{[]any{}}}}, []any{3}},
		{"$nin", map[string]any{"tags": map[string]any{"$nin": []any{"a", "b"}}}, []any{2, 3, 5, 6}},
		{"$regex of the elements", map[string]any{"tags": map[string]any{"$regex": "^[ab]$"}}, []any{1, 4}},
		{"$gt of the elements", map[string]any{"tags": map[string]any{"$gt": json.Number("1")}}, []any{2}},
		{"$gt and $lt each of some element", map[string]any{"tags": map[string]any{"$gt": "a", "$lt": "c"}}, []any{1}},
		{"$not of an element", map[string]any{"tags": map[string]any{"$not": map[string]any{"$regex": "a"}}}, []any{2, 3, 5, 6}},
		{"$size", map[string]any{"tags": map[string]any{"$size": json.Number("2")}}, []any{1, 2}},
		{"$all", map[string]any{"tags": map[string]any{"$all": []any{"a", "b"}}}, []any{1}},
		{"$all of one, which a value that is no list passes too", map[string]any{"tags": map[string]any{"$all": []any{"a"}}}, []any{1, 4}},
		{"$all of numbers however written", map[string]any{"tags": map[string]any{"$all": []any{json.Number("2.0"), "c"}}}, []any{2}},
		{"$all of nothing", map[string]any{"tags": map[string]any{"$all": []any{}}}, nil},
		{"$elemMatch: one element passes every test", map[string]any{"tags": map[string]any{"$elemMatch": map[string]any{"$gt": json.Number("1"), "$lt": json.Number("3")}}}, []any{2}},
		{"$elemMatch of strings", map[string]any{"tags": map[string]any{"$elemMatch": map[string]any{"$gte": "b"}}}, []any{1, 2}},
		{"$elemMatch of a list only", map[string]any{"tags": map[string]any{"$elemMatch": map[string]any{"$eq": "a"}}}, []any{1}},
		{"$elemMatch of a list in the list", map[string]any{"tags": map[string]any{"$elemMatch": map[string]any{"$in": []any{[]any{"a"}}}}}, []any{5}},
		{"$elemMatch with $ne", map[string]any{"tags": map[string]any{"$elemMatch": map[string]any{"$ne": "a"}}}, []any{1, 2, 5, 6}},
	}
	ids := func(q topo.Query) string { // the ids of the sets found, in order
		q.BizID, q.Fields = 1, []string{"bk_set_id"}
		_, sets, err := s.Search(context.Background(), q)
		require.NoError(t, err, "%v", q)
		var ids []any
		for _, set := range sets {
			ids = append(ids, set["bk_set_id"])
		}
		return fmt.Sprint(ids)
	}
	for _, tc := range cases {
		assert.Equal(t, fmt.Sprint(tc.want), ids(topo.Query{Condition: tc.cond}), tc.name)
	}

	for name, cond := range map[string]map[string]any{
		"$all of a string":       {"tags": map[string]any{"$all": "a"}},
		"$elemMatch of a string": {"tags": map[string]any{"$elemMatch": "a"}},
	} {
		_, _, err := s.Search(context.Background(), topo.Query{BizID: 1, Condition: cond})
		assert.ErrorIs(t, err, topo.ErrRefusedCondition, name)
	}
	for name, cond := range map[string]map[string]any{ // MongoDB reads these; the store does not evaluate them
		"$elemMatch of an object's fields": {"tags": map[string]any{"$elemMatch": map[string]any{"k": "a"}}},
		"$elemMatch of $not":               {"tags": map[string]any{"$elemMatch": map[string]any{"$not": map[string]any{"$eq": "a"}}}},
		"$all of an $elemMatch":            {"tags": map[string]any{"$all": []any{map[string]any{"$elemMatch": map[string]any{"$eq": "a"}}}}},
	} {
		_, _, err := s.Search(context.Background(), topo.Query{BizID: 1, Condition: cond})
		assert.ErrorIs(t, err, topo.ErrBadCondition, name)
	}

	// A sort takes a list by its least element ascending and its greatest descending, each as
	// a value of its kind (a list in the list as a list); an empty list comes before null.
	assert.Equal(t, "[3 2 1 4 6 5]", ids(topo.Query{Sort: "tags"}))
	assert.Equal(t, "[5 6 2 1 4 3]", ids(topo.Query{Sort: "-tags"}))
}
