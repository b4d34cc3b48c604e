// Package submission: TEMPORARY SKELETON. The submission helper replaces this
// file with the real implementation. The exported API below is the contract
// (DESIGN.md "Public contract") examples code against; it may grow, these shapes stay.
package submission

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// Config configures an Agent. Zero value plus Hostname = RFC 6409 profile.
type Config struct {
	Hostname      envelope.Domain // required: this MSA's name (Received "by", Message-ID)
	Authenticator auth.Authenticator
	Senders       auth.SenderAuthorizer // nil: a user may send only as Identity.Address
	Trusted       []netip.Prefix        // networks that may submit without AUTH
	Expand        envelope.Domain       // single-level domain expansion; zero = off
	MaxSize       int64                 // 0 = default
	MaxRecipients int                   // 0 = 100
	Policies      []policy.Policy       // extra policies appended to the profile
	Logger        *slog.Logger          // nil: discard
	Now           func() time.Time      // nil: time.Now
	Random        io.Reader             // nil: crypto/rand
	Trace         TraceSink             // nil: the logger
}

// TraceRecord is the traceability record of one accepted message (RFC 5068, Section 3.1).
type TraceRecord struct {
	ID         string
	Time       time.Time
	Identity   auth.Identity
	RemoteAddr netip.AddrPort
	From       envelope.Path
	Recipients []envelope.Path
	MessageID  string
}

// TraceSink receives a TraceRecord per accepted message.
type TraceSink interface {
	Record(ctx context.Context, r TraceRecord) error
}

// Agent is the MSA; safe for concurrent use.
type Agent struct{ cfg Config }

// New builds an Agent.
func New(cfg Config) (*Agent, error) {
	if cfg.Hostname.IsZero() {
		return nil, errors.New("submission: Config.Hostname is required")
	}
	return &Agent{cfg: cfg}, nil
}

// Mechanisms lists the SASL mechanisms to advertise on c.
func (a *Agent) Mechanisms(c policy.Conn) []string { return nil }

// Extensions returns the EHLO keywords to offer (RFC 6409, Section 7).
func (a *Agent) Extensions(c policy.Conn) []string { return nil }

// Session is one connection; not safe for concurrent use.
type Session struct {
	a    *Agent
	conn policy.Conn
}

func (a *Agent) NewSession(c policy.Conn) *Session { return &Session{a: a, conn: c} }

// Conn returns the session's connection state (identity included).
func (s *Session) Conn() policy.Conn { return s.conn }

// SetHelo records the EHLO/HELO argument (esmtp: EHLO was used).
func (s *Session) SetHelo(name string, esmtp bool) {}

// SetTLS records that TLS was started; it discards any authentication (RFC 3207, Section 4.2).
func (s *Session) SetTLS(cs *tls.ConnectionState) {}

// NewSASLServer starts an AUTH exchange; its errors are *policy.Reply; on
// success the session is Authenticated.
func (s *Session) NewSASLServer(ctx context.Context, mech string) (sasl.Server, error) {
	return nil, nil
}

func (s *Session) Authenticated(id auth.Identity) {}
func (s *Session) Mail(ctx context.Context, from string, opts *policy.MailOptions) error {
	return nil
}
func (s *Session) Rcpt(ctx context.Context, to string, opts *policy.RcptOptions) error {
	return nil
}

// Data reads the header from r, runs the DATA stage and returns the message
// to queue. Errors (also from the reader's Read) are *policy.Reply.
func (s *Session) Data(ctx context.Context, r io.Reader) (io.Reader, error) { return r, nil }

// Transaction returns the current transaction (nil before MAIL).
func (s *Session) Transaction() *policy.Transaction { return nil }
func (s *Session) Reset()                           {}
