package main

import (
	"bufio"
	"crypto/tls"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/extest"
)

// usersFile is a config file with the given [[user]] tables and
// max-size.
func usersFile(t *testing.T, maxSize string, users ...string) string {
	t.Helper()
	s := "hostname = \"msa.example.org\"\nmax-size = " + maxSize + "\n"
	for _, u := range users {
		s += "\n[[user]]\n" + u
	}
	return s
}

// userTable is one [[user]]'s keys with a cheap hash of password.
func userTable(t *testing.T, name, password, extra string) string {
	return "name = \"" + name + "\"\npassword-hash = \"" + cheapHash(t, password) + "\"\n" + extra
}

// login opens a STARTTLS session and authenticates.
func login(addr, user, password string) (*smtp.Client, error) {
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	if err := c.Auth(sasl.NewPlainClient("", user, password)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// A reload puts the file's users in force at once, keeps sessions in
// flight, and keeps the configuration in force when the file is bad.
func TestReload(t *testing.T) {
	t.Parallel()
	var logs extest.LockedBuffer
	file := writeConfig(t, usersFile(t, "0",
		userTable(t, "alice", "old password", `addresses = ["alice@example.org"]`),
		userTable(t, "dave", "dave's password", "")))
	m, spool := startMSALog(t, &logs, "-config", file)

	// Sessions open across the reload: alice in a transaction, dave
	// authenticated and idle.
	alice, err := login(m.addr, "alice", "old password")
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	if err := alice.Mail(testFrom, nil); err != nil {
		t.Fatal(err)
	}
	if err := alice.Rcpt(testRcpt, nil); err != nil {
		t.Fatal(err)
	}
	dave, err := login(m.addr, "dave", "dave's password")
	if err != nil {
		t.Fatal(err)
	}
	defer dave.Close()

	// alice gets a new password, dave is gone, carol comes with recipient
	// rules; max-size changed too, which waits for a restart.
	if err := os.WriteFile(file, []byte(usersFile(t, "1000",
		userTable(t, "alice", "new password", `addresses = ["alice@example.org"]`),
		userTable(t, "carol", "carol's password", `recipients = ["@example.org"]`))), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.reload(t.Context()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if l := logs.String(); !strings.Contains(l, `msg="reload: these settings change only at the next start" keys=max-size`) || !strings.Contains(l, "msg=reloaded") {
		t.Errorf("reload logged:\n%s", l)
	}

	// The transaction in flight ends as it began.
	w, err := alice.Data()
	if err != nil {
		t.Fatalf("DATA after the reload: %v", err)
	}
	if _, err := io.WriteString(w, testMessage); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("end of data after the reload: %v", err)
	}
	if n := len(readSpool(t, spool)); n != 1 {
		t.Errorf("spool holds %d messages, want 1", n)
	}
	// dave's session is still open but dave may send to nobody.
	if err := dave.Mail("dave@example.org", nil); err != nil {
		t.Fatal(err)
	}
	wantSMTPError(t, "RCPT of a user the reload removed", dave.Rcpt("bob@example.org", nil), 550, smtp.EnhancedCode{5, 7, 1})

	// New logins see the new file.
	if _, err := login(m.addr, "alice", "old password"); err == nil {
		t.Error("alice's old password still works after the reload")
	} else {
		wantSMTPError(t, "AUTH with the old password", err, 535, smtp.EnhancedCode{5, 7, 8})
	}
	carol, err := login(m.addr, "carol", "carol's password")
	if err != nil {
		t.Fatalf("carol, added by the reload: %v", err)
	}
	defer carol.Close()
	if err := carol.Mail("carol@example.org", nil); err != nil {
		t.Fatal(err)
	}
	wantSMTPError(t, "carol to a recipient her rules do not allow", carol.Rcpt(testRcpt, nil), 550, smtp.EnhancedCode{5, 7, 1})
	if err := carol.Rcpt("bob@example.org", nil); err != nil {
		t.Errorf("carol to a recipient her rules allow: %v", err)
	}

	// A bad file changes nothing and is logged at Error.
	if err := os.WriteFile(file, []byte("[[user]]\nname = \"mallory\"\npasword-hash = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = m.reload(t.Context())
	if want := file + ":3:1: user.pasword-hash: unknown key"; err == nil || err.Error() != want {
		t.Errorf("reload of a bad file = %v, want %s", err, want)
	}
	if !strings.Contains(logs.String(), `level=ERROR msg="reload failed; the configuration in force is kept" err="`+file+`:3:1: user.pasword-hash: unknown key"`) {
		t.Errorf("the failed reload is not logged at Error:\n%s", logs.String())
	}
	if c, err := login(m.addr, "carol", "carol's password"); err != nil {
		t.Errorf("carol after a failed reload: %v", err)
	} else {
		c.Close()
	}
}

// The program itself reloads on SIGHUP, with a session open across the
// reload, and exits 0 on SIGTERM.
func TestSIGHUP(t *testing.T) {
	t.Parallel()
	bin := buildMSA(t)
	file := writeConfig(t, usersFile(t, "0", userTable(t, "alice", "old password", "")))
	cmd := exec.Command(bin, "-config", file, "-spool", filepath.Join(t.TempDir(), "spool"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := ""
	sc := bufio.NewScanner(stdout)
	for addr == "" && sc.Scan() {
		if a, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "submission (STARTTLS): "); ok {
			addr = a
		}
	}
	if addr == "" {
		t.Fatal("no listener address printed")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	logLines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logLines <- sc.Text()
		}
		close(logLines)
	}()

	c, err := login(addr, "alice", "old password")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := os.WriteFile(file, []byte(usersFile(t, "0", userTable(t, "alice", "new password", ""))), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for reloaded := false; !reloaded; {
		select {
		case l, ok := <-logLines:
			if !ok {
				t.Fatal("the program ended after SIGHUP")
			}
			reloaded = strings.Contains(l, "msg=reloaded")
		case <-deadline:
			t.Fatal("no reloaded record 30s after SIGHUP")
		}
	}
	if err := send(c, testFrom, []string{testRcpt}, testMessage); err != nil {
		t.Errorf("the session open across SIGHUP: %v", err)
	}
	if c2, err := login(addr, "alice", "new password"); err != nil {
		t.Errorf("the new password after SIGHUP: %v", err)
	} else {
		c2.Close()
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}
