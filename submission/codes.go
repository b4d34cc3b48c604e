package submission

import (
	"errors"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/policy"
)

// Causes that the replies below carry in Err, for logs and for this
// package's tests (errors.Is). They are never sent to the client; callers
// outside tell replies apart by Code, Enhanced and Policy, the
// machine-readable part (RFC 3463, Section 2).
var (
	// errLocal is the cause of 451 4.3.0 (RFC 5321, Section 4.2.3).
	errLocal = errors.New("submission: local error in processing")
	// errBadSequence is the cause of 503 5.5.1 (RFC 5321, Section 4.2.3).
	errBadSequence = errors.New("submission: bad sequence of commands")
	// errAuthRequired is the cause of 530 5.7.0 (RFC 4954, Section 6; RFC
	// 6409, Section 4.3).
	errAuthRequired = errors.New("submission: authentication required")
	// errNoReturnPath is the cause of the 550 of RFC 6409, Section 3.2.
	errNoReturnPath = errors.New("submission: no return path can be determined")
	// errSenderNotAuthorized is the cause of 550 5.7.1 for a sender address
	// (RFC 6409, Sections 6.1 and 6.3).
	errSenderNotAuthorized = errors.New("submission: sender address not authorized for this identity")
	// errRecipientNotPermitted is the cause of 550 5.7.1 for a recipient
	// (RFC 6409, Section 6.2).
	errRecipientNotPermitted = errors.New("submission: recipient not permitted for this identity")
	// errUnqualifiedDomain is the cause of the 554 replies of RFC 6409,
	// Section 4.2.
	errUnqualifiedDomain = errors.New("submission: domain not fully qualified")
	// errAddressSyntax is the cause of the 501 replies of RFC 6409, Section
	// 5.1.
	errAddressSyntax = errors.New("submission: invalid address syntax")
	// errTooManyRecipients is the cause of 452 4.5.3 (RFC 5321, Section
	// 4.5.3.1.10).
	errTooManyRecipients = errors.New("submission: too many recipients")
	// errMessageTooBig is the cause of 552 5.3.4 (RFC 1870, Section 6.1).
	errMessageTooBig = errors.New("submission: message too big")
	// errSMTPUTF8Required is the cause of the X.6.7 replies (RFC 6531,
	// Section 3.5).
	errSMTPUTF8Required = errors.New("submission: non-ASCII address without SMTPUTF8")
	// errHeaderSyntax is the cause of 554 5.6.0 for the header (RFC 6409,
	// Sections 5.1 and 6.3).
	errHeaderSyntax = errors.New("submission: invalid message header")
	// errMessageSyntax is the cause of 554 5.6.0 for the message data (RFC
	// 5321, Section 2.3.8; RFC 6409, Section 6.3).
	errMessageSyntax = errors.New("submission: invalid message data")
)

// reply builds a new *policy.Reply; every constructor below calls it, so
// none returns a shared value (a caller may change the one it gets).
func reply(code int, enh, text string, err error) *policy.Reply {
	return &policy.Reply{Code: code, Enhanced: enh, Text: text, Err: err}
}

// withText returns a copy of r with Text replaced, for a more precise reply
// with the same codes (RFC 3463, Section 2: the codes are the
// machine-readable part). r is not changed.
func withText(r *policy.Reply, text string) *policy.Reply {
	c := *r
	c.Text = text
	return &c
}

// withErr returns a copy of r whose Err also holds err (never sent, RFC
// 5321, Section 4.2): errors.Is still finds r's own cause. r is not
// changed.
func withErr(r *policy.Reply, err error) *policy.Reply {
	c := *r
	if c.Err != nil && err != nil {
		c.Err = errors.Join(c.Err, err)
	} else if err != nil {
		c.Err = err
	}
	return &c
}

// replyLocalError returns 451 4.3.0 "Local error in processing" (RFC 5321,
// Section 4.2.3; RFC 3463, Section 3.4). submission sends it for internal
// errors and canceled contexts; Err is errLocal.
func replyLocalError() *policy.Reply {
	return reply(451, "4.3.0", "Local error in processing, try again later", errLocal)
}

// replyBadSequence returns 503 5.5.1 "Bad sequence of commands" (RFC 5321,
// Section 4.2.3; RFC 3463, Section 3.6). Err is errBadSequence.
func replyBadSequence() *policy.Reply {
	return reply(503, "5.5.1", "Bad sequence of commands", errBadSequence)
}

