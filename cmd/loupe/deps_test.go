package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCLIBuildsWithoutFyne checks the headless binary's dependencies: no
// Fyne, GLFW or OpenGL package may be among them (only ui/ and cmd/loupe
// import Fyne).
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
	// The check can see Fyne where it is: in the app itself.
	out, err = exec.Command("go", "list", "-deps", ".").Output()
	if err != nil || !strings.Contains(string(out), "fyne.io/fyne/v2") {
		t.Errorf("go list -deps of the app shows no Fyne (%v)", err)
	}
}

// TestRegistryBuilds: the app's parser list builds (no duplicate names).
func TestRegistryBuilds(t *testing.T) {
	reg, err := buildRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(reg.Parsers()); n < 10 {
		t.Errorf("only %d parsers", n)
	}
}
