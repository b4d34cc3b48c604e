package header

import (
	"strconv"
	"unicode/utf8"
)

// Line lengths of RFC 5322, Section 2.1.1.
const (
	// foldWidth is the line length new fields are folded to (RFC 5322,
	// Section 2.1.1: "SHOULD be no more than 78 characters, excluding the
	// CRLF").
	foldWidth = 78
	// MaxLineLen is the hard limit (RFC 5322, Section 2.1.1: "MUST be no
	// more than 998 characters, excluding the CRLF"): no field [NewField]
	// builds has a longer line, and [Read] refuses one with
	// [ErrLineTooLong] unless ReadOptions.MaxLineLen says otherwise. It is
	// the text-line limit of RFC 5321, Section 4.5.3.1.6 too (1000 octets
	// with the CRLF), so it bounds the body lines of a message as well.
	MaxLineLen = 998
)

// NewField builds a new header field "name: value" ending in CRLF, checked
// and folded, for [Header.PrependField] and [Header.ReplaceAt]:
//
//   - name must be a field name (RFC 5322, Section 3.6.8: printable
//     US-ASCII but colon);
//   - value may hold SP, HTAB and printable US-ASCII (RFC 5322,
//     Section 3.2.5 unstructured, VCHAR / WSP); when utf8 is true, also
//     well-formed UTF-8 (RFC 6532, Section 3.2), which a message may carry
//     only in an SMTPUTF8 transaction (RFC 6531). Any other control
//     character, NUL, CR or LF is refused, with one exception: the value may
//     already be folded, that is hold CRLF immediately followed by SP or
//     HTAB (RFC 5322, Section 2.2.3), as a caller that folds its own
//     clauses writes it;
//   - leading and trailing white space is dropped;
//   - each line longer than 78 octets is folded before a
//     white space character (RFC 5322, Section 2.2.3), never producing a
//     line of white space only; a line that cannot be folded below
//     [MaxLineLen] (998) octets is refused with [ErrLineTooLong].
//
// Every error is a [*SyntaxError] wrapping ErrSyntax, ErrNotASCII, ErrNUL,
// ErrBareCR, ErrBareLF or ErrLineTooLong; NewField never panics. For
// structured fields (addresses, dates, message identifiers) format the
// value with this package's formatters first: NewField checks characters,
// not grammar. Text that needs other characters without SMTPUTF8 must be
// RFC 2047 encoded by the caller.
func NewField(name, value string, utf8OK bool) (Field, error) {
	if !isFieldName(name) {
		return Field{}, errAt(ErrSyntax, 0, "invalid field name "+strconv.Quote(name))
	}
	if len(name)+2 > MaxLineLen {
		return Field{}, errAt(ErrLineTooLong, 0, "field name too long")
	}
	if err := checkValue(value, utf8OK); err != nil {
		return Field{}, err
	}
	value = trimFWS(value)
	b := make([]byte, 0, len(name)+len(value)+len(value)/foldWidth*3+5)
	b = append(b, name...)
	b = append(b, ':')
	if value != "" {
		b = append(b, ' ')
	}
	// Fold line by line; lines are the segments between existing folds.
	lineStart := 0 // start of the current output line in b
	minBreak := len(name) + 2
	first := true
	for seg := range splitFolds(value) {
		if !first { // seg starts with the WSP of an existing fold
			b = append(b, '\r', '\n')
			lineStart = len(b)
			minBreak = lineStart + 1
		}
		first = false
		var err error
		b, lineStart, err = appendFolded(b, seg, lineStart, minBreak)
		if err != nil {
			return Field{}, err
		}
	}
	b = append(b, '\r', '\n')
	return Field{raw: b, nameLen: int32(len(name)), colon: int32(len(name))}, nil
}

