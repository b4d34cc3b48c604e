package policy

import (
	"time"

	"github.com/msakit/msakit/envelope"
)

// Recipient is one recipient of a transaction: one that has been accepted,
// or the one a RCPT policy is checking (RFC 5321, Section 4.1.1.3).
type Recipient struct {
	// Path is the forward-path, possibly rewritten by an [RcptRewriter].
	Path envelope.Path
	// Original is the argument as received, for trace and logs.
	Original string
	// Options are the RCPT TO parameters.
	Options RcptOptions
}

// Transaction is the state of one mail transaction, from MAIL FROM to the end
// of DATA (RFC 5321, Section 3.3). It belongs to one session and is not safe
// for concurrent use.
//
// Recipients holds only accepted recipients: a RCPT policy sees the
// recipients accepted so far, and the one being checked arrives separately
// (so a recipient limit counts accepted ones, RFC 5321, Section 4.5.3.1.8).
type Transaction struct {
	// ID is the submission id, used in Received and trace records.
	ID string
	// From is the reverse-path, possibly rewritten by a [MailRewriter].
	From envelope.Path
	// OriginalFrom is the MAIL FROM argument as received.
	OriginalFrom string
	// MailOptions are the MAIL FROM parameters.
	MailOptions MailOptions
	// Recipients are the accepted recipients, in order.
	Recipients []Recipient
	// Start is when MAIL FROM was accepted.
	Start time.Time

	// values is the state slot of Value and SetValue.
	values []keyValue
}
