// Package msatest holds the helpers that the tests of several msakit
// packages share: test literals parsed with a clear failure, the
// authenticated connection and transaction most policy tests start from, a
// policy chain, and the check of a reply by its code and enhanced code (never its text,
// DESIGN.md, "Quality bars"). It is for _test.go files only.
//
// It imports envelope, auth and policy, and never submission, so that
// submission's in-package tests can use it without an import cycle.
package msatest

import (
	"errors"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// Domain parses s (RFC 5321, Section 4.1.2) or fails the test.
func Domain(t testing.TB, s string) envelope.Domain {
	t.Helper()
	d, err := envelope.ParseDomain(s)
	if err != nil {
		t.Fatalf("ParseDomain(%q): %v", s, err)
	}
	return d
}

// Mailbox parses s (RFC 5321, Section 4.1.2) or fails the test.
func Mailbox(t testing.TB, s string) envelope.Mailbox {
	t.Helper()
	m, err := envelope.ParseMailbox(s)
	if err != nil {
		t.Fatalf("ParseMailbox(%q): %v", s, err)
	}
	return m
}

// ReversePath parses s as MAIL FROM's argument or fails the test.
func ReversePath(t testing.TB, s string) envelope.Path {
	t.Helper()
	p, err := envelope.ParseReversePath(s)
	if err != nil {
		t.Fatalf("ParseReversePath(%q): %v", s, err)
	}
	return p
}

// ForwardPath parses s as RCPT TO's argument or fails the test.
func ForwardPath(t testing.TB, s string) envelope.Path {
	t.Helper()
	p, err := envelope.ParseForwardPath(s)
	if err != nil {
		t.Fatalf("ParseForwardPath(%q): %v", s, err)
	}
	return p
}

// Identity is user authenticated with PLAIN, with the address addr ("":
// none).
func Identity(t testing.TB, user, addr string) auth.Identity {
	t.Helper()
	id := auth.Identity{AuthenticationID: user, Mechanism: "PLAIN"}
	if addr != "" {
		id.Address = Mailbox(t, addr)
	}
	return id
}

// AuthedConn is a connection authenticated as alice (alice@example.org).
func AuthedConn(t testing.TB) *policy.Conn {
	t.Helper()
	return &policy.Conn{Identity: Identity(t, "alice", "alice@example.org")}
}

// Transaction is a transaction whose MAIL FROM was from.
func Transaction(t testing.TB, from string) *policy.Transaction {
	t.Helper()
	return &policy.Transaction{From: ReversePath(t, from), OriginalFrom: from}
}

// Recipient is the recipient of RCPT TO:to.
func Recipient(t testing.TB, to string) *policy.Recipient {
	t.Helper()
	return &policy.Recipient{Path: ForwardPath(t, to), Original: to}
}

// Chain builds a policy.Chain named name from ps (policy.NewChain) or fails
// the test.
func Chain(t testing.TB, name string, ps ...policy.Policy) *policy.Chain {
	t.Helper()
	c, err := policy.NewChain(name, ps...)
	if err != nil {
		t.Fatalf("NewChain(%q): %v", name, err)
	}
	return c
}

// CheckReply reports an error (t.Errorf: a table test goes on) unless err
// is nil for code 0, or else a valid *policy.Reply with code and the full
// enhanced code ("5.7.1").
func CheckReply(t testing.TB, what string, err error, code int, enhanced string) {
	t.Helper()
	if code == 0 {
		if err != nil {
			t.Errorf("%s = %v, want accept", what, err)
		}
		return
	}
	var r *policy.Reply
	if !errors.As(err, &r) {
		t.Errorf("%s = %v, want reply %d %s", what, err, code, enhanced)
		return
	}
	if r.Code != code || r.Enhanced != enhanced {
		t.Errorf("%s = %d %s, want %d %s", what, r.Code, r.EnhancedCode(), code, enhanced)
	}
	if verr := r.Valid(); verr != nil {
		t.Errorf("%s returned an invalid reply %q: %v", what, r.Line(), verr)
	}
}
