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
//   - DATA: every mailbox of every From and Sender field must be an
//     address the identity may use (RFC 6409, Section 6.3), or, for a
//     message the user re-sends, of the topmost resent block's
//     Resent-Sender, or Resent-From when the block has no Resent-Sender
//     (RFC 5322, Section 3.6.6; see below). Only the addr-spec decides, never the
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
// Resending (RFC 5322, Section 3.6.6): mutt's bounce and Thunderbird's
// Redirect prepend a block of Resent- fields (Resent-From: the user) to a
// message whose From and Sender are the original author's. When the header
// has resent fields, the topmost block (the first Resent- field and the
// Resent- fields right after it: the most recent resending) decides, with
// the same rules as From and Sender: its Resent-Sender fields, or its
// Resent-From fields when it has no Resent-Sender, must name only
// addresses the identity may use. The original From and Sender, and older
// blocks, belong to earlier authors and resenders and are left alone. A
// block with neither field cannot say who resends: From and Sender are
// judged then, so adding a lone Resent-Date escapes nothing. Readers that
// show only From will show the original author for a resent message;
// Resent-From is what names the user.
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

// The originator fields judged at DATA: From and Sender (RFC 5322,
// Section 3.6.2), or one kind of field of the topmost resent block (RFC
// 5322, Section 3.6.6).
var (
	originatorFields   = newNameSet("From", "Sender")
	resentSenderFields = newNameSet("Resent-Sender")
	resentFromFields   = newNameSet("Resent-From")
)

// judgedFields returns the fields of h that name who submits: the names,
// and the range of h to look for them in (see enforceSender).
func judgedFields(h *header.Header) (names *nameSet, start, end int) {
	if s, e, ok := topResentBlock(h); ok {
		for _, names := range []*nameSet{resentSenderFields, resentFromFields} {
			for i := s; i < e; i++ {
				if fieldIndex(h.Field(i), names) >= 0 {
					return names, s, e
				}
			}
		}
	}
	return originatorFields, 0, h.Len()
}

// CheckData refuses a header whose From or Sender, or whose topmost resent
// block's Resent-Sender or Resent-From, names an address the identity may
// not use: 550 5.7.1 (RFC 6409, Section 6.3; RFC 5322, Section 3.6.6).
func (p enforceSender) CheckData(ctx context.Context, c *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	if c.Identity.IsZero() {
		return nil
	}
	names, start, end := judgedFields(h)
	for i := start; i < end; i++ {
		f := h.Field(i)
		if fieldIndex(f, names) < 0 {
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
