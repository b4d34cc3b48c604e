package policy_test

import (
	"errors"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

func mustMailbox(t testing.TB, s string) envelope.Mailbox {
	t.Helper()
	m, err := envelope.ParseMailbox(s)
	if err != nil {
		t.Fatalf("ParseMailbox(%q): %v", s, err)
	}
	return m
}

func mustRev(t testing.TB, s string) envelope.Path {
	t.Helper()
	p, err := envelope.ParseReversePath(s)
	if err != nil {
		t.Fatalf("ParseReversePath(%q): %v", s, err)
	}
	return p
}

func mustFwd(t testing.TB, s string) envelope.Path {
	t.Helper()
	p, err := envelope.ParseForwardPath(s)
	if err != nil {
		t.Fatalf("ParseForwardPath(%q): %v", s, err)
	}
	return p
}

// identity returns an authenticated identity for user with address addr.
func identity(t testing.TB, user, addr string) auth.Identity {
	t.Helper()
	id := auth.Identity{AuthenticationID: user, Mechanism: "PLAIN"}
	if addr != "" {
		id.Address = mustMailbox(t, addr)
	}
	return id
}

func authedConn(t testing.TB) *policy.Conn {
	return &policy.Conn{Identity: identity(t, "alice", "alice@example.org")}
}

func tx(t testing.TB, from string) *policy.Transaction {
	return &policy.Transaction{From: mustRev(t, from), OriginalFrom: from}
}

func rcpt(t testing.TB, to string) *policy.Recipient {
	return &policy.Recipient{Path: mustFwd(t, to), Original: to}
}

// want is an expected outcome, a reply code and its full enhanced code
// ("5.7.1"): Code 0 means accept.
type want struct {
	Code     int
	Enhanced string
}

// checkReply fails unless err matches w: nil for accept, else a *policy.Reply
// with that code and enhanced code (never the text), valid per Reply.Valid.
func checkReply(t testing.TB, what string, err error, w want) {
	t.Helper()
	if w.Code == 0 {
		if err != nil {
			t.Errorf("%s = %v, want accept", what, err)
		}
		return
	}
	var r *policy.Reply
	if !errors.As(err, &r) {
		t.Errorf("%s = %v, want reply %d %s", what, err, w.Code, w.Enhanced)
		return
	}
	if r.Code != w.Code || r.Enhanced != w.Enhanced {
		t.Errorf("%s = %d %s, want %d %s", what, r.Code, r.EnhancedCode(), w.Code, w.Enhanced)
	}
	if verr := r.Valid(); verr != nil {
		t.Errorf("%s returned an invalid reply %q: %v", what, r.Line(), verr)
	}
}
