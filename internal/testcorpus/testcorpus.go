// Package testcorpus loads the outside test corpora that msakit's tests copy
// into a package's testdata/ directory (the isemail suite, IDNA test data,
// message samples; see STYLE.md, Section 2.11). It is for _test.go files only.
//
// A corpus is a directory testdata/<corpus>/ holding the copied files and a
// SOURCE.md that says where they came from and under which license. Every
// function here fails the test (t.Fatal), never skips it, when a file or the
// SOURCE.md is missing: tests read nothing outside the repository, and a
// corpus that went missing must not pass silently.
//
// Paths are relative to the test's package directory, which is the working
// directory of "go test".
package testcorpus

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Read returns the contents of testdata/<corpus>/<name>. It fails the test
// if the file or testdata/<corpus>/SOURCE.md cannot be read.
func Read(t testing.TB, corpus, name string) []byte {
	t.Helper()
	dir := filepath.Join("testdata", corpus)
	if _, err := os.Stat(filepath.Join(dir, "SOURCE.md")); err != nil {
		t.Fatalf("testcorpus: corpus %s has no SOURCE.md: %v", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("testcorpus: %v", err)
	}
	if len(b) == 0 {
		t.Fatalf("testcorpus: %s is empty", filepath.Join(dir, name))
	}
	return b
}

// JSON reads testdata/<corpus>/<name> as Read does and decodes it into v,
// failing the test on a decoding error.
func JSON(t testing.TB, corpus, name string, v any) {
	t.Helper()
	if err := json.Unmarshal(Read(t, corpus, name), v); err != nil {
		t.Fatalf("testcorpus: %s/%s: %v", corpus, name, err)
	}
}
