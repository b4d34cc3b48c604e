package policy

import (
	"context"

	"github.com/msakit/msakit/header"
)

// Policy is a named value that takes part in any of the stages of a
// submission (RFC 6409, Section 3; RFC 5321, Section 3.3) by also implementing [MailPolicy], [RcptPolicy], [DataPolicy],
// [MailRewriter], [RcptRewriter] or [DataRewriter], or is a [Funcs]. A policy
// implements only the stages it joins: there are no empty methods and no
// "next" to call (DESIGN.md, "Decisions"). [NewChain] finds the stages by
// type assertion, once.
//
// Name identifies the policy in replies ([Reply.Policy]) and logs; it must be
// non-empty and unique within a chain.
//
// Every stage method gets ctx first (it may be canceled: a policy that does
// I/O passes it on), the connection, and the transaction. It returns nil to
// let the command go on, a *[Reply] to reject it, or another error for an
// internal failure, which submission turns into 451 4.3.0 without showing
// the cause to the client.
type Policy interface {
	Name() string
}

// MailPolicy checks MAIL FROM (RFC 5321, Section 4.1.1.2). tx.From and
// tx.MailOptions are set; tx.Recipients is empty. A check must not change
// tx.
type MailPolicy interface {
	Policy
	CheckMail(ctx context.Context, c *Conn, tx *Transaction) error
}

// RcptPolicy checks one RCPT TO (RFC 5321, Section 4.1.1.3). rcpt is not yet
// in tx.Recipients, which holds the recipients accepted so far. A rejection
// rejects this recipient only. A check must not change tx or rcpt.
type RcptPolicy interface {
	Policy
	CheckRcpt(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error
}

// DataPolicy checks the message header as the client sent it, after the end
// of data (RFC 6409, Section 6.3). It must not edit h; the body is never
// shown to policies.
type DataPolicy interface {
	Policy
	CheckData(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error
}

// MailRewriter changes the reverse-path (tx.From) after every MAIL check
// passed (RFC 6409, Section 8.8).
type MailRewriter interface {
	Policy
	RewriteMail(ctx context.Context, c *Conn, tx *Transaction) error
}

// RcptRewriter changes a recipient (rcpt.Path) after every RCPT check
// passed. A rewrite of a forward-path must respect RFC 5321's limits on
// changing local parts (RFC 6409, Section 8.8).
type RcptRewriter interface {
	Policy
	RewriteRcpt(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error
}

// DataRewriter edits the header after every DATA check passed, with the
// edits [header.Header] allows: prepend, replace in place, delete (RFC 6409,
// Section 8). An error rejects the message; the caller then discards the
// edited header, so a rejected message is never passed on half-edited.
type DataRewriter interface {
	Policy
	RewriteData(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error
}
