package policy

import (
	"errors"

	"github.com/msakit/msakit/auth"
)

// Basic reply codes used by msakit (RFC 5321, Section 4.2.2 and 4.2.3, and
// the extensions cited on each). They are constants: build a *Reply with the
// constructors below, never share one.
const (
	// Code451LocalError is "Requested action aborted: local error in
	// processing" (RFC 5321, Section 4.2.3). submission sends it, with
	// 4.3.0, for every internal error.
	Code451LocalError = 451
	// Code452TooManyRecipients is the "too many recipients" reply (RFC 5321,
	// Section 4.5.3.1.10: 452, not 552).
	Code452TooManyRecipients = 452
	// Code454TempAuthFailure is "Temporary authentication failure" (RFC
	// 4954, Section 6).
	Code454TempAuthFailure = 454
	// Code500LineTooLong is "Authentication Exchange line is too long" (RFC
	// 4954, Section 6).
	Code500LineTooLong = 500
	// Code501SyntaxError is "Syntax error in parameters or arguments" (RFC
	// 5321, Section 4.2.3); RFC 6409, Section 5.1 uses it for a detectably
	// improper envelope address.
	Code501SyntaxError = 501
	// Code503BadSequence is "Bad sequence of commands" (RFC 5321, Section
	// 4.2.3).
	Code503BadSequence = 503
	// Code504NotImplemented is "Command parameter not implemented" (RFC
	// 5321, Section 4.2.3); RFC 4954, Section 4 uses it for an unsupported
	// SASL mechanism.
	Code504NotImplemented = 504
	// Code530AuthRequired is "Authentication required" (RFC 4954, Section
	// 6), the reply RFC 6409, Section 4.3 prescribes for MAIL without
	// authentication.
	Code530AuthRequired = 530
	// Code534MechanismTooWeak is "Authentication mechanism is too weak"
	// (RFC 4954, Section 6).
	Code534MechanismTooWeak = 534
	// Code535AuthInvalid is "Authentication credentials invalid" (RFC 4954,
	// Section 6).
	Code535AuthInvalid = 535
	// Code538EncryptionRequired is "Encryption required for requested
	// authentication mechanism" (RFC 4954, Section 6; DESIGN.md keeps it for
	// cleartext mechanisms outside TLS).
	Code538EncryptionRequired = 538
	// Code550MailboxUnavailable is "Requested action not taken: mailbox
	// unavailable ... or command rejected for policy reasons" (RFC 5321,
	// Section 4.2.3); RFC 6409, Sections 3.2, 6.1, 6.2 and 6.3 use it.
	Code550MailboxUnavailable = 550
	// Code552ExceededStorage is "Requested mail action aborted: exceeded
	// storage allocation", the message size reply of RFC 1870, Section 6.1.
	Code552ExceededStorage = 552
	// Code553MailboxNameNotAllowed is "mailbox name not allowed" (RFC 5321,
	// Section 4.2.3); RFC 6531, Section 3.5 uses it at RCPT for a non-ASCII
	// address without SMTPUTF8.
	Code553MailboxNameNotAllowed = 553
	// Code554TransactionFailed is "Transaction failed" (RFC 5321, Section
	// 4.2.3), the general submission rejection code of RFC 6409, Section 4.1.
	Code554TransactionFailed = 554
)

