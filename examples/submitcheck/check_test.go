package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// refusal matches the line that reports a refusal.
var refusal = regexp.MustCompile(`(?m)^refused at (MAIL|RCPT|DATA): (\d{3}) (\d\.\d{1,3}\.\d{1,3}) `)

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		stdin    string
		exit     int
		stage    string // for a refusal
		code     string // "550 5.7.1", for a refusal
		contains []string
	}{
		{name: "complete message", args: []string{"testdata/complete.eml"}, exit: exitAccepted,
			contains: []string{"accepted", "+ Received:"}},
		{name: "Date and Message-ID added", args: []string{"testdata/minimal.eml"}, exit: exitAccepted,
			contains: []string{"accepted", "+ Date:", "+ Message-ID:"}},
		{name: "invalid Date replaced", args: []string{"testdata/baddate.eml"}, exit: exitAccepted,
			contains: []string{"accepted", "- Date: yesterday at noon\n", "+ Date: "}},
		{name: "from standard input", args: []string{"-"}, stdin: mustRead(t, "testdata/complete.eml"), exit: exitAccepted,
			contains: []string{"accepted"}},
		{name: "identity owns the From", args: []string{"-identity", "alice", "-from", "alice@example.org", "testdata/complete.eml"}, exit: exitAccepted,
			contains: []string{"accepted"}},
		{name: "identity does not own the header From", args: []string{"-identity", "mallory", "-from", "mallory@example.org", "testdata/complete.eml"},
			exit: exitRefused, stage: "DATA", code: "550 5.7.1"},
		{name: "unqualified recipient", args: []string{"-to", "bob@sales", "testdata/complete.eml"},
			exit: exitRefused, stage: "RCPT", code: "554 5.1.2"},
		{name: "bare LF in the body", args: []string{"testdata/barelf.eml"}, exit: exitRefused, stage: "DATA", code: "554 5.6.0"},
		{name: "no file", args: nil, exit: exitUsage},
		{name: "two files", args: []string{"a", "b"}, exit: exitUsage},
		{name: "unknown flag", args: []string{"-x", "testdata/complete.eml"}, exit: exitUsage},
		{name: "missing file", args: []string{"testdata/nothing-here.eml"}, exit: exitUsage},
		{name: "bad -from", args: []string{"-from", "not an address", "testdata/complete.eml"}, exit: exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			exit := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if exit != tc.exit {
				t.Fatalf("run(%q) = %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.args, exit, tc.exit, &stdout, &stderr)
			}
			out := stdout.String()
			for _, want := range tc.contains {
				if !strings.Contains(out, want) {
					t.Errorf("run(%q) output lacks %q:\n%s", tc.args, want, out)
				}
			}
			if tc.exit == exitRefused {
				m := refusal.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("run(%q) output has no refusal line:\n%s", tc.args, out)
				}
				if m[1] != tc.stage || (tc.code != "" && m[2]+" "+m[3] != tc.code) || m[3][0] != m[2][0] {
					t.Errorf("refused at %s with %s %s, want %s %s", m[1], m[2], m[3], tc.stage, tc.code)
				}
			}
			if tc.exit == exitUsage && stderr.Len() == 0 {
				t.Errorf("run(%q) said nothing on stderr for a usage error", tc.args)
			}
		})
	}
}

func TestRun_Output(t *testing.T) {
	t.Parallel()
	in := mustRead(t, "testdata/minimal.eml")
	outFile := filepath.Join(t.TempDir(), "relayed.eml")
	var stdout, stderr bytes.Buffer
	if exit := run([]string{"-o", outFile, "testdata/minimal.eml"}, nil, &stdout, &stderr); exit != exitAccepted {
		t.Fatalf("exit %d\n%s%s", exit, &stdout, &stderr)
	}
	got, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	body := in[strings.Index(in, "\r\n\r\n"):]
	if !strings.HasSuffix(string(got), body) {
		t.Errorf("relayed message does not end with the body:\n%s", got)
	}
	for _, f := range []string{"Received:", "Date:", "Message-ID:", "From: Alice <alice@example.org>\r\n", "Subject: no Date, no Message-ID\r\n"} {
		if !strings.Contains(string(got), f) {
			t.Errorf("relayed message lacks %q:\n%s", f, got)
		}
	}

	// -o - writes the message to stdout and the findings to stderr.
	stdout.Reset()
	stderr.Reset()
	if exit := run([]string{"-o", "-", "testdata/complete.eml"}, nil, &stdout, &stderr); exit != exitAccepted {
		t.Fatalf("exit %d\n%s%s", exit, &stdout, &stderr)
	}
	if !strings.HasPrefix(stdout.String(), "Received:") || !strings.Contains(stderr.String(), "accepted") {
		t.Errorf("-o -: stdout\n%s\nstderr\n%s", &stdout, &stderr)
	}

	// A refused message writes no file.
	refused := filepath.Join(t.TempDir(), "refused.eml")
	if exit := run([]string{"-o", refused, "testdata/barelf.eml"}, nil, &stdout, &stderr); exit != exitRefused {
		t.Fatalf("exit %d, want %d", exit, exitRefused)
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("-o file written for a refused message: %v", err)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRun_Expand(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if exit := run([]string{"-expand-single-level", "-domain", "example.org", "-to", "bob@sales", "testdata/complete.eml"}, nil, &stdout, &stderr); exit != exitAccepted {
		t.Fatalf("exit %d, want %d\n%s%s", exit, exitAccepted, &stdout, &stderr)
	}
	if !strings.Contains(stdout.String(), "RCPT TO:<bob@sales>") {
		t.Errorf("envelope line lacks the recipient as given:\n%s", &stdout)
	}
}
