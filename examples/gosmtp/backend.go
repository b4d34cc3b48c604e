package gosmtp

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// Message is one transaction msakit accepted, handed to a [Deliverer].
type Message struct {
	// Conn is the connection state: client address, TLS, EHLO argument and
	// the authenticated identity (RFC 4954).
	Conn policy.Conn
	// Transaction is the envelope as msakit accepted it, after its
	// rewrites: reverse-path, MAIL parameters and recipients. Its ID is the
	// id msakit wrote into the Received field (RFC 5321, Section 4.4). It is
	// a copy the Deliverer may keep. Its Undeclared8Bit (and so BodyType)
	// becomes true while Body is read when the message holds 8-bit data
	// the client did not declare with BODY=8BITMIME (RFC 6152): read it
	// after Body.
	Transaction *policy.Transaction
	// Body is the message to queue: msakit's header followed by the body,
	// streamed from the client. It is valid only during Deliver. Its Read
	// returns a *policy.Reply when the body breaks a rule (bare CR or LF,
	// line too long, too big); the message must then be discarded. When
	// msakit signs messages, what Body returns must be queued after
	// [Message.Signature].
	Body io.Reader
}

// Signature returns the header fields that the Agent's signer
// (submission.Config.Signer, DKIM with examples/dkim; RFC 6376, Section
// 3.5) made for this message, each ending in CRLF; they go in front of what
// Body returned. It is valid once Body has returned io.EOF; before that,
// without a signer, or when the signer had no key for the message, it
// returns nil. It asks Body, so a Body that is not a
// [submission.SignedReader] (a test's) gives nil. Valid only during
// Deliver.
func (m *Message) Signature() []byte {
	if sr, ok := m.Body.(submission.SignedReader); ok {
		return sr.Signature()
	}
	return nil
}

// Deliverer stores or relays accepted messages; it is the server's queue.
//
// Deliver must read m.Body to io.EOF before it makes the message durable,
// and must report success only once it is: the client gets 250 when
// Deliver returns nil (RFC 5321, Section 6.1: the server takes
// responsibility). When reading m.Body fails, Deliver must discard what it
// stored and return that error; the client then gets msakit's reply. A
// *policy.Reply returned by Deliver is sent as is; any other error becomes
// 451 4.3.0 and is logged. Deliver may be called from several goroutines at
// once, one per connection.
//
// With a signer (submission.Config.Signer), the message to queue is
// [Message.Signature] followed by what m.Body returned, and the signature
// is known only after m.Body returned io.EOF: stream m.Body to its
// destination (a temporary file), then write the signature in front of it
// (a new file that starts with the signature, followed by the temporary
// file's contents; or a relay that sends the signature before the staged
// message) before making it durable. A Deliverer that returns nil without
// having called Signature after the end of a signed message gets 451 4.3.0
// for it, logged: silently dropping a signature would only surface later,
// as DMARC failures at the receivers.
type Deliverer interface {
	Deliver(ctx context.Context, m *Message) error
}

// DeliverFunc adapts a function to [Deliverer].
type DeliverFunc func(ctx context.Context, m *Message) error

// Deliver calls f(ctx, m).
func (f DeliverFunc) Deliver(ctx context.Context, m *Message) error { return f(ctx, m) }

// Backend is a go-smtp [smtp.Backend] that runs every session through an
// msakit [submission.Agent] (RFC 6409). It is safe for concurrent use; one
// Backend may serve several [smtp.Server] values (a STARTTLS port and an
// implicit-TLS port, RFC 8314).
type Backend struct {
	agent   *submission.Agent
	deliver Deliverer
	logger  *slog.Logger

	mu       sync.Mutex
	sessions map[*Session]struct{}
	draining bool
}

var _ smtp.Backend = (*Backend)(nil)

// NewBackend returns a Backend that checks with agent and hands accepted
// messages to d; both are required. A nil logger discards the adapter's own
// log records (msakit logs through its Config.Logger).
func NewBackend(agent *submission.Agent, d Deliverer, logger *slog.Logger) *Backend {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Backend{
		agent:    agent,
		deliver:  d,
		logger:   logger,
		sessions: make(map[*Session]struct{}),
	}
}

