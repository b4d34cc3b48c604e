package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	c, err := parse([]string{"-old", "main~1", "-pkg", "./submission", "-bench", "Cost", "-count", "3", "--", "-test.benchtime=100x"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.old != "main~1" || c.new != "." || c.pkg != "./submission" || c.bench != "Cost" || c.count != 3 ||
		!slices.Equal(c.extra, []string{"-test.benchtime=100x"}) {
		t.Errorf("parse = %+v", c)
	}
	for _, bad := range [][]string{
		{},                                  // no -pkg
		{"-pkg", "submission"},              // not from the root
		{"-pkg", "./header", "-count", "0"}, // nothing to run
	} {
		if _, err := parse(bad, io.Discard); err == nil {
			t.Errorf("parse(%q) succeeded", bad)
		}
	}
}

// TestOrder: over any four rounds each side runs first twice, so a drift
// of the machine's load favours neither.
func TestOrder(t *testing.T) {
	first := map[string]int{}
	for i := range 8 {
		o := order(i)
		if len(o) != 2 || o[0] == o[1] {
			t.Fatalf("order(%d) = %q", i, o)
		}
		first[o[0]]++
	}
	if first["old"] != 4 || first["new"] != 4 {
		t.Errorf("old first %d times, new first %d times in 8 rounds, want 4 each", first["old"], first["new"])
	}
}

// TestExport: the tree of HEAD comes out of git archive whole, this file
// included.
func TestExport(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	root, err := gitOutput(".", "rev-parse", "--show-toplevel")
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	dir := t.TempDir()
	if err := export(root, "HEAD", dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "go.work", "internal/cmd/apicount/main.go"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("exported tree: %v", err)
		}
	}
}
