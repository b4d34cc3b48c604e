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
	// MailOptions are the MAIL FROM parameters, as the client sent them.
	MailOptions MailOptions
	// Undeclared8Bit reports that the message data holds octets above 127
	// although MAIL declared neither BODY=8BITMIME nor BODY=BINARYMIME
	// (RFC 6152, Section 3; RFC 3030). A submission server that accepts
	// such a message, completing what the client left out (RFC 6409,
	// Section 8), sets it when it meets the first such octet; from then on
	// the transaction is 8-bit, and [Transaction.BodyType] says so.
	Undeclared8Bit bool
	// Recipients are the accepted recipients, in order.
	Recipients []Recipient
	// Start is when MAIL FROM was accepted.
	Start time.Time

	// first and values are the state slot of Value and SetValue; first
	// holds one entry inline, so that the usual transaction, whose
	// state is one value (submission's address memo), allocates nothing
	// for it.
	first  keyValue
	values []keyValue
}

// BodyType returns the body type the message must be relayed with (RFC
// 6152, Section 3; RFC 3030, Section 3): BODY= as declared, or
// Body8BitMIME when the data turned out to be 8-bit without being declared
// so (Undeclared8Bit). A relay sends the message with this BODY=, or
// converts it to 7 bits for a next hop without 8BITMIME (RFC 6409, Section
// 8.4); "" means no BODY= and 7-bit data.
func (tx *Transaction) BodyType() BodyType {
	if tx.Undeclared8Bit {
		return Body8BitMIME
	}
	return tx.MailOptions.Body
}
