package envelope

import (
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/msakit/msakit/internal/ascii"
)

// Domain is a parsed domain name or address literal, as it appears after the
// "@" of an RFC 5321 Mailbox (RFC 5321, Section 4.1.2) or in EHLO. It keeps
// two forms: the ASCII form (A-labels, lower case), used on the wire without
// SMTPUTF8, for DNS, as a map key and for comparing; and the Unicode form
// (U-labels), used with SMTPUTF8 (RFC 6531, Section 3.2) and for display.
//
// Domain is a comparable value: two Domains are == exactly when their ASCII
// forms are equal, because the Unicode form is derived from the ASCII form.
// So every spelling of the same name that ParseDomain accepts (ASCII letters
// in any case, U-labels, A-labels) parses to the same value; spellings that
// only IDNA mapping would turn into it (full-width letters or dots,
// zero-width characters) are refused as look-alikes. Compare only parsed
// Domains, never the strings a client sent.
//
// The zero Domain means "no domain" ([Domain.IsZero]); a non-zero Domain comes
// only from [ParseDomain] or the functions built on it. Domain is immutable
// and safe for concurrent use.
type Domain struct {
	ascii   string // A-label form, lower case; an address literal as normalized
	unicode string // U-label form; == ascii unless the name has A-labels
	literal bool   // an RFC 5321, Section 4.1.3 address literal
	top     uint8  // offset of the top label in ascii; 0 for one label or a literal
}

// profile is the one IDNA2008 profile of this package: UTS #46 mapping for
// lookup (non-transitional), STD3 rules, the Bidi rule of RFC 5893 and DNS
// length checks (empty labels, 63-octet labels, 253-octet names). It is built
// once and never changed; idna.Profile is safe for concurrent use.
var profile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.VerifyDNSLength(true))

// ParseDomain parses a domain as it appears in MAIL FROM, RCPT TO or EHLO
// (RFC 5321, Section 4.1.2, Domain / address-literal), extended to U-labels by
// RFC 6531, Section 3.3.
//
// It accepts:
//   - an LDH name ("mail.Example.org"), returned in lower case;
//   - a name with U-labels ("bücher.example") or A-labels
//     ("xn--bcher-kva.example"), checked under IDNA2008 with the UTS #46
//     lookup mapping, STD3 rules, the Bidi rule (RFC 5893) and DNS lengths.
//     An A-label must decode to a valid U-label and be its canonical
//     encoding;
//   - an address literal: "[192.0.2.1]", "[IPv6:2001:db8::1]" or a general
//     literal "[tag:content]" (RFC 5321, Section 4.1.3), see
//     [Domain.IsLiteral] for its normalized form.
//
// It refuses, with a *[ParseError]: the empty string, a trailing dot (a
// root-relative name is not a Domain in RFC 5321), empty labels, a label that
// begins or ends with a hyphen (RFC 5321, Section 4.1.2, Ldh-str; RFC 5891,
// Section 4.2.3.1), a label with "--" in positions 3 and 4 that is not an
// A-label (an R-LDH label, RFC 5890, Section 2.3.1), labels over 63 octets and names over 253 octets in ASCII
// form (RFC 1035, Section 2.3.4), a dotted-quad IPv4 address without brackets
// (RFC 5321, Section 4.1.3 requires the literal form), and inputs over 1020
// octets. The Kind is [ErrSyntax], [ErrTooLong] or, for an IDNA failure,
// [ErrIDNA].
//
// It also refuses, with [ErrIDNA], a look-alike: a name that the UTS #46
// mapping changes other than by ASCII case, such as "exa\u200Bmple.org"
// (a zero-width space), "ｅｘａｍｐｌｅ.org" (full-width letters),
// "bücher。example" (an ideographic full stop), "BÜCHER.example" (a
// non-ASCII capital) or "bu\u0308cher.example" (not NFC). Each label must
// already be an A-label, or a U-label (RFC 5890, Section 2.3.2.1) with
// ASCII letters in any case, and only U+002E separates labels. Mapping such
// input silently would let a client have one domain checked while readers
// and later parsers see another.
//
// A pure LDH name is checked without the idna package and costs no
// allocation unless it must be lower-cased.
func ParseDomain(s string) (Domain, error) {
	d, err := parseDomain(s)
	if err != nil {
		return Domain{}, err
	}
	return d, nil
}

