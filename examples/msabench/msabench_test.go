package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/msakit/msakit/examples/internal/realclient"
)

// TestRunMSA runs the benchmark briefly against examples/msa in both modes
// and checks that every message was accepted and measured.
func TestRunMSA(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts examples/msa")
	}
	for _, mode := range []string{"plain", "auth"} {
		t.Run(mode, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), []string{"-target", "msa", "-mode", mode, "-sessions", "1,3", "-messages", "12"}, &out, io.Discard)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			checkRows(t, out.String(), "msa", mode, 2, 12)
		})
	}
}

// TestRunSpoolModes compares examples/msa's two spool sync modes in one
// run: a row for each, and the paired summary of the first against the
// second.
func TestRunSpoolModes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts examples/msa")
	}
	var out bytes.Buffer
	err := run(t.Context(), []string{"-target", "msa,msa-message", "-sessions", "3", "-messages", "12"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	checkRows(t, out.String(), "msa", "plain", 1, 12)
	checkRows(t, out.String(), "msa-message", "plain", 1, 12)
	if !strings.Contains(out.String(), "# msa/msa-message, paired by round") {
		t.Errorf("no paired summary in\n%s", out.String())
	}
}

// TestParseTargets: the targets msabench knows, each once.
func TestParseTargets(t *testing.T) {
	for _, tc := range []struct {
		targets string
		ok      bool
	}{
		{"msa", true},
		{"msa,msa-message,postfix", true},
		{"msa-message,postfix", true},
		{"msa,msa", false},
		{"exim", false},
		{"", false},
	} {
		_, err := parseFlags([]string{"-target", tc.targets}, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("-target %q: error %v, want ok=%v", tc.targets, err, tc.ok)
		}
	}
}

// TestRunPaired compares examples/msa with a private Postfix instance; it
// needs root and Debian's postfix, which CI installs.
func TestRunPaired(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Postfix")
	}
	realclient.Need(t, "postfix", "postfix")
	if os.Geteuid() != 0 {
		realclient.Missing(t, "a private Postfix instance needs root", "")
	}
	var out bytes.Buffer
	err := run(t.Context(), []string{"-target", "msa,postfix", "-sessions", "2", "-messages", "10", "-rounds", "2"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	checkRows(t, out.String(), "msa", "plain", 2, 10)
	checkRows(t, out.String(), "postfix", "plain", 2, 10)
	if !strings.Contains(out.String(), "sessions=2   msgs/s ratio ") {
		t.Errorf("no paired summary in\n%s", out.String())
	}
}

// checkRows checks that out has want rows for target in mode, each with all
// messages accepted and positive figures.
func checkRows(t *testing.T, out, target, mode string, want, messages int) {
	t.Helper()
	got := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 8 || f[0] != target {
			continue
		}
		got++
		if f[1] != mode {
			t.Errorf("row %q: mode %s, want %s", line, f[1], mode)
		}
		if f[4] != fmt.Sprint(messages) {
			t.Errorf("row %q: %s messages, want %d", line, f[4], messages)
		}
		// CPU time has a resolution of 10 ms, so a short run may measure 0.
		rate, err1 := strconv.ParseFloat(f[5], 64)
		cpu, err2 := strconv.ParseFloat(f[6], 64)
		rss, err3 := strconv.ParseFloat(f[7], 64)
		if err := errors.Join(err1, err2, err3); err != nil || rate <= 0 || cpu < 0 || rss <= 0 || math.IsInf(rate, 0) {
			t.Errorf("row %q: bad figures (%v)", line, err)
		}
	}
	if got != want {
		t.Errorf("%d %s rows, want %d:\n%s", got, target, want, out)
	}
}
