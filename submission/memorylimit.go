package submission

import (
	"context"
	"slices"
	"sync"
	"time"
)

// defaultMaxLimitKeys is how many keys a MemoryLimitStore keeps when its
// MaxKeys is 0.
const defaultMaxLimitKeys = 1 << 16

// MemoryLimitStore is the in-process [LimitStore]: the default of
// [Limits].Store, for a single MSA process (replicas need a shared store).
// The zero value is ready to use. It is safe for concurrent use.
//
// It keeps at most MaxKeys keys. When a new key would go over, the keys
// whose window has ended are dropped; if that frees less than an eighth of
// MaxKeys, the keys whose windows end soonest are dropped too, so that a
// flood of new keys costs amortised O(log MaxKeys) each. A dropped live key
// loses its count, which errs towards letting events through.
type MemoryLimitStore struct {
	// MaxKeys bounds the keys kept, and so the state clients can create
	// (RFC 6409, Section 5.2 asks an MSA to guard against denial of
	// service); 0 means 65536.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex
	m  map[string]*memoryCount
}

// memoryCount is one key's count and the end of its window.
type memoryCount struct {
	n   int64
	end time.Time
}

var _ LimitStore = (*MemoryLimitStore)(nil)

// Add implements [LimitStore.Add] (a site policy, RFC 6409, Section 4.3).
// It never returns an error.
func (s *MemoryLimitStore) Add(_ context.Context, key string, n, limit int64, window time.Duration) (LimitResult, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.m[key]
	if c != nil && !t.Before(c.end) {
		delete(s.m, key)
		c = nil
	}
	switch {
	case c == nil && n <= 0:
		return LimitResult{Added: true}, nil
	case n <= 0:
		c.n = max(c.n+n, 0)
		return LimitResult{Added: true, Count: c.n, ResetIn: c.end.Sub(t)}, nil
	case c == nil:
		if n > limit {
			return LimitResult{}, nil
		}
		if s.m == nil {
			s.m = make(map[string]*memoryCount)
		}
		s.makeRoom(t)
		c = &memoryCount{n: n, end: t.Add(window)}
		s.m[key] = c
		return LimitResult{Added: true, Count: n, ResetIn: window}, nil
	case c.n+n > limit || c.n+n < c.n:
		return LimitResult{Count: c.n, ResetIn: c.end.Sub(t)}, nil
	}
	c.n += n
	return LimitResult{Added: true, Count: c.n, ResetIn: c.end.Sub(t)}, nil
}

// makeRoom drops keys when the map is full: those whose window has ended,
// then, if that freed less than an eighth of the bound, those ending
// soonest until an eighth is free. Called with s.mu held.
func (s *MemoryLimitStore) makeRoom(now time.Time) {
	limit := s.MaxKeys
	if limit <= 0 {
		limit = defaultMaxLimitKeys
	}
	if len(s.m) < limit {
		return
	}
	for k, c := range s.m {
		if !now.Before(c.end) {
			delete(s.m, k)
		}
	}
	keep := limit - max(limit/8, 1)
	if len(s.m) <= keep {
		return
	}
	type entry struct {
		key string
		end time.Time
	}
	all := make([]entry, 0, len(s.m))
	for k, c := range s.m {
		all = append(all, entry{k, c.end})
	}
	slices.SortFunc(all, func(a, b entry) int { return a.end.Compare(b.end) })
	for _, e := range all[:len(all)-keep] {
		delete(s.m, e.key)
	}
}
