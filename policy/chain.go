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
// Order rules:
//
//  1. At each stage the checks run first, in declared order; the first
//     rejection (any non-nil error) stops the stage and is returned. Then
//     the rewrites run, in declared order. Checks therefore see what the
//     client sent, and nothing is rewritten for a command that is rejected.
//  2. ctx.Err() is checked before each policy; when ctx is done the stage
//     stops and returns ctx's error unchanged (submission maps it to 451
//     4.3.0, like every error that is not a *Reply). A member that returns
//     after ctx is done, with an error or without, ran past the deadline:
//     the stage stops with the member's error, or ctx's, wrapped in an
//     [*Error] that names it (submission answers 451 4.4.3 when the
//     deadline was its stage deadline, RFC 6409, Section 5.3).
//  3. A *[Reply] returned by a member without a Policy name is returned as a
//     copy with Policy set to the member's name (the member's value is not
//     changed). Any other error, a context error included, is wrapped in
//     an [*Error] naming the member; errors.Is and errors.As still see
//     through it.
//
// A *Chain is itself a [Policy]. As a member of another chain it is
// flattened once, by NewChain: its members take its place, in order, so
// its checks run among the outer chain's checks and its rewrites among the
// outer chain's rewrites, and a reply names the inner member that decided.
// The Chain does not recover panics of third-party policies; that is the
// host server's decision.
type Chain struct {
	name    string
	members []Funcs // flattened, in declared order
	// joined[k] lists the members that join stage k, in declared order,
	// so that a stage calls only them (issue 15: most members join one or
	// two of the six).
	joined [numStages][]*Funcs
}

// stage is one of the six places a member can join, indexing Chain.joined.
type stage uint8

const (
	checkMail stage = iota
	rewriteMail
	checkRcpt
	rewriteRcpt
	checkData
	rewriteData
	numStages
)

// Errors returned by [NewChain]; a chain that cannot be built would run the
// RFC 6409 profile incompletely, so these are reported, never ignored.
var (
	errNilPolicy       = errors.New("policy: nil policy in chain")
	errNoStage         = errors.New("policy: policy joins no stage")
	errDuplicateName   = errors.New("policy: duplicate policy name in chain")
	errEmptyPolicyName = errors.New("policy: policy has an empty name")
)

