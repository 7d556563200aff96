package jsonx

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/internal/jsontest"
)

// encodingJSON is how the rest of the mock writes: encoding/json, no HTML escaping.
func encodingJSON(t testing.TB, v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

var stringCases = []string{"", "web", "集群-测试", `a"b\c`, "tab\there", "nl\ncr\r", "\b\f\x00\x1f\x7f", "<&>", "\u2028\u2029", "bad\xffutf8\xc3", "😀"}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range stringCases {
		assert.Equal(t, encodingJSON(t, s), string(AppendString(nil, s)), "%q", s)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(AppendString(nil, s)), encodingJSON(t, s); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json says %s", s, got, want)
		}
	})
}

func TestTopKeys(t *testing.T) {
	assert.Equal(t, []string{"result", "permission", "data", "code", "message"},
		TopKeys([]byte(`{"result":false,"permission":null,"data":{"z":1,"a":[{"b":2}]},"code":1,"message":"m"}`)))
	assert.Nil(t, TopKeys([]byte(`[1,2]`)))
	assert.Equal(t, []string{"a", "b"}, TopKeys([]byte(`{"a":1,"b":`)), "the keys read before the text breaks off")
}

// BenchmarkAppendString quotes a set's name and description with AppendString and with what it
// replaces, an encoding/json Encoder without HTML escaping.
func BenchmarkAppendString(b *testing.B) {
	values := []string{"web-cluster-42", "load test", "集群 <a&b>", `a "quoted" \ path`}
	b.Run("AppendString", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = buf[:0]
			for _, v := range values {
				buf = AppendString(buf, v)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) { jsontest.BenchmarkEncoder(b, values[0], values[1], values[2], values[3]) })
}
