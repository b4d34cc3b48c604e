package policy_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// ExampleReply writes a refusal the way it reaches the client; a class that
// disagrees with the code is caught by Valid.
func ExampleReply() {
	r := &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Not for you"}
	fmt.Println(r.Line(), r.Valid())

	wrong := &policy.Reply{Code: 550, Enhanced: "4.7.1", Text: "Not for you"}
	fmt.Println(wrong.Valid())
	// Output:
	// 550 5.7.1 Not for you <nil>
	// policy: malformed enhanced status code
}

// ExampleChain runs two site policies over MAIL and RCPT: checks first, then
// rewrites, and a refusal names the policy that decided.
func ExampleChain() {
	noBounces := policy.Funcs{
		PolicyName: "no-null-sender",
		CheckMail: func(ctx context.Context, c *policy.Conn, tx *policy.Transaction) error {
			if tx.From.IsNull() {
				return &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "This service sends no bounces"}
			}
			return nil
		},
	}
	internalOnly := policy.Funcs{
		PolicyName: "internal-only",
		CheckRcpt: func(ctx context.Context, c *policy.Conn, tx *policy.Transaction, rcpt *policy.Recipient) error {
			if rcpt.Path.Mailbox().Domain.ASCII() != "example.org" {
				return &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Internal mail only"}
			}
			return nil
		},
	}
	chain, err := policy.NewChain("site", noBounces, internalOnly)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	conn := &policy.Conn{Trusted: true}
	for _, from := range []string{"<>", "<alice@example.org>"} {
		path, _ := envelope.ParseReversePath(from)
		tx := &policy.Transaction{From: path, OriginalFrom: from}
		if err := chain.Mail(ctx, conn, tx); err != nil {
			r, _ := errors.AsType[*policy.Reply](err)
			fmt.Printf("MAIL FROM:%s -> %s (%s)\n", from, r.Line(), r.Policy)
			continue
		}
		fmt.Printf("MAIL FROM:%s -> 250\n", from)
		for _, to := range []string{"<bob@example.org>", "<bob@example.net>"} {
			path, _ := envelope.ParseForwardPath(to)
			if err := chain.Rcpt(ctx, conn, tx, &policy.Recipient{Path: path, Original: to}); err != nil {
				r, _ := errors.AsType[*policy.Reply](err)
				fmt.Printf("RCPT TO:%s -> %s (%s)\n", to, r.Line(), r.Policy)
				continue
			}
			fmt.Printf("RCPT TO:%s -> 250\n", to)
		}
	}
	// Output:
	// MAIL FROM:<> -> 550 5.7.1 This service sends no bounces (no-null-sender)
	// MAIL FROM:<alice@example.org> -> 250
	// RCPT TO:<bob@example.org> -> 250
	// RCPT TO:<bob@example.net> -> 550 5.7.1 Internal mail only (internal-only)
}

// ExampleFuncs writes a policy that adds a header field after every check
// passed (a DATA rewrite, RFC 6409, Section 8).
func ExampleFuncs() {
	tag := policy.Funcs{
		PolicyName: "tag-identity",
		RewriteData: func(ctx context.Context, c *policy.Conn, tx *policy.Transaction, h *header.Header) error {
			f, err := header.NewField("X-Submitted-By", c.Identity.User(), false)
			if err != nil {
				return err
			}
			return h.PrependField(f)
		},
	}
	chain, err := policy.NewChain("site", tag)
	if err != nil {
		fmt.Println(err)
		return
	}
	h := &header.Header{}
	conn := &policy.Conn{Identity: auth.Identity{AuthenticationID: "alice"}}
	if err := chain.Data(context.Background(), conn, &policy.Transaction{}, h); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", h.Bytes())
	// Output:
	// "X-Submitted-By: alice\r\n"
}

// ExampleTransaction_SetValue keeps a policy's state across the RCPT
// commands of one transaction: here, at most two recipients outside the
// site's domain.
func ExampleTransaction_SetValue() {
	type externalKey struct{} // unexported: no other package can touch it
	limit := policy.Funcs{
		PolicyName: "external-limit",
		CheckRcpt: func(ctx context.Context, c *policy.Conn, tx *policy.Transaction, rcpt *policy.Recipient) error {
			if rcpt.Path.Mailbox().Domain.ASCII() == "example.org" {
				return nil
			}
			n, _ := tx.Value(externalKey{}).(int)
			if n >= 2 {
				return &policy.Reply{Code: 452, Enhanced: "4.5.3", Text: "Too many external recipients"}
			}
			tx.SetValue(externalKey{}, n+1)
			return nil
		},
	}
	chain, err := policy.NewChain("site", limit)
	if err != nil {
		fmt.Println(err)
		return
	}
	tx := &policy.Transaction{}
	for _, to := range []string{"<a@example.net>", "<b@example.org>", "<c@example.com>", "<d@example.net>"} {
		path, _ := envelope.ParseForwardPath(to)
		err := chain.Rcpt(context.Background(), &policy.Conn{Trusted: true}, tx, &policy.Recipient{Path: path})
		if r, ok := errors.AsType[*policy.Reply](err); ok {
			fmt.Println(to, r.Line())
			continue
		}
		fmt.Println(to, "250")
	}
	// Output:
	// <a@example.net> 250
	// <b@example.org> 250
	// <c@example.com> 250
	// <d@example.net> 452 4.5.3 Too many external recipients
}
