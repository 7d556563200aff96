package spec

import (
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// Kind is how CMDB types a model attribute, which decides the code of a type error.
type Kind int

// The attribute kinds of a set.
const (
	KindString Kind = iota // a wrong type is 1199007
	KindInt                // a non-number is 1199009, a fraction or a number out of range 1199006
	KindEnum               // anything outside the list is 1199006
)

// Field is one model attribute of a set, as the document describes it with its extensions.
type Field struct {
	Name     string
	Pointer  string // "/" + Name: where kin-openapi's violations of the field point
	Label    string // the Chinese property name, used in messages in every language
	Kind     Kind
	MaxBytes int   // 0: no byte limit
	Min, Max int64 // for KindInt
	Enum     []string
	Nullable bool
	Default  any // the value the server stores when the field is left out
}

// Fields returns the set's model attributes in the order CMDB checks them (by name).
func (s *Spec) Fields() []Field { return append([]Field(nil), s.fields...) }

func fieldsOf(data *openapi3.Schema) ([]Field, error) {
	var out []Field
	for name, ref := range data.Properties {
		p := ref.Value
		label, ok := p.Extensions["x-cmdb-label"].(string)
		if !ok {
			continue
		}
		f := Field{Name: name, Pointer: "/" + name, Label: label, Nullable: p.Nullable, Default: p.Default}
		switch {
		case len(p.Enum) > 0:
			f.Kind = KindEnum
			for _, e := range p.Enum {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("spec: %s: enum value %v is not a string", name, e)
				}
				f.Enum = append(f.Enum, s)
			}
		case p.Type.Is(openapi3.TypeInteger):
			f.Kind = KindInt
			if p.Min == nil || p.Max == nil {
				return nil, fmt.Errorf("spec: %s: an integer attribute needs minimum and maximum", name)
			}
			f.Min, f.Max = int64(*p.Min), int64(*p.Max)
		case p.Type.Is(openapi3.TypeString):
			f.Kind = KindString
		default:
			return nil, fmt.Errorf("spec: %s: unsupported attribute type %v", name, p.Type)
		}
		if mb, ok := p.Extensions["x-cmdb-max-bytes"].(float64); ok {
			f.MaxBytes = int(mb)
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
