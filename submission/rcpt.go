package submission

import (
	"context"
	"log/slog"
	"slices"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// Rcpt handles RCPT TO (RFC 5321, Section 4.1.1.3). to is the forward-path
// as the server received it, with or without angle brackets; "Postmaster"
// (any case) is the unqualified postmaster address. opts holds the RCPT
// parameters; nil means none.
//
// Rcpt runs the RCPT stage of the policy chain for this recipient. When it
// passes, the recipient is added to the transaction; when it fails, only
// this recipient is refused and the transaction goes on (RFC 5321, Section
// 3.3). Replies:
//
//   - 503 5.5.1 without a MAIL first (RFC 5321, Section 4.1.4);
//   - 501 5.1.3 when to is not a forward-path (RFC 5321, Section 4.1.2;
//     RFC 6409, Section 5.1);
//   - whatever a policy decides (554 5.1.2 for an unqualified domain, 553
//     5.6.7 for a non-ASCII address without SMTPUTF8, 452 4.5.3 over the
//     recipient limit, 550 5.7.1 for a recipient the identity may not
//     reach, ...);
//   - 452 4.5.3 when the sender has used up Limits.Recipients, with the
//     time left in the text (the recipient is charged only when every
//     policy has accepted it);
//   - 451 4.3.0 for an internal failure or a done ctx.
//
// Every error is a *policy.Reply.
func (s *Session) Rcpt(ctx context.Context, to string, opts *policy.RcptOptions) error {
	if s.state != txOpen {
		return s.fail(ctx, StageRcpt, replyNeedMail(), clientString(logKeyRcpt, to))
	}
	p, err := envelope.ParseForwardPath(to)
	if err != nil {
		return s.fail(ctx, StageRcpt, err, clientString(logKeyRcpt, to))
	}
	// The candidate is built in place, in the spare capacity of the
	// recipients slice: the policies see it through rcpt but not in
	// tx.Recipients (which holds only accepted recipients) until it passes.
	rs := slices.Grow(s.tx.Recipients, 1)
	n := len(rs)
	rcpt := &rs[:n+1][n]
	*rcpt = policy.Recipient{Path: p, Original: to}
	if opts != nil {
		rcpt.Options = *opts
	}
	s.tx.Recipients = rs
	// The callbacks share the stage deadline (RFC 6409, Section 5.3).
	sctx, stage := s.a.stageContext(ctx, timedRcpt)
	defer stage.end()
	err = overran(sctx, "policy chain", s.a.chain.Rcpt(sctx, &s.conn, s.tx, rcpt))
	if err == nil {
		counted := s.charge.rcpts
		err = overran(sctx, "limit store", s.chargeRecipient(sctx))
		if err != nil && s.charge.rcpts > counted { // counted, but too late to answer in time
			s.a.giveBack(ctx, s.charge.rcptKey, 1, s.a.cfg.Limits.Recipients)
			s.charge.rcpts--
		}
	}
	if err != nil {
		*rcpt = policy.Recipient{}
		return s.fail(ctx, StageRcpt, err, clientString(logKeyRcpt, to))
	}
	s.tx.Recipients = rs[:n+1]
	if s.a.obs != nil {
		s.a.obs.Observe(ctx, Event{Stage: StageRcpt})
	}
	if s.a.log.enabled(ctx, slog.LevelDebug) {
		last := s.tx.Recipients[len(s.tx.Recipients)-1]
		s.a.log.log(ctx, slog.LevelDebug, "accepted",
			slog.String(logKeyStage, StageRcpt.String()),
			pathAttr(logKeyRcpt, last.Path),
			slog.String(logKeyID, s.tx.ID),
			clientString(logKeyIdentity, s.conn.Identity.User()),
			slog.String(logKeyRemote, s.conn.RemoteAddr.String()))
	}
	return nil
}
