package topo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on any machine

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodingJSON is how the rest of the mock writes: encoding/json, no HTML escaping.
func encodingJSON(t testing.TB, v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func vals(values ...any) string {
	var b []byte
	for _, v := range values {
		b = append(AppendValue(b, v), 0)
	}
	v, _ := withName(b, "")
	return v
}

func TestRowJSONMatchesItsRecord(t *testing.T) {
	l := newLayout([]string{"bk_capacity", "bk_service_status", "bk_set_desc", "bk_set_env", "description"}, time.FixedZone("UTC+8", 8*3600))
	rows := []*row{
		{id: 3, biz: 1, parent: 1, name: "web", vals: vals(nil, "1", "", "3", ""), created: 1645533241386, createdBy: "alice"},
		{id: 9, biz: 2, parent: 7, name: "a\"b", def: 1, template: 4, vals: vals(int64(1000), "2", "d\n", "1", "<x>"), created: 0, createdBy: ""},
		{id: 4, biz: 1, parent: 1, name: "canned", vals: vals(nil, "1", "", "3", ""), extra: Record{"bk_set_env": "1", "custom": 5.5}},
		{id: 5, biz: 1, parent: 1, name: "<kept>", vals: vals(nil, "1", map[string]any{"a": []any{"<b>&"}}, "3", ""),
			extra: Record{"bk_inst_id": map[string]any{"a": "<b>&"}}},
		{id: 6, biz: 1, parent: 1, name: "x", vals: vals(nil, "1", []any{map[string]any{"z": "&", "a": json.Number("1.50")}}, "3", "")},
	}
	for _, r := range rows {
		assert.Equal(t, encodingJSON(t, l.record(r)), string(l.appendJSON(nil, r)))
		back, err := l.rowOf(func() Record {
			var rec Record
			dec := json.NewDecoder(bytes.NewReader(l.appendJSON(nil, r)))
			dec.UseNumber()
			require.NoError(t, dec.Decode(&rec))
			return rec
		}())
		require.NoError(t, err)
		assert.Equal(t, string(l.appendJSON(nil, r)), string(l.appendJSON(nil, back)), "a row survives a save and a load")
	}
}

// TestAppendTimeMatchesFormat holds appendTime to time's own formatting of timeLayout, across
// zones, a change of summer time, milliseconds with and without trailing zeros and times
// before 1970; the same second again takes the kept part.
func TestAppendTimeMatchesFormat(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	for _, loc := range []*time.Location{time.UTC, time.FixedZone("UTC+8", 8*3600), time.FixedZone("UTC-3:30", -(3*3600 + 1800)), berlin} {
		l := newLayout(nil, loc)
		for _, ms := range []int64{
			0, 1, 10, 100, 120, 999, 1000, 1645533241386, 1645533241380, 1645533241300, 1645533241000, 1645533241001,
			-1, -999, -1000, -1001, -62135596800000, 253402300799999,
			1711846799999, 1711846800000, 1711846800500, // Berlin moves to summer time
		} {
			want := time.UnixMilli(ms).In(loc).Format(timeLayout)
			assert.Equal(t, want, string(l.appendTime(nil, ms)), "%d in %s", ms, loc)
			assert.Equal(t, want, string(l.appendTime(nil, ms)), "%d in %s, again", ms, loc)
		}
	}
}

func FuzzAppendTime(f *testing.F) {
	f.Add(int64(1645533241386), int64(1645533241999))
	f.Fuzz(func(t *testing.T, a, b int64) {
		l := newLayout(nil, time.FixedZone("UTC+8", 8*3600))
		for _, ms := range []int64{a, b, a} {
			if got, want := string(l.appendTime(nil, ms)), time.UnixMilli(ms).In(l.loc).Format(timeLayout); got != want {
				t.Fatalf("appendTime(%d) = %s, time says %s", ms, got, want)
			}
		}
	})
}

// TestAppendRecordsMatchesEncodingJSON holds AppendRecords to encoding/json without HTML
// escaping, over the kinds of value records hold.
func TestAppendRecordsMatchesEncodingJSON(t *testing.T) {
	values := []any{nil, "", "<b>&\u2028\"é\x01\xff", int64(-5), 7, true, false, 5.5, 1e21, json.Number("-0"), json.Number("1.50"),
		map[string]any{"z": []any{"<", json.Number("2")}, "a": nil}, []any{}, Record{"b": 1}, []string{"x"}}
	var recs []Record
	for i, v := range values {
		recs = append(recs, Record{"k": v, "a\"<": i, fmt.Sprint("z", i): v})
	}
	for _, page := range [][]Record{nil, {}, {nil}, {{}}, recs} {
		assert.Equal(t, encodingJSON(t, page), string(AppendRecords(nil, page)))
	}
}

// TestBusinessFieldsMatchItsRecord: a search reads a business's fields as its record holds them,
// the server's over those it keeps.
func TestBusinessFieldsMatchItsRecord(t *testing.T) {
	l := newLayout(nil, time.FixedZone("UTC+8", 8*3600))
	for _, b := range []Business{
		{ID: 2, Name: "蓝鲸", Created: 1645533241386, Fields: Record{"bk_biz_maintainer": "admin", "life_cycle": "2", "n": json.Number("-0")}},
		{ID: 3, Name: "a\"<b>", Default: 1, Fields: Record{"bk_biz_name": "kept", "create_time": "x", "bk_supplier_account": "42", "x": nil}},
		{ID: 4},
	} {
		rec := b.record(l)
		for _, f := range append(slices.Collect(maps.Keys(rec)), "absent") {
			assert.Equal(t, string(rec.appendField(nil, f, l)), string(b.appendField(nil, f, l)), "business %d, %s", b.ID, f)
		}
	}
}
