package policy

import (
	"context"

	"github.com/msakit/msakit/header"
)

// MailFunc is a one-off MAIL check written as a function, in the style of
// http.HandlerFunc but with a name (RFC 5321, Section 4.1.1.2):
//
//	noBounces := policy.MailFunc{PolicyName: "no-bounces", Func: func(ctx context.Context, c *policy.Conn, tx *policy.Transaction) error {
//		if tx.From.IsNull() {
//			return policy.SenderNotAuthorized()
//		}
//		return nil
//	}}
//
// A nil Func accepts everything. A MailFunc is safe for concurrent use when
// Func is.
type MailFunc struct {
	PolicyName string
	Func       func(ctx context.Context, c *Conn, tx *Transaction) error
}

// Name returns PolicyName, the name used in replies and logs (RFC 6409,
// Section 5.2).
func (f MailFunc) Name() string { return f.PolicyName }

// CheckMail calls Func (RFC 5321, Section 4.1.1.2); a nil Func returns nil.
func (f MailFunc) CheckMail(ctx context.Context, c *Conn, tx *Transaction) error {
	if f.Func == nil {
		return nil
	}
	return f.Func(ctx, c, tx)
}

// RcptFunc is a one-off RCPT check written as a function (RFC 5321, Section
// 4.1.1.3); see [MailFunc]. A nil Func accepts everything.
type RcptFunc struct {
	PolicyName string
	Func       func(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error
}

// Name returns PolicyName, the name used in replies and logs (RFC 6409,
// Section 5.2).
func (f RcptFunc) Name() string { return f.PolicyName }

// CheckRcpt calls Func (RFC 5321, Section 4.1.1.3); a nil Func returns nil.
func (f RcptFunc) CheckRcpt(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error {
	if f.Func == nil {
		return nil
	}
	return f.Func(ctx, c, tx, rcpt)
}

// DataFunc is a one-off DATA header check written as a function (RFC 6409,
// Section 6.3); see [MailFunc]. Func must not edit h. A nil Func accepts
// everything.
type DataFunc struct {
	PolicyName string
	Func       func(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error
}

// Name returns PolicyName, the name used in replies and logs (RFC 6409,
// Section 5.2).
func (f DataFunc) Name() string { return f.PolicyName }

// CheckData calls Func (RFC 6409, Section 6.3); a nil Func returns nil.
func (f DataFunc) CheckData(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error {
	if f.Func == nil {
		return nil
	}
	return f.Func(ctx, c, tx, h)
}

// MailRewriteFunc is a one-off reverse-path rewrite written as a function
// (RFC 6409, Section 8.8). A nil Func changes nothing.
type MailRewriteFunc struct {
	PolicyName string
	Func       func(ctx context.Context, c *Conn, tx *Transaction) error
}

// Name returns PolicyName, the name used in replies and logs (RFC 6409,
// Section 5.2).
func (f MailRewriteFunc) Name() string { return f.PolicyName }

// RewriteMail calls Func (RFC 6409, Section 8.8); a nil Func returns nil.
func (f MailRewriteFunc) RewriteMail(ctx context.Context, c *Conn, tx *Transaction) error {
	if f.Func == nil {
		return nil
	}
	return f.Func(ctx, c, tx)
}

// RcptRewriteFunc is a one-off forward-path rewrite written as a function
// (RFC 6409, Section 8.8). A nil Func changes nothing.
type RcptRewriteFunc struct {
	PolicyName string
	Func       func(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error
}

// Name returns PolicyName, the name used in replies and logs (RFC 6409,
// Section 5.2).
func (f RcptRewriteFunc) Name() string { return f.PolicyName }

// RewriteRcpt calls Func (RFC 6409, Section 8.8); a nil Func returns nil.
func (f RcptRewriteFunc) RewriteRcpt(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error {
	if f.Func == nil {
		return nil
	}
	return f.Func(ctx, c, tx, rcpt)
}

// DataRewriteFunc is a one-off header edit written as a function (RFC 6409,
// Section 8). A nil Func changes nothing.
type DataRewriteFunc struct {
	PolicyName string
	Func       func(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error
}

// Name returns PolicyName, the name used in replies and logs (RFC 6409,
// Section 5.2).
func (f DataRewriteFunc) Name() string { return f.PolicyName }

// RewriteData calls Func (RFC 6409, Section 8); a nil Func returns nil.
func (f DataRewriteFunc) RewriteData(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error {
	if f.Func == nil {
		return nil
	}
	return f.Func(ctx, c, tx, h)
}
