package submission_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/msakit/msakit/submission"
)

// manualClock is a clock tests move by hand; safe for concurrent use.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func newManualClock() *manualClock { return &manualClock{t: testNow} }

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestMemoryLimitStore pins the semantics of LimitStore.Add, step by step
// on one clock.
func TestMemoryLimitStore(t *testing.T) {
	t.Parallel()
	clk := newManualClock()
	s := &submission.MemoryLimitStore{Now: clk.now}
	const w = time.Hour
	steps := []struct {
		advance time.Duration
		key     string
		n       int64
		want    submission.LimitResult
	}{
		{0, "k", 0, submission.LimitResult{Added: true}},                       // a read starts no window
		{0, "k", -1, submission.LimitResult{Added: true}},                      // nothing to give back
		{0, "k", 4, submission.LimitResult{}},                                  // over the limit on an empty key
		{0, "k", 0, submission.LimitResult{Added: true}},                       // ... started no window either
		{0, "k", 2, submission.LimitResult{Added: true, Count: 2, ResetIn: w}}, // the window starts here
		{10 * time.Minute, "k", 1, submission.LimitResult{Added: true, Count: 3, ResetIn: 50 * time.Minute}},
		{0, "k", 1, submission.LimitResult{Count: 3, ResetIn: 50 * time.Minute}},               // 4 > 3: refused
		{0, "other", 1, submission.LimitResult{Added: true, Count: 1, ResetIn: w}},             // keys are independent
		{0, "k", -2, submission.LimitResult{Added: true, Count: 1, ResetIn: 50 * time.Minute}}, // give back keeps the window
		{0, "k", -5, submission.LimitResult{Added: true, Count: 0, ResetIn: 50 * time.Minute}}, // never below zero
		{0, "k", 3, submission.LimitResult{Added: true, Count: 3, ResetIn: 50 * time.Minute}},  // same window
		{50 * time.Minute, "k", 0, submission.LimitResult{Added: true}},                        // the window has ended
		{0, "k", -1, submission.LimitResult{Added: true}},                                      // give back after the end: no-op
		{0, "k", 1, submission.LimitResult{Added: true, Count: 1, ResetIn: w}},                 // a new window
	}
	for i, st := range steps {
		clk.advance(st.advance)
		got, err := s.Add(t.Context(), st.key, st.n, 3, w)
		if err != nil {
			t.Fatalf("step %d: Add: %v", i, err)
		}
		if got != st.want {
			t.Fatalf("step %d: Add(%q, %d) = %+v, want %+v", i, st.key, st.n, got, st.want)
		}
	}
}

// TestMemoryLimitStoreConcurrent: concurrent Adds never go over the limit
// together (run with -race).
func TestMemoryLimitStoreConcurrent(t *testing.T) {
	t.Parallel()
	s := &submission.MemoryLimitStore{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	added := 0
	for range 200 {
		wg.Go(func() {
			r, err := s.Add(t.Context(), "k", 1, 37, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if r.Added {
				mu.Lock()
				added++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if added != 37 {
		t.Fatalf("%d of 200 concurrent Adds went through a limit of 37", added)
	}
}

// TestMemoryLimitStoreBound fills the store past MaxKeys: keys whose
// window has ended go first; when none has, the soonest-ending eighth goes,
// and the keys ending last keep their counts.
func TestMemoryLimitStoreBound(t *testing.T) {
	t.Parallel()
	clk := newManualClock()
	const max = 64
	s := &submission.MemoryLimitStore{MaxKeys: max, Now: clk.now}
	ctx := t.Context()
	add := func(key string, n int64, w time.Duration) submission.LimitResult {
		t.Helper()
		r, err := s.Add(ctx, key, n, 100, w)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	count := func(key string) int64 { t.Helper(); return add(key, 0, time.Hour).Count }

	// Half the keys with a short window, half with a long one.
	for i := range max {
		w := time.Minute
		if i%2 == 1 {
			w = time.Hour
		}
		add(fmt.Sprint("a", i), 5, w)
	}
	clk.advance(2 * time.Minute)
	add("new", 1, time.Hour) // over the bound: the expired half goes
	for i := 1; i < max; i += 2 {
		if got := count(fmt.Sprint("a", i)); got != 5 {
			t.Fatalf("live key a%d lost its count: %d", i, got)
		}
	}

	// Now fill it with live keys ending one second apart.
	for i := range max {
		clk.advance(time.Second)
		add(fmt.Sprint("b", i), 7, time.Hour)
	}
	// Everything before b was evicted on the way (the a keys end sooner);
	// the b keys that remain keep their counts, the newest certainly.
	if got := count(fmt.Sprint("b", max-1)); got != 7 {
		t.Fatalf("newest key lost its count: %d", got)
	}
	if got := count("a1"); got != 0 {
		t.Fatalf("an old key survived eviction with count %d", got)
	}
	evicted := 0
	for i := range max {
		if count(fmt.Sprint("b", i)) == 0 {
			evicted++
		}
	}
	// The store never held more than max keys, so some b keys went, and
	// only the oldest ones: every evicted key precedes every kept one.
	if evicted == 0 {
		t.Fatal("no key was evicted past the bound")
	}
	for i := range evicted {
		if count(fmt.Sprint("b", i)) != 0 {
			t.Fatalf("b%d kept while a newer key was evicted", i)
		}
	}
}
