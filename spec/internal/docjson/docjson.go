// Package docjson turns the OpenAPI document from YAML into the JSON the spec package loads.
package docjson

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/oasdiff/yaml"
)

// FromYAML converts the document as data, value for value, and writes it as indented JSON. It
// does not go through an OpenAPI model, which would drop what it has no field for (such as
// `default: null`).
func FromYAML(doc []byte) ([]byte, error) {
	raw, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
