package submission

import (
	"context"
	"strings"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// enforceSender refuses sender addresses the authenticated identity may not
// use (RFC 6409, Sections 6.1 and 6.3; RFC 5068, Section 3.1): 550 5.7.1
// (X.7.1 "Delivery not authorized, message refused").
//
// Stages: MAIL check and DATA check.
//
//   - MAIL: the reverse-path must be an address the identity may use. The
//     null reverse-path <> is always allowed (RFC 6409, Section 3.2: it
//     "MUST NOT, in itself, be cause for rejecting a message").
//   - DATA: every mailbox of every From field, and of every Sender,
//     Resent-From and Resent-Sender field, must be an address the identity
//     may use (RFC 6409, Section 6.3). Only the addr-spec decides, never the
//     display name, which is decoded from RFC 2047 encoded words by the
//     header parser before it is looked at. A display name that itself
//     holds an address (`"ceo@example.com" <alice@example.org>`, also with
//     a fullwidth at sign) is refused unless that address is one the
//     identity may use too, so the name a reader sees cannot name someone
//     else. Group syntax does not hide members: every mailbox counts. A
//     field that cannot be parsed, or a From with no mailbox, is refused,
//     since ownership cannot be established.
//
// Which addresses an identity may use: its own Identity.Address always;
// with Senders set, also every address Senders authorizes (explicit aliases,
// whole domains, subaddresses; see auth.SenderAuthorizer). With a nil
// Senders only Identity.Address; an identity without an Address may then use
// only <>. Mailboxes are compared with domains by their A-label form and
// local parts ignoring ASCII case only (non-ASCII octets must match exactly).
// Single-level domains are judged as "<label>.<Expand>" when Expand is set,
// to match [qualifyDomains] with the same Expand.
//
// Sessions without an identity are not judged: RFC 6409, Section 6.1 applies
// "if the session has been authenticated". A trusted but unauthenticated
// session (Config.Trusted) may therefore use any sender address; the
// trust placed in the network covers it. Untrusted unauthenticated sessions
// are refused by [requireAuth].
//
// Resending: Resent-From is checked as well as From, so re-sending a message
// whose From is someone else's is refused unless Senders allows that From
// (a documented divergence: RFC 5322, Section 3.6.6 lets a resender keep the
// original From, but it is also the easiest spoof).
//
// An error from Senders is returned as is (an internal error, 451 4.3.0).
// enforceSender is safe for concurrent use when Senders is.
type enforceSender struct {
	// Senders decides which addresses besides Identity.Address an identity
	// may use; nil means none.
	Senders auth.SenderAuthorizer
	// Expand, when set, qualifies single-level domains before judging, as
	// qualifyDomains{Expand: Expand} will.
	Expand envelope.Domain
}

// Name returns "enforce-sender", the policy of RFC 6409, Section 6.1.
func (enforceSender) Name() string { return "enforce-sender" }

// CheckMail refuses a reverse-path the identity may not use: 550 5.7.1 (RFC
// 6409, Section 6.1).
func (p enforceSender) CheckMail(ctx context.Context, c *policy.Conn, tx *policy.Transaction) error {
	if tx.From.IsNull() || c.Identity.IsZero() {
		return nil
	}
	ok, err := p.Authorized(ctx, c.Identity, tx.From.Mailbox())
	if err != nil {
		return err
	}
	if !ok {
		return replySenderNotAuthorized()
	}
	return nil
}

// senderFields are the originator fields judged at DATA (RFC 5322, Sections
// 3.6.2 and 3.6.6).
var senderFields = [...]string{"From", "Sender", "Resent-From", "Resent-Sender"}

// CheckData refuses a header whose From, Sender, Resent-From or
// Resent-Sender names an address the identity may not use: 550 5.7.1 (RFC
// 6409, Section 6.3).
func (p enforceSender) CheckData(ctx context.Context, c *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	if c.Identity.IsZero() {
		return nil
	}
	for i := 0; i < h.Len(); i++ {
		f := h.Field(i)
		if _, ok := fieldIn(f, senderFields[:]); !ok {
			continue
		}
		addrs, _, err := fieldAddresses(tx, f)
		if err != nil {
			return withErr(replySenderNotAuthorized(), err)
		}
		if len(addrs) == 0 {
			return replySenderNotAuthorized()
		}
		for _, a := range addrs {
			ok, err := p.Authorized(ctx, c.Identity, a.Mailbox)
			if err != nil {
				return err
			}
			if !ok {
				return replySenderNotAuthorized()
			}
			if err := p.checkDisplayName(ctx, c.Identity, a.DisplayName); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkDisplayName refuses a display name that holds an address the identity
// may not use.
func (p enforceSender) checkDisplayName(ctx context.Context, id auth.Identity, name string) error {
	if name == "" {
		return nil
	}
	if strings.ContainsAny(name, "\uFF20\uFE6B") {
		name = strings.NewReplacer("\uFF20", "@", "\uFE6B", "@").Replace(name)
	}
	if !strings.Contains(name, "@") {
		return nil
	}
	for _, tok := range strings.FieldsFunc(name, isDisplayNameSeparator) {
		if !strings.Contains(tok, "@") {
			continue
		}
		tok = strings.Trim(tok, ".")
		m, err := envelope.ParseMailbox(tok)
		if err != nil {
			continue // not an address: "Alice @ home"
		}
		ok, err := p.Authorized(ctx, id, m)
		if err != nil {
			return err
		}
		if !ok {
			return replySenderNotAuthorized()
		}
	}
	return nil
}

func isDisplayNameSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '<', '>', '(', ')', '[', ']', '"', '\'', ',', ';', ':', '\u00a0', '\u3000':
		return true
	}
	return false
}

// Authorized reports whether id may use m as a sender address (RFC 6409,
// Section 6.1): m is id.Address, or Senders allows it. See [enforceSender]
// for how mailboxes are compared.
func (p enforceSender) Authorized(ctx context.Context, id auth.Identity, m envelope.Mailbox) (bool, error) {
	if !p.Expand.IsZero() && isSingleLabel(m.Domain) {
		d, err := (qualifyDomains{Expand: p.Expand}).Qualify(m.Domain)
		if err != nil {
			return false, nil
		}
		m.Domain = d
	}
	if m.LocalPart == "" || m.Domain.IsZero() {
		return false, nil
	}
	if auth.SameMailbox(id.Address, m) {
		return true, nil
	}
	if p.Senders == nil {
		return false, nil
	}
	return p.Senders.AuthorizeSender(ctx, id, m)
}

var (
	_ policy.MailPolicy = enforceSender{}
	_ policy.DataPolicy = enforceSender{}
)
