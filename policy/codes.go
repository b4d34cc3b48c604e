package policy

import (
	"errors"

	"github.com/msakit/msakit/auth"
)

// Sentinel causes that the replies below carry in Err, so callers can test
// with errors.Is instead of matching codes or text. They are never sent to
// the client.
var (
	// ErrLocal is the cause of 451 4.3.0 (RFC 5321, Section 4.2.3).
	ErrLocal = errors.New("policy: local error in processing")
	// ErrBadSequence is the cause of 503 5.5.1 (RFC 5321, Section 4.2.3).
	ErrBadSequence = errors.New("policy: bad sequence of commands")
	// ErrAuthRequired is the cause of 530 5.7.0 (RFC 4954, Section 6; RFC
	// 6409, Section 4.3).
	ErrAuthRequired = errors.New("policy: authentication required")
	// ErrNoReturnPath is the cause of the 550 of RFC 6409, Section 3.2.
	ErrNoReturnPath = errors.New("policy: no return path can be determined")
	// ErrSenderNotAuthorized is the cause of 550 5.7.1 for a sender address
	// (RFC 6409, Sections 6.1 and 6.3).
	ErrSenderNotAuthorized = errors.New("policy: sender address not authorized for this identity")
	// ErrRecipientNotPermitted is the cause of 550 5.7.1 for a recipient
	// (RFC 6409, Section 6.2).
	ErrRecipientNotPermitted = errors.New("policy: recipient not permitted for this identity")
	// ErrUnqualifiedDomain is the cause of the 554 replies of RFC 6409,
	// Section 4.2.
	ErrUnqualifiedDomain = errors.New("policy: domain not fully qualified")
	// ErrAddressSyntax is the cause of the 501 replies of RFC 6409, Section
	// 5.1.
	ErrAddressSyntax = errors.New("policy: invalid address syntax")
	// ErrTooManyRecipients is the cause of 452 4.5.3 (RFC 5321, Section
	// 4.5.3.1.10).
	ErrTooManyRecipients = errors.New("policy: too many recipients")
	// ErrMessageTooBig is the cause of 552 5.3.4 (RFC 1870, Section 6.1).
	ErrMessageTooBig = errors.New("policy: message too big")
	// ErrSMTPUTF8Required is the cause of the X.6.7 replies (RFC 6531,
	// Section 3.5).
	ErrSMTPUTF8Required = errors.New("policy: non-ASCII address without SMTPUTF8")
	// ErrHeaderSyntax is the cause of 554 5.6.0 for the header (RFC 6409,
	// Sections 5.1 and 6.3).
	ErrHeaderSyntax = errors.New("policy: invalid message header")
	// ErrMessageSyntax is the cause of 554 5.6.0 for the message data (RFC
	// 5321, Section 2.3.8; RFC 6409, Section 6.3).
	ErrMessageSyntax = errors.New("policy: invalid message data")
)

// reply builds a new *Reply; every constructor below calls it, so none
// returns a shared value.
func reply(code int, enh, text string, err error) *Reply {
	return &Reply{Code: code, Enhanced: enh, Text: text, Err: err}
}

// LocalError returns 451 4.3.0 "Local error in processing" (RFC 5321,
// Section 4.2.3; RFC 3463, Section 3.4). submission sends it for internal
// errors and canceled contexts; Err is ErrLocal.
func LocalError() *Reply {
	return reply(451, "4.3.0", "Local error in processing, try again later", ErrLocal)
}

// BadSequence returns 503 5.5.1 "Bad sequence of commands" (RFC 5321,
// Section 4.2.3; RFC 3463, Section 3.6). Err is ErrBadSequence.
func BadSequence() *Reply {
	return reply(503, "5.5.1", "Bad sequence of commands", ErrBadSequence)
}

// AuthRequired returns 530 5.7.0 "Authentication required" (RFC 4954,
// Section 6; RFC 6409, Section 4.3). Err is ErrAuthRequired.
func AuthRequired() *Reply {
	return reply(530, "5.7.0", "Authentication required", ErrAuthRequired)
}

