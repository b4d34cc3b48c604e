package submission

import (
	"sync"
	"sync/atomic"
	"time"
)

// outageLogInterval is how often the failure of a dependency that stays
// down is logged again: at once when it starts failing, then at most once
// per interval with the number of failures in between. The same goes for
// an internal error that repeats with the same text. A dependency that is
// down (the limit store, a directory, a trace store) fails every command,
// and one Error record per command would flood the log (RFC 6409, Section
// 5.2 asks for limits on logging) while saying nothing new.
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

// maxRepeatedErrors bounds the internal error texts repeatedErrors keeps
// (at most maxLogErrLen octets each).
const maxRepeatedErrors = 256

// repeatedErrors keeps, for each internal error text logged lately, when
// it was last logged and how often it came again since, so that the same
// error is written at most once per outageLogInterval. An error with
// another text is always written: only repeats are left out, and counted.
// It is safe for concurrent use.
type repeatedErrors struct {
	mu sync.Mutex
	m  map[string]*repeatedError
}

type repeatedError struct {
	logged     time.Time
	suppressed int64
}

// admit records one occurrence of the error text at now. It reports
// whether to write it (its first occurrence, or the first after
// outageLogInterval since it was last written) and how many occurrences
// were left out before it. When maxRepeatedErrors texts are kept and none
// is older than the interval, a new text is written and not kept.
func (r *repeatedErrors) admit(text string, now time.Time) (log bool, suppressed int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.m[text]; e != nil {
		if d := now.Sub(e.logged); d >= 0 && d < outageLogInterval {
			e.suppressed++
			return false, 0
		}
		suppressed, e.suppressed = e.suppressed, 0
		e.logged = now
		return true, suppressed
	}
	if r.m == nil {
		r.m = make(map[string]*repeatedError)
	}
	if len(r.m) >= maxRepeatedErrors {
		for k, e := range r.m {
			if d := now.Sub(e.logged); d < 0 || d >= outageLogInterval {
				delete(r.m, k)
			}
		}
		if len(r.m) >= maxRepeatedErrors {
			return true, 0
		}
	}
	r.m[text] = &repeatedError{logged: now}
	return true, 0
}
