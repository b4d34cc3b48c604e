package envelope

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package is a *[ParseError]
// whose Kind is exactly one of them, so callers tell the kinds apart with
// [errors.Is]. They are never returned bare.
var (
	// ErrSyntax means the input does not match the grammar of RFC 5321,
	// Section 4.1.2 (paths, mailboxes, domains) or Section 4.1.3 (address
	// literals), as extended by RFC 6531, Section 3.3.
	ErrSyntax = errors.New("envelope: syntax error")

	// ErrTooLong means the input exceeds a limit of RFC 5321, Section 4.5.3.1
	// (local part, domain, path) or of RFC 1035, Section 2.3.4 (label).
	ErrTooLong = errors.New("envelope: too long")

	// ErrIDNA means a domain is not a valid internationalized domain name
	// under IDNA2008 (RFC 5890, RFC 5891, RFC 5893) as profiled by UTS #46
	// with the options ParseDomain documents.
	ErrIDNA = errors.New("envelope: invalid internationalized domain name")
)

// maxErrorInput bounds how much of the input a ParseError keeps, so that an
// error for a hostile megabyte-long input does not pin it in memory or in
// logs.
const maxErrorInput = 300

// ParseError says what is wrong with an input and at which byte offset. It is
// the only error type of this package; Kind is one of [ErrSyntax],
// [ErrTooLong] or [ErrIDNA], and [errors.Is] matches it through
// Unwrap.
//
// The text of a ParseError contains the (quoted, truncated) input and is meant
// for logs, not for the SMTP client (RFC 5321, Section 4.2 replies are chosen
// by the caller).
type ParseError struct {
	Input  string // the input, truncated to 300 octets for display
	Offset int    // byte offset of the problem in the full input
	Kind   error  // one of ErrSyntax, ErrTooLong, ErrIDNA
	Msg    string // what is wrong, lower case, no trailing punctuation
}

// Error returns "envelope: <Msg> at offset <Offset> in <quoted Input>", for
// logs; the SMTP reply (RFC 5321, Section 4.2) is the caller's choice.
func (e *ParseError) Error() string {
	return "envelope: " + e.Msg + " at offset " + strconv.Itoa(e.Offset) + " in " + strconv.Quote(e.Input)
}

// Unwrap returns Kind, so that errors.Is(err, ErrSyntax) and friends work
// (the caller maps ErrSyntax to 501 per RFC 5321, Section 4.2.2, for
// example).
func (e *ParseError) Unwrap() error { return e.Kind }

// newError builds a *ParseError; input is the whole string being parsed and
// off is relative to it.
func newError(input string, off int, kind error, msg string) *ParseError {
	if len(input) > maxErrorInput {
		input = input[:maxErrorInput]
	}
	return &ParseError{Input: input, Offset: off, Kind: kind, Msg: msg}
}

// rebase moves an error found in a part of a larger input (starting at off)
// so that Input and Offset refer to the larger input.
func rebase(err *ParseError, whole string, off int) *ParseError {
	return newError(whole, err.Offset+off, err.Kind, err.Msg)
}

// quoteByte renders one octet for an error message.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f && c != '\'' {
		return "'" + string(rune(c)) + "'"
	}
	return "0x" + strconv.FormatUint(uint64(c), 16)
}
