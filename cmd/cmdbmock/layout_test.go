package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
		// So do its diff and the importer: they read deployments, the mock among them, as clients.
		"contracttest/diff": {module + "mock", module + "fixtures", module + "cmd", "github.com/labstack/echo"},
		"fixtures/importer": {module + "mock", module + "cmd", "github.com/labstack/echo"},
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

// TestReferenceCitationsResolve: "reference §N" in the code, the contract and the documents is a
// section of docs/reference.md (each of whose rows cites its upstream line), and a row named
// beside it ("§4.2 C11") is a row of that page.
func TestReferenceCitationsResolve(t *testing.T) {
	page, err := os.ReadFile("../../docs/reference.md")
	require.NoError(t, err)
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#{2,3} (\d+(?:\.\d+)?)[. ]`).FindAllSubmatch(page, -1) {
		sections[string(m[1])] = true
	}
	require.Contains(t, sections, "12.5")

	files, err := exec.Command("git", "-C", "../..", "ls-files", "*.go", "*.md", "*.yaml").Output()
	require.NoError(t, err)
	cite := regexp.MustCompile(`§(\d+(?:\.\d+)?)(?: ([A-Z]\d+)\b)?`)
	cited := 0
	for _, name := range strings.Fields(string(files)) {
		text, err := os.ReadFile(filepath.Join("../..", name))
		require.NoError(t, err)
		for _, m := range cite.FindAllStringSubmatch(string(text), -1) {
			cited++
			assert.True(t, sections[m[1]], "%s cites §%s, which docs/reference.md does not have", name, m[1])
			if m[2] != "" {
				assert.Contains(t, string(page), "| "+m[2]+" |", "%s cites row %s of §%s", name, m[2], m[1])
			}
		}
	}
	assert.Greater(t, cited, 300)
}

// TestNoPatternCompiledAtStart: none of the project's packages the binary links compiles a
// regular expression when it is initialised: internal/lazyre compiles each at its first use, so
// that a start spends nothing on patterns its first requests may never need.
func TestNoPatternCompiledAtStart(t *testing.T) {
	const module = "github.com/cmdbmock/cmdbmock/"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}|{{.ImportPath}}|{{join .GoFiles \",\"}}{{end}}", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	checked := 0
	for _, line := range strings.Fields(string(out)) {
		dir, rest, _ := strings.Cut(line, "|")
		path, files, _ := strings.Cut(rest, "|")
		if !strings.HasPrefix(path, module) {
			continue
		}
		for _, name := range strings.Split(files, ",") {
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, 0)
			require.NoError(t, err)
			checked++
			for _, decl := range f.Decls {
				gen, ok := decl.(*ast.GenDecl)
				if !ok || gen.Tok != token.VAR {
					continue
				}
				ast.Inspect(gen, func(n ast.Node) bool {
					if sel, ok := n.(*ast.SelectorExpr); ok {
						if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "regexp" && strings.HasPrefix(sel.Sel.Name, "MustCompile") {
							t.Errorf("%s/%s: a package-level regexp.%s, compiled at every start; use internal/lazyre", path, name, sel.Sel.Name)
						}
					}
					return true
				})
			}
		}
	}
	assert.Greater(t, checked, 50, "the binary's own files were read")
}
