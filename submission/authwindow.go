package submission

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/msakit/msakit/auth"
)

// AuthWindow answers whether a client address authenticated recently by
// another protocol, the "POP before SMTP" scheme of RFC 6409, Section 3.3:
// a POP (or IMAP) login from an address authorizes submissions from the
// same address for some time. It is state that several MSA replicas and the
// POP server must share, so it sits behind this interface; a shared-store
// implementation can replace the in-process [MemoryAuthWindow] (DESIGN.md,
// "Later").
//
// Lookup returns the identity that logged in from addr within the window,
// and whether there is one. It must be safe for concurrent use. An error
// is an internal failure: MAIL gets 451 4.3.0 and the error is logged.
//
// RFC 6409, Section 3.3 warns that the scheme is as weak as address-based
// authorization; it is off unless [Config.AuthWindow] is set.
type AuthWindow interface {
	Lookup(ctx context.Context, addr netip.Addr) (auth.Identity, bool, error)
}

// defaultAuthWindow is the window of a [MemoryAuthWindow] whose Window is
// 0: 20 minutes, the example of RFC 6409, Section 3.3.
const defaultAuthWindow = 20 * time.Minute

// maxAuthWindowEntries bounds the addresses a [MemoryAuthWindow] keeps
// (RFC 6409, Section 3.3);
// when it is full, expired entries are dropped first, then the oldest.
const maxAuthWindowEntries = 1 << 16

// MemoryAuthWindow is the in-process [AuthWindow] (POP before SMTP, RFC
// 6409, Section 3.3). It keeps at most 65536 addresses: when it is full,
// expired entries are dropped first, then the oldest (a bound on state
// clients can make grow, RFC 6409, Section 5.2). A POP or IMAP server in
// the same process calls Record after each successful login. The zero
// value is ready to use; set the fields before the first Record. It is
// safe for concurrent use.
type MemoryAuthWindow struct {
	// Window is how long a login authorizes its address; 0 or less means
	// 20 minutes, the example of RFC 6409, Section 3.3.
	Window time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex
	m  map[netip.Addr]windowEntry
}

type windowEntry struct {
	id auth.Identity
	at time.Time
}

// window is the length of the window, Window or its default.
func (w *MemoryAuthWindow) window() time.Duration {
	if w.Window <= 0 {
		return defaultAuthWindow
	}
	return w.Window
}

// now reads the clock, Now or time.Now.
func (w *MemoryAuthWindow) now() time.Time {
	if w.Now == nil {
		return time.Now()
	}
	return w.Now()
}

// Record notes that id logged in from addr now (RFC 6409, Section 3.3). IPv4-mapped IPv6 addresses
// are stored in their IPv4 form.
func (w *MemoryAuthWindow) Record(addr netip.Addr, id auth.Identity) {
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = make(map[netip.Addr]windowEntry)
	}
	if _, ok := w.m[addr.Unmap()]; !ok && len(w.m) >= maxAuthWindowEntries {
		w.evict(now)
	}
	w.m[addr.Unmap()] = windowEntry{id: id, at: now}
}

// Lookup returns the identity recorded for addr if it is younger than the
// window (RFC 6409, Section 3.3). It never returns an error.
func (w *MemoryAuthWindow) Lookup(_ context.Context, addr netip.Addr) (auth.Identity, bool, error) {
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.m[addr.Unmap()]
	if !ok {
		return auth.Identity{}, false, nil
	}
	if now.Sub(e.at) > w.window() || now.Before(e.at) {
		delete(w.m, addr.Unmap())
		return auth.Identity{}, false, nil
	}
	return e.id, true, nil
}

// evict drops expired entries, or the oldest one if none has expired.
// Called with w.mu held.
func (w *MemoryAuthWindow) evict(now time.Time) {
	window := w.window()
	var oldest netip.Addr
	var oldestAt time.Time
	n := len(w.m)
	for a, e := range w.m {
		if now.Sub(e.at) > window {
			delete(w.m, a)
			continue
		}
		if oldestAt.IsZero() || e.at.Before(oldestAt) {
			oldest, oldestAt = a, e.at
		}
	}
	if len(w.m) == n {
		delete(w.m, oldest)
	}
}
