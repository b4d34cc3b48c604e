// TEMPORARY: the part of the lead's skeleton not yet replaced by the header
// owner (address lists, Date, Message-ID, Received). Being replaced now.
package header

import (
	"io"
	"net/netip"
	"time"

	"github.com/msakit/msakit/envelope"
)

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
