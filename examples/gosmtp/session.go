package gosmtp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
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
	g    *conn // the guard go-smtp reads the client through
	s    *submission.Session
	helo string
	// needHelo: STARTTLS discarded the EHLO argument and go-smtp does not
	// know (the guard ran STARTTLS); MAIL and AUTH wait for a new EHLO.
	needHelo bool

	ctx    context.Context // lives as long as the connection; cancelled by Logout
	cancel context.CancelFunc

	mu sync.Mutex // serializes every use of s (BDAT runs Data on its own goroutine)

	stateMu  sync.Mutex
	inTx     bool // between an accepted MAIL and the end of the transaction
	draining bool
	closed   bool
	// dataStart is closed when Data is entered, or when the transaction
	// ends without it; see waitData.
	dataStart chan struct{}
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
	if s.needHelo {
		return nil, errHeloAfterTLS
	}
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

// authCancelled ends msakit's AUTH exchange, which go-smtp abandons
// without a word when the client cancels it ("*", RFC 4954, Section 4):
// the guard calls it before go-smtp reads the line. No transaction is open
// during AUTH, so Reset ends only the exchange.
func (s *Session) authCancelled() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.Reset()
}

// Mail implements [smtp.Session]: MAIL FROM (RFC 5321, Section 4.1.1.2),
// checked by msakit. go-smtp hands the path without angle brackets and with
// a quoted local part unquoted; msakit gets the path as the client sent it
// (see [Session.path]).
func (s *Session) Mail(from string, opts *smtp.MailOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.needHelo {
		return errHeloAfterTLS
	}
	path := s.path(from)
	if from == "" && path == "" {
		path = "<>"
	}
	mo := mailOptions(opts)
	if err := s.s.Mail(s.ctx, path, &mo); err != nil {
		return s.reply(s.ctx, "mail", err)
	}
	s.stateMu.Lock()
	s.inTx = true
	s.endDataWait()
	s.dataStart = make(chan struct{})
	s.stateMu.Unlock()
	return nil
}

// Rcpt implements [smtp.Session]: RCPT TO (RFC 5321, Section 4.1.1.3),
// checked by msakit.
func (s *Session) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.s.Rcpt(s.ctx, s.path(to), rcptOptions(opts)); err != nil {
		return s.reply(s.ctx, "rcpt", err)
	}
	return nil
}

// path returns the path of the MAIL or RCPT command go-smtp handles as the
// client sent it, read by the guard from the command line: go-smtp's own
// string has lost the quotes of a quoted local part, and RCPT
// TO:<Postmaster> reached go-smtp as a stand-in. When the guard has none,
// it falls back to go-smtp's string, rebuilt by rebuildPath.
func (s *Session) path(gosmtp string) string {
	if p := s.g.takePath(); p != "" {
		return p
	}
	if gosmtp == "" {
		return ""
	}
	return rebuildPath(gosmtp)
}

// errHeloAfterTLS refuses MAIL and AUTH after STARTTLS until the client
// said EHLO again (RFC 3207, Section 4.2: the server discards the EHLO
// argument; RFC 5321, Section 4.1.4).
var errHeloAfterTLS = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "Send EHLO again after STARTTLS (RFC 3207, Section 4.2)"}

// Data implements [smtp.Session] for DATA and BDAT (RFC 5321,
// Section 4.1.1.4; RFC 3030): msakit reads the header, runs the DATA
// stage, and the [Deliverer] gets the message to queue. The client gets
// 250 only when Deliver returned nil after reading the whole message. For
// DATA, msakit reads the content from the guard (dotReader), not through
// go-smtp's reader r, which loses octets (see the package documentation).
func (s *Session) Data(r io.Reader) error {
	s.stateMu.Lock()
	s.endDataWait()
	s.stateMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := s.ctx
	if body := s.g.takeBody(); body != nil {
		r = body
	}
	msg, err := s.s.Data(ctx, r)
	if err != nil {
		return s.reply(ctx, "data", err)
	}
	// msakit reuses its Transaction value after the next command; the
	// Deliverer gets a copy it may keep.
	src := s.s.Transaction()
	d := &delivery{tx: *src}
	d.tx.Recipients = append(d.rcpts[:0:len(d.rcpts)], src.Recipients...)
	d.body = bodyReader{r: msg, src: src, dst: &d.tx}
	d.msg = Message{Conn: s.s.Conn(), Transaction: &d.tx, Body: &d.body}
	if err := s.b.deliver.Deliver(ctx, &d.msg); err != nil {
		return s.reply(ctx, "deliver", err)
	}
	if err := d.body.finished(); err != nil {
		return s.reply(ctx, "deliver", err)
	}
	return nil
}

// delivery holds in one allocation what Data hands a Deliverer: the
// Message, its copy of the transaction with room for the usual one
// recipient, and its body reader.
type delivery struct {
	msg   Message
	tx    policy.Transaction
	rcpts [1]policy.Recipient
	body  bodyReader
}

