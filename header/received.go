package header

import (
	"bytes"
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
// traceability): the facts of one submission, from which [Received.Field]
// writes the one field. The "with" keyword follows from ESMTP, TLS,
// Authenticated and SMTPUTF8 (RFC 3848, RFC 6531, Section 4.3); there is
// no other way to set it. Set at least By and Date.
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
	// ESMTP reports that the client greeted with EHLO (RFC 5321,
	// Section 4.1.1.1): "with ESMTP" and its RFC 3848 forms rather than
	// "with SMTP". Authenticated and SMTPUTF8 imply it, since AUTH and
	// SMTPUTF8 exist only after EHLO; TLS does not (implicit TLS, RFC 8314,
	// Section 3, may carry a HELO session).
	ESMTP bool
	// TLS is the state of the connection's TLS layer, nil without TLS. With
	// ESMTP it adds the "S" of ESMTPS (RFC 3848); its version is written
	// as a comment and its cipher suite as the "tls" clause of RFC 8314,
	// Section 4.3 (the registered name, or "0x" and four hex digits for an
	// unknown one; a zero suite leaves the clause out).
	TLS *tls.ConnectionState
	// Authenticated reports a successful SMTP AUTH (RFC 4954): the "A" of
	// ESMTPA (RFC 3848).
	Authenticated bool
	// SMTPUTF8 reports that the transaction used SMTPUTF8 (RFC 6531): the
	// keyword becomes UTF8SMTP, UTF8SMTPS, UTF8SMTPA or UTF8SMTPSA (RFC
	// 6531, Section 4.3), domains are written as U-labels and a UTF-8
	// recipient may be written (RFC 6531, Section 3.7.3).
	SMTPUTF8 bool
	// ID is the submission identifier (the "id" clause): an atom or a
	// msg-id; "" leaves the clause out. Choose one that maps to the
	// authenticated identity in the server's records (RFC 5068,
	// Section 3.1) without revealing it.
	ID string
	// For is the recipient (the "for" clause). Set it only when the
	// transaction has exactly one recipient: listing several would reveal
	// Bcc recipients to each other (RFC 5321, Section 7.2). The zero Path
	// and the null path leave the clause out, and so does a UTF-8 local
	// part without SMTPUTF8, which cannot be written.
	For envelope.Path
	// Date is the time the message was received, written with
	// [FormatDate] in Date's location; its year must be 1900-9999 (RFC
	// 5322, Section 3.3).
	Date time.Time
}

// Field returns the Received field, checked and folded at 78 columns
// (RFC 5322, Section 2.1.1), ready for [Header.PrependField] (RFC 5321,
// Section 4.4 puts trace fields at the top): "from" clause, "by", "with",
// the TLS version comment, "id", "for", "tls", then ";" and the date. It is
// ASCII unless SMTPUTF8.
//
// It fails, with [ErrSyntax], only for what the caller sets: a zero By, a
// zero Date or one outside the years 1900-9999, or an ID that is neither an
// atom nor a msg-id. What the client sent
// never makes it fail, since RFC 5321, Section 4.4 wants the field on every
// message: a HELO argument that is not a domain is shown in a comment, and a
// recipient that cannot be written is left out.
func (r Received) Field() (Field, error) {
	b, err := r.render()
	if err != nil {
		return Field{}, err
	}
	// The clauses are folded already: when every line fits and holds only
	// what NewField lets through unchanged, b is the field NewField would
	// build from the value, without a second copy.
	if v := b[len(receivedPrefix):]; isFoldedASCII(v, len(receivedPrefix)) {
		b = append(b, '\r', '\n')
		return Field{raw: b, nameLen: int32(len("Received")), colon: int32(len("Received"))}, nil
	}
	return NewField("Received", string(b[len(receivedPrefix):]), r.SMTPUTF8)
}

// receivedPrefix is what render writes before the value.
const receivedPrefix = "Received: "

