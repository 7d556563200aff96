package topo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on any machine

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/jsontest"
	"github.com/cmdbmock/cmdbmock/internal/jsonx"
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
		back := &row{}
		err := l.rowOf(string(l.appendJSON(nil, r)), back)
		require.NoError(t, err)
		assert.Equal(t, string(l.appendJSON(nil, r)), string(l.appendJSON(nil, back)), "a row survives a save and a load")
	}
}

// savedSeeds are saved sets of testLayout, whole and changed: every key, escapes, numbers
// written otherwise than the mock writes them, a key given twice, values the row cannot hold.
var savedSeeds = []string{
	`{"bk_biz_id":1,"bk_capacity":1000,"bk_created_at":"2022-02-22T20:34:01.386+08:00","bk_created_by":"alice","bk_parent_id":1,"bk_service_status":"1","bk_set_desc":"","bk_set_env":"3","bk_set_id":4780,"bk_set_name":"web","bk_supplier_account":"0","bk_updated_at":"2022-02-22T20:34:01.386+08:00","create_time":"2022-02-22T20:34:01.386+08:00","default":0,"description":"","last_time":"2022-02-22T20:34:01.386+08:00","set_template_id":0}`,
	`{"bk_biz_id":-0,"bk_capacity":1.50,"bk_created_at":"x","bk_created_by":5,"bk_parent_id":1e0,"bk_service_status":"\u00e9\u2028","bk_set_desc":{"z":1,"a":[-0,"<&>"]},"bk_set_env":"\ud800","bk_set_id":1,"bk_set_name":"a\"b\u4e2d","bk_supplier_account":"7","bk_updated_at":null,"create_time":"2022-02-22T20:34:01.3861+08:00","default":1,"description":" ","last_time":"2023-01-01T00:00:00Z","set_template_id":9223372036854775807,"extra":[true,false,null]}`,
	`{"bk_set_id":2,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"n","bk_set_id":3}`,
	`{"bk_set_id":"1","bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"n"}`,
	`{"bk_set_id":1,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":null}`,
	`{"bk_set_id":9223372036854775808,"bk_biz_id":1,"bk_parent_id":1,"default":0,"set_template_id":0,"bk_set_name":"n"}`,
	` { "bk_set_id" : 1 } `, `{"bk_set_id":1`, `[]`, `null`, "{\"bk_set_name\":\"\xff\"}",
}

// testLayout is the set model of the fixtures, in UTC+8.
func testLayout() *layout {
	return newLayout([]string{"bk_capacity", "bk_service_status", "bk_set_desc", "bk_set_env", "description"}, time.FixedZone("UTC+8", 8*3600))
}

// FuzzRowOf: a saved set that holds every key of its layout loads into a row whose record is
// what was saved, each value as AppendValue writes it; one whose ids are not integers within
// int64, whose name is not a string, or that is not JSON, is refused. go test runs the seeds.
func FuzzRowOf(f *testing.F) {
	for _, s := range savedSeeds {
		f.Add(s)
	}
	l := testLayout()
	f.Fuzz(func(t *testing.T, text string) {
		r := &row{}
		err := l.rowOf(text, r)
		var rec map[string]any
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		if dec.Decode(&rec) != nil || dec.More() || rec == nil || jsontest.Nesting([]byte(text)) > maxDepth {
			assert.Error(t, err, text)
			return
		}
		for _, k := range []string{"bk_set_id", "bk_biz_id", "bk_parent_id", "default", "set_template_id"} {
			if _, ok := jsonx.Int(rec[k]); !ok {
				assert.Error(t, err, "%s: %s", text, k)
				return
			}
		}
		if _, ok := rec["bk_set_name"].(string); !ok {
			assert.Error(t, err, text)
			return
		}
		require.NoError(t, err, text)
		for _, k := range l.keys {
			if _, ok := rec[k]; !ok {
				return // a key not saved: the row writes its own value
			}
		}
		var want []byte
		for i, k := range slices.Sorted(maps.Keys(rec)) {
			if i > 0 {
				want = append(want, ',')
			}
			want = AppendValue(append(strconv.AppendQuote(want, k), ':'), rec[k])
		}
		assert.Equal(t, "{"+string(want)+"}", string(l.appendJSON(nil, r)), text)
	})
}

