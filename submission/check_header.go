package submission

import (
	"context"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// checkHeader refuses a message header that breaks the rules of RFC 5322,
// Section 3.6 an MSA can check without guessing (RFC 6409, Sections 5.1 and
// 6.3): 554 5.6.0 (X.6.0, RFC 3463, Section 3.7), with a text that says
// precisely what is wrong.
//
// Stages: DATA check and DATA rewrite (the rewrite acts only with
// AddMissingFrom or AddMissingSender).
//
// The checks, in this order:
//
//   - exactly one From field (RFC 5322, Section 3.6). With AddMissingFrom,
//     a missing From is accepted when the session has an identity with a
//     valid, fully qualified Address (ASCII unless the transaction uses
//     SMTPUTF8, RFC 6532), and the rewrite prepends "From: <that address>";
//   - at most one of each field RFC 5322, Section 3.6 limits to one: Date,
//     From, Sender, Reply-To, To, Cc, Bcc, Message-ID, In-Reply-To,
//     References, Subject;
//   - From is a mailbox-list: at least one mailbox and no group syntax (RFC
//     5322, Section 3.6.2);
//   - Sender is exactly one mailbox, and is present when From has more
//     than one mailbox (RFC 5322, Section 3.6.2). With AddMissingSender, a
//     missing Sender is instead prepended with the identity's address;
//   - Reply-To, To, Cc, Bcc and the Resent- address fields parse as address
//     lists (Bcc may be empty, RFC 5322, Section 3.6.3); an invalid address
//     in the header is refused after end-of-data as RFC 6409, Section 5.1
//     describes.
//
// It does not require Date or Message-ID: [addDate] and [addMessageID] add
// them (RFC 6409, Sections 8.2 and 8.3). Obsolete address syntax (RFC 5322,
// Section 4.4) is accepted, as receivers must accept it. The zero value is
// the default. checkHeader is safe for concurrent use.
type checkHeader struct {
	// AddMissingFrom adds a From with the identity's address instead of
	// refusing a message without From.
	AddMissingFrom bool
	// AddMissingSender adds a Sender with the identity's address instead
	// of refusing a From with several mailboxes and no Sender (RFC 6409,
	// Section 8.1).
	AddMissingSender bool
	// Rule says which domains are fully qualified (RFC 6409, Section 4.2),
	// for the identity's address that the two options above place.
	Rule qualifiedRule
}

// Name returns "check-header", the policy of RFC 6409, Section 6.3.
func (checkHeader) Name() string { return "check-header" }

// uniqueFields are the fields RFC 5322, Section 3.6 allows at most once;
// fromIndex is the place of From.
var uniqueFields = [...]string{
	"Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"Message-ID", "In-Reply-To", "References", "Subject",
}

var uniqueSet = newNameSet(uniqueFields[:]...)

const fromIndex = 1

// listFields are the address-list fields checked for syntax only.
var listFields = newNameSet(
	"Reply-To", "To", "Cc", "Bcc",
	"Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc",
)

// CheckData refuses a header that breaks RFC 5322, Section 3.6: 554 5.6.0.
func (p checkHeader) CheckData(_ context.Context, c *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	_, canAdd := senderAddress(c, tx, p.Rule)
	// One pass: count the fields RFC 5322, Section 3.6 limits to one.
	var counts [len(uniqueFields)]int
	for i := 0; i < h.Len(); i++ {
		if j := fieldIndex(h.Field(i), uniqueSet); j >= 0 {
			counts[j]++
		}
	}
	switch n := counts[fromIndex]; {
	case n == 0:
		if !p.AddMissingFrom || !canAdd {
			return replyHeaderInvalid("Message has no From header field (RFC 5322, Section 3.6)")
		}
	case n > 1:
		return replyHeaderInvalid("Message has more than one From header field (RFC 5322, Section 3.6)")
	}
	for j, name := range uniqueFields {
		if counts[j] > 1 {
			return replyHeaderInvalid("Message has more than one " + name + " header field (RFC 5322, Section 3.6)")
		}
	}
	fromMailboxes := 0
	if i := h.Index("From"); i >= 0 {
		addrs, _, err := fieldAddresses(tx, h.Field(i))
		if err != nil {
			return withErr(replyHeaderInvalid("Invalid address in the From header field"), err)
		}
		for _, a := range addrs {
			if a.Group != "" {
				return replyHeaderInvalid("The From header field must not use group syntax (RFC 5322, Section 3.6.2)")
			}
		}
		if len(addrs) == 0 {
			return replyHeaderInvalid("The From header field has no mailbox (RFC 5322, Section 3.6.2)")
		}
		fromMailboxes = len(addrs)
	}
	if i := h.Index("Sender"); i >= 0 {
		addrs, _, err := fieldAddresses(tx, h.Field(i))
		if err != nil {
			return withErr(replyHeaderInvalid("Invalid address in the Sender header field"), err)
		}
		if len(addrs) != 1 || addrs[0].Group != "" {
			return replyHeaderInvalid("The Sender header field must hold exactly one mailbox (RFC 5322, Section 3.6.2)")
		}
	} else if fromMailboxes > 1 && !(p.AddMissingSender && canAdd) {
		return replyHeaderInvalid("A Sender header field is required when From has several mailboxes (RFC 5322, Section 3.6.2)")
	}
	for i := 0; i < h.Len(); i++ {
		f := h.Field(i)
		name, ok := fieldIn(f, listFields)
		if !ok {
			continue
		}
		_, blank, err := fieldAddresses(tx, f)
		if blank {
			if name == "Bcc" || name == "Resent-Bcc" {
				continue // RFC 5322, Sections 3.6.3 and 3.6.6
			}
			return replyHeaderInvalid("The " + name + " header field is empty")
		}
		if err != nil {
			return withErr(replyHeaderInvalid("Invalid address in the "+name+" header field"), err)
		}
	}
	return nil
}

// RewriteData prepends From with the identity's address when From is missing
// and AddMissingFrom is set, and Sender when From has several mailboxes,
// Sender is missing and AddMissingSender is set (RFC 6409, Sections 8 and
// 8.1; RFC 5322, Section 3.6.2).
func (p checkHeader) RewriteData(_ context.Context, c *policy.Conn, tx *policy.Transaction, h *header.Header) error {
	if !p.AddMissingFrom && !p.AddMissingSender {
		return nil
	}
	m, ok := senderAddress(c, tx, p.Rule)
	utf8OK := tx.MailOptions.SMTPUTF8
	if p.AddMissingFrom && !h.Has("From") {
		if !ok {
			return replyHeaderInvalid("Message has no From header field (RFC 5322, Section 3.6)")
		}
		return prependAddress(h, "From", m.Format(utf8OK), utf8OK)
	}
	if p.AddMissingSender && !h.Has("Sender") {
		i := h.Index("From")
		if i < 0 {
			return nil
		}
		if addrs, _, err := fieldAddresses(tx, h.Field(i)); err != nil || len(addrs) < 2 {
			return nil
		}
		if !ok {
			return replyHeaderInvalid("A Sender header field is required when From has several mailboxes (RFC 5322, Section 3.6.2)")
		}
		return prependAddress(h, "Sender", m.Format(utf8OK), utf8OK)
	}
	return nil
}

// prependAddress prepends name: value, a formatted address.
func prependAddress(h *header.Header, name, value string, utf8OK bool) error {
	f, err := header.NewField(name, value, utf8OK)
	if err != nil {
		return withErr(replyHeaderInvalid("Cannot add a "+name+" header field for this account"), err)
	}
	return h.PrependField(f)
}

var (
	_ policy.DataPolicy   = checkHeader{}
	_ policy.DataRewriter = checkHeader{}
)
