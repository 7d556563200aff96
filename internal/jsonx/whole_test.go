package jsonx

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDecodeWhole(t *testing.T) {
	for _, tc := range []struct {
		text     string
		ok       bool
		trailing bool
	}{
		{text: `{"a":1}`, ok: true},
		{text: " {\"a\":1} \n\t", ok: true},
		{text: `{"a":1}}`, trailing: true},
		{text: `{"a":1} {"a":2}`, trailing: true},
		{text: `{"a":1} x`, trailing: true},
		{text: `{"a":1}]`, trailing: true},
		{text: `{"a":1} 2`, trailing: true},
		{text: ``},
		{text: `{"a":`},
		{text: `[1]`},
	} {
		var v map[string]any
		err := DecodeWhole(json.NewDecoder(strings.NewReader(tc.text)), &v)
		assert.Equal(t, tc.ok, err == nil, tc.text)
		assert.Equal(t, tc.trailing, err == ErrTrailing, tc.text)
		if tc.ok {
			assert.Equal(t, map[string]any{"a": float64(1)}, v, tc.text)
		}
	}
}
