package submission

import (
	"context"
)

// sendCharge is what one transaction has charged to the sending limits of
// [Limits]: recipients as they are accepted, to be given back unless the
// transaction ends in an accepted message.
type sendCharge struct {
	msgKey  string // Limits.Messages key of the sender; "" without limits
	rcptKey string // Limits.Recipients key of the sender
	rcpts   int64  // recipients charged and not given back
}

// startCharge sets up the charges of a new transaction for the session's
// sender (its identity, or its address without one).
func (s *Session) startCharge() {
	l := &s.a.cfg.Limits
	if !l.Messages.on() && !l.Recipients.on() {
		return
	}
	k := senderKey(s.conn.Identity, s.conn.RemoteAddr)
	s.charge = sendCharge{msgKey: keyMessages + k, rcptKey: keyRecipients + k}
}

// checkMessageLimit refuses MAIL when the sender has used up
// Limits.Messages, so that the client does not send a message only to see
// it refused at the end. It charges nothing: the message counts at the
// end of its data.
func (s *Session) checkMessageLimit(ctx context.Context) error {
	l := s.a.cfg.Limits.Messages
	if !l.on() {
		return nil
	}
	r, _, err := s.a.limitAdd(ctx, s.charge.msgKey, 0, l)
	if err != nil {
		return err
	}
	if r.Count >= l.Max {
		return replyMessageLimit(l, r.ResetIn)
	}
	return nil
}

// chargeRecipient counts a recipient that passed every RCPT policy against
// Limits.Recipients, or refuses it with 452 4.5.3.
func (s *Session) chargeRecipient(ctx context.Context) error {
	l := s.a.cfg.Limits.Recipients
	if !l.on() {
		return nil
	}
	r, counted, err := s.a.limitAdd(ctx, s.charge.rcptKey, 1, l)
	if err != nil {
		return err
	}
	if !r.Added {
		return replyRecipientLimit(l, r.ResetIn)
	}
	if counted {
		s.charge.rcpts++
	}
	return nil
}

// chargeMessage counts a message whose data has passed every check against
// Limits.Messages, or refuses it with 451 4.7.1. charged reports whether
// the store counted it, so that it can be given back if the message is
// refused after all.
func (a *Agent) chargeMessage(ctx context.Context, c *sendCharge) (charged bool, err error) {
	l := a.cfg.Limits.Messages
	if !l.on() {
		return false, nil
	}
	r, counted, err := a.limitAdd(ctx, c.msgKey, 1, l)
	if err != nil {
		return false, err
	}
	if !r.Added {
		return false, replyMessageLimit(l, r.ResetIn)
	}
	return counted, nil
}

// release gives back the recipients c charged, for a transaction reset or
// abandoned or a message refused.
func (a *Agent) release(ctx context.Context, c *sendCharge) {
	a.giveBack(ctx, c.rcptKey, c.rcpts, a.cfg.Limits.Recipients)
	c.rcpts = 0
}
