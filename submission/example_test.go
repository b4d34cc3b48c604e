package submission_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// Example is the quick start: an MSA with one user, one session that
// authenticates, and a transaction with one accepted and one refused
// recipient. A real server calls the same methods from its MAIL, RCPT and
// DATA handlers and writes every error to the client as it is.
func Example() {
	ctx := context.Background()
	show := func(cmd string, err error) { // what the server would send
		var reply *policy.Reply
		if errors.As(err, &reply) {
			fmt.Println(cmd, reply.Code, reply.EnhancedCode(), reply.Text)
		} else {
			fmt.Println(cmd, "250 OK")
		}
	}

	users := auth.NewUsers()
	alice := envelope.MustParseMailbox("alice@example.org")
	_ = users.Add("alice", "correct horse", alice)
	host := envelope.MustParseDomain("msa.example.org") // a literal: a typo panics at start

	agent, err := submission.New(submission.Config{
		Hostname:      host, // the rest of the zero Config is the RFC 6409 profile
		Authenticator: users,
	})
	if err != nil {
		panic(err)
	}

	// One Session per connection; this client came in on port 465 (TLS).
	sess := agent.NewSession(policy.Conn{
		RemoteAddr: netip.MustParseAddrPort("192.0.2.10:50000"),
		TLS:        &tls.ConnectionState{Version: tls.VersionTLS13},
	})
	sess.SetHelo("client.example.org", true)
	fmt.Println("EHLO", agent.Extensions(sess.Conn()))

	// Without AUTH, MAIL is refused (RFC 6409, Section 4.3).
	show("MAIL", sess.Mail(ctx, "<alice@example.org>", nil))

	// AUTH PLAIN (RFC 4954); the server does the base64 and the 334s.
	srv, _ := sess.NewSASLServer(ctx, "PLAIN")
	if _, _, err := srv.Next([]byte("\x00alice\x00correct horse")); err != nil {
		panic(err)
	}

	show("MAIL", sess.Mail(ctx, "<alice@example.org>", nil))
	show("RCPT", sess.Rcpt(ctx, "<bob@example.com>", nil))
	show("RCPT", sess.Rcpt(ctx, "<carol@sales>", nil)) // not fully qualified
	// Output:
	// EHLO [PIPELINING ENHANCEDSTATUSCODES 8BITMIME SMTPUTF8 DSN SIZE 33554432 AUTH PLAIN LOGIN]
	// MAIL 530 5.7.0 Authentication required
	// MAIL 250 OK
	// RCPT 250 OK
	// RCPT 554 5.1.2 Recipient domain must be fully qualified
}

// ExampleSession_Data shows the whole flow with a fixed clock and random
// source: the message gets a Received field, and the missing Date and
// Message-ID fields are added (RFC 6409, Sections 8.2 and 8.3); the body
// streams through unchanged.
func ExampleSession_Data() {
	ctx := context.Background()
	host, _ := envelope.ParseDomain("msa.example.org")
	agent, _ := submission.New(submission.Config{
		Hostname: host,
		Trusted:  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		// Fixed for the example; leave them nil in production.
		Now:    func() time.Time { return time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) },
		Random: rand.NewChaCha8([32]byte{}),
	})
	sess := agent.NewSession(policy.Conn{RemoteAddr: netip.MustParseAddrPort("10.1.2.3:40000")})
	sess.SetHelo("printer.example.org", true)

	_ = sess.Mail(ctx, "<printer@example.org>", nil)
	_ = sess.Rcpt(ctx, "<bob@example.com>", nil)
	msg := "From: printer@example.org\r\n" +
		"To: bob@example.com\r\n" +
		"Subject: Scan\r\n" +
		"\r\n" +
		"Your scan is attached.\r\n"
	r, err := sess.Data(ctx, strings.NewReader(msg))
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := io.ReadAll(r) // the server queues what it reads; err would be a *policy.Reply
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(string(out), "\r\n", "\n"))
	// Output:
	// Received: from printer.example.org ([10.1.2.3]) by msa.example.org with ESMTP
	//  id 3gdx5ttng2fkygtpigpa for <bob@example.com>;
	//  Mon, 23 Nov 2026 20:00:00 +0000
	// Message-ID: <yyt4o2y37mp2g7cbuepki2w5njenrfdu@msa.example.org>
	// Date: Mon, 23 Nov 2026 20:00:00 +0000
	// From: printer@example.org
	// To: bob@example.com
	// Subject: Scan
	//
	// Your scan is attached.
}