// splitFolds yields the segments of a value between existing folds (CRLF
// followed by WSP); checkValue has made sure every CRLF is such a fold.
func splitFolds(v string) func(func(string) bool) {
	return func(yield func(string) bool) {
		start := 0
		for i := 0; i+1 < len(v); i++ {
			if v[i] == '\r' && v[i+1] == '\n' {
				if !yield(v[start:i]) {
					return
				}
				start = i + 2
				i++
			}
		}
		yield(v[start:])
	}
}

// appendFolded appends seg to the current line b[lineStart:], folding
// before white space wherever the line would grow past foldWidth. A break
// is allowed only at an index of b greater than minBreak and after a
// character that is not white space, so no line is white space only. Every
// octet of seg is copied once and each break is searched for within at
// most foldWidth octets back, or forward to the next break, so the work is
// linear in len(seg).
func appendFolded(b []byte, seg string, lineStart, minBreak int) ([]byte, int, error) {
	for {
		room := foldWidth - (len(b) - lineStart)
		if len(seg) <= room {
			b = append(b, seg...)
			break
		}
		ok := func(k int) bool { // may the line break before seg[k]?
			if !isWSP(seg[k]) || len(b)+k <= minBreak {
				return false
			}
			if k > 0 {
				return !isWSP(seg[k-1])
			}
			return len(b) > 0 && !isWSP(b[len(b)-1])
		}
		brk := -1
		for k := min(room, len(seg)-1); k >= 0; k-- {
			if ok(k) {
				brk = k
				break
			}
		}
		if brk < 0 { // no room: take the first possible break after the limit
			for k := max(room+1, 0); k < len(seg); k++ {
				if ok(k) {
					brk = k
					break
				}
			}
		}
		if brk < 0 {
			b = append(b, seg...)
			break
		}
		b = append(b, seg[:brk]...)
		if len(b)-lineStart > MaxLineLen {
			return nil, 0, errAt(ErrLineTooLong, lineStart, "value cannot be folded within 998 octets")
		}
		b = append(b, '\r', '\n')
		lineStart = len(b)
		minBreak = lineStart
		seg = seg[brk:]
	}
	if len(b)-lineStart > MaxLineLen {
		return nil, 0, errAt(ErrLineTooLong, lineStart, "value cannot be folded within 998 octets")
	}
	return b, lineStart, nil
}

// checkValue enforces the character rules of NewField.
func checkValue(v string, utf8OK bool) error {
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '\r':
			if i+1 >= len(v) || v[i+1] != '\n' {
				return errAt(ErrBareCR, i, "CR in field value")
			}
			if i+2 >= len(v) || !isWSP(v[i+2]) {
				return errAt(ErrSyntax, i, "CRLF in field value not followed by white space")
			}
			if onlyWSP(v[i+2:]) {
				return errAt(ErrSyntax, i, "fold followed by white space only")
			}
			i += 3
		case c == '\n':
			return errAt(ErrBareLF, i, "LF in field value")
		case c == 0:
			return errAt(ErrNUL, i, "NUL in field value")
		case c == '\t' || (c >= 0x20 && c < 0x7f):
			i++
		case c < 0x80:
			return errAt(ErrSyntax, i, "control character in field value")
		default:
			if !utf8OK {
				return errAt(ErrNotASCII, i, "8-bit octet in field value")
			}
			r, n := utf8.DecodeRuneInString(v[i:])
			if r == utf8.RuneError && n <= 1 || r < 0xa0 { // RFC 6532 §3.2 UTF8-non-ascii; no C1 controls
				return errAt(ErrSyntax, i, "invalid UTF-8 in field value")
			}
			i += n
		}
	}
	return nil
}

// onlyWSP reports whether the rest of a value up to the next CRLF (or its
// end) is white space.
func onlyWSP(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t':
		case '\r':
			return true
		default:
			return false
		}
	}
	return true
}

// trimFWS drops leading and trailing white space and folds.
func trimFWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n') {
		s = s[1:]
	}
	for s != "" {
		c := s[len(s)-1]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

func isWSP(c byte) bool { return c == ' ' || c == '\t' }
