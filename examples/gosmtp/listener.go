package gosmtp

import (
	"crypto/tls"
	"net"
	"time"
)

// Default timeouts of RFC 5321, Section 4.5.3.2.
const (
	// DefaultCommandTimeout is the server timeout while it awaits the next
	// command (RFC 5321, Section 4.5.3.2.7).
	DefaultCommandTimeout = 5 * time.Minute
	// DefaultDataTimeout is the wait for each block of message data (RFC
	// 5321, Section 4.5.3.2.5).
	DefaultDataTimeout = 3 * time.Minute
)

// ListenOptions configures the connections of [Backend.Listener].
type ListenOptions struct {
	// STARTTLS, when set, is offered and run by the adapter on connections
	// that are not under TLS yet (RFC 3207). Leave smtp.Server.TLSConfig
	// nil: go-smtp never starts TLS on a connection of the adapter. For
	// implicit TLS (RFC 8314), hand Listener a listener from tls.Listen or
	// tls.NewListener instead.
	STARTTLS *tls.Config
	// CommandTimeout bounds the wait for each command line, from the
	// moment the server is ready for it until its CRLF (RFC 5321, Section
	// 4.5.3.2.7); it also bounds each reply write and the TLS handshake.
	// Zero means DefaultCommandTimeout.
	CommandTimeout time.Duration
	// DataTimeout bounds each read of message data, DATA or BDAT chunk:
	// the deadline moves on with every block received, so a slow but
	// steady upload is never cut off (RFC 5321, Section 4.5.3.2.5). Zero
	// means DefaultDataTimeout.
	DataTimeout time.Duration
	// MaxErrors bounds the refusals (4xx and 5xx replies, whoever wrote
	// them) a client may collect without submitting a message: once it
	// has had MaxErrors since its last accepted message, its next command
	// other than QUIT gets 421 4.7.0 and the connection is closed (RFC
	// 5321, Section 3.8; Postfix's smtpd_hard_error_limit). A 4xx with
	// enhanced code X.3.x or X.4.x reports the server's outage (a store,
	// an upstream), not the client's error, and is not counted. Zero
	// means DefaultMaxErrors; a negative value means no limit.
	MaxErrors int
}

// DefaultMaxErrors is the refusals a client may collect without
// submitting a message before the connection is closed, as Postfix's
// smtpd_hard_error_limit.
const DefaultMaxErrors = 20

// Listener wraps l so that go-smtp serves every connection it accepts
// through the adapter's guard, which [Backend.NewSession] requires:
//
//   - go-smtp is handed one complete command line at a time, never a
//     partial line, and never the octets after it before it has answered;
//   - the timeouts of o are enforced (go-smtp's ReadTimeout and
//     WriteTimeout have no effect on these connections); once a read or
//     write has failed (timeout, reset, end of input), the client gets
//     421 4.4.2 where a reply can still be written, the connection is
//     closed, and no octet the client sent after the failure is ever read
//     as a command;
//   - DATA content is read by the adapter itself (RFC 5321, Section 4.5.2),
//     BDAT chunks (RFC 3030) are handed over as they are, never split
//     into lines;
//   - STARTTLS is run here, with o.STARTTLS;
//   - a client with o.MaxErrors refusals since its last accepted message
//     gets 421 4.7.0 and is disconnected.
//
// The package documentation lists what else it absorbs from go-smtp.
func (b *Backend) Listener(l net.Listener, o ListenOptions) net.Listener {
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.DataTimeout <= 0 {
		o.DataTimeout = DefaultDataTimeout
	}
	if o.MaxErrors == 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	return &listener{Listener: l, b: b, opts: o}
}

// listener is the net.Listener of [Backend.Listener].
type listener struct {
	net.Listener
	b    *Backend
	opts ListenOptions
}

// Accept waits for the next connection and wraps it.
func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newConn(c, l.opts, l.b.logger), nil
}