// Example_customPolicy adds a policy of one's own to the RFC 6409 profile:
// here, no message may go to a domain under embargo. It runs after the
// built-in RCPT checks.
func Example_customPolicy() {
	ctx := context.Background()
	host, _ := envelope.ParseDomain("msa.example.org")
	embargo := policy.Funcs{PolicyName: "embargo", CheckRcpt: func(_ context.Context, _ *policy.Conn, _ *policy.Transaction, r *policy.Recipient) error {
		if r.Path.Mailbox().Domain.ASCII() == "embargoed.example" {
			return &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Recipient domain under embargo"}
		}
		return nil
	}}
	agent, err := submission.New(submission.Config{
		Hostname: host,
		Trusted:  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Policies: []policy.Policy{embargo},
	})
	if err != nil {
		panic(err)
	}
	sess := agent.NewSession(policy.Conn{RemoteAddr: netip.MustParseAddrPort("10.1.2.3:40000")})
	_ = sess.Mail(ctx, "<printer@example.org>", nil)
	fmt.Println(sess.Rcpt(ctx, "<bob@example.com>", nil))
	var reply *policy.Reply
	if errors.As(sess.Rcpt(ctx, "<eve@embargoed.example>", nil), &reply) {
		fmt.Println(reply.Code, reply.EnhancedCode(), reply.Policy)
	}
	// Output:
	// <nil>
	// 550 5.7.1 embargo
}

// ExampleDowngrade converts a message for a relay whose next hop does not
// offer 8BITMIME (RFC 6152, Section 3): the 8-bit text part becomes
// quoted-printable, the 7-bit part and the structure stay as they were. A
// message that cannot be converted gets the reply ReplyFor gives its error.
func ExampleDowngrade() {
	msg := strings.ReplaceAll(`From: Alice <alice@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße from Köln, with the report.
--b
Content-Type: text/plain

Nothing to convert here.
--b--
`, "\n", "\r\n")
	var out strings.Builder
	if err := submission.Downgrade(&out, strings.NewReader(msg)); err != nil {
		reply, _ := submission.ReplyFor(submission.StageData, err)
		fmt.Println(reply.Code, reply.EnhancedCode(), reply.Text)
		return
	}
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))

	err := submission.Downgrade(io.Discard, strings.NewReader("Subject: Grüße\r\n\r\nHi\r\n"))
	reply, _ := submission.ReplyFor(submission.StageData, err)
	fmt.Println(reply.Code, reply.EnhancedCode(), reply.Text)
	// Output:
	// From: Alice <alice@example.org>
	// MIME-Version: 1.0
	// Content-Type: multipart/mixed; boundary=b
	//
	// --b
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: quoted-printable
	//
	// Gr=C3=BC=C3=9Fe from K=C3=B6ln, with the report.
	// --b
	// Content-Type: text/plain
	//
	// Nothing to convert here.
	// --b--
	// 554 5.6.3 8-bit header field cannot be converted to 7-bit for the next hop (RFC 6152)
}

// bodyHashSigner is a toy Signer for the example: it "signs" every message
// with the SHA-256 of its body. examples/dkim is the real one (RFC 6376).
type bodyHashSigner struct{}

func (bodyHashSigner) Sign(ctx context.Context, req submission.SignRequest) (submission.BodySigner, error) {
	return &bodyHash{h: sha256.New()}, nil
}

type bodyHash struct{ h hash.Hash }

func (b *bodyHash) Write(p []byte) (int, error) { return b.h.Write(p) }

func (b *bodyHash) Sum() ([]byte, error) {
	return []byte("X-Body-SHA256: " + hex.EncodeToString(b.h.Sum(nil)[:8]) + "\r\n"), nil
}

