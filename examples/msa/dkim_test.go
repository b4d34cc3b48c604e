package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/examples/internal/dkimtest"
	"github.com/msakit/msakit/examples/internal/msaconfig"
)

// dkimKey is a key made by the dkim-keygen command: its -dkim-key flag and
// the record it printed, as DNS would serve it.
type dkimKey struct {
	flag, selector, record string
}

// quoted matches one character-string of a zone-file TXT record.
var quoted = regexp.MustCompile(`"([^"]*)"`)

// keygenCmd runs "msa dkim-keygen" with args in dir and returns what it
// printed, or its error.
func keygenCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), append([]string{keygenCommand}, args...), &out, &errOut)
	return out.String(), err
}

// makeKey runs dkim-keygen for example.org with selector and algorithm into
// a temporary directory, checks the file's mode, and returns the key.
func makeKey(t *testing.T, selector, algorithm string) dkimKey {
	t.Helper()
	file := filepath.Join(t.TempDir(), selector+".pem")
	out, err := keygenCmd(t, "-domain", "example.org", "-selector", selector, "-algorithm", algorithm, "-out", file)
	if err != nil {
		t.Fatalf("dkim-keygen: %v", err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	// The zone-file line: NAME IN TXT "..." ["..."...]; DNS concatenates
	// the strings (RFC 6376, Section 3.6.2.2).
	var rec strings.Builder
	zone := ""
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, selector+"._domainkey.example.org. IN TXT") {
			zone = line
		}
		if zone != "" {
			for _, m := range quoted.FindAllStringSubmatch(line, -1) {
				if len(m[1]) > 255 {
					t.Errorf("character-string of %d octets, DNS allows 255", len(m[1]))
				}
				rec.WriteString(m[1])
			}
			if strings.HasSuffix(strings.TrimSpace(line), ")") || !strings.Contains(line, "(") && zone == line {
				break
			}
		}
	}
	if zone == "" || rec.Len() == 0 {
		t.Fatalf("dkim-keygen printed no TXT record for %s._domainkey.example.org:\n%s", selector, out)
	}
	want := "-dkim-key example.org:" + selector + ":" + file
	if !strings.Contains(out, want) {
		t.Errorf("dkim-keygen output lacks %q:\n%s", want, out)
	}
	return dkimKey{flag: "example.org:" + selector + ":" + file, selector: selector, record: rec.String()}
}

