package policy_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// ExampleChain runs the RFC 6409 profile plus a site policy over MAIL and RCPT.
func ExampleChain() {
	host, _ := envelope.ParseDomain("mx.example.org")
	ps := policy.Defaults(policy.DefaultOptions{
		Hostname: host,
		Trusted:  []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	})
	chain, err := policy.NewChain("submission", ps...)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	me, _ := envelope.ParseMailbox("alice@example.org")
	conn := &policy.Conn{Identity: auth.Identity{AuthenticationID: "alice", Address: me}}

	for _, from := range []string{"alice@example.org", "ceo@example.org", "alice@sales"} {
		path, _ := envelope.ParseReversePath(from)
		tx := &policy.Transaction{From: path, OriginalFrom: from}
		if err := chain.Mail(ctx, conn, tx); err != nil {
			var r *policy.Reply
			errors.As(err, &r)
			fmt.Printf("MAIL FROM:<%s> -> %d %s (%s)\n", from, r.Code, r.EnhancedCode(), r.Policy)
			continue
		}
		fmt.Printf("MAIL FROM:<%s> -> 250\n", from)
		to, _ := envelope.ParseForwardPath("<Postmaster>")
		rcpt := &policy.Recipient{Path: to}
		if err := chain.Rcpt(ctx, conn, tx, rcpt); err == nil {
			fmt.Printf("RCPT TO:<Postmaster> -> 250, queued for %s\n", rcpt.Path)
		}
	}
	// Output:
	// MAIL FROM:<alice@example.org> -> 250
	// RCPT TO:<Postmaster> -> 250, queued for <postmaster@mx.example.org>
	// MAIL FROM:<ceo@example.org> -> 550 5.7.1 (enforce-sender)
	// MAIL FROM:<alice@sales> -> 554 5.1.8 (qualify-domains)
}

// ExampleRequireAuth_rejected shows the reply an unauthenticated client gets.
func ExampleRequireAuth_rejected() {
	from, _ := envelope.ParseReversePath("<alice@example.org>")
	err := policy.RequireAuth{}.CheckMail(context.Background(), &policy.Conn{}, &policy.Transaction{From: from})

	var r *policy.Reply
	if errors.As(err, &r) {
		fmt.Println(r.Line())
		fmt.Println("auth required:", errors.Is(err, policy.ErrAuthRequired))
	}
	// Output:
	// 530 5.7.0 Authentication required
	// auth required: true
}

// ExampleFuncs writes a one-off policy in a few lines and adds it to the
// profile.
func ExampleFuncs() {
	noBounces := policy.Funcs{
		PolicyName: "no-null-sender",
		CheckMail: func(ctx context.Context, c *policy.Conn, tx *policy.Transaction) error {
			if tx.From.IsNull() {
				return &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "This service does not send bounces"}
			}
			return nil
		},
	}
	host, _ := envelope.ParseDomain("mx.example.org")
	chain, err := policy.NewChain("site", append(policy.Defaults(policy.DefaultOptions{Hostname: host}), noBounces)...)
	if err != nil {
		fmt.Println(err)
		return
	}
	me, _ := envelope.ParseMailbox("alice@example.org")
	conn := &policy.Conn{Identity: auth.Identity{AuthenticationID: "alice", Address: me}}
	null, _ := envelope.ParseReversePath("<>")
	err = chain.Mail(context.Background(), conn, &policy.Transaction{From: null})

	var r *policy.Reply
	if errors.As(err, &r) {
		fmt.Println(r.Line(), "by", r.Policy)
	}
	// Output:
	// 550 5.7.1 This service does not send bounces by no-null-sender
}

// Example_testSuite shows a test suite calling a validator directly: is this
// envelope acceptable to an RFC 6409 MSA?
func Example_testSuite() {
	ctx := context.Background()
	q := policy.QualifyDomains{}
	for _, to := range []string{"<bob@example.net>", "<bob@localhost>", "<Postmaster>"} {
		path, err := envelope.ParseForwardPath(to)
		if err != nil {
			fmt.Println(to, "syntax:", err)
			continue
		}
		err = q.CheckRcpt(ctx, &policy.Conn{}, &policy.Transaction{}, &policy.Recipient{Path: path})
		var r *policy.Reply
		switch {
		case err == nil:
			fmt.Println(to, "ok")
		case errors.As(err, &r):
			fmt.Println(to, r.Code, r.EnhancedCode())
		}
	}
	// Output:
	// <bob@example.net> ok
	// <bob@localhost> 554 5.1.2
	// <Postmaster> ok
}

// ExampleDefaults runs the DATA stage of the RFC 6409 profile: the header is
// checked as sent, then Date and Message-ID are added (RFC 6409, Sections
// 8.2 and 8.3) with an injected clock and identifier.
func ExampleDefaults() {
	host, _ := envelope.ParseDomain("mx.example.org")
	chain, err := policy.NewChain("rfc6409", policy.Defaults(policy.DefaultOptions{
		Hostname: host,
		Now:      func() time.Time { return time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) },
		NewID:    func() (string, error) { return "<20261123.1@mx.example.org>", nil },
	})...)
	if err != nil {
		fmt.Println(err)
		return
	}
	me, _ := envelope.ParseMailbox("alice@example.org")
	conn := &policy.Conn{Identity: auth.Identity{AuthenticationID: "alice", Address: me}}
	from, _ := envelope.ParseReversePath("<alice@example.org>")
	tx := &policy.Transaction{From: from}

	for _, in := range []string{
		"From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: lunch\r\n\r\n",
		"From: \"alice@example.org\" <ceo@example.org>\r\nTo: bob@example.net\r\n\r\n",
	} {
		h, err := header.Read(bufio.NewReader(strings.NewReader(in)), header.ReadOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := chain.Data(context.Background(), conn, tx, h); err != nil {
			var r *policy.Reply
			errors.As(err, &r)
			fmt.Println(r.Line())
			continue
		}
		// The header ends in CRLF; print it with LF for the example.
		fmt.Print(strings.ReplaceAll(string(h.Bytes()), "\r\n", "\n"))
	}
	// Output:
	// Message-ID: <20261123.1@mx.example.org>
	// Date: Mon, 23 Nov 2026 20:00:00 +0000
	// From: Alice <alice@example.org>
	// To: bob@example.net
	// Subject: lunch
	//
	// 550 5.7.1 Sender address not authorized for this account
}
