package milter

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// session is the milter side of one MTA connection, which carries one SMTP
// connection: go-milter calls its methods one at a time, in protocol
// order, from the connection's goroutine. It implements [gomilter.Milter].
type session struct {
	srv *Server
	ctx context.Context // ends with the milter connection
	end context.CancelFunc

	s       *submission.Session // nil before Connect, and for a session msakit does not check
	skip    bool                // the service is not in Config.Daemons: accept everything
	hidden  int                 // Received fields the MTA holds above those it sends (Postfix: 1)
	leadSP  bool                // SMFIP_HDR_LEADSPC: header values keep their leading space
	eohRep  bool                // the MTA expects a reply at end of header
	bodyRep bool                // the MTA expects a reply to each body chunk

	from  string // MAIL argument as the MTA passed it, with angle brackets
	rcpts []rcpt // accepted RCPT arguments, in order
	msg   *message
}

// rcpt is one accepted RCPT TO as the MTA passed it.
type rcpt struct {
	path string // with angle brackets
	args string // ESMTP parameters
}

var _ gomilter.Milter = (*session)(nil)

// NewConnection implements [gomilter.Milter]: a new SMTP connection, the
// first of this milter connection or one more after SMFIC_QUIT_NC. The
// negotiated protocol says how header values arrive and whether body
// chunks get a reply.
func (c *session) NewConnection(m gomilter.Modifier) error {
	c.reset()
	c.s, c.skip, c.hidden = nil, false, 0
	c.leadSP = m.Protocol()&gomilter.OptHeaderLeadingSpace != 0
	c.eohRep = m.Protocol()&gomilter.OptNoEOHReply == 0
	c.bodyRep = m.Protocol()&gomilter.OptNoBodyReply == 0
	return nil
}

// Connect implements [gomilter.Milter]: the SMTP client connected. The
// session starts with the client's address ({client_addr}, {client_port}
// or the event's own) in [policy.Conn]; a service not listed in
// Config.Daemons is accepted as a whole and msakit steps aside.
func (c *session) Connect(_, family string, port uint16, addr string, m gomilter.Modifier) (*gomilter.Response, error) {
	if d := c.srv.daemons; d != nil && !slices.Contains(d, m.Get(macroDaemon)) {
		c.skip = true
		return gomilter.RespAccept, nil
	}
	c.start(policy.Conn{RemoteAddr: remoteAddr(m, family, addr, port)}, m)
	return gomilter.RespContinue, nil
}

// start creates the msakit session. msakit adds no Received: the MTA has
// (the Agent has DisableReceived, see New).
func (c *session) start(pc policy.Conn, m gomilter.Macros) {
	c.s = c.srv.agent.NewSession(pc)
	if strings.HasPrefix(m.Get(macroMTAVersion), "Postfix") {
		c.hidden = 1
	}
}

// session returns the msakit session, starting one without a client
// address when the MTA sent no connect event.
func (c *session) session(m gomilter.Macros) *submission.Session {
	if c.s == nil {
		c.start(policy.Conn{}, m)
	}
	return c.s
}

// Helo implements [gomilter.Milter]: EHLO or HELO, again after STARTTLS. The
// TLS state comes from {tls_version} and {cipher}; a change of it is
// STARTTLS, which discards what the session knew (RFC 3207, Section 4.2).
// The milter protocol does not say whether EHLO or HELO was used; msakit
// only needs that for its own Received, which it does not write here.
func (c *session) Helo(name string, m gomilter.Modifier) (*gomilter.Response, error) {
	if c.skip {
		return gomilter.RespAccept, nil
	}
	s := c.session(m)
	if cs, cur := tlsState(m), s.Conn().TLS; cs != nil && (cur == nil || cur.Version != cs.Version || cur.CipherSuite != cs.CipherSuite) {
		s.SetTLS(cs)
	}
	s.SetHelo(name, true)
	return gomilter.RespContinue, nil
}

