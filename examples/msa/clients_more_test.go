package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// curl submits a message file over STARTTLS (--ssl-reqd) and over implicit
// TLS (smtps://), logging in with --user, and verifies the server against
// the self-signed certificate kept beside the spool (--cacert).
func TestCurl(t *testing.T) {
	t.Parallel()
	curl := needProgram(t, "curl")
	m, spool := startMSA(t, "-listen-tls", "127.0.0.1:0")
	if m.certFile == "" {
		t.Fatal("no certificate file kept beside the spool")
	}
	file := filepath.Join(t.TempDir(), "message.eml")
	if err := os.WriteFile(file, []byte(testMessage), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"smtp://" + m.addr, "smtps://" + m.tlsAddr} {
		out, errOut, err := runProgram(t, nil, curl, "--silent", "--show-error", "--ssl-reqd", "--max-time", "30",
			"--url", url, "--cacert", m.certFile, "--user", testUser+":"+testPassword,
			"--mail-from", testFrom, "--mail-rcpt", testRcpt, "--upload-file", file)
		if err != nil {
			t.Fatalf("curl %s: %v\n%s%s", url, err, out, errOut)
		}
	}
	msgs := readSpool(t, spool)
	if len(msgs) != 2 {
		t.Fatalf("spool holds %d messages, want 2", len(msgs))
	}
	body := testMessage[strings.Index(testMessage, "\r\n\r\n"):]
	for _, s := range msgs {
		if !bytes.HasSuffix(s.eml, []byte(body)) || s.rec.From != testFrom || strings.Join(s.rec.Recipients, ",") != testRcpt ||
			s.rec.Identity == nil || s.rec.Identity.User != testUser || s.rec.Client.TLS == "" {
			t.Errorf("curl's message spooled as %+v:\n%s", s.rec, s.eml)
		}
	}

	// A wrong password is refused (535 5.7.8, which curl reports as
	// "Login denied").
	out, errOut, err := runProgram(t, nil, curl, "--silent", "--show-error", "--ssl-reqd", "--max-time", "30",
		"--url", "smtp://"+m.addr, "--cacert", m.certFile, "--user", testUser+":wrong",
		"--mail-from", testFrom, "--mail-rcpt", testRcpt, "--upload-file", file)
	if err == nil || !strings.Contains(errOut, "Login denied") {
		t.Errorf("curl with a wrong password: %v\n%s%s", err, out, errOut)
	}
}

// needGitSendEmail returns git's path after checking that send-email and
// the Perl modules it needs (Debian's Recommends of git-email, which
// --no-install-recommends leaves out) are installed.
func needGitSendEmail(t *testing.T) string {
	t.Helper()
	git := needProgram(t, "git")
	missing := func(what string) {
		if os.Getenv("MSAKIT_REAL_CLIENTS") == "1" {
			t.Fatalf("%s missing and MSAKIT_REAL_CLIENTS=1", what)
		}
		t.Skipf("%s missing; skipping", what)
	}
	out, _, err := runProgram(t, nil, git, "--exec-path")
	if err != nil {
		missing("git --exec-path")
	}
	if _, err := os.Stat(filepath.Join(strings.TrimSpace(out), "git-send-email")); err != nil {
		missing("git send-email (apt-get install git-email)")
	}
	for mod, pkg := range map[string]string{"Authen::SASL": "libauthen-sasl-perl", "Mail::Address": "libmailtools-perl"} {
		if _, _, err := runProgram(t, nil, "perl", "-M"+mod, "-e", "1"); err != nil {
			missing("Perl's " + mod + ", which git send-email needs (apt-get install " + pkg + ")")
		}
	}
	return git
}

// git send-email sends a patch of a test repository over STARTTLS
// (--smtp-encryption=tls), as alice, with the password from the
// repository's config (sendemail.smtpPass) and the server's certificate
// verified against the file kept beside the spool.
func TestGitSendEmail(t *testing.T) {
	t.Parallel()
	git := needGitSendEmail(t)
	m, spool := startMSA(t)
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	env := append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C")
	run := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, git, args...)
		cmd.Dir, cmd.Env = repo, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if err := os.MkdirAll(repo, 0o750); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(m.addr, ":")
	run("init", "-q")
	for _, kv := range [][2]string{
		{"user.name", "Alice"},
		{"user.email", testFrom},
		{"sendemail.smtpServer", host},
		{"sendemail.smtpServerPort", port},
		{"sendemail.smtpEncryption", "tls"},
		{"sendemail.smtpUser", testUser},
		{"sendemail.smtpPass", testPassword},
		{"sendemail.smtpSslCertPath", m.certFile},
		{"sendemail.smtpDomain", "laptop.example.org"},
	} {
		run("config", kv[0], kv[1])
	}
	if err := os.WriteFile(filepath.Join(repo, "hello.txt"), []byte("hello, world\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run("add", "hello.txt")
	run("commit", "-q", "-m", "Add hello.txt")
	patch := strings.TrimSpace(run("format-patch", "-1", "-o", filepath.Join(dir, "out")))
	out := run("send-email", "--to=bob@example.net", "--confirm=never", "--suppress-cc=all", "--no-chain-reply-to", patch)
	if !strings.Contains(out, "Result: 250") {
		t.Errorf("git send-email did not report 250:\n%s", out)
	}
	msgs := readSpool(t, spool)
	if len(msgs) != 1 {
		t.Fatalf("spool holds %d messages, want 1\n%s", len(msgs), out)
	}
	s := msgs[0]
	eml := string(s.eml)
	if s.rec.From != testFrom || strings.Join(s.rec.Recipients, ",") != testRcpt || s.rec.Identity == nil || s.rec.Identity.User != testUser ||
		!strings.Contains(eml, "Subject: [PATCH] Add hello.txt\r\n") || !strings.Contains(eml, "\r\n+hello, world\r\n") {
		t.Errorf("git send-email's message spooled as %+v:\n%s", s.rec, eml)
	}
}
