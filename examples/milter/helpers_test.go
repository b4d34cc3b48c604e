package milter

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// testNow is the injected clock of every test agent.
var testNow = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

func clock() time.Time { return testNow }

// seeded is a deterministic random source: two agents built from
// agentConfig draw the same submission ids and Message-IDs.
func seeded() io.Reader {
	var seed [32]byte
	copy(seed[:], "msakit milter test seed 00000001")
	return rand.NewChaCha8(seed)
}

// traceLog records trace records; err makes Record fail.
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

// seen is what a recording policy saw at MAIL and RCPT: the Conn msakit
// built from the macros and the transaction from the arguments.
type seen struct {
	mu    sync.Mutex
	conn  policy.Conn
	tx    policy.Transaction
	rcpts []policy.Recipient
}

func (s *seen) policy() policy.Funcs {
	return policy.Funcs{
		PolicyName: "test-recorder",
		CheckMail: func(_ context.Context, c *policy.Conn, tx *policy.Transaction) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.conn, s.tx = *c, *tx
			return nil
		},
		CheckRcpt: func(_ context.Context, _ *policy.Conn, _ *policy.Transaction, r *policy.Recipient) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.rcpts = append(s.rcpts, *r)
			return nil
		},
	}
}

func (s *seen) get() (policy.Conn, policy.Transaction, []policy.Recipient) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn, s.tx, append([]policy.Recipient(nil), s.rcpts...)
}

// agentConfig is the configuration of every test agent: alice may send as
// alice@example.org (her Address, from identify), any address in
// example.net and "a b"@example.org; 10.0.0.0/8 is trusted; Bcc is removed.
func agentConfig(t testing.TB, trace submission.TraceSink, logs io.Writer) submission.Config {
	t.Helper()
	senders := auth.NewSenders("+")
	if err := senders.Allow("alice", "@example.net", `"a b"@example.org`, "@old.example.org"); err != nil {
		t.Fatal(err)
	}
	return submission.Config{
		Hostname: envelope.MustParseDomain("msa.example.org"),
		Senders:  senders,
		Trusted:  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      clock,
		Random:   seeded(),
		Trace:    trace,
	}
}

// identify gives alice her address, as a user table would.
func identify(_ context.Context, id auth.Identity) (auth.Identity, error) {
	if id.User() == "alice" {
		id.Address = envelope.MustParseMailbox("alice@example.org")
	}
	return id, nil
}

// fixture is a milter Server on a free loopback port.
type fixture struct {
	addr  string
	trace *traceLog
	seen  *seen
	logs  *extest.LockedBuffer
	mod   func(*submission.Config)
}

// start starts a Server; mod changes the agent's Config, mmod the
// Server's. Both stop with the test.
func start(t testing.TB, mod func(*submission.Config), mmod func(*Config)) *fixture {
	t.Helper()
	f := &fixture{trace: &traceLog{}, seen: &seen{}, logs: &extest.LockedBuffer{}, mod: mod}
	cfg := agentConfig(t, f.trace, f.logs)
	cfg.Policies = append(cfg.Policies, f.seen.policy())
	if mod != nil {
		mod(&cfg)
	}
	mc := Config{Submission: cfg, Identify: identify, Logger: slog.New(slog.NewTextHandler(f.logs, nil))}
	if mmod != nil {
		mmod(&mc)
	}
	srv, err := New(mc)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return f
}

// reference runs msg through a plain msakit Session, configured as the
// fixture's agent and without Received, and returns its header: what the
// MTA's copy must hold after the milter's modifications.
func (f *fixture) reference(t testing.TB, user, from string, rcpts []string, mailArgs, msg string) string {
	t.Helper()
	cfg := agentConfig(t, &traceLog{}, io.Discard)
	if f.mod != nil {
		f.mod(&cfg)
	}
	cfg.DisableReceived = true
	agent, err := submission.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := agent.NewSession(policy.Conn{RemoteAddr: netip.MustParseAddrPort("192.0.2.10:50000")})
	id, _ := identify(t.Context(), auth.Identity{AuthenticationID: user, Mechanism: "PLAIN"})
	s.Authenticated(id)
	opts := mailOptions(mailArgs)
	if err := s.Mail(t.Context(), from, &opts); err != nil {
		t.Fatalf("reference MAIL: %v", err)
	}
	for _, r := range rcpts {
		if err := s.Rcpt(t.Context(), r, nil); err != nil {
			t.Fatalf("reference RCPT: %v", err)
		}
	}
	r, err := s.Data(t.Context(), strings.NewReader(msg))
	if err != nil {
		t.Fatalf("reference DATA: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reference DATA: %v", err)
	}
	h, _, _ := strings.Cut(string(out), "\r\n\r\n")
	return h + "\r\n"
}