// NoReturnPath returns 550 5.7.1, the immediate rejection of MAIL when no
// return path to the submitting user can be determined (RFC 6409, Section
// 3.2 asks for 550; X.7.1 "Delivery not authorized", RFC 3463, Section 3.8).
// Err is ErrNoReturnPath.
func NoReturnPath() *Reply {
	return reply(550, "5.7.1", "No return path can be determined for this submission", ErrNoReturnPath)
}

// SenderNotAuthorized returns 550 5.7.1 "Sender address not authorized"
// (RFC 6409, Sections 6.1 and 6.3; RFC 3463, Section 3.8). Err is
// ErrSenderNotAuthorized.
func SenderNotAuthorized() *Reply {
	return reply(550, "5.7.1", "Sender address not authorized for this account", ErrSenderNotAuthorized)
}

// RecipientNotPermitted returns 550 5.7.1 "Recipient not permitted" (RFC
// 6409, Section 6.2; RFC 3463, Section 3.8). Err is ErrRecipientNotPermitted.
func RecipientNotPermitted() *Reply {
	return reply(550, "5.7.1", "Recipient not permitted for this account", ErrRecipientNotPermitted)
}

// UnqualifiedSender returns 554 5.1.8 for a MAIL FROM domain that is not
// fully qualified (RFC 6409, Section 4.2: 554; X.1.8 "Bad sender's system
// address", RFC 3463, Section 3.2). Err is ErrUnqualifiedDomain.
func UnqualifiedSender() *Reply {
	return reply(554, "5.1.8", "Sender domain must be fully qualified", ErrUnqualifiedDomain)
}

// UnqualifiedRecipient returns 554 5.1.2 for a RCPT TO domain that is not
// fully qualified (RFC 6409, Section 4.2: 554; X.1.2 "Bad destination system
// address", RFC 3463, Section 3.2). Err is ErrUnqualifiedDomain.
func UnqualifiedRecipient() *Reply {
	return reply(554, "5.1.2", "Recipient domain must be fully qualified", ErrUnqualifiedDomain)
}

// UnqualifiedHeader returns 554 5.6.0 for an address header field whose
// domain is not fully qualified (RFC 6409, Section 4.2: 554; X.6.0, RFC
// 3463, Section 3.7). Err wraps ErrUnqualifiedDomain and ErrHeaderSyntax.
func UnqualifiedHeader() *Reply {
	return reply(554, "5.6.0", "Domains in address header fields must be fully qualified",
		errors.Join(ErrUnqualifiedDomain, ErrHeaderSyntax))
}

// BadSenderSyntax returns 501 5.1.7 for an improper MAIL FROM address (RFC
// 6409, Section 5.1: 501; X.1.7 "Bad sender's mailbox address syntax", RFC
// 3463, Section 3.2). Err is ErrAddressSyntax.
func BadSenderSyntax() *Reply {
	return reply(501, "5.1.7", "Bad sender address syntax", ErrAddressSyntax)
}

// BadRecipientSyntax returns 501 5.1.3 for an improper RCPT TO address (RFC
// 6409, Section 5.1: 501; X.1.3 "Bad destination mailbox address syntax",
// RFC 3463, Section 3.2). Err is ErrAddressSyntax.
func BadRecipientSyntax() *Reply {
	return reply(501, "5.1.3", "Bad recipient address syntax", ErrAddressSyntax)
}

// TooManyRecipients returns 452 4.5.3 "Too many recipients" (RFC 5321,
// Section 4.5.3.1.10; RFC 3463, Section 3.6). Err is ErrTooManyRecipients.
func TooManyRecipients() *Reply {
	return reply(452, "4.5.3", "Too many recipients", ErrTooManyRecipients)
}

// MessageTooBig returns 552 5.3.4 "Message size exceeds fixed maximum
// message size" (RFC 1870, Section 6.1; X.3.4, RFC 3463, Section 3.4). Err
// is ErrMessageTooBig.
func MessageTooBig() *Reply {
	return reply(552, "5.3.4", "Message size exceeds fixed maximum message size", ErrMessageTooBig)
}

