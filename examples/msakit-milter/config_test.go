package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/examples/internal/msaconfig"
)

// exampleFile is examples/msa's example config file: one file for both
// programs.
const exampleFile = "../msa/msa.example.toml"

// TestRunExampleConfig: started from examples/msa's example file, the
// milter holds each user to the file's addresses (aliases, @domain,
// subaddresses) and recipient rules over the milter protocol, and names
// in one Info line the settings it ignores (examples/msa's SMTP server's,
// the users' password hashes).
func TestRunExampleConfig(t *testing.T) {
	t.Parallel()
	network, address, logs := startRunLogs(t, "-config", exampleFile, "-listen", "127.0.0.1:0")
	const ignored = `level=INFO msg="config: settings msakit-milter does not use, ignored" config=../msa/msa.example.toml ` +
		`keys=listen,listen-tls,spool,spool-sync,relay,relay-tls,relay-ca,relay-user,relay-password-file,tls-cert,tls-key,` +
		`limit-auth-failures,limit-auth-failures-per-user,max-connections,max-connections-per-ip,max-errors,metrics,` +
		`command-timeout,data-timeout,user.password-hash` + "\n"
	if n := strings.Count(logs.String(), "ignored"); n != 1 || !strings.Contains(logs.String(), ignored) {
		t.Errorf("log:\n%s\nwant one line\n%s", logs, ignored)
	}
	for _, tc := range []struct {
		user, from, want string // want "" = accepted
	}{
		{"alice", "<alice@example.org>", ""},
		{"Alice", "<sales@example.org>", ""},    // RFC 8265 UsernameCaseMapped
		{"alice", "<sales+q3@example.org>", ""}, // a subaddress
		{"alice", "<anyone@alice.example>", ""}, // @alice.example
		{"alice", "<bob@example.org>", "550 5.7.1 "},
		{"bob", "<bob@example.org>", ""},
		{"bob", "<sales@example.org>", "550 5.7.1 "},
		{"carol@example.com", "<carol@example.com>", ""}, // not listed: its login
		{"dave", "<dave@example.org>", ""},               // not listed: NAME@domain
		{"dave", "<alice@example.org>", "550 5.7.1 "},
	} {
		if r := mail(t, session(t, network, address, tc.user), tc.from); !strings.HasPrefix(r, tc.want) || (tc.want == "") != (r == "") {
			t.Errorf("login %s, MAIL FROM %s: %q, want %q", tc.user, tc.from, r, tc.want)
		}
	}
	// bob may write to @example.org and @example.net only (RFC 6409,
	// Section 6.2), and to the postmaster; alice, and a login the file does
	// not list, to anyone.
	for _, tc := range []struct {
		user, from, to, want string
	}{
		{"bob", "<bob@example.org>", "<carol@example.com>", "550 5.7.1 "},
		{"bob", "<bob@example.org>", "<carol@example.net>", ""},
		{"bob", "<bob@example.org>", "<Postmaster>", ""},
		{"alice", "<alice@example.org>", "<carol@example.com>", ""},
		{"dave", "<dave@example.org>", "<carol@example.com>", ""}, // not listed: no rules
	} {
		s := session(t, network, address, tc.user)
		if r := mail(t, s, tc.from); r != "" {
			t.Fatalf("%s: MAIL FROM %s: %q", tc.user, tc.from, r)
		}
		if r := rcpt(t, s, tc.to); !strings.HasPrefix(r, tc.want) || (tc.want == "") != (r == "") {
			t.Errorf("%s: RCPT TO %s: %q, want %q", tc.user, tc.to, r, tc.want)
		}
	}
}

