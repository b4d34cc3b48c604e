package submission

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// FuzzCheckData runs the DATA checks (check-header, enforce-sender,
// qualify-domains) and then the whole RFC 6409 profile over arbitrary header
// bytes. Whatever header.Read accepts must give nil or a valid *policy.Reply,
// never a panic or another error; a refused header must be left unedited.
func FuzzCheckData(f *testing.F) {
	seeds := []string{
		msg(base),
		msg("From: alice@example.org, bob@example.org", "Sender: alice@example.org"),
		msg("From: \"alice@example.org\" <ceo@example.org>"),
		msg("From: =?utf-8?q?ceo=40example=2Eorg?= <alice@example.org>"),
		msg("From: Team: alice@example.org, ceo@example.org;"),
		msg("From: <@example.org:ceo@evil.example>", "To: bob@sales"),
		msg("Resent-From: alice@example.org", "Resent-Date: x", "From: c@example.net"),
		msg("From: alice@sales", "Cc: undisclosed:;", "Bcc:"),
		msg("From: \"ceo\uFF20example.org\" <alice@example.org>", "Date: 23 Nov 26 20:00 EST"),
		msg("To: (((((((((((a)))))))))) b@example.net", "From: (x) alice@example.org (y)"),
		"From: alice@example.org\r\n",
		"\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	senders := spoofSenders()
	checks := []policy.DataPolicy{
		checkHeader{},
		enforceSender{Senders: senders},
		qualifyDomains{Expand: mustDomain(f, "example.org")},
	}
	profile := profileChain(f, Config{
		Senders: senders, Expand: mustDomain(f, "example.org"),
		AddMissingFrom: true, AddSender: true,
		Rewrite: RewriteRules{LocalParts: map[string]string{"alice": "Alice.Example"},
			StripSubdomains: []envelope.Domain{mustDomain(f, "example.org")}, Header: true},
	})
	// rewritesStarted runs first among the rewrites and marks the
	// transaction, so that a refusal can be told from a failed rewrite.
	type rewritesStartedKey struct{}
	rewritesStarted := policy.Funcs{PolicyName: "rewrites-started",
		RewriteData: func(_ context.Context, _ *policy.Conn, tx *policy.Transaction, _ *header.Header) error {
			tx.SetValue(rewritesStartedKey{}, true)
			return nil
		}}
	chain := mustChain(f, "fuzz", rewritesStarted, profile)
	conn := authedConn(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := header.Read(bufio.NewReader(bytes.NewReader(data)), header.ReadOptions{})
		if err != nil {
			return
		}
		txn := tx(t, "<alice@example.org>")
		for _, p := range checks {
			mustBeReply(t, p.Name(), p.CheckData(t.Context(), conn, txn, h))
		}
		if h.Changed() {
			t.Fatal("a DATA check edited the header")
		}
		err = chain.Data(t.Context(), conn, txn, h)
		mustBeReply(t, "profile", err)
		if err != nil && txn.Value(rewritesStartedKey{}) == nil && h.Changed() {
			t.Fatal("a header refused by a check was edited")
		}
		if err == nil {
			// The accepted header must read back.
			if _, err := header.Read(bufio.NewReader(bytes.NewReader(h.Bytes())), header.ReadOptions{}); err != nil {
				t.Fatalf("accepted header does not read back: %v\n%q", err, h.Bytes())
			}
		}
	})
}

func mustBeReply(t *testing.T, who string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var r *policy.Reply
	if !errors.As(err, &r) {
		t.Fatalf("%s returned a non-reply error: %v", who, err)
	}
	if verr := r.Valid(); verr != nil {
		t.Fatalf("%s returned an invalid reply %q: %v", who, r.Line(), verr)
	}
}
