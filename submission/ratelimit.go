package submission

import (
	"sync"
	"time"
)

// Defaults of the rate limit on log records caused by clients (RFC 6409,
// Section 5.2: "it is important to impose limits on such logging to
// prevent certain forms of denial-of-service (DoS) attacks").
const (
	// defaultClientLogRate is how many client-caused records per second
	// are written on average (RFC 6409, Section 5.2).
	defaultClientLogRate = 10
	// defaultClientLogBurst is how many client-caused records may be
	// written at once after a quiet period (RFC 6409, Section 5.2).
	defaultClientLogBurst = 50
)

// tokenBucket is a token bucket driven by an injected clock. It is safe for
// concurrent use. It counts the takes it refused, so that the caller can
// report how many events were dropped.
type tokenBucket struct {
	mu      sync.Mutex
	now     func() time.Time
	rate    float64 // tokens per second; <= 0: unlimited
	burst   float64
	tokens  float64
	last    time.Time
	dropped int64
}

func newTokenBucket(rate float64, burst int, now func() time.Time) *tokenBucket {
	if burst < 1 {
		burst = 1
	}
	return &tokenBucket{now: now, rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// take takes one token. It reports whether one was available and, when it
// was, how many takes were refused since the previous successful one.
func (b *tokenBucket) take() (ok bool, dropped int64) {
	if b.rate <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(b.now())
	if b.tokens < 1 {
		b.dropped++
		return false, 0
	}
	b.tokens--
	dropped, b.dropped = b.dropped, 0
	return true, dropped
}

// refill adds the tokens earned since the last call; a clock that goes
// backwards adds none.
func (b *tokenBucket) refill(now time.Time) {
	if b.last.IsZero() {
		b.last = now
		return
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens += d.Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
}
