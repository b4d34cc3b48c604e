package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/examples/internal/msaconfig"
)

// startRun runs the program as main does, with args, and returns the
// banner lines it printed up to the "ready" line, plus a stop
// function that cancels it (SIGINT) and returns run's error.
func startRun(t *testing.T, args ...string) (banner []string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, t.Output())
		pw.CloseWithError(io.EOF)
		errc <- err
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	timeout := time.After(20 * time.Second)
	for done := false; !done; {
		select {
		case l, ok := <-lines:
			if !ok {
				cancel()
				t.Fatalf("run ended before it was ready: %v; printed %q", <-errc, banner)
			}
			banner = append(banner, l)
			done = strings.HasPrefix(l, "ready")
		case <-timeout:
			cancel()
			t.Fatalf("not ready within 20s; printed %q", banner)
		}
	}
	go func() { // keep draining, so a later write cannot block run
		for range lines {
		}
	}()
	var stopped bool
	var err error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			err = <-errc
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return banner, stop
}

// TestQuickStart follows the README quick start literally: start the server
// with no flags but a free port and a test spool, paste the printed swaks
// command line, find the message in the spool.
func TestQuickStart(t *testing.T) {
	t.Parallel()
	swaks := needSwaks(t)
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	banner, stop := startRun(t, "-listen", "127.0.0.1:0", "-spool", spool)

	var cmdline []string
	for _, l := range banner {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "swaks" {
			cmdline = f
		}
	}
	if cmdline == nil {
		t.Fatalf("no swaks command line in the banner %q", banner)
	}
	joined := strings.Join(banner, "\n")
	for _, want := range []string{"password: ", "STARTTLS", "spool: " + spool} {
		if !strings.Contains(joined, want) {
			t.Errorf("banner lacks %q:\n%s", want, joined)
		}
	}
	out, errOut, err := runProgram(t, nil, swaks, cmdline[1:]...)
	if err != nil {
		t.Fatalf("%s: %v\n%s\n%s", strings.Join(cmdline, " "), err, out, errOut)
	}
	msgs := readSpool(t, spool)
	if len(msgs) != 1 {
		t.Fatalf("spool holds %d messages after the quick start, want 1", len(msgs))
	}
	if !strings.Contains(string(msgs[0].eml), "This is a test mailing") {
		t.Errorf("spooled message lacks swaks' default body:\n%s", msgs[0].eml)
	}
	if id := msgs[0].rec.Identity; id == nil || id.User != "demo" {
		t.Errorf("spooled identity %+v, want demo", id)
	}
	if err := stop(); err != nil {
		t.Errorf("run returned %v after SIGINT, want nil", err)
	}
	if _, err := os.Stat(spool); err != nil {
		t.Errorf("spool directory: %v", err)
	}
}

func TestRun_LogJSON(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr extest.LockedBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-listen", "127.0.0.1:0", "-spool", t.TempDir(), "-log-json"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "ready") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not ready after 20s; stdout %q", stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run = %v", err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("want at least the listening and stopped records, got %q", lines)
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
			t.Errorf("log line %q is not a JSON slog record: %v", l, err)
		}
	}
}

// run reports a bad flag as a usage error (exit status 2) without
// starting, -h as flag.ErrHelp with the usage on stderr, and -version
// prints one line.
func TestRun_Usage(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-spool", t.TempDir(), "-hostname", "bad host"}, io.Discard, &stderr)
	if !errors.Is(err, msaconfig.ErrUsage) || err.Error() != `-hostname: "bad host" is not a domain name` {
		t.Errorf("run with a bad -hostname = %v, want the usage error", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("run with a bad flag wrote %q to stderr; main prints the one line", stderr.String())
	}
	if err := run(t.Context(), []string{"-h"}, io.Discard, &stderr); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "-config FILE") {
		t.Errorf("run -h = %v, printed %q", err, stderr.String())
	}
	var stdout bytes.Buffer
	if err := run(t.Context(), []string{"-version"}, &stdout, io.Discard); err != nil || !strings.HasPrefix(stdout.String(), "msa ") || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("run -version = %v, printed %q", err, stdout.String())
	}
}
