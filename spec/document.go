package spec

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Property is a set field a deployment adds to the document: a custom attribute of its set model.
type Property struct {
	Name     string
	Schema   map[string]any // its JSON Schema, as OpenAPI 3.0 writes it
	Required bool           // CMDB refuses a create without it
}

// DocumentWith returns the document with the set's, the module's and the custom levels'
// custom fields described beside CMDB's own: in the fields a create sends (SetCreateData,
// ModuleCreateData, InstanceCreateData) and in the record it answers (SetFields, ModuleFields,
// InstanceRecord). Without properties it is Document.
func DocumentWith(set, module, level []Property) ([]byte, error) {
	if len(set)+len(module)+len(level) == 0 {
		return Document(), nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(document, &doc); err != nil {
		return nil, fmt.Errorf("spec: parse openapi.yaml: %w", err)
	}
	schemas := lookup(doc.Content[0], "components", "schemas")
	for _, obj := range []struct {
		name, create, fields string
		props                []Property
	}{{"set", "SetCreateData", "SetFields", set}, {"module", "ModuleCreateData", "ModuleFields", module},
		{"custom level", "InstanceCreateData", "InstanceRecord", level}} {
		if len(obj.props) == 0 {
			continue
		}
		create, fields := lookup(schemas, obj.create), lookup(schemas, obj.fields)
		if create == nil || fields == nil {
			return nil, fmt.Errorf("spec: openapi.yaml has no %s or %s", obj.create, obj.fields)
		}
		for _, p := range obj.props {
			if lookup(create, "properties", p.Name) != nil {
				return nil, fmt.Errorf("spec: %s field %q is described already", obj.name, p.Name)
			}
			var schema yaml.Node
			if err := schema.Encode(p.Schema); err != nil {
				return nil, fmt.Errorf("spec: %s field %q: %w", obj.name, p.Name, err)
			}
			key := &yaml.Node{Kind: yaml.ScalarNode, Value: p.Name}
			for _, into := range []*yaml.Node{lookup(create, "properties"), lookup(fields, "properties")} {
				into.Content = append(into.Content, key, &schema)
			}
			if p.Required {
				req := lookup(create, "required")
				req.Content = append(req.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p.Name})
			}
		}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return out.Bytes(), enc.Close()
}

// lookup follows keys down a YAML mapping; nil when one is missing.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}
