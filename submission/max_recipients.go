package submission

import (
	"context"

	"github.com/msakit/msakit/policy"
)

// maxRecipients limits the number of recipients of one transaction (RFC
// 5321, Section 4.5.3.1.8): once Max recipients have been accepted, each
// further RCPT gets 452 4.5.3 "Too many recipients" (RFC 5321, Section
// 4.5.3.1.10: 452, a temporary failure, so the client sends the rest in
// another transaction; X.5.3, RFC 3463, Section 3.6). Recipients already
// accepted are never dropped.
//
// Stages: RCPT check. It counts tx.Recipients, which holds only accepted
// recipients.
//
// Max 0 means [defaultMaxRecipients] (100). A Max below 100 violates RFC
// 5321, Section 4.5.3.1.8 ("Rejection of messages (for excessive
// recipients) with fewer than 100 RCPT commands is a violation of this
// specification") but is honoured when configured, for sites that accept
// that. A negative Max means no limit. maxRecipients is safe for concurrent
// use.
type maxRecipients struct {
	// Max is the most recipients per transaction; 0 = 100, < 0 = no limit.
	Max int
}

// Name returns "max-recipients", the policy of RFC 5321, Section 4.5.3.1.8.
func (maxRecipients) Name() string { return "max-recipients" }

// Limit returns the effective limit: Max, or 100 when Max is 0, or -1 for no
// limit (RFC 5321, Section 4.5.3.1.8).
func (p maxRecipients) Limit() int {
	switch {
	case p.Max == 0:
		return defaultMaxRecipients
	case p.Max < 0:
		return -1
	}
	return p.Max
}

// CheckRcpt refuses the recipient with 452 4.5.3 when the limit has been
// reached (RFC 5321, Section 4.5.3.1.10).
func (p maxRecipients) CheckRcpt(_ context.Context, _ *policy.Conn, tx *policy.Transaction, _ *policy.Recipient) error {
	if n := p.Limit(); n >= 0 && len(tx.Recipients) >= n {
		return replyTooManyRecipients()
	}
	return nil
}

var _ policy.RcptPolicy = maxRecipients{}
