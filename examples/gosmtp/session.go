package gosmtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// Session is the go-smtp session of one connection. It implements
// [smtp.Session] and [smtp.AuthSession]. go-smtp calls it from the
// connection's goroutine, and Data from a second goroutine for BDAT; the
// Session serializes the calls itself.
type Session struct {
	b    *Backend
	c    *smtp.Conn
	s    *submission.Session
	helo string

	ctx    context.Context // lives as long as the connection; cancelled by Logout
	cancel context.CancelFunc

	mu sync.Mutex // serializes every use of s (BDAT runs Data on its own goroutine)

	stateMu  sync.Mutex
	inTx     bool // between an accepted MAIL and the end of the transaction
	draining bool
	closed   bool
}

var (
	_ smtp.Session     = (*Session)(nil)
	_ smtp.AuthSession = (*Session)(nil)
)

// AuthMechanisms implements [smtp.AuthSession]: the mechanisms msakit
// offers on this connection ([submission.Agent.Mechanisms]); cleartext
// ones only under TLS (RFC 4954, Section 4).
func (s *Session) AuthMechanisms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.agent.Mechanisms(s.s.Conn())
}

// Auth implements [smtp.AuthSession]: it starts msakit's SASL exchange for
// mech (RFC 4954). msakit records the identity inside the mechanism's
// callback, before go-smtp writes 235, since go-smtp has no hook after a
// successful AUTH. Errors of the exchange become the replies msakit chose
// (535 5.7.8, 534 5.7.9, 538 5.7.11, 454 4.7.0, ...).
func (s *Session) Auth(mech string) (sasl.Server, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	srv, err := s.s.NewSASLServer(s.ctx, mech)
	if err != nil {
		return nil, s.reply(s.ctx, "auth", err)
	}
	return &saslServer{s: s, srv: srv}, nil
}

// saslServer turns the errors of msakit's SASL server into go-smtp replies;
// go-smtp would otherwise answer 454 with the error's text.
type saslServer struct {
	s   *Session
	srv sasl.Server
}

func (a *saslServer) Next(response []byte) (challenge []byte, done bool, err error) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	challenge, done, err = a.srv.Next(response)
	if err != nil {
		return nil, true, a.s.reply(a.s.ctx, "auth", err)
	}
	// On success msakit has already recorded the identity (and logged it).
	return challenge, done, nil
}

// Mail implements [smtp.Session]: MAIL FROM (RFC 5321, Section 4.1.1.2),
// checked by msakit. go-smtp hands the path without angle brackets and with
// a quoted local part unquoted; the adapter rebuilds the canonical form.
func (s *Session) Mail(from string, opts *smtp.MailOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := "<>"
	if from != "" {
		path = rebuildPath(from)
	}
	if err := s.s.Mail(s.ctx, path, mailOptions(opts)); err != nil {
		return s.reply(s.ctx, "mail", err)
	}
	s.stateMu.Lock()
	s.inTx = true
	s.stateMu.Unlock()
	return nil
}

// Rcpt implements [smtp.Session]: RCPT TO (RFC 5321, Section 4.1.1.3),
// checked by msakit.
func (s *Session) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.s.Rcpt(s.ctx, rebuildPath(to), rcptOptions(opts)); err != nil {
		return s.reply(s.ctx, "rcpt", err)
	}
	return nil
}

// Data implements [smtp.Session] for DATA and BDAT (RFC 5321,
// Section 4.1.1.4; RFC 3030): msakit reads the header, runs the DATA
// stage, and the [Deliverer] gets the message to queue. The client gets
// 250 only when Deliver returned nil after reading the whole message.
func (s *Session) Data(r io.Reader) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := s.ctx
	msg, err := s.s.Data(ctx, r)
	if err != nil {
		return s.reply(ctx, "data", err)
	}
	// msakit reuses its Transaction value after the next command; the
	// Deliverer gets a copy it may keep.
	tx := *s.s.Transaction()
	tx.Recipients = slices.Clone(tx.Recipients)
	body := &bodyReader{r: msg}
	m := &Message{Conn: s.s.Conn(), Transaction: &tx, Body: body}
	if err := s.b.deliver.Deliver(ctx, m); err != nil {
		return s.reply(ctx, "deliver", err)
	}
	if err := body.finished(); err != nil {
		return s.reply(ctx, "deliver", err)
	}
	return nil
}

// bodyReader is the Message.Body handed to a Deliverer. It remembers the
// first error of the message reader, so that the adapter can tell whether
// the Deliverer read the whole message and saw no rejection. It has only
// Read: io.MultiReader's WriteTo would allocate 32 KiB per message on the
// io.Copy path.
type bodyReader struct {
	r   io.Reader
	err error // first error from r; io.EOF once it was read to its end
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	if err != nil {
		b.err = err
	}
	return n, err
}

