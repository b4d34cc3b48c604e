package envelope

import (
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/msakit/msakit/internal/ascii"
)

// Mailbox is an RFC 5321 Mailbox (RFC 5321, Section 4.1.2): a local part and
// a domain or address literal, as found inside the angle brackets of MAIL
// FROM and RCPT TO.
//
// LocalPart holds the local part as received, decoded: without the
// surrounding double quotes of a Quoted-string and with each quoted-pair
// replaced by the character it quotes, not otherwise normalized. It may
// contain UTF-8 (RFC 6531, Section 3.3); see [Mailbox.IsASCII].
//
// A Mailbox is a comparable value: m == n when the local parts are equal
// octet for octet (RFC 5321, Section 2.4 makes them case-sensitive) and the
// domains are the same ([Domain] compares by its ASCII form); policies that
// want another comparison say so (auth.SameMailbox). The zero Mailbox means "no mailbox"
// ([Mailbox.IsZero]). Values built by hand may break the grammar; build them
// with [ParseMailbox] or [NewMailbox], which check it.
type Mailbox struct {
	LocalPart string
	Domain    Domain
}

// ParseMailbox parses an RFC 5321 Mailbox without angle brackets, such as
// `alice@example.org` or `"carol smith"@[192.0.2.1]` (RFC 5321,
// Section 4.1.2):
//
//	Mailbox       = Local-part "@" ( Domain / address-literal )
//	Local-part    = Dot-string / Quoted-string
//	Dot-string    = Atom *("."  Atom)
//	Quoted-string = DQUOTE *QcontentSMTP DQUOTE
//
// UTF-8 is accepted in atoms, in quoted strings (RFC 6531, Section 3.3) and in
// the domain (U-labels); [Mailbox.IsASCII] tells whether the result needs
// SMTPUTF8 (a server refuses it without, RFC 6531, Section 3.5). A UTF-8
// local part must be in Unicode NFC (RFC 6532, Section 3.1) and the domain in
// canonical form (see [ParseDomain]): anything else is a look-alike,
// refused rather than normalized. Comments,
// folding white space and the obsolete forms of RFC 5322 are not part of the
// envelope grammar and are refused.
//
// Limits (RFC 5321, Section 4.5.3.1): the local part as written is at most 64
// octets, the domain as [ParseDomain] says, and the whole mailbox at most 254
// octets (a 256-octet path less its brackets): as written, and also as
// [Mailbox.Format] writes it with the domain in either form, since any relay
// may convert between A-labels and U-labels (RFC 6531, Section 3.2).
//
// The error is a *[ParseError] of kind [ErrSyntax], [ErrTooLong] or
// [ErrIDNA]. An ASCII mailbox whose domain is already lower case is parsed
// without allocating.
func ParseMailbox(s string) (Mailbox, error) {
	m, err := parseMailbox(s)
	if err != nil {
		return Mailbox{}, err
	}
	return m, nil
}

// MustParseMailbox is [ParseMailbox] for a mailbox written in the program,
// such as a configured postmaster or sender address (RFC 5321,
// Section 4.1.2): it panics, with the parse error in the message, when s is
// not a valid mailbox. Use ParseMailbox for anything read from a client, a
// file or a flag.
func MustParseMailbox(s string) Mailbox {
	m, err := parseMailbox(s)
	if err != nil {
		panic("envelope: MustParseMailbox(" + strconv.Quote(s) + "): " + err.Error())
	}
	return m
}

// parseMailbox is the RFC 5321 Mailbox parser behind ParseMailbox.
func parseMailbox(s string) (Mailbox, *ParseError) {
	if s == "" {
		return Mailbox{}, newError(s, 0, ErrSyntax, "empty mailbox")
	}
	local, at, quoted, err := parseLocalPart(s)
	if err != nil {
		return Mailbox{}, err
	}
	if at == len(s)-1 {
		return Mailbox{}, newError(s, len(s), ErrSyntax, "missing domain after '@'")
	}
	if len(s) > maxMailboxLen {
		return Mailbox{}, newError(s, maxMailboxLen, ErrTooLong, "mailbox longer than 254 octets")
	}
	if err := checkNFC(local); err != nil {
		// The offset is exact for a Dot-string; inside quotes it ignores
		// the backslashes before it.
		off := 0
		if quoted {
			off = 1
		}
		return Mailbox{}, rebase(err, s, off)
	}
	d, err := parseDomain(s[at+1:])
	if err != nil {
		return Mailbox{}, rebase(err, s, at+1)
	}
	m := Mailbox{LocalPart: local, Domain: d}
	// An unquoted local part is written back as it came, and an LDH name or
	// a literal never gets longer when normalized, so only a quoted local
	// part or an IDN can make the written forms longer than s.
	if (quoted || d.IsIDN()) && tooLong(localLen(local), d) {
		return Mailbox{}, newError(s, 0, ErrTooLong, "mailbox longer than 254 octets with its domain in A-label or U-label form")
	}
	return m, nil
}