// replyAuthRequired returns 530 5.7.0 "Authentication required" (RFC 4954,
// Section 6; RFC 6409, Section 4.3). Err is errAuthRequired.
func replyAuthRequired() *policy.Reply {
	return reply(530, "5.7.0", "Authentication required", errAuthRequired)
}

// replyNoReturnPath returns 550 5.7.1, the immediate rejection of MAIL when no
// return path to the submitting user can be determined (RFC 6409, Section
// 3.2 asks for 550; X.7.1 "Delivery not authorized", RFC 3463, Section 3.8).
// Err is errNoReturnPath.
func replyNoReturnPath() *policy.Reply {
	return reply(550, "5.7.1", "No return path can be determined for this submission", errNoReturnPath)
}

// replySenderNotAuthorized returns 550 5.7.1 "Sender address not authorized"
// (RFC 6409, Sections 6.1 and 6.3; RFC 3463, Section 3.8). Err is
// errSenderNotAuthorized.
func replySenderNotAuthorized() *policy.Reply {
	return reply(550, "5.7.1", "Sender address not authorized for this account", errSenderNotAuthorized)
}

// replyRecipientNotPermitted returns 550 5.7.1 "Recipient not permitted" (RFC
// 6409, Section 6.2; RFC 3463, Section 3.8). Err is errRecipientNotPermitted.
func replyRecipientNotPermitted() *policy.Reply {
	return reply(550, "5.7.1", "Recipient not permitted for this account", errRecipientNotPermitted)
}

// replyUnqualifiedSender returns 554 5.1.8 for a MAIL FROM domain that is not
// fully qualified (RFC 6409, Section 4.2: 554; X.1.8 "Bad sender's system
// address", RFC 3463, Section 3.2). Err is errUnqualifiedDomain.
func replyUnqualifiedSender() *policy.Reply {
	return reply(554, "5.1.8", "Sender domain must be fully qualified", errUnqualifiedDomain)
}

// replyUnqualifiedRecipient returns 554 5.1.2 for a RCPT TO domain that is not
// fully qualified (RFC 6409, Section 4.2: 554; X.1.2 "Bad destination system
// address", RFC 3463, Section 3.2). Err is errUnqualifiedDomain.
func replyUnqualifiedRecipient() *policy.Reply {
	return reply(554, "5.1.2", "Recipient domain must be fully qualified", errUnqualifiedDomain)
}

// replyUnqualifiedHeader returns 554 5.6.0 for an address header field whose
// domain is not fully qualified (RFC 6409, Section 4.2: 554; X.6.0, RFC
// 3463, Section 3.7). Err wraps errUnqualifiedDomain and errHeaderSyntax.
func replyUnqualifiedHeader() *policy.Reply {
	return reply(554, "5.6.0", "Domains in address header fields must be fully qualified",
		errors.Join(errUnqualifiedDomain, errHeaderSyntax))
}

// replyBadSenderSyntax returns 501 5.1.7 for an improper MAIL FROM address (RFC
// 6409, Section 5.1: 501; X.1.7 "Bad sender's mailbox address syntax", RFC
// 3463, Section 3.2). Err is errAddressSyntax.
func replyBadSenderSyntax() *policy.Reply {
	return reply(501, "5.1.7", "Bad sender address syntax", errAddressSyntax)
}

// replyBadRecipientSyntax returns 501 5.1.3 for an improper RCPT TO address (RFC
// 6409, Section 5.1: 501; X.1.3 "Bad destination mailbox address syntax",
// RFC 3463, Section 3.2). Err is errAddressSyntax.
func replyBadRecipientSyntax() *policy.Reply {
	return reply(501, "5.1.3", "Bad recipient address syntax", errAddressSyntax)
}

// replyTooManyRecipients returns 452 4.5.3 "Too many recipients" (RFC 5321,
// Section 4.5.3.1.10; RFC 3463, Section 3.6). Err is errTooManyRecipients.
func replyTooManyRecipients() *policy.Reply {
	return reply(452, "4.5.3", "Too many recipients", errTooManyRecipients)
}

// replyMessageTooBig returns 552 5.3.4 "Message size exceeds fixed maximum
// message size" (RFC 1870, Section 6.1; X.3.4, RFC 3463, Section 3.4). Err
// is errMessageTooBig.
func replyMessageTooBig() *policy.Reply {
	return reply(552, "5.3.4", "Message size exceeds fixed maximum message size", errMessageTooBig)
}