// MustParseDomain is [ParseDomain] for a domain written in the program,
// such as a configured hostname (RFC 5321, Section 4.1.2): it panics, with
// the parse error in the message, when s is not a valid domain. Use
// ParseDomain for anything read from a client, a file or a flag.
func MustParseDomain(s string) Domain {
	d, err := parseDomain(s)
	if err != nil {
		panic("envelope: MustParseDomain(" + strconv.Quote(s) + "): " + err.Error())
	}
	return d
}

// parseDomain is ParseDomain returning the concrete error type.
func parseDomain(s string) (Domain, *ParseError) {
	if s == "" {
		return Domain{}, newError(s, 0, ErrSyntax, "empty domain")
	}
	if s[0] == '[' {
		return parseLiteral(s)
	}
	if len(s) > maxDomainInput {
		return Domain{}, newError(s, maxDomainInput, ErrTooLong, "domain longer than 1020 octets")
	}
	needIDNA, hasUpper, top, err := checkLDH(s)
	if err != nil {
		return Domain{}, err
	}
	if !needIDNA {
		if hasUpper {
			s = strings.ToLower(s)
		}
		return Domain{ascii: s, unicode: s, top: top}, nil
	}
	return parseIDN(s)
}

// Octet classes for checkLDH.
const (
	clLower  = 1 << iota // a-z
	clDigit              // 0-9
	clUpper              // A-Z
	clHyphen             // -
	clDot                // .
	clHigh               // 0x80 and above
)

// ldhClass maps each octet to its class; octets with no class are not
// allowed in a domain. It is never written after initialization.
var ldhClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = clLower
		t[c-'a'+'A'] = clUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit
	}
	t['-'], t['.'] = clHyphen, clDot
	for c := 0x80; c <= 0xff; c++ {
		t[c] = clHigh
	}
	return t
}()

// checkLDH checks s as an RFC 5321 Domain of LDH labels. It stops with
// needIDNA at the first octet of 0x80 or above, and also reports needIDNA
// when a label looks like an A-label ("xn--", any case), which needs
// decoding. hasUpper tells whether s has upper-case letters, top is the
// offset of the last label when there are several, else 0.
func checkLDH(s string) (needIDNA, hasUpper bool, top uint8, err *ParseError) {
	var seen uint8 // the classes of all octets seen
	start, labels := 0, 0
	for i := 0; ; i++ {
		if i < len(s) {
			c := ldhClass[s[i]]
			seen |= c
			if c&(clLower|clDigit|clUpper|clHyphen) != 0 {
				continue
			}
			if c == clHigh {
				return true, false, 0, nil
			}
			if c != clDot {
				return false, false, 0, newError(s, i, ErrSyntax, "invalid character "+quoteByte(s[i])+" in domain")
			}
		}
		// End of a label: s[start:i].
		if err := checkLabel(s, start, i); err != nil {
			return false, false, 0, err
		}
		label := s[start:i]
		labels++
		if len(label) >= 4 && label[2] == '-' && label[3] == '-' {
			// An R-LDH label: only "xn--" ones (A-labels) are valid for an
			// IDNA-aware program (RFC 5890, Section 2.3.1).
			if !ascii.HasPrefixFold(label, "xn") {
				return false, false, 0, newError(s, start+2, ErrIDNA, "reserved label with \"--\" in positions 3 and 4 that is not an A-label")
			}
			needIDNA = true
		}
		if len(label) > 3 {
			seen |= clLower // not an Snum (1*3DIGIT, RFC 5321, Section 4.1.3)
		}
		if i == len(s) {
			break
		}
		start = i + 1
	}
	if len(s) > maxDNSNameLen {
		return false, false, 0, newError(s, maxDNSNameLen, ErrTooLong, "domain longer than 253 octets")
	}
	if labels == 4 && seen&(clLower|clUpper|clHyphen) == 0 {
		return false, false, 0, newError(s, 0, ErrSyntax, "IP address without brackets; write an address literal such as [192.0.2.1]")
	}
	if labels > 1 {
		top = uint8(start) // start <= 252: a name is at most 253 octets
	}
	return needIDNA, seen&clUpper != 0, top, nil
}

