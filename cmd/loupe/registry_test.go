package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// registryCalls returns the arguments of the artefacts.NewRegistry call in
// a Go file, as source text.
func registryCalls(t *testing.T, file string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "NewRegistry" {
			return true
		}
		for _, a := range call.Args {
			var b bytes.Buffer
			_ = printer.Fprint(&b, fset, a)
			out = append(out, b.String())
		}
		return false
	})
	return out
}

// TestRegistryMatchesCLI keeps the app's parser list equal to the CLI's,
// so an examination made in the app runs the same parsers and reproduces
// with `loupe-cli reproduce`.
func TestRegistryMatchesCLI(t *testing.T) {
	app := registryCalls(t, "registry.go")
	cli := registryCalls(t, filepath.Join("..", "loupe-cli", "registry.go"))
	if len(cli) < 5 {
		t.Fatalf("found only %d parsers in the CLI's registry", len(cli))
	}
	if strings.Join(app, "\n") != strings.Join(cli, "\n") {
		t.Errorf("cmd/loupe/registry.go lists\n%s\nbut cmd/loupe-cli/registry.go lists\n%s", strings.Join(app, "\n"), strings.Join(cli, "\n"))
	}
	reg, err := buildRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Parsers()) != len(cli) {
		t.Errorf("registry has %d parsers, want %d", len(reg.Parsers()), len(cli))
	}
}

// TestCLIBuildsWithoutFyne checks the headless binary's dependencies: no
// Fyne, GLFW or OpenGL package may be among them.
func TestCLIBuildsWithoutFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../loupe-cli").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("only %d dependencies listed", len(deps))
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "fyne.io/") || strings.Contains(d, "go-gl/") || strings.Contains(d, "fyne-io/") {
			t.Errorf("loupe-cli depends on %s", d)
		}
	}
	// And the check can see Fyne where it is: the app itself.
	out, err = exec.Command("go", "list", "-deps", ".").Output()
	if err != nil || !strings.Contains(string(out), "fyne.io/fyne/v2") {
		t.Errorf("go list -deps of the app shows no Fyne (%v)", err)
	}
}