// mta drives the Server as Postfix does, with go-milter's client.
type mta struct {
	t      testing.TB
	s      *gomilter.ClientSession
	m      *gomilter.MacroBag
	chunk  int // body chunk size
	hidden int // Received fields the MTA holds above those it sends
}

// dial opens a milter session as Postfix 3.7 would (its "v" macro), with
// opts added to the client's.
func (f *fixture) dial(t testing.TB, opts ...gomilter.Option) *mta {
	t.Helper()
	o := append([]gomilter.Option{
		gomilter.WithActions(gomilter.AllClientSupportedActionMasks),
		gomilter.WithReadTimeout(10 * time.Second),
	}, opts...)
	m := gomilter.NewMacroBag()
	m.Set("j", "mx.example.org")
	m.Set("v", "Postfix 3.7.11")
	m.Set("{daemon_name}", "submission")
	s, err := gomilter.NewClient("tcp", f.addr, o...).Session(m)
	if err != nil {
		t.Fatalf("milter session: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &mta{t: t, s: s, m: m, chunk: 64 << 10, hidden: 1}
}

// open sends connect and EHLO for a client at addr:port under TLS 1.3
// that authenticated as user ("": not at all), with the macros Postfix
// sends.
func (c *mta) open(addr string, port uint16, user string) {
	c.t.Helper()
	c.m.Set("{client_addr}", addr)
	c.m.Set("{client_port}", strconv.Itoa(int(port)))
	wantContinue(c.t, "connect", must(c.t)(c.s.Conn("client.example.org", gomilter.FamilyInet, port, addr)))
	c.m.Set("{tls_version}", "TLSv1.3")
	c.m.Set("{cipher}", "TLS_AES_256_GCM_SHA384")
	wantContinue(c.t, "EHLO", must(c.t)(c.s.Helo("client.example.org")))
	if user != "" {
		c.m.Set("{auth_authen}", user)
		c.m.Set("{auth_type}", "PLAIN")
	}
}

// alice opens a session of alice from 192.0.2.10:50000.
func (f *fixture) alice(t testing.TB, opts ...gomilter.Option) *mta {
	t.Helper()
	c := f.dial(t, opts...)
	c.open("192.0.2.10", 50000, "alice")
	return c
}

func (c *mta) mail(from, args string) *gomilter.Action {
	c.t.Helper()
	return must(c.t)(c.s.Mail(from, args))
}

func (c *mta) rcpt(to, args string) *gomilter.Action {
	c.t.Helper()
	return must(c.t)(c.s.Rcpt(to, args))
}

// send runs a whole transaction and returns the modifications and the
// final action, or the first refusal. After a refusal it sends Abort, as
// the MTA does.
func (c *mta) send(from string, rcpts []string, msg string) ([]gomilter.ModifyAction, *gomilter.Action) {
	c.t.Helper()
	if act := c.mail(from, ""); act.StopProcessing() {
		c.abort()
		return nil, act
	}
	for _, r := range rcpts {
		if act := c.rcpt(r, ""); act.StopProcessing() {
			c.abort()
			return nil, act
		}
	}
	return c.data(msg)
}

func (c *mta) abort() {
	c.t.Helper()
	if err := c.s.Abort(nil); err != nil {
		c.t.Fatalf("abort: %v", err)
	}
}

// data sends the message as Postfix does: one event per header field
// (name, and the value after the colon with its leading space and LF line
// breaks), end of header, the body in chunks of c.chunk octets, end of
// message.
func (c *mta) data(msg string) ([]gomilter.ModifyAction, *gomilter.Action) {
	c.t.Helper()
	if act := must(c.t)(c.s.DataStart()); act.StopProcessing() {
		c.abort()
		return nil, act
	}
	names, values, body := split(c.t, msg)
	for i := range names {
		if act := must(c.t)(c.s.HeaderField(names[i], strings.ReplaceAll(values[i], "\r\n", "\n"), nil)); act.StopProcessing() {
			c.abort()
			return nil, act
		}
	}
	if act := must(c.t)(c.s.HeaderEnd()); act.StopProcessing() {
		c.abort()
		return nil, act
	}
	for len(body) > 0 {
		n := min(c.chunk, len(body))
		act := must(c.t)(c.s.BodyChunk([]byte(body[:n])))
		body = body[n:]
		if act.StopProcessing() {
			c.abort()
			return nil, act
		}
	}
	mods, act, err := c.s.End()
	if err != nil {
		c.t.Fatalf("end of message: %v", err)
	}
	return mods, act
}

// split returns the header fields of msg (CRLF) as name and raw value, and
// the body.
func split(t testing.TB, msg string) (names, values []string, body string) {
	t.Helper()
	hdr, body, ok := strings.Cut(msg, "\r\n\r\n")
	if !ok {
		t.Fatalf("message without a header separator: %q", msg)
	}
	h, err := header.Read(bufio.NewReader(strings.NewReader(hdr+"\r\n\r\n")), header.ReadOptions{})
	if err != nil {
		t.Fatalf("test message header: %v", err)
	}
	for _, f := range h.All() {
		_, v, _ := strings.Cut(string(f.Raw()), ":")
		names = append(names, f.Name())
		values = append(values, strings.TrimSuffix(v, "\r\n"))
	}
	return names, values, body
}

// result applies mods to the header of msg as Postfix would (its own
// Received on top, which the milter never saw) and returns the header
// below that Received; it fails when the Received did not stay on top.
func (c *mta) result(msg string, mods []gomilter.ModifyAction) string {
	c.t.Helper()
	names, values, _ := split(c.t, msg)
	var orig []origField
	for i := range names {
		orig = append(orig, origField{name: names[i], raw: []byte(names[i] + ":" + values[i] + "\r\n")})
	}
	h := newMTAHeader(orig, c.hidden)
	var ops []headerOp
	for _, m := range mods {
		switch m.Type {
		case gomilter.ActionInsertHeader:
			ops = append(ops, headerOp{kind: opInsert, index: int(m.HeaderIndex), name: m.HeaderName, value: m.HeaderValue})
		case gomilter.ActionChangeHeader:
			k := opChange
			if m.HeaderValue == "" {
				k = opDelete
			}
			ops = append(ops, headerOp{kind: k, index: int(m.HeaderIndex), name: m.HeaderName, value: m.HeaderValue})
		case gomilter.ActionAddHeader:
			c.t.Fatalf("SMFIR_ADDHEADER %s: msakit inserts at an index", m.HeaderName)
		}
	}
	h.apply(c.t, ops)
	for i := range c.hidden {
		if h.names[i] != "Received" {
			c.t.Fatalf("field %d is %s, want the MTA's own Received", i, h.names[i])
		}
	}
	return strings.ReplaceAll(h.text(c.hidden), "\r\n", "\n")
}

// must fails the test on a protocol error.
func must(t testing.TB) func(*gomilter.Action, error) *gomilter.Action {
	return func(a *gomilter.Action, err error) *gomilter.Action {
		t.Helper()
		if err != nil {
			t.Fatalf("milter: %v", err)
		}
		return a
	}
}

func wantContinue(t testing.TB, what string, act *gomilter.Action) {
	t.Helper()
	if act.Type != gomilter.ActionContinue && act.Type != gomilter.ActionAccept {
		t.Fatalf("%s: %v, want continue", what, act)
	}
}

// wantReply checks that act refuses with code and enhanced code, sent as
// SMFIR_REPLYCODE ("550 5.7.1 text").
func wantReply(t testing.TB, what string, act *gomilter.Action, code uint16, enh string) {
	t.Helper()
	if act == nil || act.Type != gomilter.ActionRejectWithCode || act.SMTPCode != code || !strings.HasPrefix(act.SMTPReply, fmt.Sprintf("%d %s ", code, enh)) {
		t.Fatalf("%s: %v, want SMFIR_REPLYCODE %d %s", what, act, code, enh)
	}
}

// crlf turns "\n" into "\r\n".
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// testMessage is a complete message from alice.
const testMessage = `From: Alice <alice@example.org>
To: Bob <bob@example.com>
Subject: Lunch
Date: Mon, 23 Nov 2026 19:58:00 +0000
Message-ID: <lunch-1@example.org>

Shall we meet at noon?
`