// checkLabel checks the label s[start:end] of an LDH name: not empty, at
// most 63 octets, no hyphen first or last (RFC 5321, Section 4.1.2, Let-dig
// and Ldh-str; RFC 1035, Section 2.3.4).
func checkLabel(s string, start, end int) *ParseError {
	switch {
	case start == end && end == len(s) && end > 0:
		return newError(s, end-1, ErrSyntax, "domain ends with a dot")
	case start == end:
		return newError(s, end, ErrSyntax, "empty label in domain")
	case end-start > maxLabelLen:
		return newError(s, start+maxLabelLen, ErrTooLong, "domain label longer than 63 octets")
	case s[start] == '-':
		return newError(s, start, ErrSyntax, "domain label begins with a hyphen")
	case s[end-1] == '-':
		return newError(s, end-1, ErrSyntax, "domain label ends with a hyphen")
	}
	return nil
}

// parseIDN handles a name with non-ASCII octets or A-labels: it maps it
// through the profile ([mapIDN]) and refuses it unless it was already in
// canonical form ([canonical]).
func parseIDN(s string) (Domain, *ParseError) {
	d, err := mapIDN(s)
	if err != nil {
		return Domain{}, err
	}
	if off, ok := canonical(s, d.ascii, d.unicode); !ok {
		return Domain{}, newError(s, off, ErrIDNA, "look-alike domain, not in canonical form: IDNA mapping turns it into "+
			strconv.QuoteToASCII(d.unicode)+"; write U-labels in lower-case NFC or A-labels, separated by '.' (RFC 5890, Section 2.3.2.1)")
	}
	return d, nil
}

// mapIDN maps a name with non-ASCII octets or A-labels through the
// profile, then holds the result to the same rules as an LDH name. The
// Domain it returns is the one any spelling that maps to it stands for.
func mapIDN(s string) (Domain, *ParseError) {
	a, err := profile.ToASCII(s)
	if err != nil {
		// The partial result idna returns with an error is discarded.
		return Domain{}, newError(s, 0, ErrIDNA, "invalid internationalized domain name: "+strings.TrimPrefix(err.Error(), "idna: "))
	}
	// a is lower-case LDH and dots (StrictDomainName; FuzzParseDomain
	// checks this), so checkLDH holds it to the rules of an ASCII name
	// that the profile does not apply: no trailing dot, no hyphen first or
	// last in a label, no R-LDH label but A-labels, no bare IPv4 address.
	// Its needIDNA result then means that a has an A-label.
	hasALabel, _, top, perr := checkLDH(a)
	if perr != nil {
		return Domain{}, newError(s, 0, perr.Kind, perr.Msg+" (after IDNA mapping to "+a+")")
	}
	u := a
	if hasALabel {
		var ok bool
		if u, ok = toUnicode(a); !ok {
			// x/net/idna's ToASCII encodes an invalid UTF-8 octet as
			// U+FFFD instead of failing; toUnicode refuses U+FFFD.
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && n == 1 {
					return Domain{}, newError(s, i, ErrIDNA, "invalid UTF-8 in domain")
				}
				i += n
			}
			return Domain{}, newError(s, 0, ErrIDNA, "invalid internationalized domain name: a U-label that begins or ends with a hyphen")
		}
	}
	return Domain{ascii: a, unicode: u, top: top}, nil
}

// canonical reports whether s, a name that maps under the profile to the
// A-label form a and the U-label form u, is already written in one of
// those forms label by label, up to ASCII case: each label of s (split on
// "." alone) is the label of a or the label of u when ASCII letters are
// compared without regard to case. Anything else that IDNA mapping changes
// (RFC 5891, Section 5.2 leaves that mapping to the lookup application) is
// a look-alike spelling: a zero-width or ignored character, a soft hyphen,
// a full-width or compatibility character, a non-ASCII capital, an
// unnormalized sequence, or a dot other than U+002E such as U+3002. When s
// is not canonical, off is the offset of its first label that differs.
func canonical(s, a, u string) (off int, ok bool) {
	if s == u || s == a {
		return 0, true // the common case: written as IDNA writes it
	}
	for {
		sl, srest, smore := strings.Cut(s[off:], ".")
		al, arest, amore := strings.Cut(a, ".")
		ul, urest, umore := strings.Cut(u, ".")
		if !ascii.EqualFold(sl, al) && !ascii.EqualFold(sl, ul) {
			return off, false
		}
		if smore != amore || amore != umore {
			return off + len(sl), false
		}
		if !smore {
			return 0, true
		}
		off = len(s) - len(srest)
		a, u = arest, urest
	}
}

