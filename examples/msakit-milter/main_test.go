package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/examples/internal/msaconfig"
)

// TestFlags: the milter's own flags and the shared ones reach the
// configuration; each bad one is refused in one line that names it, a
// usage error (exit status 2).
func TestFlags(t *testing.T) {
	t.Parallel()
	l, err := configure(
		"-listen", "unix:/run/msakit.sock",
		"-user", "alice:alice@example.org,@example.net",
		"-user", "bob@example.org",
		"-user", "odd:name:carol@example.org",
		"-trusted", "10.0.0.0/8",
		"-daemon", "submission", "-daemon", "submissions",
		"-max-size", "1000", "-max-recipients", "50", "-expand-single-level",
	)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"alice": "alice@example.org", "bob@example.org": "bob@example.org", "odd:name": "carol@example.org"} {
		if got, ok := l.Dir.Address(name); !ok || got.String() != want {
			t.Errorf("-user %s: own address %v, want %s", name, got, want)
		}
	}
	if a := l.Milter.Listen; a.Network() != "unix" || a.Address() != "/run/msakit.sock" || len(l.Trusted) != 1 ||
		!slices.Equal(l.Milter.Daemons(), []string{"submission", "submissions"}) || l.MaxSize != 1000 || l.MaxRecipients != 50 || !l.ExpandSingleLevel {
		t.Errorf("settings = %+v", l.Settings)
	}
	for args, want := range map[string][2]string{
		"":                         {"tcp", "127.0.0.1:8891"},
		"-listen inet:[::1]:8891":  {"tcp", "[::1]:8891"},
		"-listen inet:8891@::1":    {"tcp", "[::1]:8891"}, // Sendmail's form
		"-listen 127.0.0.1:0":      {"tcp", "127.0.0.1:0"},
		"-listen local:/tmp/m.sok": {"unix", "/tmp/m.sok"},
	} {
		l, err := configure(strings.Fields(args)...)
		if err != nil || l.Milter.Listen.Network() != want[0] || l.Milter.Listen.Address() != want[1] {
			t.Errorf("%q: listen %+v, %v; want %s %s", args, l.Milter.Listen, err, want[0], want[1])
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-listen", "8891"}, `-listen: "8891": want HOST:PORT, inet:HOST:PORT, inet:PORT@HOST or unix:PATH`},
		{[]string{"-listen", "unix:"}, `-listen: "unix:": want HOST:PORT, inet:HOST:PORT, inet:PORT@HOST or unix:PATH`},
		{[]string{"-user", ""}, `-user: "": want NAME[:ADDR,ADDR...]`},
		{[]string{"-user", ":a@b.example"}, `-user: ":a@b.example": want NAME[:ADDR,ADDR...]`},
		{[]string{"-user", "alice:alice@localhost"}, `-user alice: "alice@localhost" is not fully qualified: its domain needs two labels or more (RFC 6409, Section 4.2)`},
		{[]string{"-trusted", "10.1.2.0/33"}, `-trusted: "10.1.2.0/33" is not a CIDR prefix or an address`},
		{[]string{"-daemon", "sub mission"}, `-daemon: "sub mission" is not a daemon name: want printable characters without spaces`},
		{[]string{"-max-size", "-1"}, `-max-size: "-1" is not a whole number, 0 or more`},
		{[]string{"-dkim-key", "example.org:sel"}, `-dkim-key: "example.org:sel": want DOMAIN:SELECTOR:FILE`},
		{[]string{"extra"}, `unexpected argument "extra" (msakit-milter -h lists the flags)`},
		{[]string{"-nope"}, `flag provided but not defined: -nope (msakit-milter -h lists the flags)`},
		{[]string{"-spool", "/var/spool"}, `flag provided but not defined: -spool (msakit-milter -h lists the flags)`},
	} {
		_, err := configure(tc.args...)
		if err == nil || err.Error() != tc.want || !errors.Is(err, msaconfig.ErrUsage) {
			t.Errorf("%q: %v\n want the usage error %s", tc.args, err, tc.want)
		}
	}
}

// configure parses args as run does and loads what they name.
func configure(args ...string) (*msaconfig.Loaded, error) {
	cl, err := msaconfig.ParseArgs(program, args)
	if err != nil {
		return nil, err
	}
	return cl.Load()
}