// Enhanced status codes as subject.detail (RFC 3463, Section 2); the class
// digit comes from the basic code (see [Reply]). Every value is registered
// in the IANA "Enumerated Status Codes" registry (RFC 5248, Section 2.3);
// the RFC that defines it is cited on each.
const (
	// Enh0_0Other is X.0.0 "Other undefined Status" (RFC 3463, Section 3.1).
	Enh0_0Other = "0.0"
	// Enh1_2BadDestinationSystem is X.1.2 "Bad destination system address"
	// (RFC 3463, Section 3.2).
	Enh1_2BadDestinationSystem = "1.2"
	// Enh1_3BadDestinationSyntax is X.1.3 "Bad destination mailbox address
	// syntax" (RFC 3463, Section 3.2).
	Enh1_3BadDestinationSyntax = "1.3"
	// Enh1_7BadSenderSyntax is X.1.7 "Bad sender's mailbox address syntax"
	// (RFC 3463, Section 3.2).
	Enh1_7BadSenderSyntax = "1.7"
	// Enh1_8BadSenderSystem is X.1.8 "Bad sender's system address" (RFC
	// 3463, Section 3.2).
	Enh1_8BadSenderSystem = "1.8"
	// Enh3_0MailSystem is X.3.0 "Other or undefined mail system status"
	// (RFC 3463, Section 3.4).
	Enh3_0MailSystem = "3.0"
	// Enh3_4TooBig is X.3.4 "Message too big for system" (RFC 3463, Section
	// 3.4).
	Enh3_4TooBig = "3.4"
	// Enh5_1InvalidCommand is X.5.1 "Invalid command" (RFC 3463, Section
	// 3.6); used with 503 for out-of-order commands.
	Enh5_1InvalidCommand = "5.1"
	// Enh5_2SyntaxError is X.5.2 "Syntax error" (RFC 3463, Section 3.6).
	Enh5_2SyntaxError = "5.2"
	// Enh5_3TooManyRecipients is X.5.3 "Too many recipients" (RFC 3463,
	// Section 3.6).
	Enh5_3TooManyRecipients = "5.3"
	// Enh5_4InvalidArguments is X.5.4 "Invalid command arguments" (RFC 3463,
	// Section 3.6).
	Enh5_4InvalidArguments = "5.4"
	// Enh5_6LineTooLong is X.5.6 "Authentication Exchange line is too long"
	// (RFC 4954, Section 6).
	Enh5_6LineTooLong = "5.6"
	// Enh6_0MediaError is X.6.0 "Other or undefined media error" (RFC 3463,
	// Section 3.7), used for syntactically invalid message data.
	Enh6_0MediaError = "6.0"
	// Enh6_7NonASCIIAddress is X.6.7 "Non-ASCII addresses not permitted for
	// that sender/recipient" (RFC 6531, Sections 3.5 and 4).
	Enh6_7NonASCIIAddress = "6.7"
	// Enh7_0Security is X.7.0 "Other or undefined security status" (RFC
	// 3463, Section 3.8); with 530 it is "Authentication required" (RFC
	// 4954, Section 6).
	Enh7_0Security = "7.0"
	// Enh7_1NotAuthorized is X.7.1 "Delivery not authorized, message
	// refused" (RFC 3463, Section 3.8).
	Enh7_1NotAuthorized = "7.1"
	// Enh7_8InvalidCredentials is X.7.8 "Authentication credentials
	// invalid" (RFC 4954, Section 6).
	Enh7_8InvalidCredentials = "7.8"
	// Enh7_9MechanismTooWeak is X.7.9 "Authentication mechanism is too
	// weak" (RFC 4954, Section 6).
	Enh7_9MechanismTooWeak = "7.9"
	// Enh7_11EncryptionRequired is X.7.11 "Encryption required for
	// requested authentication mechanism" (RFC 4954, Section 6).
	Enh7_11EncryptionRequired = "7.11"
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

func reply(code int, enh, text string, err error) *Reply {
	return &Reply{Code: code, Enhanced: enh, Text: text, Err: err}
}

// LocalError returns 451 4.3.0 "Local error in processing" (RFC 5321,
// Section 4.2.3; RFC 3463, Section 3.4). submission sends it for internal
// errors and canceled contexts; Err is ErrLocal.
func LocalError() *Reply {
	return reply(Code451LocalError, Enh3_0MailSystem, "Local error in processing, try again later", ErrLocal)
}

// BadSequence returns 503 5.5.1 "Bad sequence of commands" (RFC 5321,
// Section 4.2.3; RFC 3463, Section 3.6). Err is ErrBadSequence.
func BadSequence() *Reply {
	return reply(Code503BadSequence, Enh5_1InvalidCommand, "Bad sequence of commands", ErrBadSequence)
}

// AuthRequired returns 530 5.7.0 "Authentication required" (RFC 4954,
// Section 6; RFC 6409, Section 4.3). Err is ErrAuthRequired.
func AuthRequired() *Reply {
	return reply(Code530AuthRequired, Enh7_0Security, "Authentication required", ErrAuthRequired)
}

// NoReturnPath returns 550 5.7.1, the immediate rejection of MAIL when no
// return path to the submitting user can be determined (RFC 6409, Section
// 3.2 asks for 550; X.7.1 "Delivery not authorized", RFC 3463, Section 3.8).
// Err is ErrNoReturnPath.
func NoReturnPath() *Reply {
	return reply(Code550MailboxUnavailable, Enh7_1NotAuthorized, "No return path can be determined for this submission", ErrNoReturnPath)
}

// SenderNotAuthorized returns 550 5.7.1 "Sender address not authorized"
// (RFC 6409, Sections 6.1 and 6.3; RFC 3463, Section 3.8). Err is
// ErrSenderNotAuthorized.
func SenderNotAuthorized() *Reply {
	return reply(Code550MailboxUnavailable, Enh7_1NotAuthorized, "Sender address not authorized for this account", ErrSenderNotAuthorized)
}

// RecipientNotPermitted returns 550 5.7.1 "Recipient not permitted" (RFC
// 6409, Section 6.2; RFC 3463, Section 3.8). Err is ErrRecipientNotPermitted.
func RecipientNotPermitted() *Reply {
	return reply(Code550MailboxUnavailable, Enh7_1NotAuthorized, "Recipient not permitted for this account", ErrRecipientNotPermitted)
}

// UnqualifiedSender returns 554 5.1.8 for a MAIL FROM domain that is not
// fully qualified (RFC 6409, Section 4.2: 554; X.1.8 "Bad sender's system
// address", RFC 3463, Section 3.2). Err is ErrUnqualifiedDomain.
func UnqualifiedSender() *Reply {
	return reply(Code554TransactionFailed, Enh1_8BadSenderSystem, "Sender domain must be fully qualified", ErrUnqualifiedDomain)
}

// UnqualifiedRecipient returns 554 5.1.2 for a RCPT TO domain that is not
// fully qualified (RFC 6409, Section 4.2: 554; X.1.2 "Bad destination system
// address", RFC 3463, Section 3.2). Err is ErrUnqualifiedDomain.
func UnqualifiedRecipient() *Reply {
	return reply(Code554TransactionFailed, Enh1_2BadDestinationSystem, "Recipient domain must be fully qualified", ErrUnqualifiedDomain)
}

// UnqualifiedHeader returns 554 5.6.0 for an address header field whose
// domain is not fully qualified (RFC 6409, Section 4.2: 554; X.6.0, RFC
// 3463, Section 3.7). Err wraps ErrUnqualifiedDomain and ErrHeaderSyntax.
func UnqualifiedHeader() *Reply {
	return reply(Code554TransactionFailed, Enh6_0MediaError, "Domains in address header fields must be fully qualified",
		errors.Join(ErrUnqualifiedDomain, ErrHeaderSyntax))
}

// BadSenderSyntax returns 501 5.1.7 for an improper MAIL FROM address (RFC
// 6409, Section 5.1: 501; X.1.7 "Bad sender's mailbox address syntax", RFC
// 3463, Section 3.2). Err is ErrAddressSyntax.
func BadSenderSyntax() *Reply {
	return reply(Code501SyntaxError, Enh1_7BadSenderSyntax, "Bad sender address syntax", ErrAddressSyntax)
}

// BadRecipientSyntax returns 501 5.1.3 for an improper RCPT TO address (RFC
// 6409, Section 5.1: 501; X.1.3 "Bad destination mailbox address syntax",
// RFC 3463, Section 3.2). Err is ErrAddressSyntax.
func BadRecipientSyntax() *Reply {
	return reply(Code501SyntaxError, Enh1_3BadDestinationSyntax, "Bad recipient address syntax", ErrAddressSyntax)
}

// TooManyRecipients returns 452 4.5.3 "Too many recipients" (RFC 5321,
// Section 4.5.3.1.10; RFC 3463, Section 3.6). Err is ErrTooManyRecipients.
func TooManyRecipients() *Reply {
	return reply(Code452TooManyRecipients, Enh5_3TooManyRecipients, "Too many recipients", ErrTooManyRecipients)
}

// MessageTooBig returns 552 5.3.4 "Message size exceeds fixed maximum
// message size" (RFC 1870, Section 6.1; X.3.4, RFC 3463, Section 3.4). Err
// is ErrMessageTooBig.
func MessageTooBig() *Reply {
	return reply(Code552ExceededStorage, Enh3_4TooBig, "Message size exceeds fixed maximum message size", ErrMessageTooBig)
}

// NonASCIISender returns 550 5.6.7 for a non-ASCII MAIL FROM address without
// the SMTPUTF8 parameter (RFC 6531, Section 3.5: 550 at MAIL; X.6.7, RFC
// 6531, Section 4). Err is ErrSMTPUTF8Required.
func NonASCIISender() *Reply {
	return reply(Code550MailboxUnavailable, Enh6_7NonASCIIAddress, "Non-ASCII sender address requires SMTPUTF8", ErrSMTPUTF8Required)
}

// NonASCIIRecipient returns 553 5.6.7 for a non-ASCII RCPT TO address in a
// transaction without SMTPUTF8 (RFC 6531, Section 3.5: 553 at RCPT; X.6.7,
// RFC 6531, Section 4). Err is ErrSMTPUTF8Required.
func NonASCIIRecipient() *Reply {
	return reply(Code553MailboxNameNotAllowed, Enh6_7NonASCIIAddress, "Non-ASCII recipient address requires SMTPUTF8", ErrSMTPUTF8Required)
}

// HeaderInvalid returns 554 5.6.0 with text, for a syntactically invalid
// message header (RFC 6409, Sections 5.1 and 6.3: 554 for syntactic
// problems in the data; X.6.0, RFC 3463, Section 3.7). text must be one
// line without CR or LF and should say precisely what is wrong. Err is
// ErrHeaderSyntax.
func HeaderInvalid(text string) *Reply {
	return reply(Code554TransactionFailed, Enh6_0MediaError, text, ErrHeaderSyntax)
}

// MessageInvalid returns 554 5.6.0 with text, for invalid message data
// outside the header, such as a bare CR or LF in the body (RFC 5321, Section
// 2.3.8; RFC 6409, Section 6.3). Err is ErrMessageSyntax.
func MessageInvalid(text string) *Reply {
	return reply(Code554TransactionFailed, Enh6_0MediaError, text, ErrMessageSyntax)
}

// AuthTemporaryFailure returns 454 4.7.0 "Temporary authentication failure"
// (RFC 4954, Section 6). Err is auth.ErrTemporary.
func AuthTemporaryFailure() *Reply {
	return reply(Code454TempAuthFailure, Enh7_0Security, "Temporary authentication failure", auth.ErrTemporary)
}

// AuthInvalid returns 535 5.7.8 "Authentication credentials invalid" (RFC
// 4954, Section 6). Err is auth.ErrInvalidCredentials.
func AuthInvalid() *Reply {
	return reply(Code535AuthInvalid, Enh7_8InvalidCredentials, "Authentication credentials invalid", auth.ErrInvalidCredentials)
}

// AuthMechanismTooWeak returns 534 5.7.9 "Authentication mechanism is too
// weak" (RFC 4954, Section 6). Err is auth.ErrMechanismTooWeak.
func AuthMechanismTooWeak() *Reply {
	return reply(Code534MechanismTooWeak, Enh7_9MechanismTooWeak, "Authentication mechanism is too weak", auth.ErrMechanismTooWeak)
}

// AuthEncryptionRequired returns 538 5.7.11 "Encryption required for
// requested authentication mechanism" (RFC 4954, Section 6). Err is
// auth.ErrEncryptionRequired.
func AuthEncryptionRequired() *Reply {
	return reply(Code538EncryptionRequired, Enh7_11EncryptionRequired, "Encryption required for requested authentication mechanism", auth.ErrEncryptionRequired)
}

// AuthMalformed returns 501 5.5.2 for a response that is not valid base64 or
// otherwise malformed (RFC 4954, Section 4; X.5.2, RFC 3463, Section 3.6).
// Err is auth.ErrMalformed.
func AuthMalformed() *Reply {
	return reply(Code501SyntaxError, Enh5_2SyntaxError, "Cannot decode authentication response", auth.ErrMalformed)
}

// AuthLineTooLong returns 500 5.5.6 "Authentication Exchange line is too
// long" (RFC 4954, Section 6). Err is auth.ErrLineTooLong.
func AuthLineTooLong() *Reply {
	return reply(Code500LineTooLong, Enh5_6LineTooLong, "Authentication exchange line is too long", auth.ErrLineTooLong)
}

// AuthUnsupported returns 504 5.5.4 for an unsupported SASL mechanism (RFC
// 4954, Section 4: "504"; X.5.4 "Invalid command arguments", RFC 3463,
// Section 3.6). Err is auth.ErrUnsupported.
func AuthUnsupported() *Reply {
	return reply(Code504NotImplemented, Enh5_4InvalidArguments, "Unrecognized authentication mechanism", auth.ErrUnsupported)
}
