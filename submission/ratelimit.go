package submission

import (
	"context"
	"sync"
	"time"
)

// Defaults of the rate limit on log records caused by clients (RFC 6409,
// Section 5.2: "it is important to impose limits on such logging to
// prevent certain forms of denial-of-service (DoS) attacks").
const (
	// DefaultClientLogRate is how many client-caused records per second
	// are written on average (RFC 6409, Section 5.2).
	DefaultClientLogRate = 10
	// DefaultClientLogBurst is how many client-caused records may be
	// written at once after a quiet period (RFC 6409, Section 5.2).
	DefaultClientLogBurst = 50
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

// full reports whether the bucket has refilled completely by now, so that
// forgetting it loses nothing.
func (b *tokenBucket) full(now time.Time) bool {
	b.refill(now)
	return b.tokens >= b.burst
}

// RateLimiter decides whether a key (an identity, or a client address for
// sessions authorized without one) may submit one more message now. It is
// the shared state of a per-identity submission rate limit: with several
// MSA replicas, an implementation backed by a shared store lets them
// enforce one limit together (DESIGN.md, "Later"). A rate limit is site
// policy, which RFC 6409, Section 6.3 allows an MSA to enforce.
//
// Allow must be safe for concurrent use. An error is an internal failure:
// the MAIL command gets 451 4.3.0 and the error is logged, never sent.
type RateLimiter interface {
	Allow(ctx context.Context, key string) (bool, error)
}

// RateLimiterFunc adapts a function to [RateLimiter], a site policy limit
// (RFC 6409, Section 6.3).
type RateLimiterFunc func(ctx context.Context, key string) (bool, error)

// Allow calls f(ctx, key) (RFC 6409, Section 6.3).
func (f RateLimiterFunc) Allow(ctx context.Context, key string) (bool, error) { return f(ctx, key) }

// MaxRateLimiterKeys bounds the number of keys a [MemoryRateLimiter]
// remembers (a bound on state a client can create, RFC 6409, Section 5.2), so that a stream of distinct keys cannot grow it without
// limit. When it is full, keys whose bucket has refilled completely are
// forgotten (which loses nothing), then, if still full, arbitrary ones.
const MaxRateLimiterKeys = 1 << 16

// MemoryRateLimiter is the in-process [RateLimiter] (site policy, RFC 6409,
// Section 6.3): one token bucket per key, refilled at Rate messages per second up to Burst. It is safe for
// concurrent use. Replicas that must share a limit need an implementation
// backed by shared storage instead.
type MemoryRateLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   int
	now     func() time.Time
	buckets map[string]*tokenBucket
}

// NewMemoryRateLimiter returns a limiter (RFC 6409, Section 6.3) that lets
// each key submit burst messages at once and rate messages per second on
// average. now is the
// clock; nil means time.Now. A rate <= 0 allows everything.
func NewMemoryRateLimiter(rate float64, burst int, now func() time.Time) *MemoryRateLimiter {
	if now == nil {
		now = time.Now
	}
	return &MemoryRateLimiter{rate: rate, burst: burst, now: now, buckets: make(map[string]*tokenBucket)}
}

// Allow takes one token from key's bucket and reports whether there was
// one (RFC 6409, Section 6.3). It never returns an error.
func (m *MemoryRateLimiter) Allow(_ context.Context, key string) (bool, error) {
	if m.rate <= 0 {
		return true, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.buckets[key]
	if !ok {
		if len(m.buckets) >= MaxRateLimiterKeys {
			m.evict()
		}
		b = newTokenBucket(m.rate, m.burst, m.now)
		m.buckets[key] = b
	}
	ok, _ = b.take()
	return ok, nil
}

// evict forgets the keys whose buckets are full, and if none is, one
// arbitrary key. Called with m.mu held.
func (m *MemoryRateLimiter) evict() {
	now := m.now()
	n := len(m.buckets)
	for k, b := range m.buckets {
		if b.full(now) {
			delete(m.buckets, k)
		}
	}
	if len(m.buckets) < n {
		return
	}
	for k := range m.buckets {
		delete(m.buckets, k)
		return
	}
}
