package submission

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/msatest"
	"github.com/msakit/msakit/policy"
)

// The shared test helpers (internal/msatest) under this package's short
// names.
var (
	mustDomain  = msatest.Domain
	mustMailbox = msatest.Mailbox
	mustRev     = msatest.ReversePath
	mustFwd     = msatest.ForwardPath
	identity    = msatest.Identity
	authedConn  = msatest.AuthedConn
	tx          = msatest.Transaction
	rcpt        = msatest.Recipient
	mustChain   = msatest.Chain
)

// want is an expected outcome, a reply code and its full enhanced code
// ("5.7.1"): Code 0 means accept.
type want struct {
	Code     int
	Enhanced string
}

var accept = want{}

// checkReply fails unless err matches w (see msatest.CheckReply).
func checkReply(t testing.TB, what string, err error, w want) {
	t.Helper()
	msatest.CheckReply(t, what, err, w.Code, w.Enhanced)
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
