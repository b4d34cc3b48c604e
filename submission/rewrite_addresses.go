package submission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/internal/ascii"
	"github.com/msakit/msakit/policy"
)

// RewriteRules are the address rewriting rules of RFC 6409, Section 8.8:
// "only addresses, local-parts, or domains that match specific local MSA
// configuration settings should be altered". The zero value rewrites
// nothing. [New] checks the rules and fails for one that cannot be right
// (see below), so a mistake is an error at start, never a 451 on every
// message.
//
// The rules, applied to one mailbox in this order:
//
//  1. Domains: a domain that is a key is replaced by its value
//     (squeaky.sales.example.net to zyx.example.net). Domains are parsed
//     values, so a key matches whichever form, A-label or U-label, and
//     letter case the client wrote.
//  2. StripSubdomains: a domain that is exactly one label under one of
//     these loses that label (host.foo.example.net to foo.example.net),
//     the example RFC 6409, Section 8.8 gives. Only when rule 1 did not
//     match.
//  3. Addresses: the mailbox, with its domain after rules 1 and 2, is
//     looked up and gets the value as its new local part.
//  4. LocalParts: otherwise a local part that is a key is replaced by its
//     value in every domain (JRU to J.Random.User).
//
// Local parts are compared exactly (RFC 5321, Section 2.4: they are
// case-sensitive). What is rewritten: the reverse-path (MAIL FROM) and,
// with Header set, the mailboxes of the From and Sender fields (and
// Resent-From, Resent-Sender); such a field is replaced in place with its
// mailboxes re-formatted (comments are not kept). Forward-paths (RCPT TO)
// are never rewritten: RFC 6409, Section 8.8 forbids rewriting a
// destination address in a way that violates RFC 5321's constraints on
// changing local parts, and rewriting recipients is mail routing, which
// belongs to the MTA. The checks of the profile see the addresses as the
// client sent them: the sender is judged on the original address.
//
// New refuses: a zero or address-literal domain; a domain rule whose
// result is not fully qualified (RFC 6409, Section 4.2: the MSA must not
// create what it must refuse) or maps a domain to itself; a local part,
// as key or value, that no mailbox can have (empty, control characters,
// over 64 octets, RFC 5321, Sections 4.1.2 and 4.5.3.1.1); and two keys
// of LocalParts, or two of Addresses, that differ only in ASCII letter
// case, which would make the result depend on how the client spelt the
// address.
type RewriteRules struct {
	// Domains maps a domain to the domain that replaces it.
	Domains map[envelope.Domain]envelope.Domain
	// StripSubdomains are the domains whose one-label subdomains are
	// replaced by the domain itself.
	StripSubdomains []envelope.Domain
	// Addresses maps one address to its new local part.
	Addresses map[envelope.Mailbox]string
	// LocalParts maps a local part, in every domain, to a new one.
	LocalParts map[string]string
	// Header also rewrites the From and Sender header fields.
	Header bool
}

// isZero reports whether r has no rule and no Header switch.
func (r *RewriteRules) isZero() bool {
	return len(r.Domains) == 0 && len(r.StripSubdomains) == 0 && len(r.Addresses) == 0 && len(r.LocalParts) == 0 && !r.Header
}

// rewriteAddresses is the policy of [RewriteRules] (RFC 6409, Section 8.8),
// built by newRewriteAddresses from checked rules.
//
// Stages: MAIL rewrite; DATA rewrite when header is set. It never rejects;
// a rule whose result is not a valid address for one mailbox (the new local
// part with a domain too long for it, RFC 5321, Section 4.5.3.1.3) is an
// internal error. It is immutable and safe for concurrent use.
type rewriteAddresses struct {
	domains    map[envelope.Domain]envelope.Domain
	strip      []string // ".foo.example.net": A-label form with a leading dot
	addresses  map[envelope.Mailbox]string
	localParts map[string]string
	header     bool
}

