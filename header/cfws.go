package header

import (
	"unicode/utf8"

	"github.com/msakit/msakit/internal/ascii"
)

// Limits on the structured value parsers; each input is checked against them
// before any parsing, so hostile values fail fast.
const (
	// maxCommentDepth bounds the nesting of comments (RFC 5322,
	// Section 3.2.2), which the grammar leaves unbounded.
	maxCommentDepth = 32
	// maxValueLen bounds the length of a value given to ParseDate or
	// ParseMessageID: more than a whole 998-octet line (RFC 5322,
	// Section 2.1.1), so that folded values with comments still fit.
	maxValueLen = 4096
)

// scanner walks a structured field value (RFC 5322, Section 3.2) octet by
// octet. Every method advances i and never goes back, so each parse is
// linear in the length of the value.
type scanner struct {
	s   string
	i   int
	obs bool // an obsolete construct was used
}

func (p *scanner) eof() bool  { return p.i >= len(p.s) }
func (p *scanner) peek() byte { return p.s[p.i] }

// cfws skips FWS and comments (RFC 5322, Section 3.2.2). It returns whether
// anything was skipped and whether a comment was among it. A CR must begin
// a fold (CRLF followed by WSP) or, at the very end, the field's own line
// ending; anything else is an error.
func (p *scanner) cfws() (skipped, comment bool, err error) {
	for !p.eof() {
		switch c := p.peek(); c {
		case ' ', '\t':
			p.i++
		case '\r':
			if p.i+1 < len(p.s) && p.s[p.i+1] == '\n' && (p.i+2 == len(p.s) || isWSP(p.s[p.i+2])) {
				p.i += 2
				continue
			}
			return skipped, comment, errAt(ErrBareCR, p.i, "CR not part of a fold")
		case '\n':
			return skipped, comment, errAt(ErrBareLF, p.i, "LF not part of a fold")
		case '(':
			if err := p.comment(); err != nil {
				return skipped, comment, err
			}
			comment = true
		default:
			return skipped, comment, nil
		}
		skipped = true
	}
	return skipped, comment, nil
}

// comment skips one comment, nested comments and quoted-pairs included,
// with p.i on its "(".
func (p *scanner) comment() error {
	start := p.i
	depth := 0
	for !p.eof() {
		c := p.peek()
		switch {
		case c == '(':
			depth++
			if depth > maxCommentDepth {
				return errAt(ErrSyntax, p.i, "comments nested too deep")
			}
			p.i++
		case c == ')':
			depth--
			p.i++
			if depth == 0 {
				return nil
			}
		case c == '\\':
			if err := p.quotedPair(); err != nil {
				return err
			}
		case c == '\r' || c == '\n':
			if err := p.fws(); err != nil {
				return err
			}
		default:
			if err := p.textChar(); err != nil {
				return err
			}
		}
	}
	return errAt(ErrSyntax, start, "unterminated comment")
}

// fws skips one run of folding white space inside a comment, quoted
// string or domain literal (RFC 5322, Section 3.2.2 FWS).
func (p *scanner) fws() error {
	for !p.eof() {
		c := p.peek()
		if c == ' ' || c == '\t' {
			p.i++
			continue
		}
		if c == '\r' && p.i+2 < len(p.s) && p.s[p.i+1] == '\n' && isWSP(p.s[p.i+2]) {
			p.i += 2
			continue
		}
		if c == '\r' {
			return errAt(ErrBareCR, p.i, "CR not part of a fold")
		}
		if c == '\n' {
			return errAt(ErrBareLF, p.i, "LF not part of a fold")
		}
		break
	}
	return nil
}

// quotedPair skips "\" followed by VCHAR or WSP (RFC 5322, Section 3.2.1);
// obs-qp (any octet 0-127 but CR and LF, Section 4.1) is accepted and
// flagged, except NUL.
func (p *scanner) quotedPair() error {
	if p.i+1 >= len(p.s) {
		return errAt(ErrSyntax, p.i, "backslash at end of value")
	}
	c := p.s[p.i+1]
	switch {
	case c == '\r' || c == '\n':
		return errAt(ErrSyntax, p.i, "quoted CR or LF")
	case c == 0:
		return errAt(ErrNUL, p.i, "quoted NUL")
	case c >= 0x80:
		p.i++
		return p.textChar() // RFC 6532: a quoted UTF-8 character
	case ascii.IsCtl(c) && c != '\t':
		p.obs = true
	}
	p.i += 2
	return nil
}

// textChar accepts one character of ctext or qtext at p.i: printable
// US-ASCII or WSP, obsolete control characters (flagged) and, per RFC 6532,
// Section 3.2, well-formed UTF-8.
func (p *scanner) textChar() error {
	c := p.peek()
	switch {
	case c == 0:
		return errAt(ErrNUL, p.i, "NUL")
	case c < 0x80:
		if ascii.IsCtl(c) && c != '\t' {
			p.obs = true // obs-ctext / obs-qtext: obs-NO-WS-CTL
		}
		p.i++
		return nil
	}
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	if r == utf8.RuneError && n <= 1 {
		return errAt(ErrSyntax, p.i, "invalid UTF-8")
	}
	p.i += n
	return nil
}

// digits reads up to max ASCII digits and returns their value and count.
func (p *scanner) digits(max int) (v, n int) {
	for n < max && !p.eof() && ascii.IsDigit(p.peek()) {
		v = v*10 + int(p.peek()-'0')
		p.i++
		n++
	}
	return v, n
}

// letters reads a run of ASCII letters.
func (p *scanner) letters() string {
	start := p.i
	for !p.eof() && ascii.IsAlpha(p.peek()) {
		p.i++
	}
	return p.s[start:p.i]
}

// IsCFWS reports whether value holds nothing but white space, folds and
// comments (RFC 5322, Section 3.2.2 CFWS), such as an empty Bcc field or
// "Bcc: (hidden)", which RFC 5322, Section 3.6.3 allows while
// [ParseAddressList] needs at least one address. It is false for a value
// with a bare CR or LF, a NUL or an unterminated comment, and for values
// over 1 MiB.
func IsCFWS(value string) bool {
	if len(value) > maxAddressListLen {
		return false
	}
	p := &scanner{s: value}
	_, _, err := p.cfws()
	return err == nil && p.eof()
}