// TestKeygenRefuses: bad arguments are usage errors or errors, and an
// existing key file is never replaced.
func TestKeygenRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "k.pem")
	if err := os.WriteFile(existing, []byte("in use"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
	}{
		{"no selector", []string{"-domain", "example.org"}, true},
		{"no domain", []string{"-selector", "s"}, true},
		{"extra argument", []string{"-domain", "example.org", "-selector", "s", "x"}, true},
		{"unknown flag", []string{"-domain", "example.org", "-selector", "s", "-bits", "4096"}, true},
		{"unknown algorithm", []string{"-domain", "example.org", "-selector", "s", "-algorithm", "dsa", "-out", filepath.Join(dir, "a.pem")}, false},
		{"bad selector", []string{"-domain", "example.org", "-selector", "s_1", "-algorithm", "ed25519", "-out", filepath.Join(dir, "b.pem")}, false},
		{"bad domain", []string{"-domain", "exa mple.org", "-selector", "s", "-out", filepath.Join(dir, "c.pem")}, false},
		{"existing file", []string{"-domain", "example.org", "-selector", "s", "-algorithm", "ed25519", "-out", existing}, false},
	} {
		_, err := keygenCmd(t, tc.args...)
		if err == nil || errors.Is(err, msaconfig.ErrUsage) != tc.usage {
			t.Errorf("%s: err %v, want an error (usage error: %v)", tc.name, err, tc.usage)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "in use" {
		t.Errorf("the existing key file was changed to %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the directory after the refusals, want 1", len(entries))
	}
}

// TestMSA_DKIM: keys made by dkim-keygen, an RSA and an Ed25519 one, sign
// every message the server spools or relays; both signatures verify with
// go-msgauth and dkimpy from the records dkim-keygen printed, and fail once
// one body octet changes.
func TestMSA_DKIM(t *testing.T) {
	t.Parallel()
	rsaKey, edKey := makeKey(t, "s2026", "rsa"), makeKey(t, "ed2026", "ed25519")
	recs := dkimtest.Records{}
	recs.Add(rsaKey.selector, "example.org", rsaKey.record)
	recs.Add(edKey.selector, "example.org", edKey.record)
	multipart := "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.net>\r\nSubject: parts\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nplain   text  \r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n"
	// No Date or Message-ID: msakit adds both before signing.
	bare := "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: bare\r\n\r\nbody\r\n"

	check := func(t *testing.T, what string, msg []byte) {
		t.Helper()
		if !bytes.HasPrefix(msg, []byte("DKIM-Signature:")) {
			t.Fatalf("%s does not start with DKIM-Signature:\n%.300s", what, msg)
		}
		// -dkim-fields' default adds Message-ID, which msakit always puts in.
		if sig, _, _ := bytes.Cut(msg, []byte("; s=")); !bytes.Contains(sig, []byte("Message-ID")) {
			t.Errorf("%s: Message-ID is not signed:\n%s", what, sig)
		}
		goRes, err := dkimtest.GoMsgauth(msg, recs)
		if err != nil {
			t.Fatalf("%s: go-msgauth: %v", what, err)
		}
		pyRes := dkimtest.DKIMPy(t, msg, recs)
		for name, res := range map[string][]dkimtest.Result{"go-msgauth": goRes, "dkimpy": pyRes} {
			if len(res) != 2 {
				t.Errorf("%s: %s found %d signatures, want 2", what, name, len(res))
			}
			for i, r := range res {
				if !r.OK || r.Domain != "example.org" {
					t.Errorf("%s: %s signature %d: %+v", what, name, i, r)
				}
			}
		}
		// One body octet changed: the case of the message's last letter.
		bad := bytes.Clone(msg)
		i := bytes.LastIndexFunc(bad, func(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' })
		bad[i] ^= 0x20
		goRes, _ = dkimtest.GoMsgauth(bad, recs)
		pyRes = dkimtest.DKIMPy(t, bad, recs)
		for name, res := range map[string][]dkimtest.Result{"go-msgauth": goRes, "dkimpy": pyRes} {
			for i, r := range res {
				if r.OK {
					t.Errorf("%s changed: %s still verifies signature %d", what, name, i)
				}
			}
		}
	}

	t.Run("spool", func(t *testing.T) {
		t.Parallel()
		m, spool := startMSA(t, "-dkim-key", rsaKey.flag, "-dkim-key", edKey.flag)
		c := goClient(t, m.addr, true)
		for _, msg := range []string{testMessage, multipart, bare} {
			if err := send(c, testFrom, []string{testRcpt}, msg); err != nil {
				t.Fatalf("send: %v", err)
			}
		}
		msgs := readSpool(t, spool)
		if len(msgs) != 3 {
			t.Fatalf("spool holds %d messages, want 3", len(msgs))
		}
		for _, s := range msgs {
			if int64(len(s.eml)) != s.rec.Size {
				t.Errorf("%s: record size %d, file %d", s.id, s.rec.Size, len(s.eml))
			}
			check(t, s.id+".eml", s.eml)
		}
	})
	t.Run("relay", func(t *testing.T) {
		t.Parallel()
		up, addr := startUpstream(t, nil, nil)
		m, _ := startMSA(t, "-relay", addr, "-dkim-key", rsaKey.flag, "-dkim-key", edKey.flag)
		c := goClient(t, m.addr, true)
		if err := send(c, testFrom, []string{testRcpt}, multipart); err != nil {
			t.Fatalf("send: %v", err)
		}
		up.mu.Lock()
		data := bytes.Clone(up.data)
		up.mu.Unlock()
		check(t, "relayed message", data)
	})
	// An 8-bit message for an upstream without 8BITMIME is converted, then
	// signed again (RFC 6376, Section 5.3): it arrives 7-bit with the two
	// signatures of the 7-bit form only (the body hash of the 8-bit form
	// would not verify). A body without MIME gets MIME-Version,
	// Content-Type and Content-Transfer-Encoding, which the new
	// signatures cover.
	t.Run("relay to a 7-bit upstream", func(t *testing.T) {
		t.Parallel()
		addr, dir := pythonUpstream(t)
		m, _ := startMSA(t, "-relay", addr, "-dkim-key", rsaKey.flag, "-dkim-key", edKey.flag)
		c := goClient(t, m.addr, true)
		plain := strings.ReplaceAll(testMessage, "Hello Bob,", "Hello Bob, ça va? Grüße aus Köln,")
		for i, msg := range []string{eightBitMessage, plain} {
			if err := send(c, testFrom, []string{testRcpt}, msg); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := received(t, dir, i+1)
			if i := bytes.IndexFunc(got, func(r rune) bool { return r >= 0x80 }); i >= 0 {
				t.Errorf("the upstream got an octet above 127 at %d", i)
			}
			if n := bytes.Count(got, []byte("DKIM-Signature:")); n != 2 {
				t.Errorf("%d DKIM-Signature fields, want the 2 of the 7-bit form:\n%s", n, got)
			}
			pythonCheck(t, msg, got)
			check(t, "message converted to 7-bit", got)
			if msg == plain {
				sig, _, _ := bytes.Cut(got, []byte("; s="))
				for _, f := range []string{"MIME-Version", "Content-Type", "Content-Transfer-Encoding"} {
					if !bytes.Contains(sig, []byte(f)) {
						t.Errorf("%s, added by the conversion, is not signed:\n%s", f, sig)
					}
				}
			}
		}
	})
	t.Run("no key for the From domain", func(t *testing.T) {
		t.Parallel()
		// The Ed25519 key, but for example.net: alice's example.org mail
		// is spooled unsigned.
		other := "example.net" + strings.TrimPrefix(edKey.flag, "example.org")
		m, spool := startMSA(t, "-dkim-key", other)
		c := goClient(t, m.addr, true)
		if err := send(c, testFrom, []string{testRcpt}, bare); err != nil {
			t.Fatalf("send: %v", err)
		}
		msgs := readSpool(t, spool)
		if len(msgs) != 1 || bytes.Contains(msgs[0].eml, []byte("DKIM-Signature")) {
			t.Errorf("a message from example.org, which has no key, was signed or lost: %d messages", len(msgs))
		}
	})
}

// TestDKIMFlags: a bad -dkim-key, and keys that cannot be used, fail at
// start, not at the first message.
func TestDKIMFlags(t *testing.T) {
	t.Parallel()
	// The syntax of a key: msaconfig's TestParseDKIMKey.
	if _, err := configure([]string{"-dkim-key", "example.org"}); !errors.Is(err, msaconfig.ErrUsage) || err.Error() != `-dkim-key: "example.org": want DOMAIN:SELECTOR:FILE` {
		t.Errorf("a bad -dkim-key: %v, want a usage error", err)
	}
	good := makeKey(t, "s3", "ed25519")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"missing file":   {"-dkim-key", "example.org:s:" + filepath.Join(t.TempDir(), "none.pem")},
		"not a key":      {"-dkim-key", "example.org:s:" + garbage},
		"bad selector":   {"-dkim-key", "example.org:s_1:" + strings.TrimPrefix(good.flag, "example.org:s3:")},
		"refused field":  {"-dkim-key", good.flag, "-dkim-fields", "Subject,Received"},
		"bad field name": {"-dkim-key", good.flag, "-dkim-fields", "X Y"},
	} {
		l, err := configure(append([]string{"-listen", "127.0.0.1:0", "-spool", t.TempDir()}, args...))
		if err != nil {
			t.Fatalf("%s: configure: %v", name, err)
		}
		if _, err := newMSA(l, slog.New(slog.DiscardHandler), time.Now, rand.Reader); err == nil {
			t.Errorf("%s: newMSA succeeded", name)
		}
	}
}