// ASCII returns the ASCII form: A-labels, lower case, no trailing dot; for an
// address literal, its normalized text with brackets (RFC 5321,
// Section 4.1.3). Use it on the wire without SMTPUTF8, for DNS, for
// comparing and as a map key. It is "" for the zero Domain.
func (d Domain) ASCII() string { return d.ascii }

// Unicode returns the Unicode form: U-labels in place of A-labels (RFC 5890,
// Section 2.3.2.1), lower case as IDNA2008 maps it. For a name without
// A-labels and for address literals it equals [Domain.ASCII]. Use it with
// SMTPUTF8 (RFC 6531, Section 3.2) and for display. It is "" for the zero
// Domain.
func (d Domain) Unicode() string { return d.unicode }

// String returns the ASCII form, so that printing a Domain with %v never
// produces 8-bit octets nobody asked for (RFC 6531, Section 3.2).
func (d Domain) String() string { return d.ascii }

// IsZero reports whether d is the zero Domain, which means "no domain"; no
// RFC 5321, Section 4.1.2 Domain is empty, so a parsed Domain is never zero.
func (d Domain) IsZero() bool { return d.ascii == "" }

// IsIDN reports whether d has at least one A-label, that is, whether its
// Unicode form differs from its ASCII form (RFC 5890, Section 2.3.2.1).
func (d Domain) IsIDN() bool { return d.ascii != d.unicode }

// IsLiteral reports whether d is an address literal (RFC 5321,
// Section 4.1.3) such as "[192.0.2.1]" rather than a name.
func (d Domain) IsLiteral() bool { return d.literal }

// Format returns the form to write in an SMTP command or header: the Unicode
// form when smtputf8 is true (RFC 6531, Section 3.2), the ASCII form
// otherwise.
func (d Domain) Format(smtputf8 bool) string {
	if smtputf8 {
		return d.unicode
	}
	return d.ascii
}

// IsFullyQualified reports whether d is a fully-qualified domain name as RFC
// 6409, Section 4.2 requires of envelope and header addresses, judged
// without DNS: an address literal, or a name of at least two labels whose
// last label (the top-level domain) is delegated in the DNS root zone or is
// a special-use name every test suite and private network relies on.
//
// Delegated means listed as a top-level domain in the ICANN section of the
// public suffix list that golang.org/x/net/publicsuffix compiles into the
// program; only the top label is looked up, so private-section entries
// ("blogspot.com") play no part. The special-use names are "test",
// "example" and "localhost" (RFC 2606, Section 2; RFC 6761, Section 6) and
// "internal" (reserved by ICANN for private use). So "example.con",
// "mail.example.cmo", RFC 6409's partial name "squeaky.sales", "example",
// "mail.123" and "host.invalid" are not fully qualified; "example.org",
// "bücher.example", "mail.example.test" and "example.xn--fiqs8s" are. The
// zero Domain is not.
//
// The top-level domains of a private network ("corp", "lan") are not known
// here; a submission server is configured with them (see the submission
// package's Config.LocalDomains). Each top-level label found in the list is
// remembered after its first look-up, so the check of a name under a
// delegated TLD costs a cache load and does not allocate.
func (d Domain) IsFullyQualified() bool {
	if d.literal {
		return true
	}
	if d.top == 0 {
		return false
	}
	tld := d.ascii[d.top:]
	return isSpecialUseTLD(tld) || isDelegatedTLD(tld)
}

// LogValue implements [slog.LogValuer]: both forms, "unicode/ascii", for an
// IDN (as in "bücher.example/xn--bcher-kva.example"; RFC 5890,
// Section 2.3.2.1), otherwise the ASCII form alone.
func (d Domain) LogValue() slog.Value {
	if d.IsIDN() {
		return slog.StringValue(d.unicode + "/" + d.ascii)
	}
	return slog.StringValue(d.ascii)
}
