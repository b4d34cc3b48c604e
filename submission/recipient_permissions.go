package submission

import (
	"context"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// recipientPermissions refuses recipients that are inconsistent with the
// permissions given to the authenticated user (RFC 6409, Section 6.2): 550
// 5.7.1 (X.7.1 "Delivery not authorized, message refused").
//
// Stages: RCPT check.
//
// Allow is the site's rule: it gets the identity and the forward-path
// (<Postmaster> included) and reports whether the user may send to it. An
// error from Allow is returned as is (an internal error, 451 4.3.0). A nil
// Allow permits every recipient. As RFC 6409, Section 6.2 says, the rule
// applies "if the session has been authenticated": sessions without an
// identity are not judged here ([requireAuth] handles them).
//
// recipientPermissions is safe for concurrent use when Allow is.
type recipientPermissions struct {
	// Allow reports whether id may send to rcpt.
	Allow func(ctx context.Context, id auth.Identity, rcpt envelope.Path) (bool, error)
}

// Name returns "recipient-permissions", the policy of RFC 6409, Section 6.2.
func (recipientPermissions) Name() string { return "recipient-permissions" }

// CheckRcpt refuses a recipient Allow does not permit: 550 5.7.1 (RFC 6409,
// Section 6.2).
func (p recipientPermissions) CheckRcpt(ctx context.Context, c *policy.Conn, _ *policy.Transaction, rcpt *policy.Recipient) error {
	if p.Allow == nil || c.Identity.IsZero() {
		return nil
	}
	ok, err := p.Allow(ctx, c.Identity, rcpt.Path)
	if err != nil {
		return err
	}
	if !ok {
		return replyRecipientNotPermitted()
	}
	return nil
}

var _ policy.RcptPolicy = recipientPermissions{}
