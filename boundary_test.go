package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// boundaryDirs hold no provider knowledge: they ask a provider what it
// declares (providers.Capabilities, providers.Error), so adding a provider
// touches only its own package, its fake, Registry and the catalogs.
func boundaryDirs() []string { return []string{"dispatch", "handlers", "models", "web"} }

// modulePath is this module's import path prefix.
const modulePath = "github.com/pushdeck/pushdeck/"

// TestProviderBoundary fails, naming file:line, when a non-test file under
// boundaryDirs names a provider kind constant (providers.KindX), imports a
// provider's package, or holds a string literal equal to a registered kind.
func TestProviderBoundary(t *testing.T) {
	kinds := map[string]bool{}
	for k := range Registry() {
		kinds[string(k)] = true
	}
	var found []string
	for _, dir := range boundaryDirs() {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			v, err := boundaryViolations(path, kinds)
			found = append(found, v...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range found {
		t.Error(f)
	}
}

// boundaryViolations parses one file and lists what crosses the boundary.
func boundaryViolations(path string, kinds map[string]bool) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("boundary: parse %s: %w", path, err)
	}
	var out []string
	report := func(pos token.Pos, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: %s", fset.Position(pos), fmt.Sprintf(format, args...)))
	}
	providersName := "" // the local name of the providers package
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value) // the parser accepted it, so it is a valid literal
		switch {
		case p == modulePath+"providers":
			providersName = "providers"
			if imp.Name != nil {
				providersName = imp.Name.Name
			}
		case strings.HasPrefix(p, modulePath+"providers/"):
			report(imp.Pos(), "imports provider package %s", p)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && providersName != "" && x.Name == providersName &&
				strings.HasPrefix(n.Sel.Name, "Kind") && n.Sel.Name != "Kind" {
				report(n.Pos(), "names the provider kind %s.%s", x.Name, n.Sel.Name)
			}
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				if s, err := strconv.Unquote(n.Value); err == nil && kinds[s] {
					report(n.Pos(), "holds the provider kind name %q", s)
				}
			}
		}
		return true
	})
	return out, nil
}
