package header

import (
	"errors"
	"strconv"
)

// Errors returned by [Read] and by the field constructors. Each is a sentinel
// to be matched with [errors.Is]; Read wraps every syntax problem in a
// [*SyntaxError] that names the line. submission maps ErrTooBig to
// 552 5.3.4 (RFC 1870) and every other error to 554 5.6.0 (RFC 3463,
// Section 3.7).
var (
	// ErrTooBig: the header block is larger than ReadOptions.MaxSize or has
	// more fields than ReadOptions.MaxFields (RFC 1870, Section 6 lets a
	// server refuse what exceeds its limits; RFC 5322 sets none), or a value
	// exceeds a parser's bound.
	ErrTooBig = errors.New("header: header block too big")
	// ErrBareLF: a LF not preceded by CR (RFC 5322, Section 2.2; RFC 5321,
	// Section 2.3.8, the SMTP smuggling attacks). The sentinel names the
	// fault, not where it was found, so a reader of the message body can
	// report it too and one errors.Is finds it anywhere in a message.
	ErrBareLF = errors.New("header: bare LF (LF not preceded by CR)")
	// ErrBareCR: a CR not followed by LF (RFC 5322, Section 2.2; RFC 5321,
	// Section 2.3.8); like ErrBareLF, for the whole message.
	ErrBareCR = errors.New("header: bare CR (CR not followed by LF)")
	// ErrLineTooLong: a line longer than ReadOptions.MaxLineLen octets, CRLF
	// excluded ([MaxLineLen], 998: RFC 5322, Section 2.1.1, the same limit
	// as RFC 5321, Section 4.5.3.1.6's 1000 octets with the CRLF); like
	// ErrBareLF, for the whole message.
	ErrLineTooLong = errors.New("header: line too long")
	// ErrSyntax: anything else that does not follow the grammar of RFC 5322,
	// Sections 2.2 and 3.6 (or of the value parsers of this package).
	ErrSyntax = errors.New("header: syntax error")
	// ErrNUL: a NUL octet. RFC 5322, Section 4.1 keeps NUL in a header
	// only as obsolete syntax that must not be generated, RFC 2045,
	// Sections 2.7 and 2.8 allow it in no 7bit or 8bit body, and RFC 5321,
	// Section 4.5.2 makes it unsafe to relay (a next hop that drops it may
	// see an end of data the MSA did not); an MSA refuses it. Like
	// ErrBareLF, for the whole message.
	ErrNUL = errors.New("header: NUL octet")
	// ErrNotASCII: a new field holds octets above 127 while the caller did
	// not allow UTF-8 (RFC 6532, Section 3; only with SMTPUTF8, RFC 6531).
	ErrNotASCII = errors.New("header: non-ASCII octets need SMTPUTF8")
	// ErrNotFound: an edit named a field, or a field index, that the header
	// does not have (RFC 5322, Section 3.6 lists which fields may be absent).
	ErrNotFound = errors.New("header: no such field")
)

// SyntaxError reports where in the header block (or in a field value) a
// problem with the syntax of RFC 5322, Sections 2 and 3 was found. It wraps exactly one of the sentinel errors of this
// package (ErrSyntax, ErrBareLF, ErrBareCR, ErrNUL, ErrLineTooLong,
// ErrTooBig, ErrNotASCII), so errors.Is works on it.
type SyntaxError struct {
	// Line is the 1-based line number inside the header block; 0 when the
	// error is about a single value rather than the block.
	Line int
	// Offset is the 0-based byte offset of the problem, inside the block
	// when Line is set, inside the value otherwise.
	Offset int
	// Kind is the sentinel wrapped.
	Kind error
	// Msg says what is wrong, in lower case.
	Msg string
}

// Error returns "header: <msg> (line n)" or "header: <msg> at offset n";
// lines are counted in the header block as RFC 5322, Section 2.1 defines it.
func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return "header: " + e.Msg + " (line " + strconv.Itoa(e.Line) + ")"
	}
	return "header: " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns Kind, so errors.Is matches the sentinel (for example
// ErrBareLF for RFC 5321, Section 2.3.8).
func (e *SyntaxError) Unwrap() error { return e.Kind }

func errAt(kind error, off int, msg string) *SyntaxError {
	return &SyntaxError{Offset: off, Kind: kind, Msg: msg}
}
