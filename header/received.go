package header

import (
	"crypto/tls"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
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
	i := 0
	if tls {
		i |= 1
	}
	if authenticated {
		i |= 2
	}
	if smtputf8 {
		return [...]string{"UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA"}[i]
	}
	return [...]string{"ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA"}[i]
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
	body := f.Raw()
	body = body[len("Received: ") : len(body)-2]
	if string(body) == v { // nothing refolded: v is the body, no copy
		return v
	}
	return string(body)
}

// LenientField returns the Received field whose body is [Received.Value]:
// parts that cannot be written validly are left out, where
// [Received.Field] reports them (RFC 5321, Section 4.4 asks for a trace
// field even when, say, the HELO name is not a domain). It is exactly
// NewField("Received", r.Value(smtputf8), smtputf8), built without
// folding the value twice; it fails only as that call would.
func (r Received) LenientField(smtputf8 bool) (Field, error) {
	v, _ := r.build(smtputf8)
	f, err := NewField("Received", v, smtputf8)
	if err != nil {
		return Field{}, err
	}
	body := f.Raw()
	body = body[len("Received: ") : len(body)-2]
	if string(body) != v { // folded again: fold Value's result as a caller would
		return NewField("Received", string(body), smtputf8)
	}
	return f, nil
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
	// One buffer, sized for the usual value, holds them all.
	w := clauseWriter{b: make([]byte, 0, 256), col: len("Received: "), start: -1}
	w.begin()
	w.add("from ")
	helo, herr := envelope.ParseDomain(r.Helo)
	switch {
	case herr == nil:
		w.add(helo.Format(smtputf8))
	case r.ClientAddr.IsValid():
		w.b = appendAddressLiteral(w.b, r.ClientAddr)
	default:
		w.add("unknown")
	}
	if r.ClientAddr.IsValid() {
		w.add(" (")
		w.b = appendAddressLiteral(w.b, r.ClientAddr)
		w.add(")")
	}
	if herr != nil {
		w.begin()
		w.add("(HELO ", commentText(r.Helo, 64), ")")
	}
	w.begin()
	if r.By.IsZero() {
		errs = append(errs, errAt(ErrSyntax, 0, "received: no by domain"))
		w.add("by unknown")
	} else {
		w.add("by ", r.By.Format(smtputf8))
	}
	if r.With != "" {
		if isAtom(r.With) {
			w.begin()
			w.add("with ", r.With)
		} else {
			errs = append(errs, errAt(ErrSyntax, 0, "received: with is not an atom"))
		}
	}
	if r.TLSVersion != 0 {
		w.begin()
		w.add("(", commentText(tls.VersionName(r.TLSVersion), 32), ")")
	}
	if r.ID != "" {
		if isAtom(r.ID) || strings.HasPrefix(r.ID, "<") && strings.HasSuffix(r.ID, ">") && isMessageID(r.ID) {
			w.begin()
			w.add("id ", r.ID)
		} else {
			errs = append(errs, errAt(ErrSyntax, 0, "received: id is neither an atom nor a msg-id"))
		}
	}
	if !r.For.IsZero() && !r.For.IsNull() {
		if smtputf8 || r.For.IsASCII() {
			w.begin()
			if r.For.IsPostmaster() || r.For.Mailbox().IsZero() {
				w.add("for ", r.For.Format(smtputf8))
			} else { // Path.Format without its concatenation
				w.add("for <", r.For.Mailbox().Format(smtputf8), ">")
			}
		} else {
			errs = append(errs, errAt(ErrNotASCII, 0, "received: UTF-8 recipient needs SMTPUTF8"))
		}
	}
	if r.TLSCipherSuite != 0 {
		w.begin()
		w.add("tls ")
		w.b = appendCipherName(w.b, r.TLSCipherSuite)
	}
	w.add(";")
	if r.Date.IsZero() {
		errs = append(errs, errAt(ErrSyntax, 0, "received: no date"))
	}
	w.begin()
	w.b = r.Date.AppendFormat(w.b, dateLayout)
	w.finish()
	return string(w.b), errors.Join(errs...)
}