// FuzzAppendSaved holds appendSaved to AppendValue of the value a text holds.
func FuzzAppendSaved(f *testing.F) {
	for _, s := range []string{`"a"`, `"\u00e9"`, `"é"`, "\"\u2028\"", "\"\xff\"", `-0`, `0`, `-0.0`, `1e3`, `123456789012345678901`,
		`true`, `false`, `null`, `{"b":1,"a":"<"}`, `[ 1 , -0 ]`, `"\/"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := jsonx.Parse(raw, maxDepth, nil)
		if err != nil || strings.TrimSpace(raw) != raw {
			return // Members gives only a value, as it is written
		}
		assert.Equal(t, string(AppendValue(nil, v)), string(appendSaved(nil, raw)), raw)
	})
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

// TestParseTimeMatchesParse holds parseTime to time.Parse on the times appendTime writes, in the
// second it wrote last and in others, and on texts near them that are written otherwise or are
// no time.
func TestParseTimeMatchesParse(t *testing.T) {
	// Times appendTime writes as time.Parse does not read them back: years past 0-9999, and an
	// offset in seconds (Shanghai's before 1901), which "Z07:00" writes to the minute.
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	for _, c := range []struct {
		loc *time.Location
		ms  int64
	}{{time.UTC, -62135596800001}, {time.UTC, -62170156800000}, {time.UTC, 253402300800000}, {time.UTC, -9e18}, {time.UTC, 9e18},
		{shanghai, -2208988800000}, {time.FixedZone("LMT", 8*3600+343), 1645533241386}, {time.FixedZone("-LMT", -343), 1645533241386}} {
		l := newLayout(nil, c.loc)
		text := string(l.appendTime(nil, c.ms))
		want, err := time.Parse(timeLayout, text)
		got, ok := l.parseTime(text)
		if assert.Equal(t, err == nil, ok, text) && ok {
			assert.Equal(t, want.UnixMilli(), got, text)
		}
	}
	l := newLayout(nil, time.FixedZone("UTC+8", 8*3600))
	_ = l.appendTime(nil, 1645533241386) // the second kept: 2022-02-22T20:34:01+08:00
	for _, text := range []string{
		"2022-02-22T20:34:01.386+08:00", "2022-02-22T20:34:01+08:00", "2022-02-22T20:34:01.3+08:00", "2022-02-22T20:34:01.38+08:00",
		"2022-02-22T20:34:01.380+08:00", "2022-02-22T20:34:01.3861+08:00", "2022-02-22T20:34:01,386+08:00", "2022-02-22T20:34:01.+08:00",
		"2022-02-22T20:34:01.x+08:00", "2022-02-22T20:34:01.386Z", "2022-02-22T20:34:01.386+09:00", "2022-02-22T20:34:02.5+08:00",
		"2022-02-22T12:34:01.386Z", "1969-12-31T23:59:59.999Z", "2022-02-22T20:34:01+08:00+08:00", "2022-02-22T20:34:01", "", "x",
	} {
		want, err := time.Parse(timeLayout, text)
		got, ok := l.parseTime(text)
		if assert.Equal(t, err == nil, ok, text) && ok {
			assert.Equal(t, want.UnixMilli(), got, text)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	f.Add(int64(1645533241386), "2022-02-22T20:34:01.38+08:00")
	f.Add(int64(-1), "1970-01-01T07:59:59.999+08:00")
	f.Add(int64(253402300800000), "10000-01-01T08:00:00+08:00")
	f.Add(int64(-62170156800000), "-0001-11-28T08:00:00+08:00")
	f.Fuzz(func(t *testing.T, ms int64, text string) {
		l := newLayout(nil, time.FixedZone("UTC+8", 8*3600))
		written := string(l.appendTime(nil, ms))
		for _, text := range []string{written, text} {
			want, err := time.Parse(timeLayout, text)
			got, ok := l.parseTime(text)
			if ok != (err == nil) || ok && got != want.UnixMilli() {
				t.Fatalf("parseTime(%q) = %d, %v; time.Parse: %d, %v", text, got, ok, want.UnixMilli(), err)
			}
		}
	})
}

// BenchmarkParseTime reads a time of the second appendTime wrote last, by parseTime and by
// time.Parse.
func BenchmarkParseTime(b *testing.B) {
	l := newLayout(nil, time.FixedZone("UTC+8", 8*3600))
	text := string(l.appendTime(nil, 1645533241386))
	b.Run("parseTime", func(b *testing.B) {
		for b.Loop() {
			if _, ok := l.parseTime(text); !ok {
				b.Fatal(text)
			}
		}
	})
	b.Run("time.Parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := time.Parse(timeLayout, text); err != nil {
				b.Fatal(err)
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
		rec := b.record(l, nil)
		for _, f := range append(slices.Collect(maps.Keys(rec)), "absent") {
			assert.Equal(t, string(rec.appendField(nil, f, l)), string(b.appendField(nil, f, l)), "business %d, %s", b.ID, f)
		}
	}
}

// TestRecordOfFieldsIsTheRecordCut: a module's or business's record made with the fields a page
// asks for holds what its whole record holds under those names, and nothing else.
func TestRecordOfFieldsIsTheRecordCut(t *testing.T) {
	l := newLayout(nil, time.FixedZone("UTC+8", 8*3600))
	instances := []valuer{
		&Module{ID: 7, Name: "nginx", SetID: 3, BizID: 2, Default: 1, ServiceTemplateID: 9, Created: 1645533241386, Updated: 1645533299000,
			CreatedBy: "alice", Fields: Record{"operator": "bob", "bk_module_id": "kept?", "bk_supplier_account": "42", "x": nil}},
		&Module{ID: 8},
		&Business{ID: 2, Name: "蓝鲸", Created: 1645533241386, Fields: Record{"bk_biz_maintainer": "admin", "bk_biz_name": "kept", "create_time": "x"}},
		&Business{ID: 4},
		Record{"a": 1, "b": nil},
	}
	for _, v := range instances {
		whole := v.record(l, nil)
		lists := [][]string{{"absent"}, slices.Collect(maps.Keys(whole)), append(slices.Collect(maps.Keys(whole)), "absent", "bk_biz_id")}
		for f := range whole {
			lists = append(lists, []string{f}, []string{f, f, "absent"})
		}
		for _, fields := range lists {
			want := Record{}
			for _, f := range fields {
				if value, ok := whole[f]; ok {
					want[f] = value
				}
			}
			assert.Equal(t, want, v.record(l, fields), "%T %v", v, fields)
		}
	}
}

// FuzzAppendRecords holds AppendRecords to encoding/json without HTML escaping, on records made
// of any JSON object a request may hold: its values as a record stores them (JSONValue).
func FuzzAppendRecords(f *testing.F) {
	for _, seed := range []string{
		`[{"a":1,"b":"<x>&","c":null,"d":true,"e":1.50,"f":{"z":[1,"é\u2028"],"a":{}},"g":-0}]`,
		`[{},{"bk_set_name":"web","bk_capacity":1000,"k\"ey":"\\"}]`,
		`[{"n":123456789012345678901234567890,"m":1e21,"s":"\ud800"}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var list []map[string]any
		if dec.Decode(&list) != nil {
			return
		}
		recs := make([]Record, len(list))
		for i, m := range list {
			if m != nil {
				recs[i] = Record{}
				for k, v := range m {
					recs[i][k] = JSONValue(v)
				}
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(recs) != nil {
			return
		}
		if got, want := string(AppendRecords(nil, recs)), strings.TrimSuffix(buf.String(), "\n"); got != want {
			t.Fatalf("AppendRecords:\n%s\nencoding/json:\n%s", got, want)
		}
	})
}

// FuzzPageJSON holds a page written from its rows to encoding/json's writing of its records, for
// sets of any attribute values and kept fields, and any fields asked for.
func FuzzPageJSON(f *testing.F) {
	f.Add([]byte(`{"bk_capacity":5,"bk_set_desc":"<d>","bk_inst_id":{"a":[1,"x"]}}`), "bk_set_name,bk_capacity,bk_inst_id,absent,bk_capacity")
	f.Add([]byte(`{"bk_capacity":null,"bk_set_desc":"\u2028","bk_supplier_account":"42"}`), "")
	f.Add([]byte(`{"bk_capacity":1.50,"bk_set_desc":[],"bk_data_status":-0}`), "create_time,last_time,default,bk_set_desc")
	f.Fuzz(func(t *testing.T, data []byte, fieldList string) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var sent map[string]any
		if dec.Decode(&sent) != nil || sent == nil {
			return
		}
		s := New([]string{"bk_capacity", "bk_set_desc"}, time.FixedZone("UTC+8", 8*3600), 10)
		d := Draft{BizID: 1, ParentID: 1, Name: "a<b", Created: 1645533241386, Updated: 1645533242000, CreatedBy: "alice"}
		for _, a := range []string{"bk_capacity", "bk_set_desc"} {
			d.Attrs = append(AppendValue(d.Attrs, JSONValue(sent[a])), 0)
		}
		for k, v := range sent {
			if k != "bk_capacity" && k != "bk_set_desc" && !ServerField(k) {
				if d.Extra == nil {
					d.Extra = Record{}
				}
				d.Extra[k] = JSONValue(v)
			}
		}
		if _, err := s.Create(d, nil); err != nil {
			return
		}
		var fields []string
		if fieldList != "" {
			fields = strings.Split(fieldList, ",")
		}
		_, page, err := s.SearchPage(context.Background(), Query{BizID: 1, Fields: fields})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(page.Records()) != nil {
			return
		}
		if got, want := string(page.AppendJSON(nil)), strings.TrimSuffix(buf.String(), "\n"); got != want {
			t.Fatalf("the page from its rows:\n%s\nits records by encoding/json:\n%s", got, want)
		}
	})
}

// BenchmarkAppendTime writes a record's time with appendTime and with what it replaces, time's
// Format in the record's zone; times of one second, as a busy mock writes them.
func BenchmarkAppendTime(b *testing.B) {
	l := newLayout(nil, time.FixedZone("UTC+8", 8*3600))
	b.Run("appendTime", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			buf = l.appendTime(buf[:0], 1645533241000+int64(i%1000))
		}
	})
	b.Run("time-Format", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			buf = time.UnixMilli(1645533241000+int64(i%1000)).In(l.loc).AppendFormat(buf[:0], timeLayout)
		}
	})
}

// BenchmarkAppendRecords writes a page of 200 module records, as find_module_batch and
// search_module answer them, with AppendRecords and with what it replaces, an encoding/json
// Encoder without HTML escaping.
func BenchmarkAppendRecords(b *testing.B) {
	recs := make([]Record, 200)
	for i := range recs {
		recs[i] = Record{
			"bk_module_id": int64(i + 10), "bk_module_name": fmt.Sprint("module-", i), "bk_set_id": int64(3), "bk_biz_id": int64(2),
			"bk_parent_id": int64(3), "bk_module_type": "1", "operator": "alice", "bk_bak_operator": nil, "default": 0,
			"service_template_id": int64(0), "service_category_id": int64(2), "bk_supplier_account": "0",
			"create_time": "2022-02-22T20:34:01.386+08:00", "last_time": "2022-02-22T20:34:01.386+08:00", "host_apply_enabled": false,
		}
	}
	b.Run("AppendRecords", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = AppendRecords(buf[:0], recs)
		}
	})
	b.Run("encoding-json", func(b *testing.B) { jsontest.BenchmarkEncoder(b, recs) })
}
