package submission

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/msakit/msakit/policy"
)

// defaultStageTimeout is the stage deadline of a zero Config.StageTimeout:
// well under the 2 minutes in which RFC 6409, Section 5.3 says a submission
// server SHOULD answer any command, DATA included, so that a reply still
// reaches a client whose own timeout is the 2 to 5 minutes it mentions.
const defaultStageTimeout = 30 * time.Second

// errStageDeadline is the cause (context.Cause) of a stage context whose
// Config.StageTimeout has passed; it tells our deadline from the server's.
var errStageDeadline = errors.New("submission: stage deadline passed (Config.StageTimeout)")

// timedStage names a stage that has a deadline: the end of the message is
// a stage of its own, since the client waits from its last octet on.
type timedStage uint8

const (
	timedMail timedStage = iota
	timedRcpt
	timedData // the header stage of DATA
	timedEnd  // the end of the message: signature, limits, trace record
	numTimedStages
)

// callbackStages reports which stages run a callback of cfg, code outside
// msakit that may block (RFC 6409, Section 5.3 is about those): only they
// pay for a deadline, so an agent without callbacks spends nothing on it.
// Config.Policies may join any stage.
func callbackStages(cfg *Config) (has [numTimedStages]bool) {
	site := len(cfg.Policies) > 0
	has[timedMail] = site || cfg.Senders != nil || cfg.AuthWindow != nil || cfg.Limits.Messages.on()
	has[timedRcpt] = site || cfg.AllowRecipient != nil || cfg.Limits.Recipients.on()
	has[timedData] = site || cfg.Senders != nil || cfg.Signer != nil
	has[timedEnd] = cfg.Trace != nil || cfg.Signer != nil || cfg.Limits.Messages.on()
	return has
}

// stageContext returns ctx bounded by the deadline of stage, the context
// every callback of that stage receives (RFC 6409, Section 5.3), or ctx
// itself and a nil *stageCtx when the stage runs no callback or
// StageTimeout is negative. The caller must call end on the *stageCtx when
// the stage ends (a nil one does nothing).
func (a *Agent) stageContext(ctx context.Context, stage timedStage) (context.Context, *stageCtx) {
	if a.stageTimeout < 0 || !a.timed[stage] {
		return ctx, nil
	}
	c := &stageCtx{parent: ctx, deadline: time.Now().Add(a.stageTimeout)}
	return c, c
}

// stageCtx is a stage's context (RFC 6409, Section 5.3) that costs a timer
// only when a callback waits on it. Until then it is its parent with a
// deadline: Err reads the monotonic clock, and Done, Value (through which
// context.Cause and context.AfterFunc find a context's cancellation) and
// an Err past the deadline or after the stage arm it, making the context
// of context.WithDeadlineCause(parent, deadline, errStageDeadline) that
// answers from then on. So a stage whose callbacks return without waiting
// (the built-in policies, an in-memory Senders or LimitStore) allocates
// the stageCtx alone, where context.WithTimeoutCause cost a timer, its
// context and a cancel function per stage (issue 15), and a callback that
// waits sees the same context as before: done at the deadline with
// context.DeadlineExceeded and the cause errStageDeadline, or when the
// parent ends, with the parent's error and cause.
type stageCtx struct {
	parent   context.Context
	deadline time.Time // with a monotonic clock reading, so time.Until reads only that
	armed    atomic.Pointer[armedCtx]
	ended    atomic.Bool // the stage is over: context.Canceled, as a cancelled WithTimeout
}

// armedCtx is the standard context a stageCtx becomes once armed.
type armedCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
}

var _ context.Context = (*stageCtx)(nil)

// Deadline returns the stage deadline, or the parent's when it comes first,
// as context.WithDeadline does.
func (c *stageCtx) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

// Done arms c: whoever asks for the channel is about to wait on it.
func (c *stageCtx) Done() <-chan struct{} { return c.current(true).Done() }

// Err is nil while the parent is not done, the deadline has not passed by
// the monotonic clock and the stage has not ended; otherwise c is armed
// and Err is the armed context's.
func (c *stageCtx) Err() error { return c.current(false).Err() }

// Value is the parent's value for key, except context.Cause's and
// context.AfterFunc's lookup of the nearest cancellation, which must find
// c's own once c is done: c answers from its armed context then.
func (c *stageCtx) Value(key any) any { return c.current(false).Value(key) }

// String names the stage context for debugging, as the standard contexts do.
func (c *stageCtx) String() string { return "submission stage context" }

