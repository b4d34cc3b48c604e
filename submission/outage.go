package submission

import (
	"sync"
	"sync/atomic"
	"time"
)

// outageLogInterval is how often the failure of a dependency that stays
// down is logged again: at once when it starts failing, then at most once
// per interval with the number of failures in between. A store that is
// down refuses (or lets through) every command, and one Error record per
// command would flood the log (RFC 6409, Section 5.2 asks for limits on
// logging) while saying nothing new.
const outageLogInterval = 10 * time.Second

// outage is the state of one dependency of the Agent (the LimitStore) as
// its failures are logged: whether it is down, since when, when a failure
// was last logged and how many were not logged since. It is safe for
// concurrent use; a call that succeeds costs one atomic load while the
// dependency is up.
type outage struct {
	down atomic.Bool

	mu         sync.Mutex
	since      time.Time // first failure of the current outage
	logged     time.Time // when a failure was last logged
	suppressed int64     // failures since then that were not logged
}

// failed records a failure at now. It reports whether this failure is to
// be logged (the first of an outage, or the first after outageLogInterval
// since the last one logged) and how many failures were not logged before
// it. A clock that went backwards logs.
func (o *outage) failed(now time.Time) (log bool, suppressed int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.down.Load() {
		o.since = now
		o.down.Store(true)
	} else if d := now.Sub(o.logged); d >= 0 && d < outageLogInterval {
		o.suppressed++
		return false, 0
	}
	o.logged = now
	suppressed, o.suppressed = o.suppressed, 0
	return true, suppressed
}

// answered records a success. It reports whether that ends an outage,
// when the outage started, and how many failures were not logged since the
// last record.
func (o *outage) answered() (ended bool, since time.Time, suppressed int64) {
	if !o.down.Load() {
		return false, time.Time{}, 0
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.down.Load() {
		return false, time.Time{}, 0
	}
	o.down.Store(false)
	suppressed, o.suppressed = o.suppressed, 0
	return true, o.since, suppressed
}
