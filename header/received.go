package header

import (
	"crypto/tls"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/msakit/msakit/envelope"
)

// Received describes the Received trace field an MSA prepends (RFC 5321,
// Section 4.4; RFC 6409, Section 8 and RFC 5068, Section 3.1 on
// traceability). Build the value with [Received.Value] or a checked field
// with [Received.Field]. The zero value is not useful: set at least By and
// Date.
type Received struct {
	// Helo is the client's EHLO/HELO argument, as sent. A valid domain or
	// address literal becomes the "from" domain; anything else is shown in
	// a comment (RFC 5321, Section 4.4: TCP-info is what the server
	// derived itself, not what the client claimed).
	Helo string
	// ClientAddr is the client's IP address, written as TCP-info, an
	// address literal in a comment after the HELO name. The zero Addr
	// leaves it out (privacy: RFC 6409, Section 8 lets an MSA hide the
	// client; the address must then be kept elsewhere for traceability,
	// RFC 5068, Section 3.1).
	ClientAddr netip.Addr
	// By is this server's name (the "by" clause), written as an A-label
	// unless SMTPUTF8.
	By envelope.Domain
	// With is the protocol keyword (the "with" clause), see [Protocol];
	// "" leaves the clause out.
	With string
	// TLSVersion is the TLS version of the connection (tls.VersionTLS13
	// and so on), written as a comment; 0 means no TLS.
	TLSVersion uint16
	// TLSCipherSuite is the negotiated cipher suite, written as the "tls"
	// clause of RFC 8314, Section 4.3 (registered name, or "0x" and four
	// hex digits for an unknown one); 0 leaves the clause out.
	TLSCipherSuite uint16
	// ID is the submission identifier (the "id" clause): an atom or a
	// msg-id; "" leaves the clause out. Choose one that maps to the
	// authenticated identity in the server's records (RFC 5068,
	// Section 3.1) without revealing it.
	ID string
	// For is the recipient (the "for" clause). Set it only when the
	// transaction has exactly one recipient: listing several would reveal
	// Bcc recipients to each other (RFC 5321, Section 7.2). The zero Path
	// (and the null path) leave the clause out.
	For envelope.Path
	// Date is the time the message was received, written with
	// [FormatDate] in Date's location.
	Date time.Time
}

// Protocol returns the keyword of the "with" clause for a submission
// (RFC 5321, Section 4.4; the "mail parameters" registry):
//
//   - "SMTP" when the client did not use EHLO (esmtp false);
//   - "ESMTP", "ESMTPS" (TLS), "ESMTPA" (AUTH), "ESMTPSA" (both), RFC 3848,
//     Section 2;
//   - with SMTPUTF8, "UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA",
//     RFC 6531, Section 4.3 (the table in its IANA considerations).
//
// tls, authenticated and smtputf8 are ignored when esmtp is false, since
// STARTTLS, AUTH and SMTPUTF8 all need EHLO.
func Protocol(esmtp, tls, authenticated, smtputf8 bool) string {
	if !esmtp {
		return "SMTP"
	}
	p := "ESMTP"
	if smtputf8 {
		p = "UTF8SMTP"
	}
	if tls {
		p += "S"
	}
	if authenticated {
		p += "A"
	}
	return p
}

// Value returns the field body: "from" clause, "by", "with", "id", "for",
// "tls", then "; " and the date, folded to 78 columns as it would be after
// "Received: " (RFC 5322, Section 2.1.1), without "Received:" and without
// the final CRLF. smtputf8 selects U-labels and UTF-8 mailboxes. Parts that
// cannot be written validly are left out (a zero By becomes "unknown");
// [Received.Field] reports them instead.
func (r Received) Value(smtputf8 bool) string {
	v, _ := r.build(smtputf8)
	f, err := NewField("Received", v, smtputf8)
	if err != nil { // a long unbreakable token; build never makes one
		return v
	}
	raw := f.Raw()
	return string(raw[len("Received: ") : len(raw)-2])
}

// Field returns the complete Received field, checked and folded, ready for
// [Header.PrependField] (RFC 5321, Section 4.4 wants trace fields at the
// top). It fails with [ErrSyntax] when By or Date is zero, With is not an
// atom, or ID is neither an atom nor a msg-id; with [ErrNotASCII] when For
// is a UTF-8 mailbox and smtputf8 is false.
func (r Received) Field(smtputf8 bool) (Field, error) {
	v, err := r.build(smtputf8)
	if err != nil {
		return Field{}, err
	}
	return NewField("Received", v, smtputf8)
}

