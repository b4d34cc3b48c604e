package extest

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes content to a file name in a new temporary directory of
// the test, readable by its owner only (as a config file holding hashes
// should be), and returns its path.
func WriteFile(tb testing.TB, name, content string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}
