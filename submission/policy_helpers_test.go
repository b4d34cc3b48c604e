package submission

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

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

func mustDomain(t testing.TB, s string) envelope.Domain {
	t.Helper()
	d, err := envelope.ParseDomain(s)
	if err != nil {
		t.Fatalf("ParseDomain(%q): %v", s, err)
	}
	return d
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

var accept = want{}

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

// fakeSenders is a SenderAuthorizer: user → allowed addresses ("@domain" for
// a whole domain). It records the mailboxes it was asked about.
type fakeSenders struct {
	allow map[string][]string
	err   error

	mu    sync.Mutex
	asked []string
}

var _ auth.SenderAuthorizer = (*fakeSenders)(nil)

func (f *fakeSenders) AuthorizeSender(ctx context.Context, id auth.Identity, m envelope.Mailbox) (bool, error) {
	f.mu.Lock()
	f.asked = append(f.asked, m.String())
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if f.err != nil {
		return false, f.err
	}
	for _, a := range f.allow[id.User()] {
		if strings.HasPrefix(a, "@") {
			if strings.EqualFold(a[1:], m.Domain.ASCII()) {
				return true, nil
			}
			continue
		}
		if strings.EqualFold(a, m.String()) {
			return true, nil
		}
	}
	return false, nil
}

func mustChain(t testing.TB, name string, ps ...policy.Policy) *policy.Chain {
	t.Helper()
	c, err := policy.NewChain(name, ps...)
	if err != nil {
		t.Fatalf("NewChain(%q): %v", name, err)
	}
	return c
}

// testAgent builds an Agent from cfg, with mx.example.org as the Hostname
// when cfg has none, a fixed clock and a deterministic random source when
// cfg has none, and a discarding logger.
func testAgent(t testing.TB, cfg Config) *Agent {
	t.Helper()
	if cfg.Hostname.IsZero() {
		cfg.Hostname = mustDomain(t, "mx.example.org")
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return fixedNow }
	}
	if cfg.Random == nil {
		cfg.Random = bytes.NewReader(bytes.Repeat([]byte{7}, 1<<20))
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// testProfile returns the policies of the RFC 6409 profile cfg configures,
// as New builds them (see testAgent).
func testProfile(t testing.TB, cfg Config) []policy.Policy {
	t.Helper()
	ps, err := testAgent(t, cfg).profile()
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	return ps
}

// profileChain returns the chain of the Agent cfg configures: the profile
// and cfg.Policies.
func profileChain(t testing.TB, cfg Config) *policy.Chain {
	t.Helper()
	return testAgent(t, cfg).chain
}
