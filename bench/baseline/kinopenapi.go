//go:build kinopenapi

package main

// Built with -tags kinopenapi, bare Echo also links kin-openapi's openapi3, as every server that
// validates with it does: its start-up is then what bench/startup's ratio cannot go below for
// the mock, whatever the mock does itself. openapi3 imports the JSON Schema package
// github.com/santhosh-tekuri/jsonschema/v6, whose release compiles five drafts' meta-schemas at
// init; this module builds with a copy that compiles them on first use (third_party/README.md).
import _ "github.com/getkin/kin-openapi/openapi3"
