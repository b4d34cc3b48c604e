package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/internal/ascii"
)

// RewriteAddresses rewrites sender local parts and domains by configured
// rules only (RFC 6409, Section 8.8: "only addresses, local-parts, or
// domains that match specific local MSA configuration settings should be
// altered"). The zero value rewrites nothing.
//
// Stages: MAIL rewrite; DATA rewrite when Header is set. It never rejects;
// a rule whose result is not a valid address is an internal error.
//
// Rules, applied to one mailbox in this order:
//
//  1. Domains: an exact domain map, keyed and valued by domain name
//     ("squeaky.sales.example.net" → "zyx.example.net"). A key matches the
//     domain's A-label or U-label form, ASCII letters without regard to
//     case, a trailing dot ignored.
//  2. StripSuffixes: patterns "*.foo.example.net"; a domain that is exactly
//     one label followed by ".foo.example.net" loses that leftmost label,
//     the rule RFC 6409, Section 8.8 gives as acceptable. Only when rule 1
//     did not match.
//  3. LocalParts: an exact local-part map ("JRU" → "J.Random.User"). A key
//     "jru@example.net" applies to that address only (the domain after
//     rules 1 and 2); a key without "@" applies in every domain. Keys are
//     compared exactly (RFC 5321, Section 2.4: local parts are
//     case-sensitive).
//
// What is rewritten: the reverse-path (MAIL FROM) and, with Header set, the
// mailboxes of the From and Sender fields (and Resent-From, Resent-Sender).
// A header field that changes is replaced in place with the mailboxes
// re-formatted; its comments are not kept. Forward-paths (RCPT TO) are never
// rewritten: RFC 6409, Section 8.8 forbids rewriting a destination address
// in a way that violates RFC 5321's constraints on changing local parts,
// and a rewrite of recipients is mail routing, which belongs to the MTA.
//
// The checks of a chain see the addresses as the client sent them (the
// rewrite runs after every check passed), so [EnforceSender] judges the
// original address. The maps must not be changed after the policy is in
// use; RewriteAddresses is then safe for concurrent use.
type RewriteAddresses struct {
	// LocalParts maps local parts ("jru") or addresses
	// ("jru@example.net") to new local parts.
	LocalParts map[string]string
	// Domains maps domains to new domains.
	Domains map[string]string
	// StripSuffixes are patterns "*.suffix": strip the one label before
	// suffix.
	StripSuffixes []string
	// Header also rewrites the From and Sender header fields.
	Header bool
}

// Name returns "rewrite-addresses", the policy of RFC 6409, Section 8.8.
func (RewriteAddresses) Name() string { return "rewrite-addresses" }

// Rewrite applies the rules to m and reports whether it changed (RFC 6409,
// Section 8.8). An error means a rule produced an invalid domain or local
// part, or a domain that is not fully qualified (RFC 6409, Section 4.2).
func (p RewriteAddresses) Rewrite(m envelope.Mailbox) (envelope.Mailbox, bool, error) {
	changed := false
	if m.Domain.IsZero() || m.Domain.IsLiteral() {
		return m, false, nil
	}
	dom := m.Domain.ASCII()
	newDom, ok := p.Domains[dom]
	if !ok {
		for k, v := range p.Domains {
			if isDomainName(k, m.Domain) {
				newDom = v
				break
			}
		}
	}
	if newDom == "" {
		for _, pat := range p.StripSuffixes {
			suffix, ok := strings.CutPrefix(strings.TrimSuffix(pat, "."), "*")
			if !ok || !strings.HasPrefix(suffix, ".") || len(suffix) < 2 {
				continue
			}
			if len(dom) > len(suffix) && ascii.EqualFold(dom[len(dom)-len(suffix):], suffix) {
				label := dom[:len(dom)-len(suffix)]
				if label != "" && !strings.Contains(label, ".") {
					newDom = suffix[1:]
					break
				}
			}
		}
	}
	if newDom != "" {
		d, err := envelope.ParseDomain(newDom)
		if err != nil {
			return m, false, err
		}
		if !d.IsFullyQualified() {
			// RFC 6409, Section 4.2: the MSA must not create what it must refuse.
			return m, false, fmt.Errorf("%w: rewrite rule gives %s", ErrUnqualifiedDomain, d.ASCII())
		}
		if d != m.Domain {
			m.Domain = d
			changed = true
		}
	}
	if len(p.LocalParts) > 0 {
		lp, ok := p.LocalParts[m.LocalPart+"@"+m.Domain.ASCII()]
		if !ok {
			lp, ok = p.LocalParts[m.LocalPart]
		}
		if ok && lp != m.LocalPart {
			nm, err := envelope.NewMailbox(lp, m.Domain)
			if err != nil {
				return m, false, err
			}
			if !(EnforceAddressSyntax{}).ValidMailbox(nm) {
				return m, false, &Error{Policy: p.Name(), Err: ErrAddressSyntax}
			}
			m = nm
			changed = true
		}
	}
	return m, changed, nil
}

// isDomainName reports whether the configured name k is d: k without a
// trailing dot equals d's A-label or U-label form (RFC 5890, Section
// 2.3.2.1) with ASCII letters compared without regard to case (RFC 5321,
// Section 2.4). It does not allocate, unlike lower-casing k per call.
func isDomainName(k string, d envelope.Domain) bool {
	k = strings.TrimSuffix(k, ".")
	return ascii.EqualFold(k, d.ASCII()) || ascii.EqualFold(k, d.Unicode())
}

// RewriteMail rewrites the reverse-path (RFC 6409, Section 8.8). <> is left
// alone.
func (p RewriteAddresses) RewriteMail(_ context.Context, _ *Conn, tx *Transaction) error {
	if tx.From.IsNull() {
		return nil
	}
	m, changed, err := p.Rewrite(tx.From.Mailbox())
	if err != nil {
		return err
	}
	if changed {
		tx.From = envelope.NewPath(m)
	}
	return nil
}

// rewriteFields are the header fields RewriteAddresses may change.
var rewriteFields = [...]string{"From", "Sender", "Resent-From", "Resent-Sender"}

// RewriteData rewrites the From and Sender fields when Header is set (RFC
// 6409, Section 8.8). Every field with these names is rewritten; a field
// that does not parse is left alone ([CheckHeader] refuses it). A field that
// must change but cannot be written in current syntax (an obsolete control
// character in a display name, RFC 5322, Section 4.4) gets 554 5.6.0.
func (p RewriteAddresses) RewriteData(_ context.Context, _ *Conn, tx *Transaction, h *header.Header) error {
	if !p.Header {
		return nil
	}
	utf8OK := tx.SMTPUTF8()
	for i := 0; i < h.Len(); i++ {
		f := h.Field(i)
		if _, ok := fieldIn(f, rewriteFields[:]); !ok {
			continue
		}
		addrs, _, err := tx.fieldAddresses(f)
		if err != nil {
			continue
		}
		addrs, err = mapMailboxes(addrs, p.Rewrite)
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
			return HeaderInvalid("Cannot rewrite the " + name + " header field").WithErr(err)
		}
		if err := h.ReplaceAt(i, nf); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ MailRewriter = RewriteAddresses{}
	_ DataRewriter = RewriteAddresses{}
)

// mapMailboxes applies fn to the mailbox of each address, as the DATA
// rewrites of [QualifyDomains] and [RewriteAddresses] do (RFC 6409,
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