func (r Received) build(smtputf8 bool) (string, error) {
	var errs []error
	// Clauses are kept whole on a line where they fit; the value is folded
	// between them (RFC 5322, Section 2.2.3; each clause starts with CFWS).
	var chunks []string
	from := "from "
	helo, herr := envelope.ParseDomain(r.Helo)
	switch {
	case herr == nil:
		from += helo.Format(smtputf8)
	case r.ClientAddr.IsValid():
		from += addressLiteral(r.ClientAddr)
	default:
		from += "unknown"
	}
	if r.ClientAddr.IsValid() {
		from += " (" + addressLiteral(r.ClientAddr) + ")"
	}
	chunks = append(chunks, from)
	if herr != nil {
		chunks = append(chunks, "(HELO "+commentText(r.Helo, 64)+")")
	}
	if r.By.IsZero() {
		errs = append(errs, errAt(ErrSyntax, 0, "received: no by domain"))
		chunks = append(chunks, "by unknown")
	} else {
		chunks = append(chunks, "by "+r.By.Format(smtputf8))
	}
	if r.With != "" {
		if isAtom(r.With) {
			chunks = append(chunks, "with "+r.With)
		} else {
			errs = append(errs, errAt(ErrSyntax, 0, "received: with is not an atom"))
		}
	}
	if r.TLSVersion != 0 {
		chunks = append(chunks, "("+commentText(tls.VersionName(r.TLSVersion), 32)+")")
	}
	if r.ID != "" {
		if _, err := ParseMessageID(r.ID); isAtom(r.ID) || err == nil && strings.HasPrefix(r.ID, "<") && strings.HasSuffix(r.ID, ">") {
			chunks = append(chunks, "id "+r.ID)
		} else {
			errs = append(errs, errAt(ErrSyntax, 0, "received: id is neither an atom nor a msg-id"))
		}
	}
	if !r.For.IsZero() && !r.For.IsNull() {
		if smtputf8 || r.For.IsASCII() {
			chunks = append(chunks, "for "+r.For.Format(smtputf8))
		} else {
			errs = append(errs, errAt(ErrNotASCII, 0, "received: UTF-8 recipient needs SMTPUTF8"))
		}
	}
	if r.TLSCipherSuite != 0 {
		chunks = append(chunks, "tls "+cipherName(r.TLSCipherSuite))
	}
	chunks[len(chunks)-1] += ";"
	if r.Date.IsZero() {
		errs = append(errs, errAt(ErrSyntax, 0, "received: no date"))
	}
	chunks = append(chunks, FormatDate(r.Date))

	var b strings.Builder
	col := len("Received: ")
	for i, c := range chunks {
		if i > 0 {
			if col+1+len(c) > FoldWidth {
				b.WriteString("\r\n")
				col = 0
			}
			b.WriteByte(' ')
			col++
		}
		b.WriteString(c)
		col += len(c)
	}
	return b.String(), errors.Join(errs...)
}

// addressLiteral writes an IP address as an RFC 5321 address-literal
// (RFC 5321, Section 4.1.3).
func addressLiteral(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return "[" + a.String() + "]"
	}
	return "[IPv6:" + a.String() + "]"
}

// cipherName returns the registered name of a cipher suite when it is a
// tls-cipher-name, else "0x" and four hex digits (RFC 8314, Section 4.3).
func cipherName(id uint16) string {
	name := tls.CipherSuiteName(id)
	ok := name != "" && isAlpha(name[0])
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = isAlpha(c) || isDigit(c) || c == '_'
	}
	if ok {
		return name
	}
	const hex = "0123456789ABCDEF"
	return "0x" + string([]byte{hex[id>>12], hex[id>>8&15], hex[id>>4&15], hex[id&15]})
}

// commentText makes s safe inside a comment (RFC 5322, Section 3.2.2): "(",
// ")" and "\" are escaped, anything but printable ASCII and space becomes
// "?", and it is cut to max characters.
func commentText(s string, max int) string {
	if s == "" {
		return `""`
	}
	var b strings.Builder
	for i := 0; i < len(s) && i < max; i++ {
		c := s[i]
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == ' ' || c > 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			b.WriteByte('?')
		}
	}
	if len(s) > max {
		b.WriteString("...")
	}
	return strings.TrimSpace(b.String())
}

// isAtom reports whether s is 1*atext (RFC 5322, Section 3.2.3).
func isAtom(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i]) {
			return false
		}
	}
	return true
}
