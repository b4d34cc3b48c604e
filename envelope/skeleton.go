// Package envelope: TEMPORARY SKELETON. The envelope helper replaces this file
// with the real implementation (domain.go, mailbox.go, path.go, errors.go,
// subaddress.go, doc.go). The exported API below is the contract other
// packages code against; it may grow, but these shapes stay.
package envelope

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/net/idna"
)

// Limits of RFC 5321, Section 4.5.3.1.
const (
	MaxLocalPartLen = 64
	MaxDomainLen    = 255
	MaxPathLen      = 256
)

// Sentinel error kinds; a *ParseError wraps exactly one of them.
var (
	ErrSyntax   = errors.New("envelope: syntax error")
	ErrTooLong  = errors.New("envelope: too long")
	ErrNotASCII = errors.New("envelope: non-ASCII address requires SMTPUTF8")
	ErrIDNA     = errors.New("envelope: invalid internationalized domain name")
)

// ParseError says what is wrong with an input and at which byte offset.
type ParseError struct {
	Input  string // the input, possibly truncated for display
	Offset int    // byte offset of the problem in the input
	Kind   error  // one of ErrSyntax, ErrTooLong, ErrNotASCII, ErrIDNA
	Msg    string // what is wrong, lower case
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("envelope: %s at offset %d", e.Msg, e.Offset)
}
func (e *ParseError) Unwrap() error { return e.Kind }

// Domain is a parsed domain or address literal. Comparable; == compares ASCII form.
type Domain struct {
	ascii   string
	unicode string
	literal bool
}

var profile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.VerifyDNSLength(true))

// ParseDomain parses a domain as it appears in MAIL FROM / RCPT TO.
func ParseDomain(s string) (Domain, error) {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return Domain{ascii: s, unicode: s, literal: true}, nil
	}
	a, err := profile.ToASCII(s)
	if err != nil {
		return Domain{}, &ParseError{Input: s, Kind: ErrIDNA, Msg: err.Error()}
	}
	u, _ := profile.ToUnicode(a)
	return Domain{ascii: a, unicode: u}, nil
}

func (d Domain) ASCII() string   { return d.ascii }
func (d Domain) Unicode() string { return d.unicode }
func (d Domain) String() string  { return d.ascii }
func (d Domain) IsZero() bool    { return d.ascii == "" }
func (d Domain) IsIDN() bool     { return d.ascii != d.unicode }
func (d Domain) IsLiteral() bool { return d.literal }
func (d Domain) Format(smtputf8 bool) string {
	if smtputf8 {
		return d.unicode
	}
	return d.ascii
}
func (d Domain) IsFullyQualified() bool {
	return d.literal || strings.Contains(d.ascii, ".")
}
func (d Domain) LogValue() slog.Value { return slog.StringValue(d.unicode + "/" + d.ascii) }

// Mailbox is an RFC 5321 Mailbox. LocalPart is decoded (no surrounding quotes).
type Mailbox struct {
	LocalPart string
	Domain    Domain
}

// ParseMailbox parses an RFC 5321 Mailbox without angle brackets.
func ParseMailbox(s string) (Mailbox, error) {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 {
		return Mailbox{}, &ParseError{Input: s, Kind: ErrSyntax, Msg: "missing @"}
	}
	d, err := ParseDomain(s[i+1:])
	if err != nil {
		return Mailbox{}, err
	}
	return Mailbox{LocalPart: strings.Trim(s[:i], `"`), Domain: d}, nil
}

// NewMailbox builds a Mailbox from an already-decoded local part and a domain
// (go-smtp hands over `carol smith@example.net` for `"carol smith"@example.net`).
func NewMailbox(localPart string, domain Domain) (Mailbox, error) {
	return Mailbox{LocalPart: localPart, Domain: domain}, nil
}

func (m Mailbox) String() string              { return m.LocalPart + "@" + m.Domain.ASCII() }
func (m Mailbox) Format(smtputf8 bool) string { return m.LocalPart + "@" + m.Domain.Format(smtputf8) }
func (m Mailbox) IsASCII() bool {
	for i := 0; i < len(m.LocalPart); i++ {
		if m.LocalPart[i] >= 0x80 {
			return false
		}
	}
	return !m.Domain.IsIDN()
}
func (m Mailbox) IsZero() bool { return m.LocalPart == "" && m.Domain.IsZero() }

// Path is a reverse-path or forward-path.
type Path struct {
	Mailbox    Mailbox // zero for the null path and for <Postmaster>
	Null       bool    // the null reverse-path <>
	Postmaster bool    // the unqualified <Postmaster> forward-path
}

// ParseReversePath parses a MAIL FROM argument, with or without angle brackets; <> allowed.
func ParseReversePath(s string) (Path, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if s == "" {
		return Path{Null: true}, nil
	}
	m, err := ParseMailbox(s)
	return Path{Mailbox: m}, err
}

// ParseForwardPath parses a RCPT TO argument, with or without angle brackets; <Postmaster> allowed.
func ParseForwardPath(s string) (Path, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if strings.EqualFold(s, "postmaster") {
		return Path{Postmaster: true}, nil
	}
	m, err := ParseMailbox(s)
	return Path{Mailbox: m}, err
}

func (p Path) IsNull() bool       { return p.Null }
func (p Path) IsPostmaster() bool { return p.Postmaster }
func (p Path) String() string {
	switch {
	case p.Null:
		return "<>"
	case p.Postmaster:
		return "<Postmaster>"
	}
	return "<" + p.Mailbox.String() + ">"
}
func (p Path) IsASCII() bool { return p.Mailbox.IsASCII() }

// SplitSubaddress splits "user+tag" at the first occurrence of sep.
func SplitSubaddress(localPart, sep string) (base, tag string, ok bool) {
	if sep == "" {
		return localPart, "", false
	}
	return strings.Cut(localPart, sep)
}
