package spec

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cmdbmock/cmdbmock/spec/internal/docjson"
	"github.com/cmdbmock/cmdbmock/spec/internal/schemago"
)

// TestRequestSchemasAreGenerated: request_schemas.go is what go generate ./spec writes of
// openapi.json as it is.
func TestRequestSchemasAreGenerated(t *testing.T) {
	want, err := schemago.RequestsSource(documentJSON)
	require.NoError(t, err)
	got, err := os.ReadFile("request_schemas.go")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "request_schemas.go is stale: run go generate ./spec")
}

// TestRequestSchemasAreTheDocuments: the schemas request_schemas.go builds are those kin-openapi
// loads from the document's request schemas, value for value, and so are the schemas they refer
// to, each built once.
func TestRequestSchemasAreTheDocuments(t *testing.T) {
	requests, err := docjson.WithSchemas(documentJSON, schemago.Requests)
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(requests)
	require.NoError(t, err)

	built := requestSchemas()
	assert.Len(t, built, len(schemago.Requests))
	components := map[string]*openapi3.Schema{}
	for _, name := range schemago.Requests {
		components[name] = built[name]
		referred(t, reflect.ValueOf(built[name]), components)
	}
	assert.Len(t, components, len(doc.Components.Schemas), "the schemas the request schemas refer to")
	for name, schema := range components {
		want, err := json.Marshal(doc.Components.Schemas[name].Value)
		require.NoError(t, err)
		got, err := json.Marshal(schema)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got), name)
	}
	// A schema referred to from two places is one value, as the loader makes it.
	assert.Same(t, built["SetCreateData"], built["EsbCreateSetRequest"].Properties["data"].Value)
}

// referred adds to into each component schema that v refers to, at any depth, by name; the same
// name always reaches the same schema.
func referred(t *testing.T, v reflect.Value, into map[string]*openapi3.Schema) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if ref, ok := v.Interface().(*openapi3.SchemaRef); ok && ref.Ref != "" {
			name := strings.TrimPrefix(ref.Ref, "#/components/schemas/")
			if seen, ok := into[name]; ok {
				assert.Same(t, seen, ref.Value, "schema %s is built once", name)
				return
			}
			into[name] = ref.Value
		}
		referred(t, v.Elem(), into)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				referred(t, v.Field(i), into)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			referred(t, v.Index(i), into)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			referred(t, v.MapIndex(k), into)
		}
	}
}