// replyNonASCIISender returns 550 5.6.7 for a non-ASCII MAIL FROM address without
// the SMTPUTF8 parameter (RFC 6531, Section 3.5: 550 at MAIL; X.6.7, RFC
// 6531, Section 4). Err is errSMTPUTF8Required.
func replyNonASCIISender() *policy.Reply {
	return reply(550, "5.6.7", "Non-ASCII sender address requires SMTPUTF8", errSMTPUTF8Required)
}

// replyNonASCIIRecipient returns 553 5.6.7 for a non-ASCII RCPT TO address in a
// transaction without SMTPUTF8 (RFC 6531, Section 3.5: 553 at RCPT; X.6.7,
// RFC 6531, Section 4). Err is errSMTPUTF8Required.
func replyNonASCIIRecipient() *policy.Reply {
	return reply(553, "5.6.7", "Non-ASCII recipient address requires SMTPUTF8", errSMTPUTF8Required)
}

// replyHeaderInvalid returns 554 5.6.0 with text, for a syntactically invalid
// message header (RFC 6409, Sections 5.1 and 6.3: 554 for syntactic
// problems in the data; X.6.0, RFC 3463, Section 3.7). text must be one
// line without CR or LF and should say precisely what is wrong. Err is
// errHeaderSyntax.
func replyHeaderInvalid(text string) *policy.Reply {
	return reply(554, "5.6.0", text, errHeaderSyntax)
}

// replyMessageInvalid returns 554 5.6.0 with text, for invalid message data
// outside the header, such as a bare CR or LF in the body (RFC 5321, Section
// 2.3.8; RFC 6409, Section 6.3). Err is errMessageSyntax.
func replyMessageInvalid(text string) *policy.Reply {
	return reply(554, "5.6.0", text, errMessageSyntax)
}

// replyAuthTemporaryFailure returns 454 4.7.0 "Temporary authentication failure"
// (RFC 4954, Section 6). Err is auth.ErrTemporary.
func replyAuthTemporaryFailure() *policy.Reply {
	return reply(454, "4.7.0", "Temporary authentication failure", auth.ErrTemporary)
}

// replyAuthInvalid returns 535 5.7.8 "Authentication credentials invalid" (RFC
// 4954, Section 6). Err is auth.ErrInvalidCredentials.
func replyAuthInvalid() *policy.Reply {
	return reply(535, "5.7.8", "Authentication credentials invalid", auth.ErrInvalidCredentials)
}

// replyAuthMechanismTooWeak returns 534 5.7.9 "Authentication mechanism is too
// weak" (RFC 4954, Section 6). Err is auth.ErrMechanismTooWeak.
func replyAuthMechanismTooWeak() *policy.Reply {
	return reply(534, "5.7.9", "Authentication mechanism is too weak", auth.ErrMechanismTooWeak)
}

// replyAuthEncryptionRequired returns 538 5.7.11 "Encryption required for
// requested authentication mechanism" (RFC 4954, Section 6). Err is
// auth.ErrEncryptionRequired.
func replyAuthEncryptionRequired() *policy.Reply {
	return reply(538, "5.7.11", "Encryption required for requested authentication mechanism", auth.ErrEncryptionRequired)
}

// replyAuthMalformed returns 501 5.5.2 for a response that is not valid base64 or
// otherwise malformed (RFC 4954, Section 4; X.5.2, RFC 3463, Section 3.6).
// Err is auth.ErrMalformed.
func replyAuthMalformed() *policy.Reply {
	return reply(501, "5.5.2", "Cannot decode authentication response", auth.ErrMalformed)
}

// replyAuthLineTooLong returns 500 5.5.6 "Authentication Exchange line is too
// long" (RFC 4954, Section 6). Err is auth.ErrResponseTooLong.
func replyAuthLineTooLong() *policy.Reply {
	return reply(500, "5.5.6", "Authentication exchange line is too long", auth.ErrResponseTooLong)
}

// replyAuthUnsupported returns 504 5.5.4 for an unsupported SASL mechanism (RFC
// 4954, Section 4: "504"; X.5.4 "Invalid command arguments", RFC 3463,
// Section 3.6). Err is auth.ErrUnsupported.
func replyAuthUnsupported() *policy.Reply {
	return reply(504, "5.5.4", "Unrecognized authentication mechanism", auth.ErrUnsupported)
}