// MailFrom implements [gomilter.Milter]: MAIL FROM, checked by msakit with
// the identity the MTA authenticated (see identity) and the parameters as
// the client sent them.
func (c *session) MailFrom(from, args string, m gomilter.Modifier) (*gomilter.Response, error) {
	if c.skip {
		return gomilter.RespAccept, nil
	}
	c.reset()
	s := c.session(m)
	if err := c.authenticate(s, m); err != nil {
		return c.reply(submission.StageMail, err)
	}
	opts := mailOptions(args)
	if opts.Auth == "" {
		if a, ok := decodeXtext(m.Get(macroAuthAuthor)); ok {
			opts.Auth = a
		}
	}
	path := gomilter.AddAngle(from)
	if err := s.Mail(c.ctx, path, &opts); err != nil {
		return c.reply(submission.StageMail, err)
	}
	c.from = path
	return gomilter.RespContinue, nil
}

// authenticate records the identity of the macros when it is new, after
// Config.Identify has completed it.
func (c *session) authenticate(s *submission.Session, m gomilter.Macros) error {
	id := identity(m)
	cur := s.Conn().Identity
	if id.IsZero() || (id.AuthenticationID == cur.AuthenticationID && id.AuthorizationID == cur.AuthorizationID && id.Mechanism == cur.Mechanism) {
		return nil
	}
	if f := c.srv.identify; f != nil {
		var err error
		if id, err = f(c.ctx, id); err != nil {
			return err
		}
	}
	s.Authenticated(id)
	return nil
}

// RcptTo implements [gomilter.Milter]: RCPT TO, checked by msakit; a refusal
// refuses this recipient only.
func (c *session) RcptTo(to, args string, m gomilter.Modifier) (*gomilter.Response, error) {
	if c.skip {
		return gomilter.RespAccept, nil
	}
	path := gomilter.AddAngle(to)
	opts := rcptOptions(args)
	if err := c.session(m).Rcpt(c.ctx, path, &opts); err != nil {
		return c.reply(submission.StageRcpt, err)
	}
	c.rcpts = append(c.rcpts, rcpt{path: path, args: args})
	return gomilter.RespContinue, nil
}

// Data implements [gomilter.Milter]: the DATA command; msakit starts reading
// the message.
func (c *session) Data(m gomilter.Modifier) (*gomilter.Response, error) {
	if c.skip {
		return gomilter.RespAccept, nil
	}
	c.message(m)
	return gomilter.RespContinue, nil
}

// message returns the message in progress, starting it when the MTA sent
// no DATA event.
func (c *session) message(m gomilter.Macros) *message {
	if c.msg == nil {
		c.msg = startMessage(c.ctx, c.session(m))
	}
	return c.msg
}

// Header implements [gomilter.Milter]: one header field, handed to msakit
// as it comes. A problem is answered at the end of the header.
func (c *session) Header(name, value string, m gomilter.Modifier) (*gomilter.Response, error) {
	if c.skip {
		return gomilter.RespAccept, nil
	}
	_ = c.message(m).field(name, value, c.leadSP)
	return gomilter.RespContinue, nil
}

// Headers implements [gomilter.Milter]: the end of the header. msakit has
// then read it and run the DATA stage's checks. When the MTA expects a
// reply here, a refusal is answered now (the MTA then sends no body); else
// at the end of the message. Either way the MTA refuses the message when
// the client has sent all of it.
func (c *session) Headers(m gomilter.Modifier) (*gomilter.Response, error) {
	if c.skip {
		return gomilter.RespAccept, nil
	}
	if err := c.message(m).endOfHeader(); err != nil && c.eohRep {
		return c.reply(submission.StageData, err)
	}
	return gomilter.RespContinue, nil
}

// BodyChunk implements [gomilter.Milter]: a piece of the body, which msakit
// checks (bare CR or LF, NUL, line length, 8-bit octets, size) while it
// streams through. When the MTA negotiated replies to body chunks, a
// problem is answered at the next chunk; otherwise at the end of the
// message.
func (c *session) BodyChunk(chunk []byte, m gomilter.Modifier) (*gomilter.Response, error) {
	if c.skip {
		return gomilter.RespAccept, nil
	}
	if err := c.message(m).body(chunk); err != nil && c.bodyRep {
		return c.reply(submission.StageData, err)
	}
	return gomilter.RespContinue, nil
}