// isFoldedASCII reports whether NewField would keep v, a value that
// starts at column col, as it is: printable US-ASCII and spaces, CRLF only
// as a fold (followed by a space and then something else than white
// space), no line longer than foldWidth, no white space at either end.
func isFoldedASCII(v []byte, col int) bool {
	if len(v) == 0 || v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	for {
		line := v
		cr := bytes.IndexByte(v, '\r')
		if cr >= 0 {
			line = v[:cr]
		}
		if col+len(line) > foldWidth || !ascii.IsPrintableBytes(line) {
			return false
		}
		if cr < 0 {
			return true
		}
		if cr+3 >= len(v) || v[cr+1] != '\n' || v[cr+2] != ' ' || isWSP(v[cr+3]) || v[cr+3] == '\r' {
			return false
		}
		v, col = v[cr+2:], 0 // the next line starts with the space of the fold
	}
}

// protocol returns the keyword of the "with" clause (RFC 5321, Section 4.4;
// the "WITH protocol types" registry): "SMTP" after HELO; "ESMTP",
// "ESMTPS" (TLS), "ESMTPA" (AUTH), "ESMTPSA" (both), RFC 3848; with
// SMTPUTF8, "UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA", RFC 6531,
// Section 4.3.
func (r Received) protocol() string {
	if !r.ESMTP && !r.Authenticated && !r.SMTPUTF8 {
		return "SMTP"
	}
	i := 0
	if r.TLS != nil {
		i |= 1
	}
	if r.Authenticated {
		i |= 2
	}
	if r.SMTPUTF8 {
		return [...]string{"UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA"}[i]
	}
	return [...]string{"ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA"}[i]
}

// render writes receivedPrefix and the field body, folded between
// clauses, and reports the caller's mistakes.
func (r Received) render() ([]byte, error) {
	var errs []error
	utf8 := r.SMTPUTF8
	// Clauses are kept whole on a line where they fit; the value is folded
	// between them (RFC 5322, Section 2.2.3; each clause starts with CFWS).
	// One buffer, sized for the usual field, holds them all.
	w := clauseWriter{b: append(make([]byte, 0, 256), receivedPrefix...), col: len(receivedPrefix), start: -1}
	w.begin()
	w.add("from ")
	helo, herr := envelope.ParseDomain(r.Helo)
	switch {
	case herr == nil:
		w.add(helo.Format(utf8))
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
		w.add("by ", r.By.Format(utf8))
	}
	w.begin()
	w.add("with ", r.protocol())
	if r.TLS != nil && r.TLS.Version != 0 {
		w.begin()
		w.add("(", commentText(tls.VersionName(r.TLS.Version), 32), ")")
	}
	if r.ID != "" {
		if isAtom(r.ID) || strings.HasPrefix(r.ID, "<") && strings.HasSuffix(r.ID, ">") && isMessageID(r.ID) {
			w.begin()
			w.add("id ", r.ID)
		} else {
			errs = append(errs, errAt(ErrSyntax, 0, "received: id is neither an atom nor a msg-id"))
		}
	}
	if m := r.For.Mailbox(); (utf8 || m.IsASCII()) && (!m.IsZero() || r.For.IsPostmaster()) {
		w.begin()
		if m.IsZero() { // <Postmaster>
			w.add("for ", r.For.Format(utf8))
		} else if envelope.IsDotString(m.LocalPart) { // Path.Format without its concatenations
			w.add("for <", m.LocalPart, "@", m.Domain.Format(utf8), ">")
		} else {
			w.add("for <", m.Format(utf8), ">")
		}
	}
	if r.TLS != nil && r.TLS.CipherSuite != 0 {
		w.begin()
		w.add("tls ")
		w.b = appendCipherName(w.b, r.TLS.CipherSuite)
	}
	w.add(";")
	switch y := r.Date.Year(); {
	case r.Date.IsZero():
		errs = append(errs, errAt(ErrSyntax, 0, "received: no date"))
	case y < 1900 || y > 9999:
		errs = append(errs, errAt(ErrSyntax, 0, "received: date outside the years 1900-9999"))
	}
	w.begin()
	w.b = appendDate(w.b, r.Date)
	w.finish()
	return w.b, errors.Join(errs...)
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
