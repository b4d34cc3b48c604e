package submission

import (
	"context"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// enforceAddressSyntax refuses envelope addresses with illegal syntax (RFC
// 6409, Section 5.1, a SHOULD): 501 5.1.7 at MAIL (X.1.7 "Bad sender's
// mailbox address syntax") and 501 5.1.3 at RCPT (X.1.3 "Bad destination
// mailbox address syntax").
//
// Stages: MAIL check and RCPT check.
//
// submission parses every path with the envelope grammar (RFC 5321, Section
// 4.1.2) before any policy runs, and refuses what does not parse with the
// same replies. What this policy adds is a check of the values themselves,
// so that paths built by other means (a server adapter that calls
// envelope.NewMailbox with a decoded local part, a rewrite, a test) are held
// to the same rules:
//
//   - the local part is non-empty, and every character is printable ASCII,
//     space, or a UTF-8 character the envelope parser accepts: no control
//     characters (RFC 5321, Section 4.1.2 allows none even in a quoted
//     string; RFC 6531, Section 3.3);
//   - the domain is set, and at most 255 octets (RFC 5321, Section
//     4.5.3.1.2);
//   - the local part, in the form it takes on the wire (quoted when it is
//     not a dot-string), is at most 64 octets (RFC 5321, Section
//     4.5.3.1.1);
//   - the whole path, angle brackets included, is at most 256 octets (RFC
//     5321, Section 4.5.3.1.3);
//   - with NoAddressLiterals, a domain that is an address literal
//     ([192.0.2.1], RFC 5321, Section 4.1.3) is refused: legal, but a
//     submission client has no reason to use one and many sites forbid it.
//
// The null reverse-path <> (RFC 6409, Section 3.2) and <Postmaster> pass.
// The zero value is the RFC 6409 default. It is safe for concurrent use.
type enforceAddressSyntax struct {
	// NoAddressLiterals refuses address literals in MAIL FROM and RCPT TO.
	NoAddressLiterals bool
}

// Name returns "enforce-address-syntax", the policy of RFC 6409, Section 5.1.
func (enforceAddressSyntax) Name() string { return "enforce-address-syntax" }

// CheckMail refuses an improper reverse-path with 501 5.1.7 (RFC 6409,
// Section 5.1).
func (p enforceAddressSyntax) CheckMail(_ context.Context, _ *policy.Conn, tx *policy.Transaction) error {
	if tx.From.IsNull() || p.ValidMailbox(tx.From.Mailbox()) {
		return nil
	}
	return replyBadSenderSyntax()
}

// CheckRcpt refuses an improper forward-path with 501 5.1.3 (RFC 6409,
// Section 5.1).
func (p enforceAddressSyntax) CheckRcpt(_ context.Context, _ *policy.Conn, _ *policy.Transaction, rcpt *policy.Recipient) error {
	if rcpt.Path.IsPostmaster() || (!rcpt.Path.IsNull() && p.ValidMailbox(rcpt.Path.Mailbox())) {
		return nil
	}
	return replyBadRecipientSyntax()
}

// ValidMailbox reports whether m passes the checks listed on
// [enforceAddressSyntax] (RFC 5321, Sections 4.1.2 and 4.5.3.1). The
// character and length rules are those of [envelope.NewMailbox], so a
// mailbox built by hand is held to exactly what the envelope parser
// accepts; this adds only that the local part is not empty and the
// NoAddressLiterals option. It does not allocate for a valid mailbox.
func (p enforceAddressSyntax) ValidMailbox(m envelope.Mailbox) bool {
	if m.LocalPart == "" || (p.NoAddressLiterals && m.Domain.IsLiteral()) {
		return false
	}
	_, err := envelope.NewMailbox(m.LocalPart, m.Domain)
	return err == nil
}

var (
	_ policy.MailPolicy = enforceAddressSyntax{}
	_ policy.RcptPolicy = enforceAddressSyntax{}
)
