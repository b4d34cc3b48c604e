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
