package submission

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// txState is where a session is in the mail transaction of RFC 5321,
// Section 3.3.
type txState uint8

const (
	txNone txState = iota // no transaction: MAIL may come
	txOpen                // MAIL accepted: RCPT and DATA may come
	txDone                // DATA started: the transaction is over, MAIL may come
)

// Session is the state of one client connection: what is known of the
// client ([policy.Conn]) and the current mail transaction. A server creates
// it with [Agent.NewSession] and calls its methods from the matching SMTP
// command handlers.
//
// Every error returned by [Session.Mail], [Session.Rcpt], [Session.Data],
// the reader Data returns, [Session.NewSASLServer] and the SASL server it
// returns is a [*policy.Reply], to be written to the client as it is
// (match with errors.As). Internal failures are logged and become a generic
// 451 4.3.0 (454 4.7.0 for AUTH); their text never reaches the client.
//
// A Session is not safe for concurrent use: one connection issues one
// command at a time (RFC 5321, Section 2.3.7; with PIPELINING, RFC 2920,
// Section 3.1, the server still processes commands in order).
type Session struct {
	a             *Agent
	conn          policy.Conn
	serverTrusted bool // the server set Conn.Trusted in NewSession
	saslAuth      bool // Identity came from SASL (Received "with" ESMTPA)
	state         txState
	tx            *policy.Transaction // nil in txNone
	txh           *txHolder           // what holds tx, nil with it
	idBuf         [idBytes]byte
	charge        sendCharge  // the open transaction's charges to Config.Limits
	sasl          *saslServer // the AUTH exchange without a verdict yet
	authFails     int         // AUTH commands refused by the throttle
	closing       bool        // 421 sent: every later command gets it again
}

// Conn returns what is known of the connection: remote address, TLS state,
// HELO name (RFC 5321, Section 4.1.1.1), identity (RFC 4954) and whether it
// is trusted (RFC 6409, Section 3.3). The value is a copy.
func (s *Session) Conn() policy.Conn { return s.conn }

// SetHelo records the EHLO or HELO argument; esmtp reports that EHLO was
// used (Received "with" ESMTP rather than SMTP, RFC 3848). Like RSET, EHLO
// and HELO end any mail transaction in progress (RFC 5321, Section 4.1.4);
// the identity is kept. name is stored as given; [header.Received] encodes
// it safely.
func (s *Session) SetHelo(name string, esmtp bool) {
	s.conn.Helo = name
	s.conn.ESMTP = esmtp
	s.Reset()
}

// SetTLS records that TLS was started on the connection, with its state.
// Everything learnt from the client before is discarded: the EHLO
// argument, any authentication and the transaction (RFC 3207, Section
// 4.2). Trust that does not come from the client (the server's, the
// Trusted networks') is kept.
func (s *Session) SetTLS(cs *tls.ConnectionState) {
	s.conn.TLS = cs
	s.conn.Helo = ""
	s.conn.ESMTP = false
	s.conn.Identity = auth.Identity{}
	s.conn.Trusted = s.trusted()
	s.saslAuth = false
	s.Reset()
}

// Authenticated records a successful AUTH exchange (RFC 4954, Section 4)
// for a server that runs SASL itself; [Session.NewSASLServer] calls it on
// its own. A zero id.At is set to the current time. From now on the
// session's MAIL, RCPT and DATA are checked against id, and the Received
// field says ESMTPA or ESMTPSA (RFC 3848).
func (s *Session) Authenticated(id auth.Identity) {
	if id.At.IsZero() {
		id.At = s.a.now()
	}
	s.conn.Identity = id
	s.saslAuth = true
	if s.a.log.enabled(context.Background(), slog.LevelDebug) {
		s.a.log.log(context.Background(), slog.LevelDebug, "authenticated",
			clientString(logKeyIdentity, id.User()),
			slog.String(logKeyMechanism, id.Mechanism),
			slog.String(logKeyRemote, s.conn.RemoteAddr.String()))
	}
}

