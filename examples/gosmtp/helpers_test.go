package gosmtp

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/submission"
)

const (
	testUser     = "alice"
	testPassword = "correct horse battery staple"
	testFrom     = "alice@example.org"
	testHost     = "msa.example.org"
)

// testMessage is a conforming message as a mail client sends it.
const testMessage = "From: Alice <alice@example.org>\r\n" +
	"To: Bob <bob@example.net>\r\n" +
	"Subject: hello\r\n" +
	"Date: Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
	"Message-ID: <m1@example.org>\r\n" +
	"\r\n" +
	"Hello Bob.\r\n" +
	".. a dot-stuffed line\r\n"

// newTestAgent returns msakit's default profile with one user, changed by
// mods.
func newTestAgent(t testing.TB, mods ...func(*submission.Config)) *submission.Agent {
	t.Helper()
	users := auth.NewUsers()
	if err := users.Add(testUser, testPassword, envelope.MustParseMailbox(testFrom)); err != nil {
		t.Fatalf("Users.Add: %v", err)
	}
	return newAgent(t, submission.Config{Authenticator: users}, mods)
}

// newTrustedAgent is the default profile, trusting loopback so that a raw
// or fuzzed session can reach DATA without TLS and AUTH, changed by mods.
func newTrustedAgent(t testing.TB, mods ...func(*submission.Config)) *submission.Agent {
	t.Helper()
	return newAgent(t, submission.Config{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, mods)
}

// newAgent builds an agent from cfg with the tests' hostname, clock and
// CHUNKING (go-smtp implements BDAT), changed by mods.
func newAgent(t testing.TB, cfg submission.Config, mods []func(*submission.Config)) *submission.Agent {
	t.Helper()
	cfg.Hostname = envelope.MustParseDomain(testHost)
	cfg.Chunking = true
	cfg.Now = func() time.Time { return time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC) }
	for _, mod := range mods {
		mod(&cfg)
	}
	a, err := submission.New(cfg)
	if err != nil {
		t.Fatalf("submission.New: %v", err)
	}
	return a
}

// delivered is one message a memDeliverer stored.
type delivered struct {
	msg  Message
	data []byte
}

// memDeliverer keeps every message it read to the end, as a queue would.
type memDeliverer struct {
	mu   sync.Mutex
	msgs []delivered
	err  error // returned instead of storing, when set
	skip bool  // return nil without reading the body
	// ignoreErr drops the body's read error and returns nil, as a careless
	// queue would.
	ignoreErr bool
}

var _ Deliverer = (*memDeliverer)(nil)

func (d *memDeliverer) Deliver(ctx context.Context, m *Message) error {
	if d.skip {
		return nil
	}
	data, err := io.ReadAll(m.Body)
	if err != nil && !d.ignoreErr {
		return err
	}
	if d.err != nil {
		return d.err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.msgs = append(d.msgs, delivered{msg: *m, data: data})
	return nil
}

func (d *memDeliverer) all() []delivered {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]delivered(nil), d.msgs...)
}

// testCert returns a self-signed certificate for testHost and 127.0.0.1.
func testCert(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: testHost},
		DNSNames:     []string{testHost},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// testServer is a go-smtp server with the adapter, on loopback or on pipes.
type testServer struct {
	srv  *smtp.Server
	be   *Backend
	dlv  *memDeliverer
	addr string        // loopback address, "" for a pipe server
	pipe *pipeListener // nil for a loopback server
}

func newTestServer(t testing.TB, pipe bool, mods ...func(*submission.Config)) *testServer {
	t.Helper()
	return newTestServerWith(t, pipe, newTestAgent(t, mods...), ListenOptions{STARTTLS: testTLSConfig(t)})
}

// testTLSConfig is a server TLS config with testCert.
func testTLSConfig(t testing.TB) *tls.Config {
	t.Helper()
	return &tls.Config{Certificates: []tls.Certificate{testCert(t)}}
}

// newTestServerWith is newTestServer with agent, served through
// Backend.Listener with opts.
func newTestServerWith(t testing.TB, pipe bool, agent *submission.Agent, opts ListenOptions) *testServer {
	t.Helper()
	ts := &testServer{dlv: &memDeliverer{}}
	ts.be = NewBackend(agent, ts.dlv, nil)
	ts.srv = smtp.NewServer(ts.be)
	ts.be.Configure(ts.srv)
	ts.srv.Domain = testHost
	var l net.Listener
	if pipe {
		ts.pipe = newPipeListener()
		l = ts.pipe
	} else {
		var err error
		l, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ts.addr = l.Addr().String()
	}
	l = ts.be.Listener(l, opts)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ts.srv.Serve(l)
	}()
	t.Cleanup(func() {
		// go-smtp's Serve registers l from its goroutine; a Close that
		// comes first misses it. Close l too, so Serve always returns.
		_ = l.Close()
		_ = ts.srv.Close()
		<-done
	})
	return ts
}

// delivered returns the messages delivered so far and fails t unless there
// are n.
func (ts *testServer) delivered(t testing.TB, n int) []delivered {
	t.Helper()
	got := ts.dlv.all()
	if len(got) != n {
		t.Fatalf("%d messages delivered, want %d", len(got), n)
	}
	return got
}

// client returns a go-smtp client that said EHLO localhost, started TLS and, when
// login is set, authenticated with PLAIN.
func (ts *testServer) client(t testing.TB, login bool) *smtp.Client {
	t.Helper()
	c, err := smtp.DialStartTLS(ts.addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("DialStartTLS: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if login {
		if err := c.Auth(plainClient(testUser, testPassword)); err != nil {
			t.Fatalf("Auth: %v", err)
		}
	}
	return c
}

// pipeListener hands out the server ends of net.Pipe connections.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

func (l *pipeListener) dial(t testing.TB) net.Conn {
	t.Helper()
	client, server := net.Pipe()
	select {
	case l.conns <- server:
	case <-time.After(5 * time.Second):
		t.Fatal("pipe server did not accept")
	}
	return client
}

// rawClient speaks SMTP line by line, for what go-smtp's client cannot send.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	text *textproto.Conn
}

