package policy

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/msakit/msakit/header"
)

// Chain runs a list of policies at each stage of a submission: MAIL, RCPT
// and DATA (RFC 5321, Section 3.3; RFC 6409, Section 3). It is built
// once by [NewChain], is immutable afterwards and is safe for concurrent use
// (as long as its members are).
//
// Order rules (STYLE.md, 2.6):
//
//  1. At each stage the checks run first, in declared order; the first
//     rejection (any non-nil error) stops the stage and is returned. Then
//     the rewrites run, in declared order. Checks therefore see what the
//     client sent, and nothing is rewritten for a command that is rejected.
//  2. ctx.Err() is checked before each policy; when ctx is done the stage
//     stops and returns ctx's error unchanged (submission maps it to 451
//     4.3.0, like every error that is not a *Reply).
//  3. A *[Reply] returned by a member without a Policy name is returned as a
//     copy with Policy set to the member's name (the member's value is not
//     changed, so constructors may return shared values). Any other error
//     is wrapped with the member's name; errors.Is and errors.As still see
//     through it.
//
// A *Chain is itself a [Policy] that implements every stage interface, so
// chains nest: as a member of another chain, its checks run among the outer
// chain's checks and its rewrites among the outer chain's rewrites, and it
// joins only the stages where it has members. The Chain does not recover
// panics of third-party policies; that is the host server's decision.
type Chain struct {
	name string

	mailChecks   []MailPolicy
	rcptChecks   []RcptPolicy
	dataChecks   []DataPolicy
	mailRewrites []MailRewriter
	rcptRewrites []RcptRewriter
	dataRewrites []DataRewriter
	members      []Policy
}

// Errors returned by [NewChain]; a chain that cannot be built would run the
// RFC 6409 profile incompletely, so these are reported, never ignored.
var (
	// ErrNilPolicy: a member is nil, which would leave a stage of RFC 5321,
	// Section 3.3 unchecked.
	ErrNilPolicy = errors.New("policy: nil policy in chain")
	// ErrNoStage: a member implements none of the stage interfaces (MAIL,
	// RCPT or DATA, RFC 5321, Section 3.3).
	ErrNoStage = errors.New("policy: policy joins no stage")
	// ErrDuplicateName: two members share a name, so replies and logs
	// could not say which decided (RFC 6409, Section 5.2).
	ErrDuplicateName = errors.New("policy: duplicate policy name in chain")
	// ErrEmptyPolicyName: a member's Name is empty, so logs could not name
	// it (RFC 6409, Section 5.2).
	ErrEmptyPolicyName = errors.New("policy: policy has an empty name")
)

// NewChain builds a chain named name from ps, in this order. It resolves
// once which stages each policy joins. It returns an error (wrapping
// ErrNilPolicy, ErrEmptyPolicyName, ErrNoStage or ErrDuplicateName) for a
// nil policy (also a typed nil pointer), a policy with an empty name, a
// policy that joins no stage (a nested chain with no member for any stage
// counts as one), or two policies with the same name. Names inside nested
// chains are not compared with the outer chain's names. The stages are those
// of RFC 5321, Section 3.3.
func NewChain(name string, ps ...Policy) (*Chain, error) {
	c := &Chain{name: name, members: make([]Policy, 0, len(ps))}
	seen := make(map[string]int, len(ps))
	for i, p := range ps {
		if isNil(p) {
			return nil, fmt.Errorf("%w: position %d of chain %q", ErrNilPolicy, i, name)
		}
		n := p.Name()
		if n == "" {
			return nil, fmt.Errorf("%w: position %d (%T) of chain %q", ErrEmptyPolicyName, i, p, name)
		}
		if j, dup := seen[n]; dup {
			return nil, fmt.Errorf("%w: %q at positions %d and %d of chain %q", ErrDuplicateName, n, j, i, name)
		}
		seen[n] = i
		if !c.add(p) {
			return nil, fmt.Errorf("%w: %q (%T) in chain %q", ErrNoStage, n, p, name)
		}
		c.members = append(c.members, p)
	}
	return c, nil
}

