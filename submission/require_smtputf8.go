package submission

import (
	"context"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
	"github.com/msakit/msakit/policy"
)

// requireSMTPUTF8 refuses non-ASCII envelope addresses in a transaction whose
// MAIL FROM did not carry the SMTPUTF8 parameter (RFC 6531, Sections 3.4
// and 3.5).
//
// Stages: MAIL check and RCPT check.
//
//   - MAIL: a non-ASCII reverse-path gets 550 5.6.7 (RFC 6531, Section 3.5:
//     "the reply-code 550 is returned with the meaning 'mailbox
//     unavailable'"; X.6.7 "Non-ASCII addresses not permitted for that
//     sender/recipient", RFC 6531, Section 4).
//   - RCPT: a non-ASCII forward-path gets 553 5.6.7 (RFC 6531, Section 3.5:
//     "the reply-code 553 is returned with the meaning 'mailbox name not
//     allowed'").
//
// An address is non-ASCII when the argument as received
// (Transaction.OriginalFrom, Recipient.Original) has a non-ASCII octet; when
// that is empty (a path built in-process), when the parsed local part is not
// ASCII (envelope.Mailbox.IsASCII: an IDN domain has an A-label form and
// needs no SMTPUTF8). A domain the client wrote in A-label form
// ("xn--bcher-kva.example") is ASCII; the same domain written in U-labels
// without SMTPUTF8 is refused, since the command itself then carried
// 8-bit octets. It is safe for concurrent
// use.
type requireSMTPUTF8 struct{}

// Name returns "require-smtputf8", the policy of RFC 6531, Section 3.5.
func (requireSMTPUTF8) Name() string { return "require-smtputf8" }

// CheckMail refuses a non-ASCII reverse-path without SMTPUTF8: 550 5.6.7
// (RFC 6531, Section 3.5).
func (requireSMTPUTF8) CheckMail(_ context.Context, _ *policy.Conn, tx *policy.Transaction) error {
	if tx.MailOptions.SMTPUTF8 || tx.From.IsNull() || !nonASCII(tx.OriginalFrom, tx.From) {
		return nil
	}
	return replyNonASCIISender()
}

// CheckRcpt refuses a non-ASCII forward-path without SMTPUTF8: 553 5.6.7
// (RFC 6531, Section 3.5).
func (requireSMTPUTF8) CheckRcpt(_ context.Context, _ *policy.Conn, tx *policy.Transaction, rcpt *policy.Recipient) error {
	if tx.MailOptions.SMTPUTF8 || rcpt.Path.IsPostmaster() || rcpt.Path.IsNull() || !nonASCII(rcpt.Original, rcpt.Path) {
		return nil
	}
	return replyNonASCIIRecipient()
}

// nonASCII reports whether the path needs SMTPUTF8 (RFC 6531, Section 3.3).
func nonASCII(original string, p envelope.Path) bool {
	if original == "" {
		return !p.Mailbox().IsASCII()
	}
	return !ascii.Is(original)
}

var (
	_ policy.MailPolicy = requireSMTPUTF8{}
	_ policy.RcptPolicy = requireSMTPUTF8{}
)
