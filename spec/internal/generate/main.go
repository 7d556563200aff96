// Command generate writes, from spec/openapi.yaml, spec/openapi.json (the same document in the
// form that loads fastest, what the routes and the answers' checks parse when first needed) and
// spec/request_schemas.go (the request schemas, and what they refer to, as Go that builds them as
// kin-openapi loads them, which is all the mock needs of the document at start). Run it through
// go generate ./spec; a test fails when they are stale.
package main

import (
	"fmt"
	"os"

	"github.com/cmdbmock/cmdbmock/spec/internal/docjson"
	"github.com/cmdbmock/cmdbmock/spec/internal/schemago"
)

func main() {
	yaml, err := os.ReadFile("openapi.yaml")
	if err == nil {
		var out []byte
		if out, err = docjson.FromYAML(yaml); err == nil {
			err = os.WriteFile("openapi.json", out, 0o644)
		}
		if err == nil {
			if out, err = schemago.RequestsSource(out); err == nil {
				err = os.WriteFile("request_schemas.go", out, 0o644)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}
