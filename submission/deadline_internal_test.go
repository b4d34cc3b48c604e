package submission

import (
	"context"
	"errors"
	"testing"
	"time"
)

// clockPastContext is a stage context whose deadline has passed by the
// clock while its timer has not fired yet: the moment at which a callback
// whose socket deadline came from the context returns its i/o timeout.
type clockPastContext struct{ context.Context }

func (clockPastContext) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

// TestOverranAtTheDeadline: a callback that returns its own timeout error a
// moment before the stage context's timer fires still counts as an overrun
// (451 4.4.3), not as the internal error it returned (451 4.3.0).
func TestOverranAtTheDeadline(t *testing.T) {
	t.Parallel()
	inner, cancel := context.WithCancelCause(context.Background())
	ctx := clockPastContext{inner}
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel(errStageDeadline)
	}()
	ioTimeout := errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: i/o timeout")
	err := overran(ctx, "limit store", ioTimeout)
	var oe *overrunError
	if !errors.As(err, &oe) || oe.callback != "limit store" || !errors.Is(err, ioTimeout) {
		t.Fatalf("overran = %v, want an overrun of the limit store wrapping the i/o timeout", err)
	}
	r, internal := ReplyFor(StageMail, err)
	if r.Code != 451 || r.EnhancedCode() != "4.4.3" || !internal {
		t.Errorf("ReplyFor = %d %s (internal %v), want 451 4.4.3, internal", r.Code, r.EnhancedCode(), internal)
	}
}

// timedAgent is an Agent whose every stage has the deadline d, for the
// tests of stageCtx.
func timedAgent(d time.Duration) *Agent {
	a := &Agent{stageTimeout: d}
	for i := range a.timed {
		a.timed[i] = true
	}
	return a
}

type ctxKey struct{}

// pollErr asks ctx.Err() until it is not nil, for at most 2 seconds, as a
// callback that checks ctx between steps of its own work does.
func pollErr(ctx context.Context) {
	for start := time.Now(); ctx.Err() == nil && time.Since(start) < 2*time.Second; {
		time.Sleep(time.Millisecond)
	}
}

// TestStageContextLikeWithTimeout: the stage context, armed only when
// someone waits on it, answers as context.WithTimeoutCause(parent, d,
// errStageDeadline) with its cancel called at the end of the stage does,
// however it is asked: done at the deadline (DeadlineExceeded, cause
// errStageDeadline) whether or not anything waited before, done with the
// parent's error and cause when the parent ends, Canceled after the stage,
// and its children, AfterFuncs and values as for the standard context.
func TestStageContextLikeWithTimeout(t *testing.T) {
	t.Parallel()
	const d = 20 * time.Millisecond
	parentCause := errors.New("client gone")
	for _, tc := range []struct {
		name string
		// touch is what a callback does during the stage: it returns
		// when the stage context is done, or at once.
		touch   func(context.Context)
		end     string // "deadline", "parent", "stage"
		wantErr error
		cause   error
	}{
		{"deadline, only Err asked", pollErr, "deadline", context.DeadlineExceeded, errStageDeadline},
		{"deadline, Done waited on", func(ctx context.Context) { <-ctx.Done() }, "deadline", context.DeadlineExceeded, errStageDeadline},
		{"deadline, nothing asked", func(context.Context) { time.Sleep(2 * d) }, "deadline", context.DeadlineExceeded, errStageDeadline},
		{"deadline, a child waited on", func(ctx context.Context) {
			child, cancel := context.WithCancel(ctx)
			defer cancel()
			<-child.Done()
		}, "deadline", context.DeadlineExceeded, errStageDeadline},
		{"deadline, an AfterFunc", func(ctx context.Context) {
			ran := make(chan struct{})
			context.AfterFunc(ctx, func() { close(ran) })
			<-ran
		}, "deadline", context.DeadlineExceeded, errStageDeadline},
		{"parent ends, Done waited on", func(ctx context.Context) { <-ctx.Done() }, "parent", context.Canceled, parentCause},
		{"parent ends, only Err asked", pollErr, "parent", context.Canceled, parentCause},
		{"stage ends, nothing asked", func(context.Context) {}, "stage", context.Canceled, context.Canceled},
		{"stage ends, Done asked", func(ctx context.Context) { _ = ctx.Done() }, "stage", context.Canceled, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			parent, cancelParent := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "v"))
			defer cancelParent(nil)
			timeout := d
			if tc.end != "deadline" {
				timeout = time.Hour
			}
			ctx, stage := timedAgent(timeout).stageContext(parent, timedMail)
			end := stage.end
			if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > timeout || time.Until(dl) < timeout-time.Second {
				t.Errorf("Deadline = %v, %v; want about %v from now", dl, ok, timeout)
			}
			if err := ctx.Err(); err != nil {
				t.Fatalf("Err at the start of the stage = %v", err)
			}
			if v := ctx.Value(ctxKey{}); v != "v" {
				t.Errorf("Value = %v, want the parent's", v)
			}
			switch tc.end {
			case "parent":
				time.AfterFunc(d, func() { cancelParent(parentCause) })
			}
			tc.touch(ctx)
			if tc.end == "stage" {
				end()
			}
			// Err first: it must see the end without Done having armed
			// the context.
			if err := ctx.Err(); err != tc.wantErr {
				t.Errorf("Err = %v, want %v", err, tc.wantErr)
			}
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("Done not closed")
			}
			if c := context.Cause(ctx); c != tc.cause {
				t.Errorf("Cause = %v, want %v", c, tc.cause)
			}
			if !ended(ctx) {
				t.Error("ended = false for a done stage context")
			}
			end()
			if err := ctx.Err(); err != tc.wantErr {
				t.Errorf("Err after the end of the stage = %v, want still %v", err, tc.wantErr)
			}
		})
	}
}

// TestStageContextAllocs: a stage whose callbacks do not wait costs the
// stage context alone, no timer (issue 15).
func TestStageContextAllocs(t *testing.T) {
	a := timedAgent(time.Minute)
	ctx := t.Context()
	n := testing.AllocsPerRun(100, func() {
		sctx, stage := a.stageContext(ctx, timedRcpt)
		for range 5 {
			if sctx.Err() != nil {
				t.Fatal("stage context done")
			}
		}
		_, _ = sctx.Deadline()
		stage.end()
	})
	if n > 1 {
		t.Errorf("%v allocations per stage, want 1", n)
	}
}