// current returns the context that answers for c: the armed one when c is
// armed or must be (arm, or c done), else the parent.
func (c *stageCtx) current(arm bool) context.Context {
	if a := c.armed.Load(); a != nil {
		return a.ctx
	}
	if arm || c.ended.Load() || c.parent.Err() != nil || time.Until(c.deadline) <= 0 {
		return c.arm()
	}
	return c.parent
}

// arm makes c's standard context, once; concurrent callers get the same.
func (c *stageCtx) arm() context.Context {
	ctx, cancel := context.WithDeadlineCause(c.parent, c.deadline, errStageDeadline)
	if !c.armed.CompareAndSwap(nil, &armedCtx{ctx, cancel}) {
		cancel()
		return c.armed.Load().ctx
	}
	if c.ended.Load() { // end ran before the CompareAndSwap and saw nothing to cancel
		cancel()
	}
	return ctx
}

// end ends the stage: c is done with context.Canceled from now on, and an
// armed context's timer is stopped. A nil c, a stage without deadline, has
// nothing to end.
func (c *stageCtx) end() {
	if c == nil {
		return
	}
	c.ended.Store(true)
	if a := c.armed.Load(); a != nil {
		a.cancel()
	}
}

// cancelAtDeadline makes cancel run when stage's deadline passes, for a
// callback whose own context must outlive the stage (the Signer's lives as
// long as the body). The returned stop must be called when the callback
// returns.
func cancelAtDeadline(stage context.Context, cancel context.CancelFunc) (stop func() bool) {
	return context.AfterFunc(stage, func() {
		if errors.Is(context.Cause(stage), errStageDeadline) {
			cancel()
		}
	})
}

// overrunError is the error of a callback that returned after its stage's
// deadline: whatever it returned came too late to answer the client in
// time. [ReplyFor] makes it 451 4.4.3; the log record names the callback.
type overrunError struct {
	callback string // what ran past the deadline: "policy enforce-sender", "trace sink", ...
	policy   string // the policy's name when a policy did
	err      error  // what it returned, maybe nil
}

func (e *overrunError) Error() string {
	s := "submission: " + e.callback + " did not return within the stage deadline (Config.StageTimeout)"
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *overrunError) Unwrap() error { return e.err }

// overran returns err, the result of the callback named callback run under
// the stage context ctx, or an *overrunError when ctx's stage deadline has
// passed: a callback that returns after it overran, with an error or with
// none. The policy chain names the member that overran (in a *policy.Error,
// or in the Policy of a late *policy.Reply), and that name is used instead.
func overran(ctx context.Context, callback string, err error) error {
	if !ended(ctx) || !errors.Is(context.Cause(ctx), errStageDeadline) {
		return err
	}
	e := &overrunError{callback: callback, err: err}
	if pe, ok := errors.AsType[*policy.Error](err); ok {
		e.policy = pe.Policy
	} else if r, ok := errors.AsType[*policy.Reply](err); ok {
		e.policy = r.Policy
	}
	if e.policy != "" {
		e.callback = "policy " + e.policy
	}
	return e
}

// ended reports whether ctx is done, counting a deadline the clock has
// passed while the context's timer has not fired yet; it then waits for the
// timer, which is due. A callback whose I/O is bounded by the same deadline
// (a network client that sets its socket deadline from ctx) returns its
// i/o timeout at that moment, and its answer must count as the overrun it
// is, not as a failure of its own.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > 0 {
		return false
	}
	<-ctx.Done()
	return true
}

// replyOverrun is 451 4.4.3 for a stage whose callback did not answer in
// time: our outage, never the client's fault (RFC 5321, Section 4.2.1:
// 451 "local error in processing"). X.4.3, "Directory server failure"
// (RFC 3463, Section 3.5), is the detail for a lookup the mail system
// depends on that did not answer, and RFC 5248's registry lists it with
// 451; the callbacks are such lookups (who may send as whom, who may
// receive, the sending limits) or stores the submission cannot go on
// without (the trace sink).
// Err is errStageOverrun; ReplyFor adds the *overrunError that names the
// callback.
func replyOverrun() *policy.Reply {
	return reply(451, "4.4.3", "A service this server depends on did not answer in time, try again later", errStageOverrun)
}

// errStageOverrun is the cause of 451 4.4.3 (RFC 3463, Section 3.5).
var errStageOverrun = errors.New("submission: a callback did not answer within its stage deadline")
