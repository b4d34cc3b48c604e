package submission

import (
	"context"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// removeBcc deletes every Bcc and Resent-Bcc field, so that blind carbon
// copy recipients are not disclosed to the other recipients (RFC 5322,
// Section 3.6.3, the first of the ways it describes to handle Bcc).
//
// Stages: DATA rewrite. It never rejects. It is on by default
// (Config.DisableRemoveBcc turns it off): a client that leaves Bcc in the
// message it submits would otherwise leak its blind recipients, and the
// envelope, not the header, decides who receives a copy. removeBcc is safe
// for concurrent use.
type removeBcc struct{}

// Name returns "remove-bcc", the policy of RFC 5322, Section 3.6.3.
func (removeBcc) Name() string { return "remove-bcc" }

// RewriteData deletes Bcc and Resent-Bcc (RFC 5322, Sections 3.6.3 and
// 3.6.6).
func (removeBcc) RewriteData(_ context.Context, _ *policy.Conn, _ *policy.Transaction, h *header.Header) error {
	h.Delete("Bcc")
	h.Delete("Resent-Bcc")
	return nil
}

var _ policy.DataRewriter = removeBcc{}
