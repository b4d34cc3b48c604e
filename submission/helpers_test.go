package submission_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/internal/msatest"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// testNow is the injected clock of every test agent.
var testNow = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

func clock() time.Time { return testNow }

// seededRandom returns a deterministic random source.
func seededRandom() io.Reader {
	var seed [32]byte
	copy(seed[:], "msakit submission test seed 0001")
	return rand.NewChaCha8(seed)
}

// The shared test helpers (internal/msatest) under this package's short
// names.
var (
	mustDomain  = msatest.Domain
	mustMailbox = msatest.Mailbox
)

// traceLog records trace records; safe for concurrent use.
type traceLog struct {
	mu   sync.Mutex
	recs []submission.TraceRecord
	err  error
}

var _ submission.TraceSink = (*traceLog)(nil)

func (l *traceLog) Record(_ context.Context, r submission.TraceRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	l.recs = append(l.recs, r)
	return nil
}

func (l *traceLog) all() []submission.TraceRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]submission.TraceRecord(nil), l.recs...)
}

// fixture is an agent with deterministic clock and randomness, users
// alice (alice@example.org, may also use @example.net) and bob.
type fixture struct {
	agent *submission.Agent
	users *auth.Users
	trace *traceLog
	logs  *bytes.Buffer
	alice auth.Identity
}

func newFixture(t testing.TB, mod func(*submission.Config)) *fixture {
	t.Helper()
	users := auth.NewUsers()
	if err := users.Add("alice", "secret-a", mustMailbox(t, "alice@example.org")); err != nil {
		t.Fatal(err)
	}
	if err := users.Add("bob", "secret-b", mustMailbox(t, "bob@example.org")); err != nil {
		t.Fatal(err)
	}
	senders := auth.NewSenders("+")
	if err := senders.Allow("alice", "@example.net"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{users: users, trace: &traceLog{}, logs: &bytes.Buffer{}}
	cfg := submission.Config{
		Hostname:      mustDomain(t, "msa.example.org"),
		Authenticator: users,
		Senders:       senders,
		Trusted:       []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Logger:        slog.New(slog.NewTextHandler(&lockedWriter{w: f.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:           clock,
		Random:        seededRandom(),
		Trace:         f.trace,
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := submission.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.agent = a
	f.alice = auth.Identity{
		AuthenticationID: "alice",
		Mechanism:        "PLAIN",
		At:               testNow,
		Address:          mustMailbox(t, "alice@example.org"),
	}
	return f
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// conn is a client from the Internet under TLS 1.3 after EHLO.
func conn() policy.Conn {
	return policy.Conn{
		RemoteAddr: netip.MustParseAddrPort("192.0.2.10:50000"),
		TLS:        &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256, HandshakeComplete: true},
		Helo:       "client.example.org",
		ESMTP:      true,
	}
}

// session returns a session authenticated as alice.
func (f *fixture) session() *submission.Session {
	s := f.agent.NewSession(conn())
	s.Authenticated(f.alice)
	return s
}

// anonymous returns an unauthenticated session from an untrusted address.
func (f *fixture) anonymous() *submission.Session { return f.agent.NewSession(conn()) }

// trusted returns an unauthenticated session from the trusted network.
func (f *fixture) trusted() *submission.Session {
	c := conn()
	c.RemoteAddr = netip.MustParseAddrPort("10.1.2.3:40000")
	return f.agent.NewSession(c)
}

// wantReply checks that err is a *policy.Reply with code and enhanced
// code (full form, "5.7.1"); code 0 means err must be nil.
func wantReply(t testing.TB, what string, err error, code int, enh string) {
	t.Helper()
	if code == 0 {
		if err != nil {
			t.Fatalf("%s = %v, want nil", what, err)
		}
		return
	}
	r, ok := errors.AsType[*policy.Reply](err)
	if !ok {
		t.Fatalf("%s = %v (%T), want *policy.Reply %d %s", what, err, err, code, enh)
	}
	if r.Code != code || r.EnhancedCode() != enh {
		t.Fatalf("%s = %d %s (%v), want %d %s", what, r.Code, r.EnhancedCode(), r, code, enh)
	}
	if verr := r.Valid(); verr != nil {
		t.Fatalf("%s: invalid reply %v: %v", what, r, verr)
	}
}

// crlf turns "\n" into "\r\n".
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// message is a small valid message from alice.
const message = `From: Alice <alice@example.org>
To: Bob <bob@example.com>
Subject: Lunch
Date: Mon, 23 Nov 2026 19:58:00 +0000
Message-ID: <lunch-1@example.org>

Shall we meet at noon?
`