// parseLocalPart parses Local-part at the start of s and returns it decoded,
// with the index of the "@" that ends it and whether it was a Quoted-string.
func parseLocalPart(s string) (local string, at int, quoted bool, err *ParseError) {
	if s[0] == '"' {
		local, at, err = parseQuotedLocal(s)
		return local, at, true, err
	}
	local, at, err = parseDotString(s)
	return local, at, false, err
}

// parseDotString parses a Dot-string local part at the start of s.
func parseDotString(s string) (local string, at int, err *ParseError) {
	atomStart := 0
	for i := 0; i < len(s); {
		c := s[i]
		if ascii.IsAtext(c) && i < maxLocalPartLen {
			i++
			continue
		}
		if i > maxLocalPartLen {
			return "", 0, newError(s, maxLocalPartLen, ErrTooLong, "local part longer than 64 octets")
		}
		switch {
		case ascii.IsAtext(c):
			i++
		case c == '@' || c == '.':
			if i == atomStart {
				switch {
				case i == 0 && c == '@':
					return "", 0, newError(s, i, ErrSyntax, "empty local part")
				case i == 0:
					return "", 0, newError(s, i, ErrSyntax, "local part begins with a dot")
				case c == '@':
					return "", 0, newError(s, i-1, ErrSyntax, "local part ends with a dot")
				default:
					return "", 0, newError(s, i, ErrSyntax, "consecutive dots in local part")
				}
			}
			if c == '@' {
				return s[:i], i, nil
			}
			i++
			atomStart = i
		case c >= 0x80:
			n, msg := utf8Char(s[i:], i == 0)
			if n == 0 {
				return "", 0, newError(s, i, ErrSyntax, msg+" in local part")
			}
			i += n
		case c == '"':
			return "", 0, newError(s, i, ErrSyntax, "quote inside an unquoted local part")
		default:
			return "", 0, newError(s, i, ErrSyntax, "invalid character "+quoteByte(c)+" in local part")
		}
	}
	if len(s) > maxLocalPartLen {
		return "", 0, newError(s, maxLocalPartLen, ErrTooLong, "local part longer than 64 octets")
	}
	return "", 0, newError(s, len(s), ErrSyntax, "missing '@'")
}

// parseQuotedLocal parses a Quoted-string local part at the start of s:
//
//	QcontentSMTP    = qtextSMTP / quoted-pairSMTP
//	quoted-pairSMTP = %d92 %d32-126
//	qtextSMTP       = %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii
func parseQuotedLocal(s string) (local string, at int, err *ParseError) {
	escapes := 0
	for i := 1; i < len(s); {
		if i >= maxLocalPartLen {
			return "", 0, newError(s, maxLocalPartLen, ErrTooLong, "local part longer than 64 octets")
		}
		c := s[i]
		switch {
		case c == '"':
			if i+1 == len(s) || s[i+1] != '@' {
				return "", 0, newError(s, i+1, ErrSyntax, "expected '@' after quoted local part")
			}
			if escapes == 0 {
				return s[1:i], i + 1, nil
			}
			return unquote(s[1:i], escapes), i + 1, nil
		case c == '\\':
			if i+1 == len(s) {
				return "", 0, newError(s, i, ErrSyntax, "unterminated quoted local part")
			}
			if !ascii.IsQuotedPairSMTP(s[i+1]) {
				return "", 0, newError(s, i+1, ErrSyntax, "invalid character "+quoteByte(s[i+1])+" in quoted pair")
			}
			escapes++
			i += 2
		case ascii.IsQtextSMTP(c):
			i++
		case c >= 0x80:
			n, msg := utf8Char(s[i:], i == 1)
			if n == 0 {
				return "", 0, newError(s, i, ErrSyntax, msg+" in quoted local part")
			}
			i += n
		default:
			return "", 0, newError(s, i, ErrSyntax, "invalid character "+quoteByte(c)+" in quoted local part")
		}
	}
	return "", 0, newError(s, len(s), ErrSyntax, "unterminated quoted local part")
}

