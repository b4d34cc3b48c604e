package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/examples/internal/msaconfig"
	"github.com/msakit/msakit/examples/internal/realclient"
)

const (
	testUser     = "alice"
	testPassword = "s3cret-pass"
	testFrom     = "alice@example.org"
	testRcpt     = "bob@example.net"
)

// testMessage is what a mail client would send, CRLF line ends.
const testMessage = "From: Alice <alice@example.org>\r\n" +
	"To: Bob <bob@example.net>\r\n" +
	"Subject: test from the msakit example MSA\r\n" +
	"Date: Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
	"Message-ID: <t1@example.org>\r\n" +
	"\r\n" +
	"Hello Bob,\r\n" +
	".a line that starts with a dot\r\n" +
	"\r\n" +
	"-- \r\n" +
	"Alice\r\n"

// startMSA starts the server on loopback from a config file with alice as
// the only user, her password hashed, and a fresh spool; extra flags are
// appended. It stops at the end of the test.
func startMSA(t *testing.T, extra ...string) (*msa, string) {
	t.Helper()
	return startMSALog(t, t.Output(), extra...)
}

// startMSALog is startMSA with the logs written to logs.
func startMSALog(t *testing.T, logs io.Writer, extra ...string) (*msa, string) {
	t.Helper()
	spool := t.TempDir()
	args := append([]string{
		"-config", testConfig(t),
		"-listen", "127.0.0.1:0",
		"-spool", spool,
	}, extra...)
	l, err := configure(args)
	if err != nil {
		t.Fatalf("configure(%q): %v", args, err)
	}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := newMSA(l, logger, time.Now, rand.Reader)
	if err != nil {
		t.Fatalf("newMSA: %v", err)
	}
	if err := m.start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return m, spool
}

// testConfig writes the config file of startMSA: alice with a hashed
// password, the only user.
func testConfig(t *testing.T) string {
	t.Helper()
	return writeConfig(t, `hostname = "msa.example.org"

[[user]]
name = "`+testUser+`"
password-hash = "`+cheapHash(t, testPassword)+`"
addresses = ["`+testFrom+`"]
`)
}

// cheapHash is an argon2id hash of password with parameters small enough
// for tests under the race detector (m=1 MiB, t=1, p=1).
func cheapHash(t *testing.T, password string) string {
	t.Helper()
	h, err := msaconfig.HashPassword(password, msaconfig.HashParams{Time: 1, Memory: 1024, Threads: 1}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// writeConfig writes a config file and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	return extest.WriteFile(t, "msa.toml", content)
}

// configure parses args as run does and loads the configuration they
// name.
func configure(args []string) (*loaded, error) {
	cl, err := msaconfig.ParseArgs(program, args)
	if err != nil {
		return nil, err
	}
	l, err := cl.Load()
	if err != nil {
		return nil, err
	}
	return &loaded{Loaded: l}, nil
}

// goClient connects with go-smtp's client, STARTTLS, and AUTH PLAIN when
// login is set.
func goClient(t *testing.T, addr string, login bool) *smtp.Client {
	t.Helper()
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("DialStartTLS: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if login {
		if err := c.Auth(sasl.NewPlainClient("", testUser, testPassword)); err != nil {
			t.Fatalf("AUTH PLAIN: %v", err)
		}
	}
	return c
}

func send(c *smtp.Client, from string, to []string, msg string) error {
	return extest.Send(c, from, nil, to, nil, msg)
}

// sendWith is send with MAIL parameters mo and, for every recipient, RCPT
// parameters ro.

// spooled is one committed message in a spool directory.
type spooled struct {
	id  string
	eml []byte
	rec record
}

// readSpool returns the committed messages and fails on any other file
// (temporary files, an .eml without its .json).
func readSpool(t *testing.T, dir string) []spooled {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []spooled
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for name := range names {
		id, ok := strings.CutSuffix(name, ".json")
		if !ok {
			if base, isEML := strings.CutSuffix(name, ".eml"); !isEML || !names[base+".json"] {
				t.Errorf("spool holds %q, which is not a committed message", name)
			}
			continue
		}
		if !names[id+".eml"] {
			t.Errorf("spool holds %s without %s.eml", name, id)
			continue
		}
		s := spooled{id: id}
		if s.eml, err = os.ReadFile(filepath.Join(dir, id+".eml")); err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(js, &s.rec); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, s)
	}
	return out
}

// checkSpooled checks the one message in dir against what was sent: the
// header fields as sent, the body byte for byte, a Received field on top,
// and the envelope record.
func checkSpooled(t *testing.T, dir, sent, from string, rcpts []string, user string) spooled {
	t.Helper()
	msgs := readSpool(t, dir)
	if len(msgs) != 1 {
		t.Fatalf("spool holds %d messages, want 1", len(msgs))
	}
	s := msgs[0]
	if !bytes.HasPrefix(s.eml, []byte("Received:")) {
		t.Errorf("spooled message does not start with Received:\n%s", s.eml)
	}
	if sent != "" {
		i := strings.Index(sent, "\r\n\r\n")
		if !bytes.HasSuffix(s.eml, []byte(sent[i:])) {
			t.Errorf("spooled message does not end with the body as sent:\n%s", s.eml)
		}
		for _, line := range strings.SplitAfter(sent[:i+2], "\r\n") {
			if line != "" && !bytes.Contains(s.eml, []byte(line)) {
				t.Errorf("spooled message lost header line %q", line)
			}
		}
	}
	if int64(len(s.eml)) != s.rec.Size {
		t.Errorf("record size %d, file %d", s.rec.Size, len(s.eml))
	}
	if s.rec.ID != s.id {
		t.Errorf("record id %q, file %q", s.rec.ID, s.id)
	}
	if s.rec.From != from {
		t.Errorf("record from %q, want %q", s.rec.From, from)
	}
	if strings.Join(s.rec.Recipients, ",") != strings.Join(rcpts, ",") {
		t.Errorf("record recipients %q, want %q", s.rec.Recipients, rcpts)
	}
	if user != "" && (s.rec.Identity == nil || s.rec.Identity.User != user) {
		t.Errorf("record identity %+v, want user %q", s.rec.Identity, user)
	}
	if !strings.HasPrefix(s.rec.Client.Address, "127.0.0.1:") {
		t.Errorf("record client address %q, want 127.0.0.1:port", s.rec.Client.Address)
	}
	if s.rec.Client.TLS == "" {
		t.Error("record has no TLS version")
	}
	if s.rec.Received.IsZero() {
		t.Error("record has no time")
	}
	return s
}

// needProgram returns the path of an outside program; see realclient.Need.
func needProgram(t *testing.T, name string) string {
	t.Helper()
	return realclient.Need(t, name, name)
}

// runProgram runs a client with a deadline and returns its output.
func runProgram(t *testing.T, stdin []byte, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var o, e bytes.Buffer
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}
