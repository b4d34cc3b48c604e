package redislimit

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/msakit/msakit/examples/internal/redistest"
	"github.com/msakit/msakit/submission"
)

// newStore starts a private Redis and returns a Store on it, a client for
// looking at the keys, and the server.
func newStore(t *testing.T, o Options) (*Store, *redis.Client, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t)
	c := newClient(t, srv.Addr)
	return New(c, o), c, srv
}

func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c, err := NewClient(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestStoreSemantics pins LimitStore.Add step by step, as
// submission.TestMemoryLimitStore does for the in-process store, with
// Redis's clock (ResetIn within a margin).
func TestStoreSemantics(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t, Options{})
	const w = time.Hour
	steps := []struct {
		key   string
		n     int64
		added bool
		count int64
		reset bool // ResetIn is near w (else 0)
	}{
		{"k", 0, true, 0, false},  // a read starts no window
		{"k", -1, true, 0, false}, // nothing to give back
		{"k", 4, false, 0, false}, // over the limit on an empty key
		{"k", 0, true, 0, false},  // ... started no window either
		{"k", 2, true, 2, true},   // the window starts here
		{"k", 1, true, 3, true},
		{"k", 1, false, 3, true}, // 4 > 3: refused
		{"other", 1, true, 1, true},
		{"k", -2, true, 1, true}, // give back keeps the window
		{"k", -5, true, 0, true}, // never below zero
		{"k", 3, true, 3, true},  // same window
	}
	for i, st := range steps {
		got, err := s.Add(t.Context(), st.key, st.n, 3, w)
		if err != nil {
			t.Fatalf("step %d: Add: %v", i, err)
		}
		resetOK := got.ResetIn == 0
		if st.reset {
			resetOK = got.ResetIn > w-time.Minute && got.ResetIn <= w
		}
		if got.Added != st.added || got.Count != st.count || !resetOK {
			t.Fatalf("step %d: Add(%q, %d) = %+v, want added %v count %d (window running: %v)", i, st.key, st.n, got, st.added, st.count, st.reset)
		}
	}
}

// TestStoreWindowEnds: a key expires with its window: a give back after
// the end is a no-op and the next charge starts a new window.
func TestStoreWindowEnds(t *testing.T) {
	t.Parallel()
	s, c, _ := newStore(t, Options{Prefix: "test:"})
	ctx := t.Context()
	const w = 300 * time.Millisecond
	if r, err := s.Add(ctx, "k", 2, 5, w); err != nil || !r.Added || r.Count != 2 {
		t.Fatalf("Add = %+v, %v", r, err)
	}
	ttl, err := c.PTTL(ctx, "test:k").Result()
	if err != nil || ttl <= 0 || ttl > w {
		t.Fatalf("PTTL of test:k = %v, %v; want the key to expire within %v", ttl, err, w)
	}
	time.Sleep(w + 100*time.Millisecond)
	if n, err := c.Exists(ctx, "test:k").Result(); err != nil || n != 0 {
		t.Fatalf("key still there after its window: %v, %v", n, err)
	}
	if r, err := s.Add(ctx, "k", -1, 5, w); err != nil || r != (submission.LimitResult{Added: true}) {
		t.Fatalf("give back after the window = %+v, %v", r, err)
	}
	if n, _ := c.Exists(ctx, "test:k").Result(); n != 0 {
		t.Fatal("a give back after the window created the key")
	}
	if r, err := s.Add(ctx, "k", 5, 5, w); err != nil || !r.Added || r.Count != 5 {
		t.Fatalf("charge in a new window = %+v, %v", r, err)
	}
}

// TestStorePrefix: keys live under the prefix, the default one when none
// is given.
func TestStorePrefix(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	c := newClient(t, srv.Addr)
	ctx := t.Context()
	for _, tc := range []struct{ prefix, want string }{{"", DefaultPrefix + "msg:user:alice"}, {"eu1:", "eu1:msg:user:alice"}} {
		s := New(c, Options{Prefix: tc.prefix})
		if _, err := s.Add(ctx, "msg:user:alice", 1, 10, time.Hour); err != nil {
			t.Fatal(err)
		}
		if v, err := c.Get(ctx, tc.want).Result(); err != nil || v != "1" {
			t.Errorf("prefix %q: GET %s = %q, %v", tc.prefix, tc.want, v, err)
		}
	}
}

// TestStoreConcurrent: two stores with their own connections (as two MSA
// processes have) charging one key concurrently never go over the limit
// together, and reach it exactly.
func TestStoreConcurrent(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	stores := []*Store{New(newClient(t, srv.Addr), Options{}), New(newClient(t, srv.Addr), Options{})}
	var added atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			r, err := stores[i%2].Add(t.Context(), "rcpt:user:alice", 1, 77, time.Hour)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Added {
				added.Add(1)
			}
		})
	}
	wg.Wait()
	if added.Load() != 77 {
		t.Fatalf("%d of 200 concurrent charges went through a limit of 77", added.Load())
	}
}

