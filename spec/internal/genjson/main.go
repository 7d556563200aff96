// Command genjson writes spec/openapi.json from spec/openapi.yaml: the same document in the
// form that loads fastest, so that the mock starts quickly; and spec/requests.json, the part of it
// the mock loads at start (the request schemas, with what they refer to). Run it through go
// generate ./spec; a test fails when they are stale.
package main

import (
	"fmt"
	"os"

	"github.com/cmdbmock/cmdbmock/spec/internal/docjson"
)

func main() {
	yaml, err := os.ReadFile("openapi.yaml")
	if err == nil {
		var out []byte
		if out, err = docjson.FromYAML(yaml); err == nil {
			err = os.WriteFile("openapi.json", out, 0o644)
		}
		if err == nil {
			if out, err = docjson.WithSchemas(out, docjson.RequestSchemas); err == nil {
				err = os.WriteFile("requests.json", out, 0o644)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genjson:", err)
		os.Exit(1)
	}
}
