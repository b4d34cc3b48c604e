package submission

import (
	"slices"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
)

// qualifiedRule decides which domains count as fully qualified at this
// site (RFC 6409, Section 4.2), the one rule of every policy that asks:
//
//   - a name [envelope.Domain.IsFullyQualified] accepts: under a top-level
//     domain delegated in the DNS root zone or a special-use one ("test",
//     "example", "localhost", "internal"), or an address literal;
//   - a name of two labels or more that is one of the site's local domains
//     or ends with "." and one of them: Config.LocalDomains, and the
//     top-level domains of Hostname and Expand when no registry delegates
//     them (an MSA named mail.example.lan uses .lan);
//   - with Config.DisableTLDCheck, any name of two labels or more whose
//     last label is not all digits (RFC 3696, Section 2), the test of
//     syntax alone.
//
// The zero value is IsFullyQualified alone. A qualifiedRule is immutable
// after [newQualifiedRule] and safe for concurrent use.
type qualifiedRule struct {
	local  []string // A-label forms with a leading ".": ".corp", ".example.lan"
	anyTLD bool
}

// newQualifiedRule builds the rule cfg configures.
func newQualifiedRule(cfg *Config) qualifiedRule {
	r := qualifiedRule{anyTLD: cfg.DisableTLDCheck}
	add := func(d envelope.Domain) {
		if d.IsZero() || d.IsLiteral() || slices.Contains(r.local, "."+d.ASCII()) {
			return
		}
		r.local = append(r.local, "."+d.ASCII())
	}
	for _, d := range cfg.LocalDomains {
		add(d)
	}
	for _, d := range []envelope.Domain{cfg.Hostname, cfg.Expand} {
		if !d.IsZero() && !d.IsLiteral() && !d.IsFullyQualified() {
			a := d.ASCII()
			if tld, err := envelope.ParseDomain(a[strings.LastIndexByte(a, '.')+1:]); err == nil {
				add(tld)
			}
		}
	}
	return r
}

// fullyQualified reports whether d counts as fully qualified under r.
func (r qualifiedRule) fullyQualified(d envelope.Domain) bool {
	if d.IsFullyQualified() {
		return true
	}
	a := d.ASCII()
	dot := strings.LastIndexByte(a, '.')
	if dot < 0 {
		return false // a single label, or the zero Domain
	}
	if r.anyTLD {
		for _, c := range []byte(a[dot+1:]) {
			if !ascii.IsDigit(c) {
				return true
			}
		}
		return false
	}
	for _, l := range r.local {
		if strings.HasSuffix(a, l) || a == l[1:] {
			return true
		}
	}
	return false
}

// isSingleLabel reports whether d is a name of one label ("sales"), the
// only kind of unqualified name Config.Expand may complete (RFC 6409,
// Section 4.2).
func isSingleLabel(d envelope.Domain) bool {
	return !d.IsZero() && !d.IsLiteral() && !strings.Contains(d.ASCII(), ".")
}