// ExampleSignedReader shows how a server queues a signed message (RFC
// 6409, Section 8.5): it reads the reader Data returns to its end, into
// its spool, and only then takes the signature fields, by a type
// assertion, to write in front of what it read. The body is never held in
// memory by msakit.
func ExampleSignedReader() {
	ctx := context.Background()
	host, _ := envelope.ParseDomain("msa.example.org")
	agent, _ := submission.New(submission.Config{
		Hostname: host,
		Trusted:  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Signer:   bodyHashSigner{},
	})
	sess := agent.NewSession(policy.Conn{RemoteAddr: netip.MustParseAddrPort("10.1.2.3:40000")})
	_ = sess.Mail(ctx, "<printer@example.org>", nil)
	_ = sess.Rcpt(ctx, "<bob@example.com>", nil)
	msg, err := sess.Data(ctx, strings.NewReader("From: printer@example.org\r\nTo: bob@example.com\r\n\r\nScan attached.\r\n"))
	if err != nil {
		fmt.Println(err) // a *policy.Reply for the client
		return
	}
	var spool bytes.Buffer // a temporary file in a real server
	if _, err := io.Copy(&spool, msg); err != nil {
		fmt.Println(err) // a *policy.Reply: discard the spool
		return
	}
	sig := msg.(submission.SignedReader).Signature()                // valid after io.EOF
	queued := append(append([]byte(nil), sig...), spool.Bytes()...) // what the server commits
	fmt.Println(strings.TrimSuffix(string(sig), "\r\n"))
	fmt.Println(bytes.HasPrefix(queued, []byte("X-Body-SHA256: ")), bytes.HasSuffix(queued, []byte("\r\n\r\nScan attached.\r\n")))
	// Output:
	// X-Body-SHA256: 3221afcadd37094b
	// true true
}

// ExampleAgent_CheckAddress asks the MSA whether it would accept envelope
// addresses, as a test suite or a form validating an address may, and
// gets the reply MAIL or RCPT would send.
func ExampleAgent_CheckAddress() {
	host, _ := envelope.ParseDomain("msa.example.org")
	agent, err := submission.New(submission.Config{Hostname: host})
	if err != nil {
		panic(err)
	}
	for _, to := range []string{"<bob@example.com>", "<Postmaster>", "<bob@sales>", "<jörg@example.com>", "<bob@@example.com>"} {
		path, err := agent.CheckAddress(submission.StageRcpt, to, false)
		if r, ok := errors.AsType[*policy.Reply](err); ok {
			fmt.Println(to, r.Code, r.EnhancedCode(), r.Text)
			continue
		}
		fmt.Println(to, "accepted as", path)
	}
	// Output:
	// <bob@example.com> accepted as <bob@example.com>
	// <Postmaster> accepted as <postmaster@msa.example.org>
	// <bob@sales> 554 5.1.2 Recipient domain must be fully qualified
	// <jörg@example.com> 553 5.6.7 Non-ASCII recipient address requires SMTPUTF8
	// <bob@@example.com> 501 5.1.3 Bad recipient address syntax
}

// ExampleAgent_Check shows what the MSA would do to a message before it is
// sent: the fields it adds, or the reply that refuses it.
func ExampleAgent_Check() {
	host, _ := envelope.ParseDomain("msa.example.org")
	agent, err := submission.New(submission.Config{
		Hostname: host,
		Now:      func() time.Time { return time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	alice, _ := envelope.ParseMailbox("alice@example.org")
	sub := submission.Submission{
		Conn:    policy.Conn{Identity: auth.Identity{AuthenticationID: "alice", Address: alice}},
		From:    "<alice@example.org>",
		To:      []string{"<bob@example.com>"},
		Message: []byte("From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: lunch\r\n\r\nNoon?\r\n"),
	}
	rep := agent.Check(context.Background(), sub)
	for _, f := range rep.Added {
		if f.Name() != "Message-ID" && f.Name() != "Received" { // random ids
			fmt.Println("+", strings.TrimSpace(string(f.Raw())))
		}
	}

	sub.Message = []byte("From: The Boss <ceo@example.org>\r\nTo: bob@example.com\r\n\r\nPay this.\r\n")
	rep = agent.Check(context.Background(), sub)
	fmt.Println(rep.Stage, rep.Reply.Line())
	// Output:
	// + Date: Mon, 23 Nov 2026 20:00:00 +0000
	// DATA 550 5.7.1 Sender address not authorized for this account
}
