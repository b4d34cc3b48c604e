package main

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// The self-signed certificate is written beside the spool, key 0600, and
// kept across starts while it is valid for the hostname; a client that
// trusts the file verifies the server's name.
func TestSelfSignedKept(t *testing.T) {
	t.Parallel()
	spool := filepath.Join(t.TempDir(), "spool")
	start := func(hostname string) *msa {
		t.Helper()
		l, err := configure([]string{"-spool", spool, "-hostname", hostname})
		if err != nil {
			t.Fatal(err)
		}
		m, err := newMSA(l, slog.New(slog.DiscardHandler), time.Now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m1 := start("msa.example.org")
	certFile, keyFile := spool+"-selfsigned.crt", spool+"-selfsigned.key"
	if m1.certFile != certFile {
		t.Fatalf("certificate file %q, want %q", m1.certFile, certFile)
	}
	for file, mode := range map[string]os.FileMode{certFile: 0o644, keyFile: 0o600} {
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, mode %v; want %v", file, err, fi.Mode().Perm(), mode)
		}
	}
	pemData, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemData)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, name := range []string{"msa.example.org", "localhost", "127.0.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("the kept certificate does not verify for %s: %v", name, err)
		}
	}

	if m2 := start("msa.example.org"); fingerprint(m2.cert) != fingerprint(m1.cert) {
		t.Error("a second start made a new certificate; want the kept one")
	}
	if m3 := start("mail.example.org"); fingerprint(m3.cert) == fingerprint(m1.cert) || m3.cert.Leaf.VerifyHostname("mail.example.org") != nil {
		t.Error("a start with another hostname kept the old certificate")
	}
}

// A spool the server cannot write to stops it at start.
func TestSpoolNotWritable(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("no /proc/self: this test needs a directory nobody may create files in, even root")
	}
	l, err := configure([]string{"-spool", "/proc/self"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = newMSA(l, slog.New(slog.DiscardHandler), time.Now, rand.Reader)
	if err == nil || !regexpMatch(`^spool /proc/self is not writable: open /proc/self/\.tmp-probe-\d+: `, err.Error()) {
		t.Errorf("newMSA with an unwritable spool = %v", err)
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