// TestStoreScriptFlushed: after SCRIPT FLUSH (or a Redis restart) the
// script is sent again (EVALSHA answered NOSCRIPT, then EVAL).
func TestStoreScriptFlushed(t *testing.T) {
	t.Parallel()
	s, c, _ := newStore(t, Options{})
	ctx := t.Context()
	if _, err := s.Add(ctx, "k", 1, 10, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Add(ctx, "k", 1, 10, time.Hour); err != nil || r.Count != 2 {
		t.Fatalf("Add after SCRIPT FLUSH = %+v, %v", r, err)
	}
}

// TestStoreNotACount: a key that holds something else is an error, not a
// panic and not a count.
func TestStoreNotACount(t *testing.T) {
	t.Parallel()
	s, c, _ := newStore(t, Options{Prefix: "p:"})
	ctx := t.Context()
	c.Set(ctx, "p:text", "abc", 0)
	c.HSet(ctx, "p:hash", "f", "v")
	for _, k := range []string{"text", "hash"} {
		if r, err := s.Add(ctx, k, 1, 10, time.Hour); err == nil {
			t.Errorf("Add on %s = %+v, want an error", k, r)
		}
	}
}

// TestStoreDown: with Redis killed, Add fails within its timeout, without
// panicking; when Redis is back, the next Add works on the same client.
func TestStoreDown(t *testing.T) {
	t.Parallel()
	s, _, srv := newStore(t, Options{Timeout: 500 * time.Millisecond})
	ctx := t.Context()
	if _, err := s.Add(ctx, "k", 1, 10, time.Hour); err != nil {
		t.Fatal(err)
	}
	// A restart between two calls costs none: the pool checks a
	// connection before reusing it.
	srv.Restart()
	if r, err := s.Add(ctx, "k", 1, 10, time.Hour); err != nil || r.Count != 1 {
		t.Fatalf("Add on a pooled connection after a restart = %+v, %v; want count 1", r, err)
	}
	srv.Kill()
	start := time.Now()
	_, err := s.Add(ctx, "k", 1, 10, time.Hour)
	if err == nil || !strings.HasPrefix(err.Error(), "redislimit: ") {
		t.Fatalf("Add with Redis down = %v, want a redislimit error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Add with Redis down took %v", d)
	}
	srv.Restart()
	// The first call after the restart already works: the pool drops the
	// dead connection before using it.
	r, err := s.Add(ctx, "k", 1, 10, time.Hour)
	if err != nil {
		t.Fatalf("Add after the restart: %v", err)
	}
	if r.Count != 1 {
		t.Errorf("count after the restart = %d, want 1 (Redis came back empty)", r.Count)
	}
}

// TestStoreTimeout: a server that accepts but never answers (a hung Redis)
// costs a call its timeout, not the client library's.
func TestStoreTimeout(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	// NewClient's settings, with the library's own read and write
	// timeouts a minute long: a call that ends well before them ended at
	// the Store's deadline, however loaded the machine.
	o, err := clientOptions(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	o.ReadTimeout, o.WriteTimeout = time.Minute, time.Minute
	slow := redis.NewClient(o)
	t.Cleanup(func() { _ = slow.Close() })
	const timeout = 200 * time.Millisecond
	s := New(slow, Options{Timeout: timeout})
	start := time.Now()
	_, err = s.Add(t.Context(), "k", 1, 10, time.Hour)
	d := time.Since(start)
	if err == nil {
		t.Fatal("Add against a silent server succeeded")
	}
	if ne, ok := errors.AsType[net.Error](err); !errors.Is(err, context.DeadlineExceeded) && !(ok && ne.Timeout()) {
		t.Errorf("Add against a silent server: %v, want a timeout", err)
	}
	if d < timeout || d > 30*time.Second {
		t.Errorf("Add took %v, want its %v timeout (the client's own is a minute)", d, timeout)
	}
	t.Logf("Add failed after %v: %v", d, err)
}

// TestNewClient: host:port and URLs; a bad URL is refused.
func TestNewClient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, want string
		db         int
	}{
		{"127.0.0.1:6390", "127.0.0.1:6390", 0},
		{"redis://:pw@10.0.0.1:6379/2", "10.0.0.1:6379", 2},
	} {
		c, err := NewClient(tc.addr)
		if err != nil {
			t.Fatalf("NewClient(%q): %v", tc.addr, err)
		}
		if o := c.Options(); o.Addr != tc.want || o.DB != tc.db || o.MaxRetries != 0 || !o.ContextTimeoutEnabled {
			t.Errorf("NewClient(%q): addr %q db %d retries %d ctx %v", tc.addr, o.Addr, o.DB, o.MaxRetries, o.ContextTimeoutEnabled)
		}
		_ = c.Close()
	}
	if _, err := NewClient("redis://host:port:bad/x"); err == nil {
		t.Error("NewClient accepted a bad URL")
	}
}
