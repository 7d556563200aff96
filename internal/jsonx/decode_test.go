package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/cmdbmock/cmdbmock/internal/jsontest"
)

// decodeStd is what encoding/json makes of a body: one value, numbers as written.
func decodeStd(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the value")
	}
	return v, nil
}

var decodeSeeds = []string{
	`{}`, `[]`, `{"a":[1,{"b":"c\"]"}]}`, `{"a":1} {}`, `[[[[]]]]`, `"\u00"`, `1e999`, ` {"x": null} `,
	`{"a":1,"a":2}`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, "\"\xff\xfe\"", `-0.5e+3`, `01`,
	`1.`, `.5`, `-`, `tru`, `nul`, `{"a" 1}`, `{,}`, `[1,]`, "\"a\tb\"", `"\/\b\f\n\r\t"`, `"\x"`, "\"é中😀\"",
}

// FuzzDecodeJSON holds Parse to encoding/json: the same verdict and the same
// value for every body within the nesting limit, and nothing panics. go test runs it on the
// seeds (and testdata/fuzz) as a plain test.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(s)
	}
	f.Fuzz(checkParse)
}

func checkParse(t *testing.T, body string) {
	const limit = 8
	// The decode takes its objects from a stock another decode has used, as a request does.
	var stock Stock
	if _, err := Parse(`{"a":{"b":{"c":1}},"d":{},"e":[{"f":null}]}`, limit, &stock); err != nil {
		t.Fatal(err)
	}
	stock.TakeBack()
	got, err := Parse(body, limit, &stock)
	if jsontest.Nesting([]byte(body)) > limit && json.Valid([]byte(body)) {
		if err == nil {
			t.Fatalf("Parse(%q) read a body nested %d deep", body, jsontest.Nesting([]byte(body)))
		}
		return
	}
	want, wantErr := decodeStd([]byte(body))
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("Parse(%q): err %v; encoding/json: %v", body, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse(%q) = %#v; encoding/json: %#v", body, got, want)
	}
}

// BenchmarkDecodeJSON measures the one decode of a request body, on the body of bench/run.sh,
// by Parse and by what it replaces, encoding/json's Decoder with UseNumber.
func BenchmarkDecodeJSON(b *testing.B) {
	body := []byte(`{"bk_app_code":"bench","bk_app_secret":"bench","bk_username":"bench","bk_biz_id":1,"data":{"bk_parent_id":1,"bk_set_name":"b1-0-12345","bk_capacity":1000,"bk_set_desc":"load test","bk_set_env":"3"}}`)
	b.Run("Parse", func(b *testing.B) {
		var st Stock
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(string(body), 1000, &st); err != nil {
				b.Fatal(err)
			}
			st.TakeBack()
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestStock: a decode takes its objects from the stock, taking them back empties them for
// the next decode, a map that grew large is let go, and a nil stock makes new maps.
func TestStock(t *testing.T) {
	var st Stock
	v, err := Parse(`{"a":{"b":1},"c":{}}`, 1000, &st)
	if err != nil {
		t.Fatal(err)
	}
	outer := v.(map[string]any)
	if st.lent != 3 || len(st.maps) != 3 {
		t.Fatalf("lent %d of %d maps, want 3 of 3", st.lent, len(st.maps))
	}
	owned := Own(v)
	st.TakeBack()
	if len(outer) != 0 || st.lent != 0 || len(st.maps) != 3 {
		t.Fatalf("after taking back: %v, lent %d of %d", outer, st.lent, len(st.maps))
	}
	if _, err := Parse(`{"secret":1,"x":{"y":2}}`, 1000, &st); err != nil { // the next decode fills the maps again
		t.Fatal(err)
	}
	if want := map[string]any{"a": map[string]any{"b": json.Number("1")}, "c": map[string]any{}}; !reflect.DeepEqual(owned, want) {
		t.Fatalf("an owned copy changed with the stock: %v, want %v", owned, want)
	}
	st.TakeBack()
	big := "{"
	for i := range stockKeys + 1 {
		big += fmt.Sprintf(`"k%d":%d,`, i, i)
	}
	big = big[:len(big)-1] + `}`
	v, err = Parse(big, 1000, &st)
	if err != nil || len(v.(map[string]any)) != stockKeys+1 {
		t.Fatalf("big: %v", err)
	}
	if got := st.maps[0]; len(got) != stockKeys+1 {
		t.Fatalf("the first map lent out is not the one reused")
	}
	st.TakeBack()
	if len(st.maps) != 2 {
		t.Fatalf("a map of %d keys is kept", stockKeys+1)
	}
	for range stockMaps + 2 {
		st.get()
	}
	if len(st.maps) != stockMaps {
		t.Fatalf("the stock keeps %d maps, want at most %d", len(st.maps), stockMaps)
	}
	var none *Stock
	if m := none.get(); m == nil {
		t.Fatal("a nil stock gives no map")
	}
}

// TestOwnKeepsNoneOfTheText: what Own returns holds no string or number cut from the decoded
// text, keys included, so that a value kept keeps only itself alive, not the whole text.
func TestOwnKeepsNoneOfTheText(t *testing.T) {
	text := `{"name":"a set","n":12.5,"i":7,"list":["x",{"deep":"y","num":1e3}],"t":true,"z":null}`
	v, err := Parse(text, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	owned := Own(v)
	if !reflect.DeepEqual(owned, v) {
		t.Fatalf("Own(%v) = %v", v, owned)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(text)))
	within := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return len(s) > 0 && p >= start && p < start+uintptr(len(text))
	}
	var walk func(path string, x any)
	walk = func(path string, x any) {
		switch x := x.(type) {
		case string:
			if within(x) {
				t.Errorf("%s: %q is cut from the text", path, x)
			}
		case json.Number:
			if within(string(x)) {
				t.Errorf("%s: %s is cut from the text", path, x)
			}
		case map[string]any:
			for k, y := range x {
				if within(k) {
					t.Errorf("%s: key %q is cut from the text", path, k)
				}
				walk(path+"."+k, y)
			}
		case []any:
			for i, y := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), y)
			}
		}
	}
	walk("$", owned)
	if s, _ := Own("top").(string); s != "top" {
		t.Fatalf("Own(%q) = %q", "top", s)
	}
}

