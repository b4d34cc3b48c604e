package submission

import (
	"context"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// addSender adds or replaces the Sender field with the authenticated
// identity's address when the From field does not already name that identity
// (RFC 6409, Section 8.1: "if the identity of the sender is known and this
// is not given in the 'From' field"; RFC 5322, Section 3.6.2).
//
// Stages: DATA rewrite. It never rejects.
//
//   - no identity, or an identity without an Address: nothing is done (the
//     sender is not known);
//   - From is exactly one mailbox and it is the identity's address: nothing
//     is done (RFC 5322, Section 3.6.2: Sender "SHOULD NOT be used" then);
//   - Sender already names the identity's address: nothing is done;
//   - otherwise Sender is replaced in place, or prepended when missing.
//
// RFC 6409, Section 8.1 requires that "any address it places in a 'Sender'
// field is, in fact, a valid mail address": the identity's address must pass
// [enforceAddressSyntax] with a fully qualified domain, and be ASCII unless
// the transaction uses SMTPUTF8; otherwise nothing is placed. When the
// message carries Resent- fields (RFC 5322, Section 3.6.6) the fix-up
// compares with Resent-From and targets Resent-Sender.
//
// It is off by default (a MAY). addSender is safe for concurrent use.
type addSender struct {
	// Rule says which domains are fully qualified (RFC 6409, Section 4.2).
	Rule qualifiedRule
}

// Name returns "add-sender", the policy of RFC 6409, Section 8.1.
func (addSender) Name() string { return "add-sender" }

// RewriteData adds or replaces Sender (or Resent-Sender) (RFC 6409, Section
// 8.1).
func (p addSender) RewriteData(_ context.Context, c *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	m, ok := senderAddress(c, tx, p.Rule)
	if !ok {
		return nil
	}
	utf8OK := tx.MailOptions.SMTPUTF8
	// names reports whether f holds exactly one mailbox, the identity's.
	names := func(f header.Field) bool {
		addrs, _, err := fieldAddresses(tx, f)
		return err == nil && len(addrs) == 1 && auth.SameMailbox(m, addrs[0].Mailbox)
	}
	from := "From"
	if h.IsResent() {
		from = "Resent-From"
	}
	if i := h.Index(from); i >= 0 && names(h.Field(i)) {
		return nil
	}
	return ensureField(h, "Sender", "Resent-Sender", utf8OK, names,
		func() (string, error) { return m.Format(utf8OK), nil })
}

// senderAddress returns the identity's address when the MSA may place it in
// a header field: the session is authenticated, the address passes
// [enforceAddressSyntax] with a domain fully qualified under rule, and it is
// ASCII unless the transaction uses SMTPUTF8 (RFC 6409, Section 8.1: "a
// valid mail address"; RFC 6532, Section 3).
func senderAddress(c *policy.Conn, tx *policy.Transaction, rule qualifiedRule) (envelope.Mailbox, bool) {
	m := c.Identity.Address
	if c.Identity.IsZero() || m.IsZero() {
		return m, false
	}
	if !(enforceAddressSyntax{}).ValidMailbox(m) || !rule.fullyQualified(m.Domain) {
		return m, false
	}
	if !m.IsASCII() && !tx.MailOptions.SMTPUTF8 {
		return m, false
	}
	return m, true
}

var _ policy.DataRewriter = addSender{}