// add sorts p into the stage slices and reports whether it joined any.
func (c *Chain) add(p Policy) bool {
	if sub, ok := p.(*Chain); ok {
		joined := false
		if len(sub.mailChecks) > 0 {
			c.mailChecks = append(c.mailChecks, sub)
			joined = true
		}
		if len(sub.rcptChecks) > 0 {
			c.rcptChecks = append(c.rcptChecks, sub)
			joined = true
		}
		if len(sub.dataChecks) > 0 {
			c.dataChecks = append(c.dataChecks, sub)
			joined = true
		}
		if len(sub.mailRewrites) > 0 {
			c.mailRewrites = append(c.mailRewrites, sub)
			joined = true
		}
		if len(sub.rcptRewrites) > 0 {
			c.rcptRewrites = append(c.rcptRewrites, sub)
			joined = true
		}
		if len(sub.dataRewrites) > 0 {
			c.dataRewrites = append(c.dataRewrites, sub)
			joined = true
		}
		return joined
	}
	joined := false
	if s, ok := p.(MailPolicy); ok {
		c.mailChecks = append(c.mailChecks, s)
		joined = true
	}
	if s, ok := p.(RcptPolicy); ok {
		c.rcptChecks = append(c.rcptChecks, s)
		joined = true
	}
	if s, ok := p.(DataPolicy); ok {
		c.dataChecks = append(c.dataChecks, s)
		joined = true
	}
	if s, ok := p.(MailRewriter); ok {
		c.mailRewrites = append(c.mailRewrites, s)
		joined = true
	}
	if s, ok := p.(RcptRewriter); ok {
		c.rcptRewrites = append(c.rcptRewrites, s)
		joined = true
	}
	if s, ok := p.(DataRewriter); ok {
		c.dataRewrites = append(c.dataRewrites, s)
		joined = true
	}
	return joined
}

