package envelope

import "github.com/msakit/msakit/internal/ascii"

// Parser holds the options of the envelope parsers, in the manner of
// net/mail.AddressParser. Its zero value parses as the package-level
// functions do: RFC 5321 with the UTF-8 extension of RFC 6531. A Parser is a
// small immutable value, safe for concurrent use.
type Parser struct {
	// ASCIIOnly refuses any octet at or above 0x80 with [ErrNotASCII], as an
	// SMTP server must when the client did not give the SMTPUTF8 parameter
	// (RFC 6531, Section 3.5). A-labels ("xn--...") are ASCII and stay
	// accepted.
	ASCIIOnly bool
}

// ParseDomain is [ParseDomain] (RFC 5321, Section 4.1.2) under the options
// of p.
func (p Parser) ParseDomain(s string) (Domain, error) {
	if p.ASCIIOnly {
		if i := ascii.IndexNonASCII(s); i >= 0 {
			return Domain{}, newError(s, i, ErrNotASCII, "non-ASCII octet in domain without SMTPUTF8")
		}
	}
	return ParseDomain(s)
}

// ParseMailbox is [ParseMailbox] (RFC 5321, Section 4.1.2) under the
// options of p.
func (p Parser) ParseMailbox(s string) (Mailbox, error) {
	m, err := p.parseMailbox(s)
	if err != nil {
		return Mailbox{}, err
	}
	return m, nil
}

// ParseReversePath is [ParseReversePath] (RFC 5321, Section 4.1.1.2) under
// the options of p.
func (p Parser) ParseReversePath(s string) (Path, error) {
	path, err := p.parsePath(s, true)
	if err != nil {
		return Path{}, err
	}
	return path, nil
}

// ParseForwardPath is [ParseForwardPath] (RFC 5321, Section 4.1.1.3) under
// the options of p.
func (p Parser) ParseForwardPath(s string) (Path, error) {
	path, err := p.parsePath(s, false)
	if err != nil {
		return Path{}, err
	}
	return path, nil
}
