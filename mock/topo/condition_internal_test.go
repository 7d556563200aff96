package topo

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzEachElement holds eachElement to json.Unmarshal into []json.RawMessage, which it replaces:
// for any list as a record writes it (compact JSON), the same elements in the same order, and
// none after the one f stops at.
func FuzzEachElement(f *testing.F) {
	for _, seed := range []string{`[]`, `["a","b"]`, `[1,[2,[3]],{"k":[4,"]"]},"\"]",null]`, `[[]]`, `[{}]`, `["a\\",b"]`, `"a"`, `{"a":1}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var compact bytes.Buffer
		if json.Compact(&compact, []byte(text)) != nil || compact.Len() == 0 || compact.Bytes()[0] != '[' {
			return
		}
		list := compact.Bytes()
		var want []json.RawMessage
		require.NoError(t, json.Unmarshal(list, &want))
		var got []string
		eachElement(list, func(elem []byte) bool { got = append(got, string(elem)); return false })
		require.Len(t, got, len(want), "%s", list)
		for i := range want {
			assert.Equal(t, string(want[i]), got[i], "%s: element %d", list, i)
		}
		if len(want) > 0 {
			calls := 0
			assert.True(t, eachElement(list, func([]byte) bool { calls++; return true }))
			assert.Equal(t, 1, calls, "it stops where f says")
		}
	})
}

func BenchmarkEachElement(b *testing.B) {
	list := []byte(`["gold","silver","bronze"]`)
	b.Run("eachElement", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			eachElement(list, func([]byte) bool { n++; return false })
			if n != 3 {
				b.Fatal(n)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var elems []json.RawMessage
			if err := json.Unmarshal(list, &elems); err != nil || len(elems) != 3 {
				b.Fatal(err)
			}
		}
	})
}