// TestSIGHUP: a SIGHUP puts the file's new users and addresses in force;
// a file that no longer loads keeps them, and is logged at Error with the
// line at fault.
func TestSIGHUP(t *testing.T) {
	t.Parallel()
	// While this test runs, a SIGHUP never takes the default action
	// (ending the test binary), even before run listens for it.
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, syscall.SIGHUP)
	t.Cleanup(func() { signal.Stop(caught) })

	file := filepath.Join(t.TempDir(), "msakit.toml")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("[[user]]\nname = \"alice\"\naddresses = [\"alice@example.org\"]\n")
	network, address, logs := startRunLogs(t, "-config", file, "-listen", "127.0.0.1:0")
	before := session(t, network, address, "alice") // open across the reload
	if r := mail(t, before, "<sales@example.org>"); !strings.HasPrefix(r, "550 5.7.1 ") {
		t.Fatalf("MAIL FROM sales@ before the reload: %q, want 550 5.7.1", r)
	}

	write("[[user]]\nname = \"alice\"\naddresses = [\"alice@example.org\", \"sales@example.org\"]\n")
	hangUp(t, logs, "msg=reloaded config="+file+" users=1")
	if r := mail(t, before, "<sales@example.org>"); r != "" {
		t.Errorf("MAIL FROM sales@ after the reload, on the session open across it: %q", r)
	}
	if r := mail(t, session(t, network, address, "alice"), "<sales@example.org>"); r != "" {
		t.Errorf("MAIL FROM sales@ after the reload: %q", r)
	}

	write("[[user]]\nname = \"alice\"\naddresses = [\"alice@example.org\", \"sales@mail\"]\n")
	hangUp(t, logs, `level=ERROR msg="reload failed; the configuration in force is kept" err="`+file+
		`:3:35: user.addresses: \"sales@mail\" is not fully qualified: its domain needs two labels or more (RFC 6409, Section 4.2)"`)
	if r := mail(t, session(t, network, address, "alice"), "<sales@example.org>"); r != "" {
		t.Errorf("MAIL FROM sales@ after a failed reload: %q, want the users in force kept", r)
	}
}

// hangUp sends this process SIGHUP until the log holds want.
func hangUp(t *testing.T, logs *extest.LockedBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			if strings.Contains(logs.String(), want) {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Fatalf("no %s after SIGHUP; log:\n%s", want, logs)
}

// A bad line of the file stops the program at start with one line that
// names the file, the line and column, and the key; it is not a usage
// error (exit status 1). What only examples/msa checks (a password-hash
// present, a listener) is not asked of the milter.
func TestBadConfigLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, want string
	}{
		{"milter listen", "[milter]\nlisten = \"8891\"\n", `:2:10: milter.listen: "8891": want HOST:PORT, inet:HOST:PORT, inet:PORT@HOST or unix:PATH`},
		{"daemon name", "[milter]\ndaemon = [\"submission\", \"\"]\n", `:2:25: milter.daemon: "" is not a daemon name: want printable characters without spaces`},
		{"unknown milter key", "[milter]\nlisen = \"127.0.0.1:8891\"\n", `:2:1: milter.lisen: unknown key`},
		{"user address", "[[user]]\nname = \"alice\"\naddresses = [\"alice@mail\"]\n", `:3:14: user.addresses: "alice@mail" is not fully qualified: its domain needs two labels or more (RFC 6409, Section 4.2)`},
		{"an msa setting's value", "max-connections = \"many\"\n", `:1:19: max-connections: want an integer, not a TOML string`},
		{"a hash that is not one", "[[user]]\nname = \"alice\"\npassword-hash = \"secret\"\n", `:3:17: user.password-hash: not an argon2id or bcrypt hash (make one with: msa hash-password)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "msakit.toml")
			if err := os.WriteFile(file, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			err := run(t.Context(), []string{"-config", file}, io.Discard, io.Discard)
			if want := file + tc.want; err == nil || err.Error() != want {
				t.Errorf("run with\n%s= %v\nwant %s", tc.file, err, want)
			}
			if errors.Is(err, msaconfig.ErrUsage) {
				t.Errorf("a bad file is a usage error: %v", err)
			}
		})
	}
	// Without password hashes and listeners: a file for the milter alone.
	file := filepath.Join(t.TempDir(), "msakit.toml")
	if err := os.WriteFile(file, []byte("listen = \"\"\n[[user]]\nname = \"alice\"\n[milter]\nlisten = \"127.0.0.1:0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := run(ctx, []string{"-config", file}, io.Discard, io.Discard); err != nil {
		t.Errorf("a file without password hashes: %v", err)
	}
}