func (ts *testServer) raw(t testing.TB) *rawClient {
	t.Helper()
	var c net.Conn
	if ts.pipe != nil {
		c = ts.pipe.dial(t)
	} else {
		var err error
		if c, err = net.Dial("tcp", ts.addr); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	rc := &rawClient{t: t, conn: c, text: textproto.NewConn(c)}
	t.Cleanup(func() { _ = c.Close() })
	rc.expect("220")
	return rc
}

// reply is one (possibly multi-line) server reply.
type reply struct {
	code     int
	enhanced string // "5.7.0", "" when the reply has none
	lines    []string
}

func (r reply) String() string { return strconv.Itoa(r.code) + " " + strings.Join(r.lines, " | ") }

func (rc *rawClient) read() reply {
	rc.t.Helper()
	var r reply
	for {
		line, err := rc.text.ReadLine()
		if err != nil {
			rc.t.Fatalf("reading reply: %v", err)
		}
		if len(line) < 4 {
			rc.t.Fatalf("short reply line %q", line)
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil {
			rc.t.Fatalf("bad reply line %q", line)
		}
		r.code = code
		r.lines = append(r.lines, line[4:])
		if line[3] == ' ' {
			if f := strings.Fields(line[4:]); len(f) > 0 && strings.Count(f[0], ".") == 2 && f[0][0] >= '2' && f[0][0] <= '5' {
				r.enhanced = f[0]
			}
			return r
		}
	}
}

// cmd sends one line and returns the reply.
func (rc *rawClient) cmd(line string) reply {
	rc.t.Helper()
	if err := rc.text.PrintfLine("%s", line); err != nil {
		rc.t.Fatalf("writing %q: %v", line, err)
	}
	return rc.read()
}

// is reports whether r has the code and enhanced code of want, written
// "550 5.7.1", or "354" for a reply without an enhanced code.
func (r reply) is(want string) bool {
	code, enhanced, _ := strings.Cut(want, " ")
	return strconv.Itoa(r.code) == code && r.enhanced == enhanced
}

// expect reads a reply and fails unless it is want (see reply.is).
func (rc *rawClient) expect(want string) reply {
	rc.t.Helper()
	r := rc.read()
	if !r.is(want) {
		rc.t.Fatalf("reply %v (enhanced %q), want %s", r, r.enhanced, want)
	}
	return r
}

// must sends line and fails unless the reply is want (see reply.is).
func (rc *rawClient) must(line string, want string) reply {
	rc.t.Helper()
	r := rc.cmd(line)
	if !r.is(want) {
		shown := line
		if len(shown) > 80 {
			shown = shown[:80] + "..."
		}
		rc.t.Fatalf("%q: reply %v (enhanced %q), want %s", shown, r, r.enhanced, want)
	}
	return r
}

// write sends bytes as they are (DATA content, BDAT chunks).
func (rc *rawClient) write(b []byte) {
	rc.t.Helper()
	if _, err := rc.text.W.Write(b); err != nil {
		rc.t.Fatal(err)
	}
	if err := rc.text.W.Flush(); err != nil {
		rc.t.Fatal(err)
	}
}

// login says EHLO, starts TLS and authenticates with AUTH PLAIN.
func (rc *rawClient) login() {
	rc.t.Helper()
	rc.startTLS()
	rc.authPlain()
}

// authPlain authenticates as testUser with AUTH PLAIN.
func (rc *rawClient) authPlain() {
	rc.t.Helper()
	ir := base64.StdEncoding.EncodeToString([]byte("\x00" + testUser + "\x00" + testPassword))
	rc.must("AUTH PLAIN "+ir, "235 2.0.0")
}

// startTLS says EHLO, starts TLS and says EHLO again.
func (rc *rawClient) startTLS() {
	rc.t.Helper()
	rc.must("EHLO client.example.net", "250")
	rc.must("STARTTLS", "220 2.0.0")
	tc := tls.Client(rc.conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		rc.t.Fatalf("TLS handshake: %v", err)
	}
	rc.conn = tc
	rc.text = textproto.NewConn(tc)
	rc.must("EHLO client.example.net", "250")
}

// rest reads what the server writes until it closes the connection, and
// fails if it does not close it within 10 seconds.
func (rc *rawClient) rest() string {
	rc.t.Helper()
	_ = rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(rc.text.R)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		rc.t.Fatalf("connection not closed by the server: %v (read %q)", err, b)
	}
	return string(b)
}

// dotStuff prepares msg for DATA (RFC 5321, Section 4.5.2) and ends it:
// a line that starts with '.' gets another; lines end at CRLF only, so a
// bare LF stays inside a line.
func dotStuff(msg string) []byte {
	var b bytes.Buffer
	for line := range strings.SplitAfterSeq(msg, "\r\n") {
		if strings.HasPrefix(line, ".") {
			b.WriteByte('.')
		}
		b.WriteString(line)
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}

// smtpCode returns the code and enhanced code of a go-smtp client error.
func smtpCode(t testing.TB, err error) (int, string) {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not an *smtp.SMTPError", err, err)
	}
	ec := se.EnhancedCode
	return se.Code, strconv.Itoa(ec[0]) + "." + strconv.Itoa(ec[1]) + "." + strconv.Itoa(ec[2])
}

func plainClient(user, password string) sasl.Client { return sasl.NewPlainClient("", user, password) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
