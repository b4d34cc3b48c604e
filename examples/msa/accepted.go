package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/submission"
)

// acceptLog writes the traceability record of each message (RFC 5068,
// Section 3.1), the "submission accepted" log line of
// [submission.LogTraceSink], only once the message is the server's: after
// the spool committed it or the upstream answered 250. msakit hands the
// record over when the body has been read, before the Deliverer knows
// whether it can keep the message; acceptLog holds it until then, and drops
// it when Deliver fails.
type acceptLog struct {
	next gosmtp.Deliverer
	sink submission.TraceSink

	mu      sync.Mutex
	pending map[string]submission.TraceRecord // by submission id
}

var (
	_ gosmtp.Deliverer     = (*acceptLog)(nil)
	_ submission.TraceSink = (*acceptLog)(nil)
)

func newAcceptLog(next gosmtp.Deliverer, logger *slog.Logger) *acceptLog {
	return &acceptLog{next: next, sink: submission.LogTraceSink(logger), pending: make(map[string]submission.TraceRecord)}
}

// Record implements submission.TraceSink: it keeps r for Deliver.
func (a *acceptLog) Record(_ context.Context, r submission.TraceRecord) error {
	a.mu.Lock()
	a.pending[r.ID] = r
	a.mu.Unlock()
	return nil
}

// Deliver implements gosmtp.Deliverer: it delivers with next, then logs the
// record if next accepted the message.
func (a *acceptLog) Deliver(ctx context.Context, m *gosmtp.Message) error {
	err := a.next.Deliver(ctx, m)
	a.mu.Lock()
	r, ok := a.pending[m.Transaction.ID]
	delete(a.pending, m.Transaction.ID)
	a.mu.Unlock()
	if err != nil || !ok {
		return err
	}
	return a.sink.Record(ctx, r)
}
