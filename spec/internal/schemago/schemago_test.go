package schemago_test

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/spec/internal/schemago"
)

func ref(name string, s *openapi3.Schema) *openapi3.SchemaRef {
	return &openapi3.SchemaRef{Ref: "#/components/schemas/" + name, Value: s}
}

// TestSourceWritesEachValueAsGo: the values a loaded schema holds come out as Go of their own
// types, each component once and before what refers to it, in an order that does not hang on a
// map's.
func TestSourceWritesEachValueAsGo(t *testing.T) {
	leaf := &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: `^[a-z"\\]+$`, MaxLength: new(uint64(3))}
	top := &openapi3.Schema{
		Type:     &openapi3.Types{"object"},
		Required: []string{"b", "a"},
		Properties: openapi3.Schemas{
			"b": ref("Leaf", leaf),
			"a": {Value: &openapi3.Schema{Type: &openapi3.Types{"number"}, Max: new(9.99999999e+08), Default: 0.5, Nullable: true}},
			"c": {Value: &openapi3.Schema{Enum: []any{"x", 2.0, true, nil}, Default: nil}},
			"d": ref("Leaf", leaf),
		},
		Extensions: map[string]any{"x-z": map[string]any{"k": []any{1.0}}},
	}
	src, err := schemago.Source("p", "schemas", "doc.json", openapi3.Schemas{"Top": ref("Top", top), "Leaf": ref("Leaf", leaf)}, []string{"Top"})
	require.NoError(t, err)
	_, err = parser.ParseFile(token.NewFileSet(), "schemas.go", src, 0)
	require.NoError(t, err, "%s", src)
	text := string(src)
	for _, want := range []string{
		"schemaLeaf := &openapi3.Schema{",
		`Pattern:   "^[a-z\"\\\\]+$"`,
		"MaxLength: new(uint64(3))",
		`Required: []string{"b", "a"}`,
		"Max:      new(float64(9.99999999e+08))",
		"Default:  float64(0.5)",
		`&openapi3.SchemaRef{Ref: "#/components/schemas/Leaf", Value: schemaLeaf}`,
		"Enum: []any{", `"x",`, "float64(2),", "true,", "nil,",
		`"x-z": map[string]any{`,
		`"Top": schemaTop,`,
	} {
		assert.Contains(t, text, want)
	}
	assert.Less(t, strings.Index(text, "schemaLeaf :="), strings.Index(text, "schemaTop :="), "a schema comes after those it refers to")
	assert.Equal(t, 1, strings.Count(text, "schemaLeaf :="), "a schema referred to twice is built once")
	assert.Less(t, strings.Index(text, `"a":`), strings.Index(text, `"b":`), "a map's keys in order")

	again, err := schemago.Source("p", "schemas", "doc.json", openapi3.Schemas{"Top": ref("Top", top), "Leaf": ref("Leaf", leaf)}, []string{"Top"})
	require.NoError(t, err)
	assert.Equal(t, text, string(again), "the same schemas, the same source")
}

// TestSourceRefusesWhatItCannotWrite: a schema that refers to itself, a reference outside the
// components, and a name that is not there are errors, not a file that builds something else.
func TestSourceRefusesWhatItCannotWrite(t *testing.T) {
	loop := &openapi3.Schema{Type: &openapi3.Types{"object"}}
	loop.Properties = openapi3.Schemas{"self": ref("Loop", loop)}
	outside := &openapi3.Schema{Items: &openapi3.SchemaRef{Ref: "other.json#/X", Value: &openapi3.Schema{}}}
	for name, tc := range map[string]struct {
		schemas openapi3.Schemas
		want    string
	}{
		"itself":  {openapi3.Schemas{"Loop": ref("Loop", loop)}, "refers to itself"},
		"outside": {openapi3.Schemas{"Loop": ref("Loop", outside)}, "not to a component schema"},
		"missing": {openapi3.Schemas{}, "no schema Loop"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := schemago.Source("p", "schemas", "doc.json", tc.schemas, []string{"Loop"})
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
