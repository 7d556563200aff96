package spec_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cmdbmock/cmdbmock/spec"
)

// BenchmarkCheck measures the per-request cost of the contract in the mock: a valid ESB body
// of create_set, and the fields of a create_module, each checked by its compiled check
// (CheckESBRequest, CheckData) and by what that spares a valid request, kin-openapi's VisitJSON
// with the options the mock gives it.
func BenchmarkCheck(b *testing.B) {
	s := spec.Load(context.Background())
	for _, bc := range []struct {
		name, schema, body string
		check              func(any) spec.Violations
	}{
		{"esb", "EsbCreateSetRequest", `{"bk_app_code":"a","bk_app_secret":"b","bk_username":"u","bk_biz_id":1,
			"data":{"bk_parent_id":1,"bk_set_name":"bench","bk_capacity":1000,"bk_set_desc":"d","bk_set_env":"3"}}`, func(v any) spec.Violations { return s.CheckESBRequest(v, true) }},
		{"module", "ModuleCreateData", `{"bk_parent_id":2,"bk_module_name":"bench","bk_module_type":"1","operator":"a"}`,
			func(v any) spec.Violations { return s.CheckData(spec.ObjectModule, v, true) }},
	} {
		dec := json.NewDecoder(strings.NewReader(bc.body))
		dec.UseNumber()
		var body any
		if err := dec.Decode(&body); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name+"/compiled", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if vs := bc.check(body); len(vs) != 0 {
					b.Fatal(vs)
				}
			}
		})
		b.Run(bc.name+"/kin-openapi", func(b *testing.B) {
			schema := s.OpenAPI().Components.Schemas[bc.schema].Value
			b.ReportAllocs()
			for b.Loop() {
				if err := schema.VisitJSON(body, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad is what every start of the mock pays for its contract: building the request
// schemas (request_schemas.go); each check is compiled from its schema when first asked for.
// Parsing and validating them from JSON, before they were generated as Go: 0.52 ms and 3,597
// allocations; built: 0.05 ms and 643 (go test ./spec -bench BenchmarkLoad -benchmem -count 3,
// 2026-12-05). With the checks compiled at the first call, not at load: 14.7-15.7 us and 186
// allocations, against 64-90 us and 643 for bde0e97's load, which compiled the two it had (the
// two test binaries in turns three times, 2026-12-06).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		spec.Load(context.Background())
	}
}
