package submission

import (
	"context"

	"github.com/msakit/msakit/policy"
)

// maxSize limits the message size (RFC 1870). A SIZE= parameter on MAIL FROM
// over Max gets 552 5.3.4 "Message size exceeds fixed maximum message size"
// (RFC 1870, Section 6.1; X.3.4 "Message too big for system", RFC 3463,
// Section 3.4).
//
// Stages: MAIL check. The actual size is enforced by [Session.Data]: the
// header reader's bound and the body stream's count, both from
// Agent.maxSize (RFC 1870, Section 6.3 permits refusing a message larger
// than declared). EHLO advertises Max as the SIZE keyword's value (RFC
// 1870, Section 4).
//
// Max 0 means no limit. maxSize is safe for concurrent use.
type maxSize struct {
	// Max is the largest message in octets; 0 = no limit.
	Max int64
}

// Name returns "max-size", the policy of RFC 1870.
func (maxSize) Name() string { return "max-size" }

// CheckMail refuses a declared SIZE= over Max with 552 5.3.4 (RFC 1870,
// Section 6.1).
func (p maxSize) CheckMail(_ context.Context, _ *policy.Conn, tx *policy.Transaction) error {
	if p.Max > 0 && tx.MailOptions.Size > p.Max {
		return replyMessageTooBig()
	}
	return nil
}

var _ policy.MailPolicy = maxSize{}
