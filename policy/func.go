package policy

import (
	"context"

	"github.com/msakit/msakit/header"
)

// Funcs is a policy written as functions, one optional function per stage,
// for a site rule that needs no type of its own (RFC 5321, Section 3.3;
// RFC 6409, Section 8 for the rewrites):
//
//	noBounces := policy.Funcs{
//		PolicyName: "no-null-sender",
//		CheckMail: func(ctx context.Context, c *policy.Conn, tx *policy.Transaction) error {
//			if tx.From.IsNull() {
//				return &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "This service sends no bounces"}
//			}
//			return nil
//		},
//	}
//
// A [Chain] runs each non-nil function at its stage, with the order rules of
// [Chain] and the contracts of the matching stage interface ([MailPolicy],
// [RcptPolicy], [DataPolicy], [MailRewriter], [RcptRewriter],
// [DataRewriter]): a check must not change its arguments, a DATA check must
// not edit the header. A Funcs whose functions are all nil joins no stage
// and [NewChain] refuses it. A Funcs is safe for concurrent use when its
// functions are.
type Funcs struct {
	// PolicyName names the policy in replies ([Reply.Policy]) and logs;
	// it must be non-empty and unique in its chain.
	PolicyName string
	// CheckMail checks MAIL FROM (RFC 5321, Section 4.1.1.2).
	CheckMail func(ctx context.Context, c *Conn, tx *Transaction) error
	// CheckRcpt checks one RCPT TO (RFC 5321, Section 4.1.1.3).
	CheckRcpt func(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error
	// CheckData checks the header as the client sent it (RFC 6409,
	// Section 6.3).
	CheckData func(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error
	// RewriteMail changes the reverse-path after every MAIL check passed
	// (RFC 6409, Section 8.8).
	RewriteMail func(ctx context.Context, c *Conn, tx *Transaction) error
	// RewriteRcpt changes the recipient after every RCPT check passed (RFC
	// 6409, Section 8.8).
	RewriteRcpt func(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error
	// RewriteData edits the header after every DATA check passed (RFC 6409,
	// Section 8).
	RewriteData func(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error
}

// Name returns PolicyName, the name used in replies and logs (RFC 6409,
// Section 5.2).
func (f Funcs) Name() string { return f.PolicyName }

// funcsOf returns the stages p joins as a Funcs: p itself for a Funcs, the
// methods of the stage interfaces p implements otherwise. A *Chain is
// flattened by NewChain before it gets here.
func funcsOf(p Policy) Funcs {
	switch f := p.(type) {
	case Funcs:
		return f
	case *Funcs:
		return *f
	}
	f := Funcs{PolicyName: p.Name()}
	if s, ok := p.(MailPolicy); ok {
		f.CheckMail = s.CheckMail
	}
	if s, ok := p.(RcptPolicy); ok {
		f.CheckRcpt = s.CheckRcpt
	}
	if s, ok := p.(DataPolicy); ok {
		f.CheckData = s.CheckData
	}
	if s, ok := p.(MailRewriter); ok {
		f.RewriteMail = s.RewriteMail
	}
	if s, ok := p.(RcptRewriter); ok {
		f.RewriteRcpt = s.RewriteRcpt
	}
	if s, ok := p.(DataRewriter); ok {
		f.RewriteData = s.RewriteData
	}
	return f
}

// joinsNoStage reports whether every function of f is nil.
func (f *Funcs) joinsNoStage() bool {
	return f.CheckMail == nil && f.CheckRcpt == nil && f.CheckData == nil &&
		f.RewriteMail == nil && f.RewriteRcpt == nil && f.RewriteData == nil
}