// newRewriteAddresses checks r (see [RewriteRules]) and copies it into the
// policy, so that later changes to the caller's maps have no effect. The
// domains it rewrites to must be fully qualified under rule.
func newRewriteAddresses(r RewriteRules, rule qualifiedRule) (rewriteAddresses, error) {
	p := rewriteAddresses{header: r.Header}
	if len(r.Domains) > 0 {
		p.domains = make(map[envelope.Domain]envelope.Domain, len(r.Domains))
	}
	for from, to := range r.Domains {
		switch {
		case from.IsZero() || from.IsLiteral() || to.IsZero() || to.IsLiteral():
			return p, fmt.Errorf("submission: rewrite rule %s -> %s: domains must be names", from.ASCII(), to.ASCII())
		case !rule.fullyQualified(to):
			return p, fmt.Errorf("submission: rewrite rule %s -> %s: the result is not fully qualified (RFC 6409, Section 4.2)", from.ASCII(), to.ASCII())
		case from == to:
			return p, fmt.Errorf("submission: rewrite rule %s -> %s: maps a domain to itself", from.ASCII(), to.ASCII())
		}
		p.domains[from] = to
	}
	for _, d := range r.StripSubdomains {
		switch {
		case d.IsZero() || d.IsLiteral():
			return p, fmt.Errorf("submission: rewrite rule *.%s: not a domain name", d.ASCII())
		case !rule.fullyQualified(d):
			return p, fmt.Errorf("submission: rewrite rule *.%s: the result is not fully qualified (RFC 6409, Section 4.2)", d.ASCII())
		case slices.Contains(p.strip, "."+d.ASCII()):
			return p, fmt.Errorf("submission: rewrite rule *.%s given twice", d.ASCII())
		}
		p.strip = append(p.strip, "."+d.ASCII())
	}
	folded := make(map[string]string, len(r.Addresses))
	if len(r.Addresses) > 0 {
		p.addresses = make(map[envelope.Mailbox]string, len(r.Addresses))
	}
	for m, lp := range r.Addresses {
		if _, err := envelope.NewMailbox(m.LocalPart, m.Domain); err != nil || m.LocalPart == "" {
			return p, fmt.Errorf("submission: rewrite rule for %q: not a valid address", m.String())
		}
		if err := checkLocalPart(lp, m.Domain); err != nil {
			return p, fmt.Errorf("submission: rewrite rule %s -> %q: %w", m.String(), lp, err)
		}
		k := asciiLower(m.LocalPart) + "@" + m.Domain.ASCII()
		if other, dup := folded[k]; dup {
			return p, fmt.Errorf("submission: rewrite rules for %s and %s differ only in letter case", other, m.String())
		}
		folded[k] = m.String()
		p.addresses[m] = lp
	}
	clear(folded)
	if len(r.LocalParts) > 0 {
		p.localParts = make(map[string]string, len(r.LocalParts))
	}
	for from, to := range r.LocalParts {
		if err := checkLocalPart(from, envelope.Domain{}); err != nil {
			return p, fmt.Errorf("submission: rewrite rule %q: %w", from, err)
		}
		if err := checkLocalPart(to, envelope.Domain{}); err != nil {
			return p, fmt.Errorf("submission: rewrite rule %q -> %q: %w", from, to, err)
		}
		k := asciiLower(from)
		if other, dup := folded[k]; dup {
			return p, fmt.Errorf("submission: rewrite rules for local parts %q and %q differ only in letter case", other, from)
		}
		folded[k] = from
		p.localParts[from] = to
	}
	return p, nil
}

// checkLocalPart reports whether lp can be the local part of a mailbox in
// d (any domain when d is zero): non-empty, and what envelope.NewMailbox
// accepts (RFC 5321, Sections 4.1.2 and 4.5.3.1.1).
func checkLocalPart(lp string, d envelope.Domain) error {
	if lp == "" {
		return errors.New("empty local part")
	}
	if d.IsZero() {
		d = anyDomain
	}
	if _, err := envelope.NewMailbox(lp, d); err != nil {
		return err
	}
	return nil
}

// asciiLower maps the ASCII letters of s to lower case, leaving other
// octets alone (RFC 5321, Section 2.4 local parts are not case-folded
// beyond ASCII by any implementation).
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 {
			return rune(ascii.Lower(byte(r)))
		}
		return r
	}, s)
}

// anyDomain is a short valid domain for checking a local part alone.
var anyDomain, _ = envelope.ParseDomain("example.org")

// Name returns "rewrite-addresses", the policy of RFC 6409, Section 8.8.
func (rewriteAddresses) Name() string { return "rewrite-addresses" }