// finished is called after Deliver returned nil. msakit checks the body as
// it streams and reports a problem only from Read, so a Deliverer that
// ignored an error, or stopped before the end, has stored a message msakit
// did not accept: refuse it rather than lose or pass unchecked bytes.
func (b *bodyReader) finished() error {
	if b.err == nil {
		var one [1]byte
		for range 8 { // tolerate a few empty reads (io.Reader contract)
			n, err := b.Read(one[:])
			if n > 0 {
				return errors.New("gosmtp: Deliverer returned before reading the whole message")
			}
			if err != nil {
				break
			}
		}
	}
	switch {
	case b.err == io.EOF:
		return nil
	case b.err == nil:
		return errors.New("gosmtp: message reader made no progress")
	default:
		return b.err
	}
}

// Reset implements [smtp.Session]. go-smtp calls it for RSET, after every
// DATA or BDAT LAST, and when the client sends EHLO again (RFC 5321,
// Section 4.1.4), in which case the new EHLO argument is recorded.
// Authentication survives (RFC 4954, Section 4).
func (s *Session) Reset() {
	s.mu.Lock()
	if h := s.c.Hostname(); h != "" && h != s.helo {
		s.helo = h
		s.s.SetHelo(h, true)
	}
	s.s.Reset()
	s.mu.Unlock()

	s.stateMu.Lock()
	s.inTx = false
	closeNow := s.draining && !s.closed
	if closeNow {
		s.closed = true
	}
	s.stateMu.Unlock()
	if closeNow {
		// go-smtp holds its connection lock while it calls Reset, and
		// Conn.Close takes it: close from another goroutine. The reply to
		// DATA has already been written.
		go s.c.Close()
	}
}

// Logout implements [smtp.Session]: the connection ended (QUIT, error,
// STARTTLS). It cancels the session's context.
func (s *Session) Logout() error {
	s.cancel()
	s.b.remove(s)
	s.mu.Lock()
	s.s.Reset()
	s.mu.Unlock()
	return nil
}

// drain closes the connection now when it is idle, else marks it to be
// closed when its transaction ends.
func (s *Session) drain() {
	s.stateMu.Lock()
	s.draining = true
	closeNow := !s.inTx && !s.closed
	if closeNow {
		s.closed = true
	}
	s.stateMu.Unlock()
	if closeNow {
		go s.c.Close()
	}
}

// reply turns err into what go-smtp writes to the client and logs the
// errors msakit did not produce. A 421 reply ends the connection (see
// closeWith).
func (s *Session) reply(ctx context.Context, stage string, err error) error {
	e, known := toSMTPError(err)
	if !known {
		s.b.logger.LogAttrs(ctx, slog.LevelError, "internal error", slog.String("stage", stage), slog.Any("err", err))
	}
	if e.Code == 421 {
		s.closeWith(ctx, e)
	}
	return e
}

// closeWith sends the 421 reply e and closes the connection, as RFC 5321,
// Section 3.8 requires after 421 (msakit answers it to a client that keeps
// failing AUTH). go-smtp only writes the replies it is given and would keep
// reading commands, so the adapter writes e itself and closes the socket;
// go-smtp's own write of e then fails unseen, its next read ends the
// connection, and Logout runs as usual.
func (s *Session) closeWith(ctx context.Context, e *smtp.SMTPError) {
	nc := s.c.Conn()
	d := s.c.Server().WriteTimeout
	if d <= 0 {
		d = closeWriteTimeout
	}
	_ = nc.SetWriteDeadline(time.Now().Add(d))
	ec := e.EnhancedCode
	if _, err := fmt.Fprintf(nc, "%d %d.%d.%d %s\r\n", e.Code, ec[0], ec[1], ec[2], e.Message); err != nil {
		s.b.logger.LogAttrs(ctx, slog.LevelDebug, "writing 421", slog.Any("err", err))
	}
	_ = nc.Close() // the connection ends either way
}

// closeWriteTimeout bounds the write of a 421 reply when the server has no
// WriteTimeout.
const closeWriteTimeout = 10 * time.Second

// mailOptions converts go-smtp's MAIL parameters to msakit's.
func mailOptions(o *smtp.MailOptions) *policy.MailOptions {
	if o == nil {
		return &policy.MailOptions{}
	}
	m := &policy.MailOptions{
		Size:       o.Size,
		Body:       policy.BodyType(o.Body),
		SMTPUTF8:   o.UTF8,
		Return:     string(o.Return),
		EnvelopeID: o.EnvelopeID,
		RequireTLS: o.RequireTLS,
	}
	if o.Auth != nil {
		// RFC 4954, Section 5: AUTH=<> is kept apart from an absent AUTH.
		m.Auth = "<>"
		if *o.Auth != "" {
			m.Auth = rebuildPath(*o.Auth)
		}
	}
	return m
}

// rcptOptions converts go-smtp's RCPT parameters to msakit's.
func rcptOptions(o *smtp.RcptOptions) *policy.RcptOptions {
	if o == nil {
		return &policy.RcptOptions{}
	}
	r := &policy.RcptOptions{}
	for _, n := range o.Notify {
		r.Notify = append(r.Notify, string(n))
	}
	if o.OriginalRecipient != "" {
		// RFC 3461, Section 4.2: ORCPT=addr-type;xtext, decoded by go-smtp.
		r.OriginalRecipient = string(o.OriginalRecipientType) + ";" + o.OriginalRecipient
	}
	return r
}
