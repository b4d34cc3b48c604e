package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/examples/internal/extest"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{
		"-listen", "unix:/run/msakit.sock",
		"-user", "alice:alice@example.org,@example.net",
		"-user", "bob@example.org",
		"-user", "odd:name:carol@example.org",
		"-trusted", "10.0.0.0/8",
		"-daemon", "submission", "-daemon", "submissions",
		"-max-size", "1000", "-max-recipients", "50", "-expand-single-level",
	}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := []userSpec{
		{name: "alice", addresses: []string{"alice@example.org", "@example.net"}},
		{name: "bob@example.org"},
		{name: "odd:name", addresses: []string{"carol@example.org"}},
	}
	if !reflect.DeepEqual(o.users, want) {
		t.Errorf("users = %+v, want %+v", o.users, want)
	}
	if o.network != "unix" || o.address != "/run/msakit.sock" || len(o.trusted) != 1 || !reflect.DeepEqual(o.daemons, []string{"submission", "submissions"}) ||
		o.maxSize != 1000 || o.maxRecipients != 50 || !o.expandSingleLevel {
		t.Errorf("options = %+v", o)
	}
	if o, err = parseFlags(nil, &bytes.Buffer{}); err != nil || o.network != "tcp" || o.address != "127.0.0.1:8891" {
		t.Errorf("defaults: %+v, %v; want tcp 127.0.0.1:8891", o, err)
	}
	if o, err = parseFlags([]string{"-listen", "inet:[::1]:8891"}, &bytes.Buffer{}); err != nil || o.network != "tcp" || o.address != "[::1]:8891" {
		t.Errorf("inet: %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{"-listen", "8891"}, {"-listen", "unix:"}, {"-user", ""}, {"-user", ":a@b.example"},
		{"-trusted", "10.1.2.3"}, {"-max-size", "-1"}, {"extra"}, {"-nope"}, {"-dkim", "example.org:sel"},
	} {
		if _, err := parseFlags(bad, &bytes.Buffer{}); !errors.Is(err, errUsage) {
			t.Errorf("parseFlags(%q) = %v, want a usage error", bad, err)
		}
	}
}

// startRun runs the program with args until the test ends and returns
// where it listens.
func startRun(t *testing.T, args ...string) (network, address string) {
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
				return "tcp", m[2]
			}
			return "unix", m[2]
		}
		select {
		case err := <-done:
			t.Fatalf("run ended: %v\n%s", err, stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no start line:\n%s\n%s", stdout, stderr)
	return "", ""
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
	act, err := s.Mail(from, "")
	if err != nil {
		t.Fatal(err)
	}
	if act.StopProcessing() {
		if err := s.Abort(nil); err != nil {
			t.Fatal(err)
		}
		return act.SMTPReply
	}
	return ""
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

// TestRunDKIM: with -dkim, an accepted message gets a DKIM-Signature by
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
	network, address := startRun(t, "-listen", "127.0.0.1:0", "-dkim", "example.org:milter:"+keyFile)
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