// NonASCIISender returns 550 5.6.7 for a non-ASCII MAIL FROM address without
// the SMTPUTF8 parameter (RFC 6531, Section 3.5: 550 at MAIL; X.6.7, RFC
// 6531, Section 4). Err is ErrSMTPUTF8Required.
func NonASCIISender() *Reply {
	return reply(550, "5.6.7", "Non-ASCII sender address requires SMTPUTF8", ErrSMTPUTF8Required)
}

// NonASCIIRecipient returns 553 5.6.7 for a non-ASCII RCPT TO address in a
// transaction without SMTPUTF8 (RFC 6531, Section 3.5: 553 at RCPT; X.6.7,
// RFC 6531, Section 4). Err is ErrSMTPUTF8Required.
func NonASCIIRecipient() *Reply {
	return reply(553, "5.6.7", "Non-ASCII recipient address requires SMTPUTF8", ErrSMTPUTF8Required)
}

// HeaderInvalid returns 554 5.6.0 with text, for a syntactically invalid
// message header (RFC 6409, Sections 5.1 and 6.3: 554 for syntactic
// problems in the data; X.6.0, RFC 3463, Section 3.7). text must be one
// line without CR or LF and should say precisely what is wrong. Err is
// ErrHeaderSyntax.
func HeaderInvalid(text string) *Reply {
	return reply(554, "5.6.0", text, ErrHeaderSyntax)
}

// MessageInvalid returns 554 5.6.0 with text, for invalid message data
// outside the header, such as a bare CR or LF in the body (RFC 5321, Section
// 2.3.8; RFC 6409, Section 6.3). Err is ErrMessageSyntax.
func MessageInvalid(text string) *Reply {
	return reply(554, "5.6.0", text, ErrMessageSyntax)
}

// AuthTemporaryFailure returns 454 4.7.0 "Temporary authentication failure"
// (RFC 4954, Section 6). Err is auth.ErrTemporary.
func AuthTemporaryFailure() *Reply {
	return reply(454, "4.7.0", "Temporary authentication failure", auth.ErrTemporary)
}

// AuthInvalid returns 535 5.7.8 "Authentication credentials invalid" (RFC
// 4954, Section 6). Err is auth.ErrInvalidCredentials.
func AuthInvalid() *Reply {
	return reply(535, "5.7.8", "Authentication credentials invalid", auth.ErrInvalidCredentials)
}

// AuthMechanismTooWeak returns 534 5.7.9 "Authentication mechanism is too
// weak" (RFC 4954, Section 6). Err is auth.ErrMechanismTooWeak.
func AuthMechanismTooWeak() *Reply {
	return reply(534, "5.7.9", "Authentication mechanism is too weak", auth.ErrMechanismTooWeak)
}

// AuthEncryptionRequired returns 538 5.7.11 "Encryption required for
// requested authentication mechanism" (RFC 4954, Section 6). Err is
// auth.ErrEncryptionRequired.
func AuthEncryptionRequired() *Reply {
	return reply(538, "5.7.11", "Encryption required for requested authentication mechanism", auth.ErrEncryptionRequired)
}

// AuthMalformed returns 501 5.5.2 for a response that is not valid base64 or
// otherwise malformed (RFC 4954, Section 4; X.5.2, RFC 3463, Section 3.6).
// Err is auth.ErrMalformed.
func AuthMalformed() *Reply {
	return reply(501, "5.5.2", "Cannot decode authentication response", auth.ErrMalformed)
}

// AuthLineTooLong returns 500 5.5.6 "Authentication Exchange line is too
// long" (RFC 4954, Section 6). Err is auth.ErrResponseTooLong.
func AuthLineTooLong() *Reply {
	return reply(500, "5.5.6", "Authentication exchange line is too long", auth.ErrResponseTooLong)
}

// AuthUnsupported returns 504 5.5.4 for an unsupported SASL mechanism (RFC
// 4954, Section 4: "504"; X.5.4 "Invalid command arguments", RFC 3463,
// Section 3.6). Err is auth.ErrUnsupported.
func AuthUnsupported() *Reply {
	return reply(504, "5.5.4", "Unrecognized authentication mechanism", auth.ErrUnsupported)
}