// isMessageID reports whether [ParseMessageID] accepts id.
func isMessageID(id string) bool {
	_, err := ParseMessageID(id)
	return err == nil
}

// clauseWriter writes the clauses of a Received value into b, separated by
// a space, or by CRLF and a space where the clause would take the line past
// foldWidth (RFC 5322, Section 2.2.3). A clause is written in place after
// begin and placed when the next one begins, so that text can still be
// added to it.
type clauseWriter struct {
	b     []byte
	col   int // column after the last placed clause
	start int // start of the clause being written, -1 for none
	n     int // clauses placed
}

// begin places the clause being written, if any, and starts a new one.
func (w *clauseWriter) begin() {
	w.finish()
	w.start = len(w.b)
}

// add appends parts to the clause being written.
func (w *clauseWriter) add(parts ...string) {
	for _, s := range parts {
		w.b = append(w.b, s...)
	}
}

// finish places the clause being written: it inserts the separator in
// front of it.
func (w *clauseWriter) finish() {
	if w.start < 0 {
		return
	}
	n := len(w.b) - w.start
	if w.n > 0 {
		sep := " "
		if w.col+1+n > foldWidth {
			sep = "\r\n "
			w.col = 0
		}
		w.b = append(w.b, sep...)
		copy(w.b[w.start+len(sep):], w.b[w.start:w.start+n])
		copy(w.b[w.start:], sep)
		w.col++
	}
	w.col += n
	w.n++
	w.start = -1
}

// appendAddressLiteral appends an IP address as an RFC 5321
// address-literal (RFC 5321, Section 4.1.3).
func appendAddressLiteral(b []byte, a netip.Addr) []byte {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		b = append(b, '[')
	} else {
		b = append(b, "[IPv6:"...)
	}
	b = a.AppendTo(b)
	return append(b, ']')
}

// cipherNames maps every cipher suite crypto/tls knows to its name, as
// tls.CipherSuiteName gives it; computed once, never written after
// initialization (tls.CipherSuiteName builds the whole suite list on every
// call).
var cipherNames = func() map[uint16]string {
	m := make(map[uint16]string)
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, c := range list {
			m[c.ID] = c.Name
		}
	}
	return m
}()

// appendCipherName appends the registered name of a cipher suite when it
// is a tls-cipher-name, else "0x" and four hex digits (RFC 8314,
// Section 4.3).
func appendCipherName(b []byte, id uint16) []byte {
	name := cipherNames[id]
	ok := name != "" && ascii.IsAlpha(name[0])
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = ascii.IsAlpha(c) || ascii.IsDigit(c) || c == '_'
	}
	if ok {
		return append(b, name...)
	}
	const hex = "0123456789ABCDEF"
	return append(b, '0', 'x', hex[id>>12], hex[id>>8&15], hex[id>>4&15], hex[id&15])
}

// commentText makes s safe inside a comment (RFC 5322, Section 3.2.2): "(",
// ")" and "\" are escaped, anything but printable ASCII and space becomes
// "?", and it is cut to max characters.
func commentText(s string, max int) string {
	if s == "" {
		return `""`
	}
	if len(s) <= max && plainComment(s) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for i := 0; i < len(s) && i < max; i++ {
		c := s[i]
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == ' ' || ascii.IsVchar(c):
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

// plainComment reports whether commentText leaves every character of s
// as it is: printable ASCII or space, but no "(", ")" or "\\".
func plainComment(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != ' ' && !ascii.IsVchar(c) || c == '(' || c == ')' || c == '\\' {
			return false
		}
	}
	return true
}

// isAtom reports whether s is 1*atext (RFC 5322, Section 3.2.3).
func isAtom(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ascii.IsAtext(s[i]) {
			return false
		}
	}
	return true
}
