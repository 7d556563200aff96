package jsonx

import (
	"bytes"
	"encoding/json"
)

// TopKeys returns the keys of a JSON object in the order they are written, as far as it reads
// as an object; nil for anything else. Envelopes are judged by it: CMDB's key order differs by
// who answers.
func TopKeys(raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return keys
		}
		name, _ := k.(string)
		keys = append(keys, name)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}
