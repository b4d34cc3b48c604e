package submission

import (
	"context"
	"errors"
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
// itself when the stage runs no callback or StageTimeout is negative. The
// caller must call cancel when the stage ends.
func (a *Agent) stageContext(ctx context.Context, stage timedStage) (context.Context, context.CancelFunc) {
	if a.stageTimeout < 0 || !a.timed[stage] {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, a.stageTimeout, errStageDeadline)
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
	if dl, ok := ctx.Deadline(); !ok || time.Now().Before(dl) {
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
