package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImportGraph keeps the imports pointing one way: spec and fixtures stand alone, mock and
// contracttest build on them, and nothing imports cmd.
func TestImportGraph(t *testing.T) {
	const module = "github.com/cmdbmock/cmdbmock/"
	forbidden := map[string][]string{
		"spec":     {module + "mock", module + "fixtures", module + "contracttest", module + "cmd", "github.com/labstack/echo"},
		"fixtures": {module + "mock", module + "spec", module + "contracttest", module + "cmd", "github.com/labstack/echo"},
		"mock":     {module + "contracttest", module + "cmd"},
		// contracttest judges the mock exactly as it judges a real deployment.
		"contracttest": {module + "mock", module + "fixtures", module + "cmd", "github.com/labstack/echo"},
		// The topology store and the JSON engine know nothing of the contract, HTTP or Echo.
		"mock/topo":      {module + "mock", module + "spec", module + "fixtures", module + "contracttest", module + "cmd", "github.com/labstack/echo", "net/http"},
		"internal/jsonx": {module + "mock", module + "spec", module + "fixtures", module + "contracttest", module + "cmd", "github.com/labstack/echo", "net/http"},
	}
	for pkg, banned := range forbidden {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "../../"+pkg).CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, dep := range strings.Fields(string(out)) {
			if dep == module+pkg { // the package itself, under a banned prefix such as mock/
				continue
			}
			for _, b := range banned {
				assert.False(t, strings.HasPrefix(dep, b), "%s imports %s", pkg, dep)
			}
		}
	}
}
