// Package ascii holds the US-ASCII character classes that the envelope and
// header grammars share (RFC 5234, Appendix B.1; RFC 5321, Section 4.1.2;
// RFC 5322, Section 3.2.3), and the few string and byte-slice tests built on
// them (7-bit checks, ASCII-only case folding). Nothing here allocates; an
// octet of 0x80 or above belongs to none of the classes.
package ascii

import "encoding/binary"

// IsAlpha reports whether c is ALPHA (RFC 5234, Appendix B.1).
func IsAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// IsDigit reports whether c is DIGIT (RFC 5234, Appendix B.1).
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// IsHexDigit reports whether c is a hexadecimal digit of either case, as the
// IPv6-hex rule of RFC 5321, Section 4.1.3 reads HEXDIG (RFC 5234 rules are
// case-insensitive).
func IsHexDigit(c byte) bool { return IsDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

// IsLetDig reports whether c is Let-dig (RFC 5321, Section 4.1.2).
func IsLetDig(c byte) bool { return IsAlpha(c) || IsDigit(c) }

// IsLDH reports whether c may appear inside an Ldh-str: a letter, a digit or
// a hyphen (RFC 5321, Section 4.1.2).
func IsLDH(c byte) bool { return IsLetDig(c) || c == '-' }

// IsUpper reports whether c is an upper-case ASCII letter (RFC 20).
func IsUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// IsAtext reports whether c is ASCII atext (RFC 5322, Section 3.2.3, used by
// RFC 5321, Section 4.1.2): letters, digits and !#$%&'*+-/=?^_`{|}~.
func IsAtext(c byte) bool { return c < 0x80 && atext[c] }

// IsQtextSMTP reports whether c is qtextSMTP (RFC 5321, Section 4.1.2):
// printable ASCII and space, except the double quote and the backslash.
func IsQtextSMTP(c byte) bool { return c >= 32 && c <= 126 && c != '"' && c != '\\' }

// IsQuotedPairSMTP reports whether c may follow a backslash in a
// quoted-pairSMTP (RFC 5321, Section 4.1.2): %d32-126.
func IsQuotedPairSMTP(c byte) bool { return c >= 32 && c <= 126 }

// IsDcontent reports whether c is dcontent, the content of a general address
// literal (RFC 5321, Section 4.1.3): printable ASCII except "[", "\" and "]".
func IsDcontent(c byte) bool { return c >= 33 && c <= 126 && c != '[' && c != '\\' && c != ']' }

// IsVchar reports whether c is VCHAR, a visible character (RFC 5234,
// Appendix B.1).
func IsVchar(c byte) bool { return c >= 0x21 && c <= 0x7e }

// IsCtl reports whether c is CTL, a control character (RFC 5234,
// Appendix B.1): %x00-1F and DEL.
func IsCtl(c byte) bool { return c < 0x20 || c == 0x7f }

// Lower returns c in lower case if it is an upper-case ASCII letter (ASCII,
// RFC 20); RFC 5321, Section 2.4 compares domains and keywords this way.
func Lower(c byte) byte {
	if IsUpper(c) {
		return c + ('a' - 'A')
	}
	return c
}

// Is reports whether every octet of s is below 0x80, that is, whether s is
// US-ASCII (RFC 20) and needs no SMTPUTF8 (RFC 6531, Section 3.2).
func Is(s string) bool { return IndexNonASCII(s) < 0 }

// IndexNonASCII returns the index of the first octet of s at or above 0x80
// (one that is not US-ASCII, RFC 20, and needs SMTPUTF8, RFC 6531,
// Section 3.2), or -1 if there is none.
func IndexNonASCII(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return i
		}
	}
	return -1
}

// IsBytes reports whether every octet of p is US-ASCII (below 0x80), so that
// p needs neither 8BITMIME (RFC 6152) nor SMTPUTF8 (RFC 6531, Section 3.2).
// It tests 32 octets at a time, for message bodies and header fields.
func IsBytes(p []byte) bool {
	const hi = 0x8080808080808080
	for len(p) >= 32 {
		w := binary.LittleEndian.Uint64(p) | binary.LittleEndian.Uint64(p[8:]) |
			binary.LittleEndian.Uint64(p[16:]) | binary.LittleEndian.Uint64(p[24:])
		if w&hi != 0 {
			return false
		}
		p = p[32:]
	}
	for len(p) >= 8 {
		if binary.LittleEndian.Uint64(p)&hi != 0 {
			return false
		}
		p = p[8:]
	}
	for _, c := range p {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// IsPrintableBytes reports whether every octet of p is a space or a VCHAR
// (0x20 to 0x7E, RFC 5234, Appendix B.1): US-ASCII without controls, so
// that a header line of them needs nothing but its CRLF. It tests 8
// octets at a time: a word has an octet below 0x20 when subtracting 0x20
// from each borrows into a high bit the octet did not have, and one above
// 0x7E when adding 1 to each, or the octet itself, sets a high bit.
func IsPrintableBytes(p []byte) bool {
	const (
		ones = 0x0101010101010101
		hi   = 0x8080808080808080
	)
	for len(p) >= 8 {
		x := binary.LittleEndian.Uint64(p)
		if ((x-0x20*ones)&^x|(x+ones)|x)&hi != 0 {
			return false
		}
		p = p[8:]
	}
	for _, c := range p {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// HasUpper reports whether s contains an upper-case ASCII letter (RFC 20).
func HasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if IsUpper(s[i]) {
			return true
		}
	}
	return false
}

// HasPrefixFold reports whether s begins with prefix, comparing ASCII letters
// without regard to case, as RFC 5234, Section 2.3 compares literal text.
// prefix must be ASCII.
func HasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if Lower(s[i]) != Lower(prefix[i]) {
			return false
		}
	}
	return true
}

// EqualFold reports whether s and t are equal when ASCII letters are compared
// without regard to case (RFC 5234, Section 2.3; RFC 5321, Section 2.4). Octets of 0x80 and above must match exactly, unlike
// strings.EqualFold, which also folds non-ASCII letters.
func EqualFold(s, t string) bool { return len(s) == len(t) && HasPrefixFold(s, t) }

// atext is the RFC 5322 atext class for octets below 0x80.
var atext = [128]bool{
	'!': true, '#': true, '$': true, '%': true, '&': true, '\'': true,
	'*': true, '+': true, '-': true, '/': true, '=': true, '?': true,
	'^': true, '_': true, '`': true, '{': true, '|': true, '}': true, '~': true,
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'A': true, 'B': true, 'C': true, 'D': true, 'E': true, 'F': true, 'G': true, 'H': true, 'I': true,
	'J': true, 'K': true, 'L': true, 'M': true, 'N': true, 'O': true, 'P': true, 'Q': true, 'R': true,
	'S': true, 'T': true, 'U': true, 'V': true, 'W': true, 'X': true, 'Y': true, 'Z': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true, 'g': true, 'h': true, 'i': true,
	'j': true, 'k': true, 'l': true, 'm': true, 'n': true, 'o': true, 'p': true, 'q': true, 'r': true,
	's': true, 't': true, 'u': true, 'v': true, 'w': true, 'x': true, 'y': true, 'z': true,
}
