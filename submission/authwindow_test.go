package submission

import (
	"net/netip"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
)

func TestMemoryAuthWindow(t *testing.T) {
	t.Parallel()
	now := fixedNow
	w := &MemoryAuthWindow{Window: 10 * time.Minute, Now: func() time.Time { return now }}
	ctx := t.Context()
	addr := netip.MustParseAddr("192.0.2.7")
	w.Record(netip.MustParseAddr("::ffff:192.0.2.7"), auth.Identity{AuthenticationID: "alice"})
	if id, ok, err := w.Lookup(ctx, addr); err != nil || !ok || id.User() != "alice" {
		t.Fatalf("Lookup = %v, %v, %v", id, ok, err)
	}
	if _, ok, _ := w.Lookup(ctx, netip.MustParseAddr("192.0.2.8")); ok {
		t.Fatal("other address authorized")
	}
	now = now.Add(11 * time.Minute)
	if _, ok, _ := w.Lookup(ctx, addr); ok {
		t.Fatal("window did not expire")
	}
	if _, ok := w.m[addr]; ok {
		t.Error("an expired entry was kept after Lookup")
	}
	var zero MemoryAuthWindow // ready to use: 20 minutes, time.Now
	if got := zero.window(); got != defaultAuthWindow {
		t.Errorf("zero window = %v, want %v", got, defaultAuthWindow)
	}
	zero.Record(addr, auth.Identity{AuthenticationID: "bob"})
	if id, ok, err := zero.Lookup(ctx, addr); err != nil || !ok || id.User() != "bob" {
		t.Fatalf("zero value: Lookup = %v, %v, %v", id, ok, err)
	}
}

// TestMemoryAuthWindowBound fills the window past maxAuthWindowEntries (RFC
// 6409, Section 5.2: state a client can make grow must be bounded) and
// checks the eviction: the map never holds more than the bound; expired
// entries go first; when none has expired, the oldest goes, and the newest
// is kept.
func TestMemoryAuthWindowBound(t *testing.T) {
	t.Parallel()
	now := fixedNow
	w := &MemoryAuthWindow{Window: 10 * time.Minute, Now: func() time.Time { return now }}
	ctx := t.Context()
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	id := auth.Identity{AuthenticationID: "x"}

	// Expired entries are dropped first: one old entry, then a full window.
	stale := netip.MustParseAddr("192.0.2.99")
	w.Record(stale, id)
	now = now.Add(11 * time.Minute)
	for i := range maxAuthWindowEntries {
		now = now.Add(time.Millisecond)
		w.Record(addr(i), id)
	}
	if n := len(w.m); n != maxAuthWindowEntries {
		t.Fatalf("after filling: %d entries, want the bound %d", n, maxAuthWindowEntries)
	}
	if _, ok := w.m[stale]; ok {
		t.Error("the expired entry outlived a full window")
	}
	if _, ok, _ := w.Lookup(ctx, addr(0)); !ok {
		t.Error("a live entry was evicted while an expired one was there")
	}

	// None expired: each new address evicts the oldest.
	for i := maxAuthWindowEntries; i < maxAuthWindowEntries+5; i++ {
		now = now.Add(time.Millisecond)
		w.Record(addr(i), id)
		if n := len(w.m); n > maxAuthWindowEntries {
			t.Fatalf("%d entries after %d records, over the bound %d", n, i+2, maxAuthWindowEntries)
		}
	}
	for i := range 5 {
		if _, ok := w.m[addr(i)]; ok {
			t.Errorf("oldest entry %v was not evicted", addr(i))
		}
	}
	if _, ok, _ := w.Lookup(ctx, addr(maxAuthWindowEntries+4)); !ok {
		t.Error("the newest entry was evicted")
	}
	// Recording an address already present never evicts.
	n := len(w.m)
	w.Record(addr(maxAuthWindowEntries+4), id)
	if len(w.m) != n {
		t.Errorf("re-recording changed the size %d -> %d", n, len(w.m))
	}
}