// Transaction returns the current mail transaction (RFC 5321, Section 3.3),
// or nil when no MAIL has been accepted since the last Reset. After Data it still returns the
// finished transaction (recipients included) until the next Mail or Reset,
// so that a server can queue the message. Each transaction is a new value
// that the session stops changing once it ends, so a server may keep the
// pointer after Reset.
func (s *Session) Transaction() *policy.Transaction {
	if s.state == txNone {
		return nil
	}
	return s.tx
}

// Reset aborts the mail transaction, as RSET does (RFC 5321, Section
// 4.1.1.5): the reverse-path and recipients are cleared, and the
// recipients charged to Config.Limits are given back. The identity, TLS
// state and HELO name are kept. A server calls it also when the
// connection ends, and when the client cancels an AUTH exchange ("*", RFC
// 4954, Section 4): an exchange without a verdict is over, and its charge
// to Config.Limits' AUTH throttle is given back (see
// [Session.NewSASLServer]).
func (s *Session) Reset() {
	s.abandonAuth()
	if s.charge.rcpts > 0 {
		// Reset has no context of its own; a store bounds its calls.
		s.a.release(context.Background(), &s.charge)
	}
	s.state = txNone
	s.tx, s.txh = nil, nil
}

// txID is the id of the current transaction, "" without one.
func (s *Session) txID() string {
	if s.tx == nil {
		return ""
	}
	return s.tx.ID
}

// authenticated reports whether the identity came from SMTP AUTH (RFC
// 3848: the "A" of ESMTPA).
func (s *Session) authenticated() bool { return s.saslAuth && !s.conn.Identity.IsZero() }

// fail maps err to the reply for stage, logs it and returns it. Internal
// errors are logged at Error with their cause (the same error again within
// outageLogInterval only counted, see logger.internalError); client-caused
// rejections at Info (through the client rate limit), with subject naming
// what was refused. A refusal because the limit store is down is logged
// like a client-caused one: the store's failure has its own record.
func (s *Session) fail(ctx context.Context, stage Stage, err error, subject slog.Attr) error {
	r, internal := ReplyFor(stage, err)
	if s.a.obs != nil {
		e := Event{Stage: stage, Code: r.Code, Enhanced: r.EnhancedCode(), Policy: r.Policy}
		if stage == StageAuth && subject.Key == logKeyMechanism {
			e.Mechanism = knownMechanism(subject.Value.String())
		}
		s.a.obs.Observe(ctx, e)
	}
	lg := &s.a.log
	level, msg := slog.LevelInfo, "rejected"
	storeDown := isStoreError(err)
	switch {
	case storeDown:
		// The store's failure is logged at Error by storeFailed, once per
		// outage and interval; each refusal it causes is rate limited.
		msg = "rejected: limit store unavailable"
	case internal:
		level, msg = slog.LevelError, "internal error"
	case errors.Is(err, header.ErrBareCR) || errors.Is(err, header.ErrBareLF):
		// Suspicious: the SMTP smuggling attacks rely on bare CR or LF.
		level, msg = slog.LevelWarn, "rejected: bare CR or LF in header"
	case errors.Is(err, errAuthThrottled):
		// Suspicious: someone is guessing passwords.
		level, msg = slog.LevelWarn, "rejected: too many failed authentication attempts"
	}
	if !lg.enabled(ctx, level) {
		return r
	}
	// Each key once, and no empty policy or id: at DATA the subject is
	// the submission id itself.
	var buf [10]slog.Attr
	attrs := append(buf[:0], slog.String(logKeyStage, stage.String()))
	if r.Policy != "" {
		attrs = append(attrs, slog.String(logKeyPolicy, r.Policy))
	}
	attrs = append(attrs, slog.Int(logKeyCode, r.Code), slog.String(logKeyEnhanced, r.EnhancedCode()))
	if subject.Key != logKeyID || subject.Value.String() != "" {
		attrs = append(attrs, subject)
	}
	if id := s.txID(); id != "" && subject.Key != logKeyID {
		attrs = append(attrs, slog.String(logKeyID, id))
	}
	attrs = append(attrs,
		clientString(logKeyIdentity, s.conn.Identity.User()),
		slog.String(logKeyRemote, s.conn.RemoteAddr.String()))
	if internal && !storeDown {
		lg.internalError(ctx, attrs, err)
	} else {
		lg.clientLog(ctx, level, msg, attrs...)
	}
	return r
}