// EndOfMessage implements [gomilter.Milter]: msakit's verdict on the whole
// message and, when it accepts, its changes as milter modifications: the
// header edits (headerEdits), a rewritten reverse-path (SMFIR_CHGFROM),
// rewritten recipients (SMFIR_DELRCPT and SMFIR_ADDRCPT_PAR), and the
// signature fields of Config.Signer on top (signatureEdits).
func (c *session) EndOfMessage(m gomilter.Modifier) (*gomilter.Response, error) {
	if c.skip {
		return gomilter.RespAccept, nil
	}
	msg := c.message(m)
	c.msg = nil
	if err := msg.finish(); err != nil {
		return c.reply(submission.StageData, err)
	}
	tx := c.s.Transaction()
	if err := c.applyEnvelope(m, tx); err != nil {
		return c.reply(submission.StageData, err)
	}
	if err := apply(m, headerEdits(msg.orig, msg.out, c.hidden, c.leadSP)); err != nil {
		return c.reply(submission.StageData, err)
	}
	sig, err := signatureEdits(msg.sig, c.leadSP)
	if err == nil {
		err = apply(m, sig)
	}
	if err != nil {
		return c.reply(submission.StageData, err)
	}
	c.srv.log.LogAttrs(c.ctx, slog.LevelInfo, "milter: accepted",
		slog.String("id", tx.ID),
		slog.String("queue_id", m.Get(macroQueueID)),
		slog.String("mta", m.Get(macroMTAName)))
	return gomilter.RespAccept, nil
}

// applyEnvelope sends the envelope changes msakit made (RFC 6409, Section
// 8.8 rewriting; RFC 6409, Section 4.2 expansion of single-label domains).
func (c *session) applyEnvelope(m gomilter.Modifier, tx *policy.Transaction) error {
	utf8 := tx.MailOptions.SMTPUTF8
	if p, err := envelope.ParseReversePath(c.from); err == nil && p != tx.From {
		if err := m.ChangeFrom(tx.From.Format(utf8), ""); err != nil {
			return err
		}
	}
	for i, r := range c.rcpts {
		if i >= len(tx.Recipients) {
			break
		}
		now := tx.Recipients[i].Path
		if p, err := envelope.ParseForwardPath(r.path); err == nil && p != now {
			if err := m.DeleteRecipient(r.path); err != nil {
				return err
			}
			if err := m.AddRecipient(now.Format(utf8), r.args); err != nil {
				return err
			}
		}
	}
	return nil
}

// Abort implements [gomilter.Milter]: the transaction ended without a
// message (RSET, a refusal, a new MAIL) or after one.
func (c *session) Abort(gomilter.Modifier) error {
	c.reset()
	return nil
}

// reset ends the transaction: any message in progress is dropped.
func (c *session) reset() {
	if c.msg != nil {
		c.msg.abort()
		c.msg = nil
	}
	if c.s != nil {
		c.s.Reset()
	}
	c.from, c.rcpts = "", c.rcpts[:0]
}

// Unknown implements [gomilter.Milter]; the milter asks not to get these.
func (c *session) Unknown(string, gomilter.Modifier) (*gomilter.Response, error) {
	return gomilter.RespContinue, nil
}

// Cleanup implements [gomilter.Milter]: the MTA closed the connection.
func (c *session) Cleanup(gomilter.Modifier) {
	c.reset()
	c.end()
}

// reply is the milter response for err, with its code and enhanced code
// (SMFIR_REPLYCODE): a *policy.Reply as msakit chose it, anything else
// 451 4.3.0, logged. A 4xx stays a 4xx.
func (c *session) reply(stage submission.Stage, err error) (*gomilter.Response, error) {
	r, internal := submission.ReplyFor(stage, err)
	if internal {
		c.srv.log.LogAttrs(c.ctx, slog.LevelError, "milter: internal error",
			slog.String("stage", stage.String()), slog.Any("err", err))
	}
	resp, rerr := gomilter.RejectWithCodeAndReason(uint16(r.Code), r.EnhancedCode()+" "+r.Text)
	if rerr != nil {
		c.srv.log.LogAttrs(c.ctx, slog.LevelError, "milter: reply", slog.Any("err", rerr))
		return gomilter.RespTempFail, nil
	}
	return resp, nil
}