func isNil(p Policy) bool {
	if p == nil {
		return true
	}
	v := reflect.ValueOf(p)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Interface, reflect.Slice, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// Name returns the chain's name, used when it is nested and in logs (RFC
// 6409, Section 5.2).
func (c *Chain) Name() string { return c.name }

// Policies returns the members in declared order, for example to log the
// profile in force (RFC 6409, Section 5.2). The slice is a copy.
func (c *Chain) Policies() []Policy { return append([]Policy(nil), c.members...) }

// Mail runs the MAIL stage: every MAIL check, then every MAIL rewrite (RFC
// 5321, Section 4.1.1.2). It returns nil when the command may go on.
func (c *Chain) Mail(ctx context.Context, conn *Conn, tx *Transaction) error {
	if err := c.CheckMail(ctx, conn, tx); err != nil {
		return err
	}
	return c.RewriteMail(ctx, conn, tx)
}

// Rcpt runs the RCPT stage for rcpt: every RCPT check, then every RCPT
// rewrite (RFC 5321, Section 4.1.1.3). The caller appends rcpt to
// tx.Recipients when Rcpt returns nil.
func (c *Chain) Rcpt(ctx context.Context, conn *Conn, tx *Transaction, rcpt *Recipient) error {
	if err := c.CheckRcpt(ctx, conn, tx, rcpt); err != nil {
		return err
	}
	return c.RewriteRcpt(ctx, conn, tx, rcpt)
}

// Data runs the DATA stage (RFC 6409, Sections 6.3 and 8): every DATA check
// on the header as sent, then every DATA rewrite. When it returns an error the caller must discard h:
// a rewrite may have edited it before a later one failed.
func (c *Chain) Data(ctx context.Context, conn *Conn, tx *Transaction, h *header.Header) error {
	if err := c.CheckData(ctx, conn, tx, h); err != nil {
		return err
	}
	return c.RewriteData(ctx, conn, tx, h)
}

// CheckMail runs the MAIL checks only, in declared order (RFC 5321, Section
// 4.1.1.2); it makes *Chain a [MailPolicy].
func (c *Chain) CheckMail(ctx context.Context, conn *Conn, tx *Transaction) error {
	return run(ctx, c.mailChecks, func(p MailPolicy) error { return p.CheckMail(ctx, conn, tx) })
}

// CheckRcpt runs the RCPT checks only (RFC 5321, Section 4.1.1.3); it makes
// *Chain an [RcptPolicy].
func (c *Chain) CheckRcpt(ctx context.Context, conn *Conn, tx *Transaction, rcpt *Recipient) error {
	return run(ctx, c.rcptChecks, func(p RcptPolicy) error { return p.CheckRcpt(ctx, conn, tx, rcpt) })
}

// CheckData runs the DATA checks only (RFC 6409, Section 6.3); it makes
// *Chain a [DataPolicy].
func (c *Chain) CheckData(ctx context.Context, conn *Conn, tx *Transaction, h *header.Header) error {
	return run(ctx, c.dataChecks, func(p DataPolicy) error { return p.CheckData(ctx, conn, tx, h) })
}

// RewriteMail runs the MAIL rewrites only (RFC 6409, Section 8.8); it makes
// *Chain a [MailRewriter].
func (c *Chain) RewriteMail(ctx context.Context, conn *Conn, tx *Transaction) error {
	return run(ctx, c.mailRewrites, func(p MailRewriter) error { return p.RewriteMail(ctx, conn, tx) })
}

// RewriteRcpt runs the RCPT rewrites only (RFC 6409, Section 8.8); it makes
// *Chain an [RcptRewriter].
func (c *Chain) RewriteRcpt(ctx context.Context, conn *Conn, tx *Transaction, rcpt *Recipient) error {
	return run(ctx, c.rcptRewrites, func(p RcptRewriter) error { return p.RewriteRcpt(ctx, conn, tx, rcpt) })
}

// RewriteData runs the DATA rewrites only (RFC 6409, Section 8); it makes
// *Chain a [DataRewriter].
func (c *Chain) RewriteData(ctx context.Context, conn *Conn, tx *Transaction, h *header.Header) error {
	return run(ctx, c.dataRewrites, func(p DataRewriter) error { return p.RewriteData(ctx, conn, tx, h) })
}

// run calls call for each member of one stage in order, with order rules 1
// to 3 of [Chain]: ctx.Err() before each, the first error stops the stage
// and is attributed by decided. call does not escape, so the accept path
// allocates nothing (TestChainAcceptPathAllocs).
func run[P Policy](ctx context.Context, ps []P, call func(P) error) error {
	for _, p := range ps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := call(p); err != nil {
			return decided(p, err)
		}
	}
	return nil
}

// decided attributes err to p: a *Reply without a policy name is copied with
// p's name; a nested chain's errors are already attributed; a context error
// passes unchanged; any other error is wrapped with p's name.
func decided(p Policy, err error) error {
	if r, ok := err.(*Reply); ok {
		if r.Policy != "" {
			return r
		}
		cp := *r
		cp.Policy = p.Name()
		return &cp
	}
	if _, ok := p.(*Chain); ok {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &Error{Policy: p.Name(), Err: err}
}

// Error is an internal error of a policy, as returned by a [Chain]: not a
// reply, so submission answers 451 4.3.0 (RFC 5321, Section 4.2.3) and logs
// it with the policy's name.
type Error struct {
	Policy string // the member that failed
	Err    error  // its error
}

// Error returns "policy <name>: <cause>" for logs; it is never sent to the
// client (RFC 5321, Section 4.2.3 replies carry only generic text).
func (e *Error) Error() string { return "policy " + e.Policy + ": " + e.Err.Error() }

// Unwrap returns the policy's error, so errors.Is sees, for example, a
// directory failure behind a 451 (RFC 5321, Section 4.2.3).
func (e *Error) Unwrap() error { return e.Err }

// compile-time checks: a *Chain joins every stage.
var (
	_ MailPolicy   = (*Chain)(nil)
	_ RcptPolicy   = (*Chain)(nil)
	_ DataPolicy   = (*Chain)(nil)
	_ MailRewriter = (*Chain)(nil)
	_ RcptRewriter = (*Chain)(nil)
	_ DataRewriter = (*Chain)(nil)
)