// unquote decodes the quoted-pairs of the content of a Quoted-string.
func unquote(q string, escapes int) string {
	var b strings.Builder
	b.Grow(len(q) - escapes)
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' {
			i++
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// utf8Char checks the UTF8-non-ascii character (RFC 6532, Section 3.1, which
// RFC 6531, Section 3.3 uses) at the start of s and returns its length, or 0
// and a reason. Invalid UTF-8, surrogates and overlong forms are refused, and
// so are characters that RFC 6530, Section 10.1 calls prohibited (C1
// controls, after RFC 5198, Section 2) or risky: separators other than the
// ASCII space, format characters (bidi overrides, zero-width spaces), private
// use, noncharacters and code points unassigned in the Unicode version of the
// Go toolchain. first tells whether the character starts the local part,
// where a combining mark is refused too (it would combine with the quote or
// with whatever precedes the address).
func utf8Char(s string, first bool) (int, string) {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && n <= 1 {
		return 0, "invalid UTF-8"
	}
	switch {
	case r == '\uFFFD':
		return 0, "replacement character U+FFFD (damaged text)"
	case unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
		return n, ""
	case unicode.Is(unicode.M, r):
		if first {
			return 0, "combining mark " + runeName(r) + " at start"
		}
		return n, ""
	case unicode.Is(unicode.Cc, r):
		return 0, "control character " + runeName(r)
	case unicode.Is(unicode.Z, r):
		return 0, "separator " + runeName(r)
	}
	// Cf, Co, Cs and unassigned code points.
	return 0, "unsafe character " + runeName(r)
}

// checkNFC refuses a decoded local part that is not in Unicode
// Normalization Form C, which RFC 6532, Section 3.1 says SHOULD be used:
// the same name written with another sequence of code points ("u" and
// U+0308 for "ü", U+212B ANGSTROM SIGN for U+00C5, U+037E for ';') is a
// look-alike of it, and any later process that normalizes (RFC 6530,
// Section 10.1) would turn the address into another one. NFKC is not
// required: RFC 6532, Section 3.1 says it SHOULD NOT be used, so
// compatibility characters that NFC keeps (full-width letters, ligatures)
// stay. The offset in the error is relative to local; an ASCII local part
// costs one word-at-a-time scan, and the quick check of UAX #15 settles
// most others without allocating.
func checkNFC(local string) *ParseError {
	if ascii.Is(local) {
		return nil
	}
	n := norm.NFC.QuickSpanString(local)
	if n == len(local) || norm.NFC.IsNormalString(local) {
		return nil
	}
	return newError(local, n, ErrSyntax,
		"local part not in Unicode NFC (RFC 6532, Section 3.1), a look-alike of "+strconv.QuoteToASCII(norm.NFC.String(local)))
}

// runeName renders a code point as U+XXXX for error messages.
func runeName(r rune) string {
	const hex = "0123456789ABCDEF"
	b := []byte("U+")
	started := false
	for shift := 20; shift >= 0; shift -= 4 {
		d := (r >> uint(shift)) & 0xF
		if d != 0 || started || shift <= 12 {
			b = append(b, hex[d])
			started = true
		}
	}
	return string(b)
}

// NewMailbox builds a Mailbox from an already-decoded local part (no
// surrounding quotes, no backslashes added) and a parsed domain. It is meant
// for servers that have taken the quotes off: go-smtp hands over
// `carol smith@example.net` for `"carol smith"@example.net`, and
// NewMailbox("carol smith", d) rebuilds it, where ParseMailbox of that string
// would fail.
//
// It checks that the local part can be written in RFC 5321 (RFC 5321,
// Section 4.1.2; RFC 6531, Section 3.3): every character printable ASCII,
// space or a UTF-8 character ParseMailbox accepts, in Unicode NFC (RFC
// 6532, Section 3.1), the quoted form
// ([Mailbox.String]) at most 64 octets, and the whole mailbox at most 254
// octets with its domain in either form. An empty local part is allowed
// (it is written `""`). The domain must not be zero. The error is a
// *[ParseError] of kind [ErrSyntax] or [ErrTooLong] whose Input is the local
// part.
func NewMailbox(localPart string, domain Domain) (Mailbox, error) {
	if len(localPart) > maxLocalPartLen {
		// The written form is never shorter than the decoded one.
		return Mailbox{}, newError(localPart, maxLocalPartLen, ErrTooLong, "local part longer than 64 octets")
	}
	for i := 0; i < len(localPart); {
		c := localPart[i]
		switch {
		case ascii.IsQuotedPairSMTP(c):
			i++
		case c >= 0x80:
			n, msg := utf8Char(localPart[i:], i == 0)
			if n == 0 {
				return Mailbox{}, newError(localPart, i, ErrSyntax, msg+" in local part")
			}
			i += n
		default:
			return Mailbox{}, newError(localPart, i, ErrSyntax, "invalid character "+quoteByte(c)+" in local part")
		}
	}
	if err := checkNFC(localPart); err != nil {
		return Mailbox{}, err
	}
	if domain.IsZero() {
		return Mailbox{}, newError(localPart, len(localPart), ErrSyntax, "missing domain")
	}
	n := localLen(localPart)
	if n > maxLocalPartLen {
		return Mailbox{}, newError(localPart, maxLocalPartLen, ErrTooLong, "local part longer than 64 octets")
	}
	if tooLong(n, domain) {
		return Mailbox{}, newError(localPart, 0, ErrTooLong, "mailbox longer than 254 octets")
	}
	return Mailbox{LocalPart: localPart, Domain: domain}, nil
}

// IsDotString reports whether a decoded local part l can be written
// unquoted, as a Dot-string: atoms of atext separated by single dots (RFC
// 5321, Section 4.1.2), where any octet of 0x80 or above counts as atext
// (RFC 6531, Section 3.3; whether it is valid UTF-8 is checked elsewhere).
// The same shape is the dot-atom-text of RFC 5322, Section 3.2.3 (with RFC
// 6532), so header fields use it too. Mailbox.String quotes exactly the
// local parts for which it is false.
func IsDotString(l string) bool {
	if l == "" || l[0] == '.' || l[len(l)-1] == '.' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '.':
			if l[i-1] == '.' {
				return false
			}
		case c >= 0x80, ascii.IsAtext(c):
		default:
			return false
		}
	}
	return true
}

