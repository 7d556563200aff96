// Package docjson turns the OpenAPI document from YAML into the JSON the spec package loads.
package docjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

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

// schemaRef is a reference to a schema of the document's components.
var schemaRef = regexp.MustCompile(`"#/components/schemas/([^"]+)"`)

// WithSchemas is the document with no paths and, of its components, only the named schemas and
// those they refer to, at any depth, as indented JSON: what the request schemas that the mock
// builds at start are generated from. It keeps only what validates a request: the schemas'
// descriptions and examples, the info's description, the tags and the servers, which the mock
// would build at each start and never read, are left out (openapi.json keeps them).
func WithSchemas(document []byte, names []string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(document, &top); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	var components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	}
	if err := json.Unmarshal(top["components"], &components); err != nil {
		return nil, fmt.Errorf("parse the components: %w", err)
	}
	kept := map[string]json.RawMessage{}
	for queue := slices.Clone(names); len(queue) > 0; queue = queue[1:] {
		name := queue[0]
		if _, done := kept[name]; done {
			continue
		}
		raw, ok := components.Schemas[name]
		if !ok {
			return nil, fmt.Errorf("no schema %s", name)
		}
		for _, m := range schemaRef.FindAllSubmatch(raw, -1) {
			queue = append(queue, string(m[1]))
		}
		var err error
		if kept[name], err = rewrite(raw, stripSchema); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
	}
	delete(top, "tags")
	delete(top, "servers") // loadDocument clears them
	if info, ok := top["info"]; ok {
		var err error
		if top["info"], err = rewrite(info, func(v map[string]any) { delete(v, "description") }); err != nil {
			return nil, fmt.Errorf("info: %w", err)
		}
	}
	var err error
	if top["components"], err = json.Marshal(map[string]any{"schemas": kept}); err != nil {
		return nil, err
	}
	top["paths"] = json.RawMessage(`{}`)
	raw, err := json.Marshal(top)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// rewrite decodes a JSON object, numbers kept as written, changes it with f and encodes it again.
func rewrite(raw json.RawMessage, f func(map[string]any)) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	f(v)
	return json.Marshal(v)
}

// stripSchema removes from a schema, and from the schemas within it, the keywords that constrain
// no value. A property's name is not a keyword: a property may be called description.
func stripSchema(schema map[string]any) {
	delete(schema, "description")
	delete(schema, "example")
	delete(schema, "examples")
	sub := func(v any) {
		if m, ok := v.(map[string]any); ok {
			stripSchema(m)
		}
	}
	if props, ok := schema["properties"].(map[string]any); ok {
		for _, p := range props {
			sub(p)
		}
	}
	for _, key := range []string{"items", "additionalProperties", "not"} {
		sub(schema[key])
	}
	for _, key := range []string{"allOf", "oneOf", "anyOf"} {
		if list, ok := schema[key].([]any); ok {
			for _, v := range list {
				sub(v)
			}
		}
	}
}