// Configure sets the fields of s that must agree with msakit:
//
//   - AllowInsecureAuth, so that msakit, not go-smtp, decides which SASL
//     mechanisms are offered and allowed without TLS (RFC 4954, Section 4;
//     RFC 8314): go-smtp would otherwise answer its own 523.
//   - EnableSMTPUTF8, EnableBINARYMIME, EnableDSN and EnableREQUIRETLS from
//     the keywords [submission.Agent.Extensions] offers under TLS
//     (RFC 6409, Section 7).
//   - MaxMessageBytes to [submission.Agent.MaxSize] (RFC 1870), so that
//     go-smtp announces the same SIZE and refuses a BDAT chunk past it.
//   - MaxLineLength to 0 (no limit of go-smtp's): the guard of
//     [Backend.Listener] bounds command lines, msakit judges message lines
//     (554 5.6.0), and a BDAT chunk is never split into lines.
//   - ErrorLog, to the Backend's logger.
//
// The EHLO response is msakit's ([submission.Agent.Extensions], written by
// the guard of [Backend.Listener]); go-smtp implements BDAT (RFC 3030), so
// give the Agent Config.Chunking to offer CHUNKING and BINARYMIME.
// Call Configure after [smtp.NewServer] and before serving, and serve
// through [Backend.Listener]; TLS goes to its [ListenOptions], not to
// smtp.Server.TLSConfig.
func (b *Backend) Configure(s *smtp.Server) {
	s.AllowInsecureAuth = true
	s.MaxLineLength = 0
	s.ErrorLog = errorLog{b.logger}
	if n := b.agent.MaxSize(); n > 0 {
		s.MaxMessageBytes = n
	}
	conn := policy.Conn{TLS: &tls.ConnectionState{}, ESMTP: true}
	for _, ext := range b.agent.Extensions(conn) {
		keyword, _, _ := strings.Cut(ext, " ")
		switch strings.ToUpper(keyword) {
		case "SMTPUTF8":
			s.EnableSMTPUTF8 = true
		case "BINARYMIME":
			s.EnableBINARYMIME = true
		case "DSN":
			s.EnableDSN = true
		case "REQUIRETLS":
			s.EnableREQUIRETLS = true
		}
	}
}

// NewSession implements [smtp.Backend]. go-smtp calls it at the first EHLO
// or HELO, and again after STARTTLS, so the state it records (client
// address, TLS, EHLO argument) is current. While the Backend drains (see
// [Backend.Drain]) it refuses with 421 4.3.2 (RFC 5321, Section 3.8).
func (b *Backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	g, ok := c.Conn().(*conn)
	if !ok {
		// Without the guard go-smtp would read message content as
		// commands after a stalled DATA, among other things.
		b.logger.LogAttrs(context.Background(), slog.LevelError,
			"connection not accepted from Backend.Listener: session refused (see the gosmtp package documentation)")
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 5}, Message: "Service not available: server misconfigured"}
	}
	pc := policy.Conn{
		RemoteAddr: remoteAddr(g),
		Helo:       c.Hostname(),
		ESMTP:      g.greeting() == "EHLO",
		TLS:        g.tlsState(),
	}
	s := &Session{b: b, c: c, g: g, helo: pc.Helo}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.draining {
		s.cancel()
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Service shutting down"}
	}
	s.s = b.agent.NewSession(pc)
	b.sessions[s] = struct{}{}
	g.setSession(s)
	return s, nil
}

// Drain prepares a graceful shutdown: new sessions are refused with 421,
// idle connections are closed now, and a connection inside a transaction is
// closed as soon as that transaction ends (after the reply to DATA or BDAT
// LAST has been written). Use it together with [smtp.Server.Shutdown], which
// stops the listeners and waits for the connections to end; close the
// listeners yourself too (see the package documentation).
func (b *Backend) Drain() {
	b.mu.Lock()
	b.draining = true
	sessions := make([]*Session, 0, len(b.sessions))
	for s := range b.sessions {
		sessions = append(sessions, s)
	}
	b.mu.Unlock()
	for _, s := range sessions {
		s.drain()
	}
}

// Sessions returns how many sessions are open.
func (b *Backend) Sessions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sessions)
}

func (b *Backend) remove(s *Session) {
	b.mu.Lock()
	delete(b.sessions, s)
	b.mu.Unlock()
}

func remoteAddr(c net.Conn) netip.AddrPort {
	if c == nil {
		return netip.AddrPort{}
	}
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.AddrPort{}
	}
	return ap
}

// errorLog adapts a *slog.Logger to go-smtp's Logger interface.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Printf(format string, v ...any) {
	e.l.LogAttrs(context.Background(), slog.LevelError, "go-smtp", slog.String("err", strings.TrimSpace(fmt.Sprintf(format, v...))))
}

func (e errorLog) Println(v ...any) {
	e.l.LogAttrs(context.Background(), slog.LevelError, "go-smtp", slog.String("err", strings.TrimSpace(fmt.Sprintln(v...))))
}