// bodyReader is the Message.Body handed to a Deliverer. It remembers the
// first error of the message reader, so that the adapter can tell whether
// the Deliverer read the whole message and saw no rejection, and whether
// it took the signature. It has only Read and Signature: io.MultiReader's
// WriteTo would allocate 32 KiB per message on the io.Copy path.
type bodyReader struct {
	r     io.Reader
	err   error // first error from r; io.EOF once it was read to its end
	taken bool  // Signature was called after the end of the message
	// src is msakit's transaction, dst the Deliverer's copy: msakit marks
	// src Undeclared8Bit while the body streams (an 8-bit body sent
	// without BODY=8BITMIME), and Read passes the mark on to dst.
	src, dst *policy.Transaction
}

var _ submission.SignedReader = (*bodyReader)(nil)

// Signature implements [submission.SignedReader] for Message.Signature.
func (b *bodyReader) Signature() []byte {
	sr, ok := b.r.(submission.SignedReader)
	if !ok || b.err != io.EOF {
		return nil
	}
	b.taken = true
	return sr.Signature()
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	if err != nil {
		b.err = err
	}
	if b.src != nil {
		b.dst.Undeclared8Bit = b.src.Undeclared8Bit
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
		if sr, ok := b.r.(submission.SignedReader); ok && !b.taken && sr.Signature() != nil {
			return errors.New("gosmtp: Deliverer queued a signed message without its signature (call Message.Signature after reading Body)")
		}
		return nil
	case b.err == nil:
		return errors.New("gosmtp: message reader made no progress")
	default:
		return b.err
	}
}

// Reset implements [smtp.Session]. go-smtp calls it for RSET, after every
// DATA or BDAT LAST, and when the client sends EHLO or HELO again (RFC
// 5321, Section 4.1.4), in which case the new argument is recorded.
// Authentication survives (RFC 4954, Section 4).
func (s *Session) Reset() {
	s.mu.Lock()
	if v := s.g.greeting(); v != "" {
		s.helo = s.c.Hostname()
		s.needHelo = false
		s.s.SetHelo(s.helo, v == "EHLO")
	}
	s.s.Reset()
	s.mu.Unlock()

	s.stateMu.Lock()
	s.inTx = false
	s.endDataWait()
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

// Logout implements [smtp.Session]: the connection ended (QUIT, error).
// It cancels the session's context.
func (s *Session) Logout() error {
	s.cancel()
	s.b.remove(s)
	s.g.setSession(nil)
	s.mu.Lock()
	s.s.Reset()
	s.mu.Unlock()
	return nil
}

// ehlo returns what the guard's EHLO response says: the server's domain
// (smtp.Server.Domain, as in the 220 greeting) and the keywords msakit
// offers on this connection ([submission.Agent.Extensions]).
func (s *Session) ehlo() (domain string, keywords []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c.Server().Domain, s.b.agent.Extensions(s.s.Conn())
}

// tlsStarted is called by the guard when STARTTLS succeeded: msakit
// discards what it learnt from the client (RFC 3207, Section 4.2) and sees
// the TLS state from now on.
func (s *Session) tlsStarted(cs *tls.ConnectionState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.s.SetTLS(cs)
	s.helo = ""
	s.needHelo = true
}

// waitData waits, at most d, until Data has been entered for the open
// transaction, or the transaction ended. The guard calls it after go-smtp
// accepted a first BDAT chunk: go-smtp runs Data on a goroutine that
// fetches the session only when it starts (conn.go, handleBdat), and if
// go-smtp closed the connection first (the client's next line is QUIT, or
// its octets end) that goroutine would call Data on a nil Session. See
// the package documentation, Divergences.
func (s *Session) waitData(d time.Duration) {
	s.stateMu.Lock()
	ch := s.dataStart
	s.stateMu.Unlock()
	if ch == nil {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// endDataWait releases waitData; stateMu is held.
func (s *Session) endDataWait() {
	if s.dataStart != nil {
		close(s.dataStart)
		s.dataStart = nil
	}
}

// busy reports whether a mail transaction is open.
func (s *Session) busy() bool {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.inTx
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
// errors msakit did not produce. A 421 reply ends the connection: the
// guard closes it once the reply is written (replyfilter.go).
func (s *Session) reply(ctx context.Context, stage string, err error) error {
	e, known := toSMTPError(err)
	if !known {
		s.b.logger.LogAttrs(ctx, slog.LevelError, "internal error", slog.String("stage", stage), slog.Any("err", err))
	}
	return e
}

// mailOptions converts go-smtp's MAIL parameters to msakit's.
func mailOptions(o *smtp.MailOptions) policy.MailOptions {
	if o == nil {
		return policy.MailOptions{}
	}
	m := policy.MailOptions{
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