// NewChain builds a chain named name from ps, in this order, and resolves
// once which stages (RFC 5321, Section 3.3) each policy joins: the stage
// interfaces it implements, or the non-nil functions of a [Funcs]. A nested
// *Chain is flattened into this one. NewChain fails for a nil policy (also
// a typed nil pointer), a policy with an empty name, a policy that joins no
// stage (a Funcs without functions, a nested chain without members), or two
// policies of ps with the same name; names inside nested chains are not
// compared with the outer chain's names.
func NewChain(name string, ps ...Policy) (*Chain, error) {
	c := &Chain{name: name}
	seen := make(map[string]int, len(ps))
	for i, p := range ps {
		if isNil(p) {
			return nil, fmt.Errorf("%w: position %d of chain %q", errNilPolicy, i, name)
		}
		n := p.Name()
		if n == "" {
			return nil, fmt.Errorf("%w: position %d (%T) of chain %q", errEmptyPolicyName, i, p, name)
		}
		if j, dup := seen[n]; dup {
			return nil, fmt.Errorf("%w: %q at positions %d and %d of chain %q", errDuplicateName, n, j, i, name)
		}
		seen[n] = i
		if sub, ok := p.(*Chain); ok {
			if len(sub.members) == 0 {
				return nil, fmt.Errorf("%w: %q (empty chain) in chain %q", errNoStage, n, name)
			}
			c.members = append(c.members, sub.members...)
			continue
		}
		f := funcsOf(p)
		if f.joinsNoStage() {
			return nil, fmt.Errorf("%w: %q (%T) in chain %q", errNoStage, n, p, name)
		}
		f.PolicyName = n
		c.members = append(c.members, f)
	}
	for i := range c.members {
		f := &c.members[i]
		for k, joins := range [numStages]bool{
			checkMail:   f.CheckMail != nil,
			rewriteMail: f.RewriteMail != nil,
			checkRcpt:   f.CheckRcpt != nil,
			rewriteRcpt: f.RewriteRcpt != nil,
			checkData:   f.CheckData != nil,
			rewriteData: f.RewriteData != nil,
		} {
			if joins {
				c.joined[k] = append(c.joined[k], f)
			}
		}
	}
	return c, nil
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

// Name returns the chain's name (RFC 6409, Section 5.2: for logs).
func (c *Chain) Name() string { return c.name }

// Mail runs the MAIL stage: every MAIL check, then every MAIL rewrite (RFC
// 5321, Section 4.1.1.2). It returns nil when the command may go on.
func (c *Chain) Mail(ctx context.Context, conn *Conn, tx *Transaction) error {
	if err := c.begin(ctx); err != nil {
		return err
	}
	if err := run(c.joined[checkMail], func(f *Funcs) error {
		return late(ctx, f.CheckMail(ctx, conn, tx))
	}); err != nil {
		return err
	}
	return run(c.joined[rewriteMail], func(f *Funcs) error {
		return late(ctx, f.RewriteMail(ctx, conn, tx))
	})
}

// Rcpt runs the RCPT stage for rcpt: every RCPT check, then every RCPT
// rewrite (RFC 5321, Section 4.1.1.3). The caller appends rcpt to
// tx.Recipients when Rcpt returns nil.
func (c *Chain) Rcpt(ctx context.Context, conn *Conn, tx *Transaction, rcpt *Recipient) error {
	if err := c.begin(ctx); err != nil {
		return err
	}
	if err := run(c.joined[checkRcpt], func(f *Funcs) error {
		return late(ctx, f.CheckRcpt(ctx, conn, tx, rcpt))
	}); err != nil {
		return err
	}
	return run(c.joined[rewriteRcpt], func(f *Funcs) error {
		return late(ctx, f.RewriteRcpt(ctx, conn, tx, rcpt))
	})
}

// Data runs the DATA stage (RFC 6409, Sections 6.3 and 8): every DATA check
// on the header as sent, then every DATA rewrite. When it returns an error
// the caller must discard h: a rewrite may have edited it before a later
// one failed (a check never edits it).
func (c *Chain) Data(ctx context.Context, conn *Conn, tx *Transaction, h *header.Header) error {
	if err := c.begin(ctx); err != nil {
		return err
	}
	if err := run(c.joined[checkData], func(f *Funcs) error {
		return late(ctx, f.CheckData(ctx, conn, tx, h))
	}); err != nil {
		return err
	}
	return run(c.joined[rewriteData], func(f *Funcs) error {
		return late(ctx, f.RewriteData(ctx, conn, tx, h))
	})
}

// begin is the check of order rule 2 of [Chain] before the first member of
// a stage: ctx's error when ctx is done and the chain has members. The
// check before each later member is the one late makes after the member
// before it, which returned with nothing run in between.
func (c *Chain) begin(ctx context.Context) error {
	if len(c.members) == 0 {
		return nil
	}
	return ctx.Err()
}

// run calls call for each of members, the members that join one stage, in
// order; the first error stops the stage and is attributed by decided. call
// does not escape, so the accept path allocates nothing
// (TestChainAcceptPathAllocs).
func run(members []*Funcs, call func(*Funcs) error) error {
	for _, f := range members {
		if err := call(f); err != nil {
			return decided(f.PolicyName, err)
		}
	}
	return nil
}

// late returns err, or ctx's error when the member that returned err (nil)
// returned after ctx was done: it ran past the deadline, and rule 2 of
// [Chain] attributes that to it.
func late(ctx context.Context, err error) error {
	if err == nil {
		return ctx.Err()
	}
	return err
}

// decided attributes err to the policy named name: a *Reply without a
// policy name is copied with name; any other error, a context error
// included, is wrapped in an *Error.
func decided(name string, err error) error {
	if r, ok := err.(*Reply); ok {
		if r.Policy != "" {
			return r
		}
		cp := *r
		cp.Policy = name
		return &cp
	}
	return &Error{Policy: name, Err: err}
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
