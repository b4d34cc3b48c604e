// Package header: TEMPORARY SKELETON. The header helper replaces this file with
// the real implementation. The exported API below is the contract the policy,
// submission and examples packages code against; it may grow, these shapes stay.
package header

import (
	"bufio"
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/msakit/msakit/envelope"
)

// Default bounds (RFC 5322, Section 2.1.1 for the line length).
const (
	DefaultMaxSize    = 1 << 20 // total header block octets
	DefaultMaxFields  = 1000
	DefaultMaxLineLen = 998 // octets, excluding CRLF
)

// Errors returned by Read. submission maps ErrTooBig to 552 5.3.4 and every
// other error to 554 5.6.0.
var (
	ErrTooBig      = errors.New("header: header block too big")
	ErrBareLF      = errors.New("header: bare LF in header")
	ErrBareCR      = errors.New("header: bare CR in header")
	ErrLineTooLong = errors.New("header: line longer than 998 octets")
	ErrSyntax      = errors.New("header: syntax error")
)

// ReadOptions bounds Read. Zero fields mean the defaults.
type ReadOptions struct {
	MaxSize    int
	MaxFields  int
	MaxLineLen int
}

// Field is one header field as read (raw bytes kept) or as added.
type Field struct {
	raw []byte
}

// Name returns the field name as written (case preserved).
func (f Field) Name() string { return "" }

// Value returns the unfolded value with surrounding whitespace trimmed.
func (f Field) Value() string { return "" }

// Raw returns the exact bytes of the field including the final CRLF.
func (f Field) Raw() []byte { return f.raw }

// Header is a message header that keeps every untouched field byte for byte.
type Header struct {
	fields  []Field
	changed bool
}

// Read reads the header block from br, up to and including the empty line
// that ends it (if any); the body stays in br.
func Read(br *bufio.Reader, opts ReadOptions) (*Header, error) { return &Header{}, nil }

func (h *Header) WriteTo(w io.Writer) (int64, error) { return 0, nil }
func (h *Header) Len() int                           { return len(h.fields) }
func (h *Header) Field(i int) Field                  { return h.fields[i] }
func (h *Header) Get(name string) (string, bool)     { return "", false }
func (h *Header) Values(name string) []string        { return nil }
func (h *Header) Count(name string) int              { return 0 }
func (h *Header) Has(name string) bool               { return false }

// Prepend adds a new field at the top. The value is checked and folded.
func (h *Header) Prepend(name, value string) error { return nil }

// Replace replaces the first field with this name in place (position kept).
func (h *Header) Replace(name, value string) error { return nil }

// Delete removes every field with this name and reports how many.
func (h *Header) Delete(name string) int { return 0 }

// Changed reports whether any edit was made.
func (h *Header) Changed() bool { return h.changed }

// Address is one mailbox from an address-list header field.
type Address struct {
	DisplayName string           // RFC 2047 decoded
	Mailbox     envelope.Mailbox // the addr-spec
	Group       string           // name of the group it appeared in, "" if none
	Obsolete    bool             // obsolete syntax was used (RFC 5322, Section 4.4)
}

// ParseAddressList parses an RFC 5322 address-list (groups, comments,
// obsolete forms, RFC 6532 UTF-8, RFC 2047 in display names).
func ParseAddressList(value string) ([]Address, error) { return nil, nil }

// ParseDate parses an RFC 5322 date-time, obsolete forms included.
func ParseDate(value string) (time.Time, error) { return time.Time{}, nil }

// FormatDate formats t as an RFC 5322 date-time with a numeric zone.
func FormatDate(t time.Time) string { return "" }

// ParseMessageID validates an msg-id and returns it without angle brackets.
func ParseMessageID(value string) (string, error) { return "", nil }

// NewMessageID returns "<random@domain>" with at least 128 random bits read
// from random (crypto/rand when nil); the domain in A-label form unless smtputf8.
func NewMessageID(random io.Reader, domain envelope.Domain, smtputf8 bool) (string, error) {
	return "", nil
}

// Received describes the trace field of RFC 5321, Section 4.4.
type Received struct {
	Helo       string          // the client's EHLO/HELO argument
	ClientAddr netip.Addr      // the client's address; omitted when zero
	By         envelope.Domain // this server's name
	With       string          // protocol, see Protocol
	TLSVersion uint16          // tls.VersionTLS13 etc., 0 = no TLS
	ID         string          // submission id
	For        envelope.Path   // set only with exactly one recipient
	Date       time.Time
}

// Protocol returns the RFC 3848 / RFC 6531 "with" keyword.
func Protocol(esmtp, tls, authenticated, smtputf8 bool) string { return "ESMTP" }

// Value returns the folded field value (without "Received:" and CRLF).
func (r Received) Value(smtputf8 bool) string { return "" }