// localLen returns the length of the local part as String writes it.
func localLen(l string) int {
	if IsDotString(l) {
		return len(l)
	}
	return quotedLen(l)
}

// quotedLen returns the length of l written as a Quoted-string, as
// appendQuoted writes it.
func quotedLen(l string) int {
	n := len(l) + 2
	for i := 0; i < len(l); i++ {
		if l[i] == '"' || l[i] == '\\' {
			n++
		}
	}
	return n
}

// appendQuoted appends l as a Quoted-string, with a backslash before each
// '"' and '\' (RFC 5321, Section 4.1.2); Format uses it for a local part
// that is not a Dot-string.
func appendQuoted(b []byte, l string) []byte {
	b = append(b, '"')
	for i := 0; i < len(l); i++ {
		if l[i] == '"' || l[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, l[i])
	}
	return append(b, '"')
}

// tooLong reports whether a mailbox whose local part is written in local
// octets (localLen) would be longer than a Mailbox may be (RFC 5321,
// Section 4.5.3.1.3) with domain d in either form, as Format(false) and
// Format(true) write it.
func tooLong(local int, d Domain) bool {
	return local+1+max(len(d.ascii), len(d.unicode)) > maxMailboxLen
}

// Format returns the mailbox as written in an SMTP command or an address
// header field (RFC 5321, Section 4.1.2): the local part quoted only when it
// is not a Dot-string, "@", and the domain in the form
// [Domain.Format](smtputf8) picks. A non-ASCII local part is written as it is
// even when smtputf8 is false; check [Mailbox.IsASCII] first. The zero
// Mailbox formats as "".
func (m Mailbox) Format(smtputf8 bool) string {
	if m.IsZero() {
		return ""
	}
	d := m.Domain.Format(smtputf8)
	if IsDotString(m.LocalPart) {
		return m.LocalPart + "@" + d
	}
	b := make([]byte, 0, quotedLen(m.LocalPart)+1+len(d))
	b = appendQuoted(b, m.LocalPart)
	b = append(b, '@')
	b = append(b, d...)
	return string(b)
}

// String returns the canonical text of the mailbox (RFC 5321, Section 4.1.2):
// the local part quoted only when it must be, with the fewest backslashes,
// and the domain in ASCII form, or in Unicode form when the local part is not
// ASCII and SMTPUTF8 is needed anyway (RFC 6531, Section 3.2). For any m
// returned by ParseMailbox or NewMailbox, ParseMailbox(m.String()) returns m.
// The zero Mailbox gives "".
func (m Mailbox) String() string { return m.Format(!m.IsASCII()) }

// IsASCII reports whether the mailbox can be sent without the SMTPUTF8
// extension, that is, whether its local part is all ASCII (RFC 6531,
// Section 3.2). An internationalized domain does not count: it always has an
// ASCII form of A-labels (RFC 5890, Section 2.3.2.1), which
// [Mailbox.Format](false) writes.
func (m Mailbox) IsASCII() bool { return ascii.Is(m.LocalPart) }

// IsZero reports whether m is the zero Mailbox (no local part, no domain).
// A parsed Mailbox always has a domain (RFC 5321, Section 4.1.2), so it is
// never zero.
func (m Mailbox) IsZero() bool { return m.LocalPart == "" && m.Domain.IsZero() }

// LogValue implements [slog.LogValuer]: [Mailbox.String], or, when the
// domain is an IDN, the form with U-labels, "/", and the form with A-labels
// (RFC 6531, Section 3.2).
func (m Mailbox) LogValue() slog.Value {
	if m.Domain.IsIDN() {
		return slog.StringValue(m.Format(true) + "/" + m.Format(false))
	}
	return slog.StringValue(m.String())
}
