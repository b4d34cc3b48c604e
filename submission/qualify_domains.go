package submission

import (
	"context"
	"fmt"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// qualifyDomains ensures that every domain in the SMTP envelope, and in the
// address header fields, is fully qualified (RFC 6409, Section 4.2, a MUST).
//
// Stages: MAIL check, RCPT check, DATA check; MAIL, RCPT and DATA rewrites
// when Expand is set.
//
//   - MAIL: a reverse-path whose domain is not fully qualified gets 554
//     5.1.8 (RFC 6409, Section 4.2: 554; X.1.8 "Bad sender's system
//     address").
//   - RCPT: a forward-path whose domain is not fully qualified gets 554
//     5.1.2 (X.1.2 "Bad destination system address").
//   - DATA: an address header field (From, Sender, Reply-To, To, Cc, Bcc
//     and their Resent- forms) with a domain that is not fully qualified
//     gets 554 5.6.0 (RFC 6409, Section 4.2). RFC 6409 requires this "if the
//     MSA examines or alters the message text in any way, except to add
//     trace header fields"; a chain that holds qualifyDomains examines the
//     header (this policy does), so the check always runs at DATA. An
//     address field that cannot be parsed is refused with 554 5.6.0 too,
//     since its domains cannot be ensured.
//
// The null reverse-path <>, the unqualified <Postmaster> (RFC 5321, Section
// 4.1.1.3) and address literals ([192.0.2.1], RFC 5321, Section 4.1.3) pass.
//
// Single-level domains: with a zero Expand they are refused. With Expand set,
// the local convention RFC 6409, Section 4.2 describes applies: "sales" is
// accepted by the checks and rewritten to "sales.<Expand>" by the rewrites
// (envelope and header alike), after every check passed.
//
// Multi-level domains are never expanded: RFC 6409, Section 4.2 says local
// conventions "SHOULD reject, rather than expand, incomplete multi-level
// domains". Without DNS, a multi-level name counts as fully qualified when
// its top-level domain is delegated, special-use, or one of the site's
// (see [qualifiedRule]): so RFC 6409's own example "squeaky.sales" is
// refused, "sales" not being a delegated TLD, and so are typos such as
// "example.con"; the reply names the unknown top-level domain. A partial
// name that does end in a delegated TLD ("build.eng.com" for
// "build.eng.example.com") cannot be told from a complete one by its
// syntax, so qualifyDomains passes it unless Partial is set and reports it
// incomplete; then it is refused like a single-level domain.
// [PartialUnder] builds Partial from the site's own subdomains.
//
// qualifyDomains is safe for concurrent use when Partial is.
type qualifyDomains struct {
	// Expand is the domain appended to single-level domains; zero refuses
	// them.
	Expand envelope.Domain
	// Partial, when set, reports multi-level domains the site knows to be
	// incomplete (for example names ending in one of its internal
	// subdomain labels); they are refused, never expanded.
	Partial func(d envelope.Domain) bool
	// Rule says which multi-level domains are fully qualified; the zero
	// value is envelope.Domain.IsFullyQualified.
	Rule qualifiedRule
}

// PartialUnder returns a [Config].Partial function for a site whose local
// convention lets users abbreviate names under its own subdomains: a domain
// that ends with "." followed by one of subdomains (compared by A-label
// form) is an incomplete reference such as "squeaky.sales" for
// "squeaky.sales.example.net", which RFC 6409, Section 4.2 says to reject
// rather than expand. With subdomains "sales" and "eng", it refuses
// "squeaky.sales" and "build.eng" but not "sales.example.net",
// "example.sales.example.net" or "sales" itself (a single-level name, which
// Config.Expand governs). Address literals are never partial. The
// subdomains are parsed domains, so a misspelt one is an error where it is
// parsed, at start. The returned function is safe for concurrent use.
func PartialUnder(subdomains ...envelope.Domain) func(envelope.Domain) bool {
	suffixes := make([]string, 0, len(subdomains))
	for _, s := range subdomains {
		if !s.IsZero() && !s.IsLiteral() {
			suffixes = append(suffixes, "."+s.ASCII())
		}
	}
	return func(d envelope.Domain) bool {
		if d.IsLiteral() {
			return false
		}
		a := d.ASCII()
		for _, s := range suffixes {
			if len(a) > len(s) && strings.HasSuffix(a, s) {
				return true
			}
		}
		return false
	}
}

// Name returns "qualify-domains", the policy of RFC 6409, Section 4.2.
func (qualifyDomains) Name() string { return "qualify-domains" }

// qualification of one domain.
type qualification int

const (
	qualified   qualification = iota // fully qualified or literal: unchanged
	expandable                       // single-level, Expand set
	unqualified                      // refuse
	unknownTLD                       // refuse: multi-level under no known TLD
)

func (p qualifyDomains) classify(d envelope.Domain) qualification {
	switch {
	case d.IsZero():
		return unqualified
	case d.IsLiteral():
		return qualified
	case isSingleLabel(d):
		if p.Expand.IsZero() || p.Expand.IsLiteral() {
			return unqualified
		}
		return expandable
	case !p.Rule.fullyQualified(d):
		return unknownTLD
	case p.Partial != nil && p.Partial(d):
		return unqualified
	}
	return qualified
}

// refusal returns r for a domain d that q refuses, with a text that names
// the top-level domain when that is the reason (RFC 6409, Section 4.2).
// d's ASCII form is lower-case LDH, safe in a reply.
func refusal(r *policy.Reply, q qualification, d envelope.Domain) *policy.Reply {
	if q != unknownTLD {
		return r
	}
	a := d.ASCII()
	return withText(r, r.Text+`: "`+a[strings.LastIndexByte(a, '.')+1:]+`" is not a delegated top-level domain`)
}

// Qualify returns d fully qualified: d itself when it is fully qualified or
// an address literal, "d.<Expand>" for a single-level d when Expand is set
// (RFC 6409, Section 4.2). It returns errUnqualifiedDomain otherwise.
func (p qualifyDomains) Qualify(d envelope.Domain) (envelope.Domain, error) {
	switch p.classify(d) {
	case qualified:
		return d, nil
	case expandable:
		e, err := envelope.ParseDomain(d.ASCII() + "." + p.Expand.ASCII())
		if err != nil {
			return d, fmt.Errorf("%w: expanding %s: %w", errUnqualifiedDomain, d.ASCII(), err)
		}
		return e, nil
	}
	return d, fmt.Errorf("%w: %s", errUnqualifiedDomain, d.ASCII())
}

// refuses reports whether q is a refusal.
func refuses(q qualification) bool { return q == unqualified || q == unknownTLD }

// CheckMail refuses a reverse-path with an unqualified domain: 554 5.1.8
// (RFC 6409, Section 4.2).
func (p qualifyDomains) CheckMail(_ context.Context, _ *policy.Conn, tx *policy.Transaction) error {
	if tx.From.IsNull() {
		return nil
	}
	d := tx.From.Mailbox().Domain
	if q := p.classify(d); refuses(q) {
		return refusal(replyUnqualifiedSender(), q, d)
	}
	return nil
}

// CheckRcpt refuses a forward-path with an unqualified domain: 554 5.1.2
// (RFC 6409, Section 4.2).
func (p qualifyDomains) CheckRcpt(_ context.Context, _ *policy.Conn, _ *policy.Transaction, rcpt *policy.Recipient) error {
	if rcpt.Path.IsPostmaster() || rcpt.Path.IsNull() {
		return nil
	}
	d := rcpt.Path.Mailbox().Domain
	if q := p.classify(d); refuses(q) {
		return refusal(replyUnqualifiedRecipient(), q, d)
	}
	return nil
}

// RewriteMail expands a single-level reverse-path domain (RFC 6409, Section
// 4.2). A domain that cannot be expanded within the RFC 5321 length limits
// gets 554 5.1.8.
func (p qualifyDomains) RewriteMail(_ context.Context, _ *policy.Conn, tx *policy.Transaction) error {
	// Without Expand nothing is expandable: no need to classify again.
	if p.Expand.IsZero() || tx.From.IsNull() || p.classify(tx.From.Mailbox().Domain) != expandable {
		return nil
	}
	d, err := p.Qualify(tx.From.Mailbox().Domain)
	if err != nil {
		return withErr(replyUnqualifiedSender(), err)
	}
	m := tx.From.Mailbox()
	m.Domain = d
	tx.From = envelope.NewPath(m)
	return nil
}

// RewriteRcpt expands a single-level forward-path domain (RFC 6409, Section
// 4.2; only the domain changes, never the local part, RFC 6409, Section
// 8.8). A domain that cannot be expanded gets 554 5.1.2.
func (p qualifyDomains) RewriteRcpt(_ context.Context, _ *policy.Conn, _ *policy.Transaction, rcpt *policy.Recipient) error {
	if p.Expand.IsZero() || rcpt.Path.IsPostmaster() || rcpt.Path.IsNull() || p.classify(rcpt.Path.Mailbox().Domain) != expandable {
		return nil
	}
	d, err := p.Qualify(rcpt.Path.Mailbox().Domain)
	if err != nil {
		return withErr(replyUnqualifiedRecipient(), err)
	}
	m := rcpt.Path.Mailbox()
	m.Domain = d
	rcpt.Path = envelope.NewPath(m)
	return nil
}

// addressFields are the header fields that hold addresses (RFC 5322,
// Sections 3.6.2, 3.6.3 and 3.6.6).
var addressFields = newNameSet(
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc",
)

// CheckData refuses a header whose address fields hold a domain that is
// neither fully qualified nor expandable: 554 5.6.0 (RFC 6409, Section 4.2).
func (p qualifyDomains) CheckData(_ context.Context, _ *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	for i := 0; i < h.Len(); i++ {
		f := h.Field(i)
		name, ok := fieldIn(f, addressFields)
		if !ok {
			continue
		}
		addrs, blank, err := fieldAddresses(tx, f)
		if blank {
			continue // an empty Bcc (RFC 5322, Section 3.6.3) has no domain
		}
		if err != nil {
			return withErr(replyHeaderInvalid("Cannot parse the "+name+" header field"), err)
		}
		for _, a := range addrs {
			if q := p.classify(a.Mailbox.Domain); refuses(q) {
				return refusal(replyUnqualifiedHeader(), q, a.Mailbox.Domain)
			}
		}
	}
	return nil
}

// RewriteData expands single-level domains in the address header fields when
// Expand is set (RFC 6409, Section 4.2). A changed field is replaced in place
// with its addresses re-formatted (comments are not kept); other fields keep
// their bytes.
func (p qualifyDomains) RewriteData(_ context.Context, _ *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	if p.Expand.IsZero() {
		return nil
	}
	utf8OK := tx.MailOptions.SMTPUTF8
	for i := 0; i < h.Len(); i++ {
		f := h.Field(i)
		if _, ok := fieldIn(f, addressFields); !ok {
			continue
		}
		addrs, blank, err := fieldAddresses(tx, f)
		if blank {
			continue
		}
		name := f.Name()
		if err != nil {
			return withErr(replyHeaderInvalid("Cannot parse the "+name+" header field"), err)
		}
		addrs, err = mapMailboxes(addrs, p.expand)
		if err != nil {
			return err
		}
		if addrs == nil {
			continue // nothing to expand: the field keeps its bytes
		}
		nf, err := formatField(name, addrs, utf8OK)
		if err != nil {
			return withErr(replyUnqualifiedHeader(), err)
		}
		if err := h.ReplaceAt(i, nf); err != nil {
			return err
		}
	}
	return nil
}

// expand returns m with a single-level domain expanded (RFC 6409, Section
// 4.2) and whether it changed; a domain that cannot be expanded gets 554
// 5.6.0. It is RewriteData's mapping for [mapMailboxes].
func (p qualifyDomains) expand(m envelope.Mailbox) (envelope.Mailbox, bool, error) {
	if p.classify(m.Domain) != expandable {
		return m, false, nil
	}
	d, err := p.Qualify(m.Domain)
	if err != nil {
		return m, false, withErr(replyUnqualifiedHeader(), err)
	}
	m.Domain = d
	return m, true, nil
}

var (
	_ policy.DataRewriter = qualifyDomains{}
	_ policy.MailPolicy   = qualifyDomains{}
	_ policy.RcptPolicy   = qualifyDomains{}
	_ policy.DataPolicy   = qualifyDomains{}
	_ policy.MailRewriter = qualifyDomains{}
	_ policy.RcptRewriter = qualifyDomains{}
)