// startRun runs the program with args until the test ends and returns
// where it listens.
func startRun(t *testing.T, args ...string) (network, address string) {
	t.Helper()
	network, address, _ = startRunLogs(t, args...)
	return network, address
}

// startRunLogs is startRun that also returns the program's log.
func startRunLogs(t *testing.T, args ...string) (network, address string, logs *extest.LockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &extest.LockedBuffer{}, &extest.LockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v\n%s", err, stderr)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not stop")
		}
	})
	re := regexp.MustCompile(`listening on (inet|unix):(\S+) `)
	for range 500 {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			if m[1] == "inet" {
				return "tcp", m[2], stderr
			}
			return "unix", m[2], stderr
		}
		select {
		case err := <-done:
			t.Fatalf("run ended: %v\n%s", err, stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no start line:\n%s\n%s", stdout, stderr)
	return "", "", nil
}

// session opens a milter session as Postfix does for a client that
// authenticated as user.
func session(t *testing.T, network, address, user string) *gomilter.ClientSession {
	t.Helper()
	m := gomilter.NewMacroBag()
	m.Set("v", "Postfix 3.7.11")
	s, err := gomilter.NewClient(network, address, gomilter.WithActions(gomilter.AllClientSupportedActionMasks)).Session(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	m.Set("{client_addr}", "192.0.2.10")
	if _, err := s.Conn("client.example.org", gomilter.FamilyInet, 50000, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	m.Set("{tls_version}", "TLSv1.3")
	if _, err := s.Helo("client.example.org"); err != nil {
		t.Fatal(err)
	}
	if user != "" {
		m.Set("{auth_authen}", user)
		m.Set("{auth_type}", "PLAIN")
	}
	return s
}

// mail sends MAIL FROM and returns the reply line, "" when accepted; it
// aborts a refused transaction as the MTA does.
func mail(t *testing.T, s *gomilter.ClientSession, from string) string {
	t.Helper()
	r := replyOf(t)(s.Mail(from, ""))
	if r != "" {
		if err := s.Abort(nil); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// rcpt sends RCPT TO and returns the reply line, "" when accepted.
func rcpt(t *testing.T, s *gomilter.ClientSession, to string) string {
	t.Helper()
	return replyOf(t)(s.Rcpt(to, ""))
}

// replyOf returns the reply line of a milter action, "" when the MTA goes
// on; an error fails the test.
func replyOf(t *testing.T) func(*gomilter.Action, error) string {
	return func(act *gomilter.Action, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if act.StopProcessing() {
			return act.SMTPReply
		}
		return ""
	}
}

// TestRun: the program's users may send as their addresses and no
// others; a login without -user may send as itself; a message without
// Date and Message-ID gets both, and Bcc goes.
func TestRun(t *testing.T) {
	t.Parallel()
	network, address := startRun(t, "-listen", "127.0.0.1:0", "-hostname", "msa.example.org",
		"-user", "alice:alice@example.org,@example.net")
	s := session(t, network, address, "alice")
	if r := mail(t, s, "<bob@example.org>"); !strings.HasPrefix(r, "550 5.7.1 ") {
		t.Errorf("MAIL FROM another's address: %q, want 550 5.7.1", r)
	}
	if r := mail(t, s, "<anyone@example.net>"); r != "" {
		t.Fatalf("MAIL FROM an allowed domain: %q", r)
	}
	if act, err := s.Rcpt("<bob@example.com>", ""); err != nil || act.StopProcessing() {
		t.Fatalf("RCPT: %v %v", act, err)
	}
	if _, err := s.DataStart(); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"From", " anyone@example.net"}, {"To", " bob@example.com"}, {"Bcc", " carol@example.com"}, {"Subject", " hi"}} {
		if _, err := s.HeaderField(kv[0], kv[1], nil); err != nil {
			t.Fatal(err)
		}
	}
	if act, err := s.HeaderEnd(); err != nil || act.StopProcessing() {
		t.Fatalf("end of header: %v %v", act, err)
	}
	mods, act, err := s.BodyReadFrom(strings.NewReader("hello\r\n"))
	if err != nil || act.Type != gomilter.ActionAccept {
		t.Fatalf("end of message: %v %v", act, err)
	}
	var got []string
	for _, m := range mods {
		got = append(got, m.HeaderName)
	}
	if strings.Join(got, ",") != "Bcc,Date,Message-ID" && strings.Join(got, ",") != "Bcc,Message-ID,Date" {
		t.Errorf("modified fields %q, want Bcc deleted and Date, Message-ID inserted", got)
	}

	for user, from := range map[string]string{"carol@example.org": "<carol@example.org>", "dave": "<dave@example.org>"} {
		s := session(t, network, address, user)
		if r := mail(t, s, from); r != "" {
			t.Errorf("login %s, MAIL FROM %s: %q, want accepted", user, from, r)
		}
		if err := s.Abort(nil); err != nil {
			t.Fatal(err)
		}
		if r := mail(t, s, "<alice@example.org>"); !strings.HasPrefix(r, "550 5.7.1 ") {
			t.Errorf("login %s, MAIL FROM alice: %q, want 550 5.7.1", user, r)
		}
	}
	if r := mail(t, session(t, network, address, ""), "<alice@example.org>"); !strings.HasPrefix(r, "530 5.7.0 ") {
		t.Errorf("MAIL without AUTH: %q, want 530 5.7.0", r)
	}
}

// TestRunUnix: a unix socket, replacing one an earlier run left behind,
// and removed at the end.
func TestRunUnix(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "milter.sock")
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	t.Run("serve", func(t *testing.T) {
		network, address := startRun(t, "-listen", "unix:"+path)
		if network != "unix" || address != path {
			t.Fatalf("listening on %s:%s, want unix:%s", network, address, path)
		}
		if r := mail(t, session(t, network, address, "alice@example.org"), "<alice@example.org>"); r != "" {
			t.Errorf("MAIL: %q", r)
		}
	})
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
}

// TestRunDKIM: with -dkim-key, an accepted message gets a DKIM-Signature by
// the key's domain and selector on top of the MTA's header.
func TestRunDKIM(t *testing.T) {
	t.Parallel()
	key, err := dkim.GenerateKey(dkim.KeyTypeEd25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := dkim.MarshalPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "milter.pem")
	if err := os.WriteFile(keyFile, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	network, address := startRun(t, "-listen", "127.0.0.1:0", "-dkim-key", "example.org:milter:"+keyFile)
	s := session(t, network, address, "alice@example.org")
	if r := mail(t, s, "<alice@example.org>"); r != "" {
		t.Fatalf("MAIL: %q", r)
	}
	if act, err := s.Rcpt("<bob@example.com>", ""); err != nil || act.StopProcessing() {
		t.Fatalf("RCPT: %v %v", act, err)
	}
	if _, err := s.DataStart(); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"From", " alice@example.org"}, {"To", " bob@example.com"}, {"Subject", " signed"}} {
		if _, err := s.HeaderField(kv[0], kv[1], nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.HeaderEnd(); err != nil {
		t.Fatal(err)
	}
	mods, act, err := s.BodyReadFrom(strings.NewReader("hello\r\n"))
	if err != nil || act.Type != gomilter.ActionAccept {
		t.Fatalf("end of message: %v %v", act, err)
	}
	last := mods[len(mods)-1]
	if last.Type != gomilter.ActionInsertHeader || last.HeaderIndex != 0 || last.HeaderName != "DKIM-Signature" ||
		!strings.Contains(last.HeaderValue, "d=example.org;") || !strings.Contains(last.HeaderValue, "s=milter;") {
		t.Errorf("last modification %+v, want a DKIM-Signature by example.org, selector milter, at index 0", last)
	}
}

// -h prints the flags and is flag.ErrHelp; -version prints one line.
func TestRunUsage(t *testing.T) {
	t.Parallel()
	var stdout, stderr strings.Builder
	if err := run(t.Context(), []string{"-h"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "\n  -listen ADDR\n") || !strings.Contains(stderr.String(), "\n  -config FILE\n") {
		t.Errorf("run -h = %v, printed %q", err, stderr.String())
	}
	if err := run(t.Context(), []string{"-version"}, &stdout, io.Discard); err != nil || !strings.HasPrefix(stdout.String(), "msakit-milter ") || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("run -version = %v, printed %q", err, stdout.String())
	}
}
