// Package realclient is the rule of the examples' tests that drive real
// programs (swaks, msmtp, Python, Postfix): skip when the program is
// missing, unless MSAKIT_REAL_CLIENTS=1 (CI, which installs them), where a
// missing program fails the test.
package realclient

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether MSAKIT_REAL_CLIENTS=1: missing programs fail.
func Required() bool { return os.Getenv("MSAKIT_REAL_CLIENTS") == "1" }

// Need returns the path of program, or skips the test (fails it under
// MSAKIT_REAL_CLIENTS=1) when it is not installed; pkg names the Debian
// package that provides it.
func Need(tb testing.TB, program, pkg string) string {
	tb.Helper()
	p, err := exec.LookPath(program)
	if err == nil {
		return p
	}
	Missing(tb, program+" not found", pkg)
	return ""
}

// Missing skips the test, or fails it under MSAKIT_REAL_CLIENTS=1, because
// what is missing (a program, root) is needed; pkg names the Debian package
// to install, "" for none.
func Missing(tb testing.TB, what, pkg string) {
	tb.Helper()
	hint := ""
	if pkg != "" {
		hint = " (apt-get install " + pkg + ")"
	}
	if Required() {
		tb.Fatalf("%s and MSAKIT_REAL_CLIENTS=1%s", what, hint)
	}
	tb.Skipf("%s; skipping%s (set MSAKIT_REAL_CLIENTS=1 to make this a failure)", what, hint)
}
