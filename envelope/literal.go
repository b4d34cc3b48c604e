package envelope

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/msakit/msakit/internal/ascii"
)

// parseLiteral parses an address literal (RFC 5321, Section 4.1.3):
//
//	address-literal  = "[" ( IPv4-address-literal /
//	                   IPv6-address-literal /
//	                   General-address-literal ) "]"
//
// It returns the literal in a normalized form, so that == compares addresses:
// IPv4 in dotted decimal without leading zeros, IPv6 as "IPv6:" followed by
// the RFC 5952 text (which RFC 5321's grammar accepts), and a general literal
// with its tag in lower case and its content unchanged.
func parseLiteral(s string) (Domain, *ParseError) {
	if len(s) > maxDomainLen {
		return Domain{}, newError(s, maxDomainLen, ErrTooLong, "address literal longer than 255 octets")
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return Domain{}, newError(s, len(s), ErrSyntax, "address literal without closing ']'")
	}
	if end != len(s)-1 {
		return Domain{}, newError(s, end+1, ErrSyntax, "text after address literal")
	}
	content := s[1:end]
	colon := strings.IndexByte(content, ':')
	if colon < 0 {
		b, ok := parseIPv4(content)
		if !ok {
			return Domain{}, newError(s, 1, ErrSyntax, "invalid IPv4 address literal")
		}
		var buf [len("[255.255.255.255]")]byte
		a := string(append(netip.AddrFrom4(b).AppendTo(append(buf[:0], '[')), ']'))
		return Domain{ascii: a, unicode: a, literal: true}, nil
	}
	tag := content[:colon]
	if ascii.EqualFold(tag, "IPv6") {
		b, ok := parseIPv6(content[colon+1:])
		if !ok {
			return Domain{}, newError(s, 1+colon+1, ErrSyntax, "invalid IPv6 address literal")
		}
		var buf [len("[IPv6:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]")]byte
		a := string(append(netip.AddrFrom16(b).AppendTo(append(buf[:0], "[IPv6:"...)), ']'))
		return Domain{ascii: a, unicode: a, literal: true}, nil
	}
	// General-address-literal = Standardized-tag ":" 1*dcontent
	// Standardized-tag = Ldh-str
	if tag == "" || !ascii.IsLetDig(tag[len(tag)-1]) {
		return Domain{}, newError(s, 1, ErrSyntax, "invalid address literal tag")
	}
	for i := 0; i < len(tag); i++ {
		if !ascii.IsLDH(tag[i]) {
			return Domain{}, newError(s, 1+i, ErrSyntax, "invalid character "+quoteByte(tag[i])+" in address literal tag")
		}
	}
	body := content[colon+1:]
	if body == "" {
		return Domain{}, newError(s, end, ErrSyntax, "empty general address literal")
	}
	for i := 0; i < len(body); i++ {
		if !ascii.IsDcontent(body[i]) {
			return Domain{}, newError(s, 1+colon+1+i, ErrSyntax, "invalid character "+quoteByte(body[i])+" in address literal")
		}
	}
	if ascii.HasUpper(tag) {
		s = "[" + strings.ToLower(tag) + s[1+len(tag):]
	}
	return Domain{ascii: s, unicode: s, literal: true}, nil
}

// parseIPv4 parses Snum 3("." Snum), Snum = 1*3DIGIT with a value of at
// most 255 (RFC 5321, Section 4.1.3). Leading zeros are allowed, as the
// grammar allows them.
func parseIPv4(s string) (b [4]byte, ok bool) {
	for i := range 4 {
		if i > 0 {
			if s == "" || s[0] != '.' {
				return b, false
			}
			s = s[1:]
		}
		n, v := 0, 0
		for n < len(s) && n < 4 && ascii.IsDigit(s[n]) {
			v = v*10 + int(s[n]-'0')
			n++
		}
		if n == 0 || n > 3 || v > 255 {
			return b, false
		}
		b[i] = byte(v)
		s = s[n:]
	}
	return b, s == ""
}

// parseIPv6 parses IPv6-addr (RFC 5321, Section 4.1.3):
//
//	IPv6-full   = IPv6-hex 7(":" IPv6-hex)
//	IPv6-comp   = [IPv6-hex *5(":" IPv6-hex)] "::" [IPv6-hex *5(":" IPv6-hex)]
//	IPv6v4-full = IPv6-hex 5(":" IPv6-hex) ":" IPv4-address-literal
//	IPv6v4-comp = [IPv6-hex *3(":" IPv6-hex)] "::"
//	              [IPv6-hex *3(":" IPv6-hex) ":"] IPv4-address-literal
//
// "::" stands for at least two groups of zeros, so with "::" at most 6 groups
// (4 with an IPv4 tail) may be written.
func parseIPv6(s string) (b [16]byte, ok bool) {
	groups := 8
	var v4 [4]byte
	hasV4 := false
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], '.') >= 0 {
		if v4, ok = parseIPv4(s[i+1:]); !ok {
			return b, false
		}
		hasV4 = true
		groups = 6
		s = s[:i+1]
		if !strings.HasSuffix(s, "::") {
			s = s[:i] // drop the ":" before the IPv4 part
		}
	}
	var words []uint16
	var buf [8]uint16
	words = buf[:0]
	head, tail, compressed := strings.Cut(s, "::")
	if compressed && strings.Contains(tail, "::") {
		return b, false
	}
	parse := func(part string) bool {
		if part == "" {
			return true
		}
		for g := range strings.SplitSeq(part, ":") {
			if g == "" || len(g) > 4 || len(words) == groups {
				return false
			}
			// ParseUint with base 16 takes no sign, prefix or underscore,
			// so only 1*4HEXDIG passes (RFC 5321, Section 4.1.3).
			v, err := strconv.ParseUint(g, 16, 16)
			if err != nil {
				return false
			}
			words = append(words, uint16(v))
		}
		return true
	}
	if !compressed {
		if s == "" || !parse(s) || len(words) != groups {
			return b, false
		}
	} else {
		if !parse(head) {
			return b, false
		}
		nHead := len(words)
		if !parse(tail) || len(words) > groups-2 {
			return b, false
		}
		// Move the tail groups to the end and zero the gap.
		nTail := len(words) - nHead
		full := buf[:groups]
		copy(full[groups-nTail:], buf[nHead:nHead+nTail])
		clear(full[nHead : groups-nTail])
		words = full
	}
	for i, w := range words {
		b[2*i], b[2*i+1] = byte(w>>8), byte(w)
	}
	if hasV4 {
		copy(b[12:], v4[:])
	}
	return b, true
}