// FuzzMembers holds Members to Parse: the same verdict for every text, and the members of an
// object, each value parsed from its text, make the object Parse makes; each value's text is
// that value alone, as written.
func FuzzMembers(f *testing.F) {
	for _, s := range append(decodeSeeds, `{"a":"é中","b":-0,"c":[1,{"d":"\u2028"}],"b":"x\"y"}`, ` { "k" : { } } `, `{"a":{}}`, `{"a":[[]]}`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		const limit = 3
		want, wantErr := Parse(text, limit, nil)
		obj, isObject := want.(map[string]any)
		got := map[string]any{}
		err := Members(text, limit, func(key, raw string) error {
			v, err := Parse(raw, limit-1, nil)
			if err != nil || strings.TrimSpace(raw) != raw {
				t.Fatalf("Members(%q): %q's value %q is not one value: %v", text, key, raw, err)
			}
			got[key] = v
			return nil
		})
		if (err == nil) != (wantErr == nil && isObject) {
			t.Fatalf("Members(%q): %v; Parse: %v, %T", text, err, wantErr, want)
		}
		if err == nil && !reflect.DeepEqual(got, obj) {
			t.Fatalf("Members(%q) made %#v; Parse: %#v", text, got, obj)
		}
	})
}

// TestMembersStopsAtAnError: what each returns ends the walk and comes back as it is.
func TestMembersStopsAtAnError(t *testing.T) {
	stop := errors.New("stop")
	var keys []string
	err := Members(`{"a":1,"b":2,"c":3}`, 10, func(key, _ string) error {
		keys = append(keys, key)
		if key == "b" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !reflect.DeepEqual(keys, []string{"a", "b"}) {
		t.Fatalf("Members: %v after %v", err, keys)
	}
}

// BenchmarkMembers reads a saved set of bench/state.sh's file by Members, its values as text,
// and by Parse into a map; and a saved module with fields by Members, which leaves its object
// and its list as text too.
func BenchmarkMembers(b *testing.B) {
	set := `{"bk_biz_id":1,"bk_capacity":8676,"bk_created_at":"2026-12-06T10:52:36.366+08:00","bk_created_by":"admin","bk_parent_id":1,"bk_service_status":"2","bk_set_desc":"Hang kiss way troop completely tonight was into.","bk_set_env":"2","bk_set_id":508,"bk_set_name":"teamwash-stage","bk_supplier_account":"0","bk_updated_at":"2026-12-06T10:52:36.366+08:00","bk_updated_by":null,"create_time":"2026-12-06T10:52:36.366+08:00","default":0,"description":"Whose cast yourselves would heavily for bakery have.","last_time":"2026-12-06T10:52:36.366+08:00","set_template_id":0,"set_template_version":null}`
	module := `{"bk_module_id":7,"bk_module_name":"gamesvr","bk_set_id":3,"bk_biz_id":2,"service_template_id":0,"default":0,"created":1733450000000,"fields":{"bk_module_type":"2","operator":["alice","bob"],"custom":{"k":[1,2,{"x":null}]}}}`
	for _, c := range []struct{ name, text string }{{"Members", set}, {"Members of a module with fields", module}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if err := Members(c.text, 100, func(_, raw string) error { n += len(raw); return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("Parse", func(b *testing.B) {
		var st Stock
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(set, 100, &st); err != nil {
				b.Fatal(err)
			}
			st.TakeBack()
		}
	})
}
