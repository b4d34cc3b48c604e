package dkim_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/examples/internal/dkimtest"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// testKey is a key file of testdata/keys with the DNS record that the tool
// which made it (OpenSSL or dkimpy's dknewkey) printed for it.
type testKey struct {
	file, dns string
}

var (
	// Made by "openssl genpkey": PKCS #8.
	keyRSA     = testKey{"rsa2048.pem", "rsa2048.dns"}
	keyEd25519 = testKey{"ed25519.pem", "ed25519.dns"}
	// Made by "openssl genrsa -traditional" (PKCS #1) and "dknewkey
	// --ktype ed25519" (a base64 seed).
	keyRSA1024   = testKey{"rsa1024-pkcs1.pem", ""}
	keyDKNewKeyE = testKey{"ed25519-dknewkey.key", "ed25519-dknewkey.dns"}
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadKey(t testing.TB, k testKey) crypto.Signer {
	t.Helper()
	s, err := dkim.ParsePrivateKey(readTestdata(t, filepath.Join("keys", k.file)))
	if err != nil {
		t.Fatalf("ParsePrivateKey(%s): %v", k.file, err)
	}
	return s
}

// signing is a test set-up: keys for example.org (RSA and Ed25519) and
// example.info (two keys from other tools), none for example.net; the DNS
// records the verifiers get; and an agent where alice may send as any
// address in the three domains.
type signing struct {
	signer  *dkim.Signer
	records dkimtest.Records
	agent   *submission.Agent
	alice   auth.Identity
}

func newSigning(t testing.TB, mod func(*dkim.Config, *submission.Config)) *signing {
	t.Helper()
	org, info := envelope.MustParseDomain("example.org"), envelope.MustParseDomain("example.info")
	dcfg := dkim.Config{Keys: []dkim.Key{
		{Domain: org, Selector: "rsa2026", Signer: loadKey(t, keyRSA)},
		{Domain: org, Selector: "ed2026", Signer: loadKey(t, keyEd25519)},
		{Domain: info, Selector: "dk", Signer: loadKey(t, keyDKNewKeyE)},
		{Domain: info, Selector: "old", Signer: loadKey(t, keyRSA1024)},
	}}
	s := &signing{records: dkimtest.Records{}}
	s.records.Add("rsa2026", "example.org", string(readTestdata(t, "keys/"+keyRSA.dns)))
	s.records.Add("ed2026", "example.org", string(readTestdata(t, "keys/"+keyEd25519.dns)))
	s.records.Add("dk", "example.info", string(readTestdata(t, "keys/"+keyDKNewKeyE.dns)))
	rec, err := dkim.Record(loadKey(t, keyRSA1024))
	if err != nil {
		t.Fatal(err)
	}
	s.records.Add("old", "example.info", rec)

	users := auth.NewUsers()
	if err := users.Add("alice", "secret", envelope.MustParseMailbox("alice@example.org")); err != nil {
		t.Fatal(err)
	}
	senders := auth.NewSenders("+")
	if err := senders.Allow("alice", "@example.org", "@example.net", "@example.info"); err != nil {
		t.Fatal(err)
	}
	scfg := submission.Config{
		Hostname:      envelope.MustParseDomain("msa.example.org"),
		Authenticator: users,
		Senders:       senders,
		AddSender:     true,
		Trace:         submission.TraceSinkFunc(func(context.Context, submission.TraceRecord) error { return nil }),
	}
	if mod != nil {
		mod(&dcfg, &scfg)
	}
	s.signer, err = dkim.New(dcfg)
	if err != nil {
		t.Fatalf("dkim.New: %v", err)
	}
	scfg.Signer = s.signer
	s.agent, err = submission.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	s.alice = auth.Identity{AuthenticationID: "alice", Mechanism: "PLAIN", Address: envelope.MustParseMailbox("alice@example.org")}
	return s
}

// submit sends msg (LF line ends become CRLF) as alice and returns the
// message as it would be queued: the signature fields, then what Data's
// reader returned.
func (s *signing) submit(t testing.TB, msg string, opts *policy.MailOptions) []byte {
	t.Helper()
	sess := s.agent.NewSession(policy.Conn{RemoteAddr: netip.MustParseAddrPort("192.0.2.1:40000"), Helo: "client.example.org", ESMTP: true})
	sess.Authenticated(s.alice)
	ctx := t.Context()
	if err := sess.Mail(ctx, "<alice@example.org>", opts); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	if err := sess.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
		t.Fatalf("RCPT: %v", err)
	}
	r, err := sess.Data(ctx, strings.NewReader(strings.ReplaceAll(msg, "\n", "\r\n")))
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	var out bytes.Buffer
	if _, err := io.Copy(&out, r); err != nil {
		t.Fatalf("reading the message: %v", err)
	}
	return append(bytes.Clone(r.(submission.SignedReader).Signature()), out.Bytes()...)
}

// countSignatures counts the DKIM-Signature fields at the top of msg.
func countSignatures(msg []byte) int {
	n := 0
	for line := range strings.Lines(string(msg)) {
		if strings.HasPrefix(strings.ToLower(line), "dkim-signature:") {
			n++
		}
		if line == "\r\n" {
			break
		}
	}
	return n
}

func bufioReader(p []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(p)) }