// rewrite applies the rules to m and reports whether it changed (RFC 6409,
// Section 8.8). An error means the new local part does not fit the domain
// (RFC 5321, Section 4.5.3.1.3).
func (p rewriteAddresses) rewrite(m envelope.Mailbox) (envelope.Mailbox, bool, error) {
	if m.Domain.IsZero() || m.Domain.IsLiteral() {
		return m, false, nil
	}
	changed := false
	if d, ok := p.domains[m.Domain]; ok {
		m.Domain, changed = d, true
	} else {
		dom := m.Domain.ASCII()
		for _, suffix := range p.strip {
			if len(dom) > len(suffix) && strings.HasSuffix(dom, suffix) && !strings.Contains(dom[:len(dom)-len(suffix)], ".") {
				d, err := envelope.ParseDomain(suffix[1:])
				if err != nil {
					return m, false, err
				}
				m.Domain, changed = d, true
				break
			}
		}
	}
	lp, ok := p.addresses[m]
	if !ok {
		lp, ok = p.localParts[m.LocalPart]
	}
	if ok && lp != m.LocalPart {
		nm, err := envelope.NewMailbox(lp, m.Domain)
		if err != nil {
			return m, false, err
		}
		m, changed = nm, true
	}
	return m, changed, nil
}

// RewriteMail rewrites the reverse-path (RFC 6409, Section 8.8). <> is left
// alone.
func (p rewriteAddresses) RewriteMail(_ context.Context, _ *policy.Conn, tx *policy.Transaction) error {
	if tx.From.IsNull() {
		return nil
	}
	m, changed, err := p.rewrite(tx.From.Mailbox())
	if err != nil {
		return err
	}
	if changed {
		tx.From = envelope.NewPath(m)
	}
	return nil
}

// rewriteFields are the header fields rewriteAddresses may change.
var rewriteFields = newNameSet("From", "Sender", "Resent-From", "Resent-Sender")

// RewriteData rewrites the From and Sender fields when header is set (RFC
// 6409, Section 8.8). Every field with these names is rewritten; a field
// that does not parse is left alone ([checkHeader] refuses it). A field that
// must change but cannot be written in current syntax (an obsolete control
// character in a display name, RFC 5322, Section 4.4) gets 554 5.6.0.
func (p rewriteAddresses) RewriteData(_ context.Context, _ *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	if !p.header {
		return nil
	}
	utf8OK := tx.MailOptions.SMTPUTF8
	for i := 0; i < h.Len(); i++ {
		f := h.Field(i)
		if _, ok := fieldIn(f, rewriteFields); !ok {
			continue
		}
		addrs, _, err := fieldAddresses(tx, f)
		if err != nil {
			continue
		}
		addrs, err = mapMailboxes(addrs, p.rewrite)
		if err != nil {
			return err
		}
		if addrs == nil {
			continue // no rule applies: the field keeps its bytes
		}
		name := f.Name()
		nf, err := formatField(name, addrs, utf8OK)
		if err != nil {
			// The field parsed (obsolete syntax, RFC 5322, Section 4.4) but
			// cannot be written again as RFC 5322 requires of a new field.
			return withErr(replyHeaderInvalid("Cannot rewrite the "+name+" header field"), err)
		}
		if err := h.ReplaceAt(i, nf); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ policy.MailRewriter = rewriteAddresses{}
	_ policy.DataRewriter = rewriteAddresses{}
)

// mapMailboxes applies fn to the mailbox of each address, as the DATA
// rewrites of [qualifyDomains] and [rewriteAddresses] do (RFC 6409,
// Sections 4.2 and 8.8). It returns a copy of addrs with the changed
// mailboxes, or nil when fn changed none; addrs itself is never written
// (it is shared by the memo in the Transaction), and is copied only when a
// mailbox changes. fn's error is returned as it is.
func mapMailboxes(addrs []header.Address, fn func(envelope.Mailbox) (envelope.Mailbox, bool, error)) ([]header.Address, error) {
	var out []header.Address
	for j := range addrs {
		m, changed, err := fn(addrs[j].Mailbox)
		if err != nil {
			return nil, err
		}
		if !changed {
			continue
		}
		if out == nil {
			out = slices.Clone(addrs)
		}
		out[j].Mailbox = m
	}
	return out, nil
}

// formatField builds a replacement address field from addrs (RFC 5322,
// Section 3.4), with header.FormatAddressList.
func formatField(name string, addrs []header.Address, utf8OK bool) (header.Field, error) {
	v, err := header.FormatAddressList(addrs, utf8OK)
	if err != nil {
		return header.Field{}, err
	}
	return header.NewField(name, v, utf8OK)
}
