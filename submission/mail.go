package submission

import (
	"context"
	"log/slog"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// Mail handles MAIL FROM (RFC 5321, Section 4.1.1.2). from is the
// reverse-path as the server received it, with or without angle brackets;
// "<>" (or "") is the null reverse-path, which is never by itself a reason
// to refuse (RFC 6409, Section 3.2). opts holds the MAIL parameters; nil
// means none.
//
// Mail starts a transaction: it gives it a new submission id (from
// Config.Random), consults the AuthWindow when configured, runs the MAIL
// stage of the policy chain and checks Config.Limits.Messages. Replies:
//
//   - 503 5.5.1 when a transaction is already open (RFC 5321, Section
//     4.1.4);
//   - 501 5.1.7 when from is not a reverse-path (RFC 5321, Section 4.1.2;
//     RFC 6409, Section 5.1);
//   - whatever a policy decides (530 5.7.0 without authentication, 554
//     5.1.8 for an unqualified domain, 550 5.7.1 for a sender the identity
//     may not use, 550 5.6.7 for a non-ASCII address without SMTPUTF8, 552
//     5.3.4 for a declared size over the limit, ...);
//   - 451 4.7.1 when the sender has used up Limits.Messages, with the
//     time left in the text;
//   - 421 4.7.0 after the session was closed for failed AUTH attempts
//     (RFC 5321, Section 3.8);
//   - 451 4.3.0 for an internal failure (the limit store failing closed
//     included) or a done ctx (logged, not sent).
//
// After an error no transaction is open. Every error is a *policy.Reply.
func (s *Session) Mail(ctx context.Context, from string, opts *policy.MailOptions) error {
	if s.closing {
		return s.fail(ctx, StageMail, replyAuthClosing(), clientString(logKeyFrom, from))
	}
	if s.state == txOpen {
		return s.fail(ctx, StageMail, replyNestedMail(), clientString(logKeyFrom, from))
	}
	s.Reset()
	p, err := envelope.ParseReversePath(from)
	if err != nil {
		return s.fail(ctx, StageMail, err, clientString(logKeyFrom, from))
	}
	id, err := s.a.newID(&s.idBuf)
	if err != nil {
		return s.fail(ctx, StageMail, err, clientString(logKeyFrom, from))
	}
	// One allocation for the transaction, room for its first recipient
	// (the common case), the address memo of its DATA stage and the
	// reader Data returns.
	h := &txHolder{tx: policy.Transaction{ID: id, From: p, OriginalFrom: from, Start: s.a.now()}}
	h.tx.Recipients = h.rcpts[:0:len(h.rcpts)]
	tx := &h.tx
	h.memo.init(tx)
	if opts != nil {
		tx.MailOptions = *opts
	}
	s.tx, s.txh = tx, h
	// The callbacks share the stage deadline (RFC 6409, Section 5.3);
	// replies and logs use ctx, which outlives it.
	sctx, stage := s.a.stageContext(ctx, timedMail)
	defer stage.end()
	if err := overran(sctx, "auth window", s.checkWindow(sctx)); err != nil {
		return s.abortMail(ctx, err, from)
	}
	if err := overran(sctx, "policy chain", s.a.chain.Mail(sctx, &s.conn, tx)); err != nil {
		return s.abortMail(ctx, err, from)
	}
	s.startCharge()
	if err := overran(sctx, "limit store", s.checkMessageLimit(sctx)); err != nil {
		return s.abortMail(ctx, err, from)
	}
	s.state = txOpen
	if s.a.obs != nil {
		s.a.obs.Observe(ctx, Event{Stage: StageMail})
	}
	if s.a.log.enabled(ctx, slog.LevelDebug) {
		s.a.log.log(ctx, slog.LevelDebug, "accepted",
			slog.String(logKeyStage, StageMail.String()),
			pathAttr(logKeyFrom, s.tx.From),
			slog.String(logKeyID, s.tx.ID),
			clientString(logKeyIdentity, s.conn.Identity.User()),
			slog.String(logKeyRemote, s.conn.RemoteAddr.String()))
	}
	return nil
}

// txHolder allocates a transaction together with the backing array of its
// first recipients, its address memo and the messageReader of its
// message: a transaction has at most one (Data ends it), and the reader
// outlives the Session's use of the transaction as the holder does.
type txHolder struct {
	tx     policy.Transaction
	rcpts  [1]policy.Recipient
	memo   addressMemo
	reader messageReader
}

// abortMail logs and returns the reply for err and leaves no transaction
// open.
func (s *Session) abortMail(ctx context.Context, err error, from string) error {
	r := s.fail(ctx, StageMail, err, clientString(logKeyFrom, from))
	s.Reset()
	return r
}

// checkWindow authorizes an unauthenticated session whose address logged
// in to POP or IMAP within the AuthWindow (RFC 6409, Section 3.3).
func (s *Session) checkWindow(ctx context.Context) error {
	w := s.a.cfg.AuthWindow
	if w == nil || !s.conn.Identity.IsZero() || !s.conn.RemoteAddr.IsValid() {
		return nil
	}
	id, ok, err := w.Lookup(ctx, s.conn.RemoteAddr.Addr())
	if err != nil || !ok {
		return err
	}
	s.conn.Identity = id
	return nil
}
