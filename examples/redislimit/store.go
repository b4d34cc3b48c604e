package redislimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/msakit/msakit/submission"
)

// DefaultPrefix is the key prefix of a [Store] whose Options.Prefix is
// empty.
const DefaultPrefix = "msakit:limit:"

// DefaultTimeout bounds each call of a [Store] whose Options.Timeout is 0.
const DefaultTimeout = time.Second

// Options configures a [Store]. The zero value is the default.
type Options struct {
	// Prefix is put before every key msakit uses, so that several
	// deployments (or other programs) can share one Redis database; ""
	// means DefaultPrefix.
	Prefix string

	// Timeout bounds each call, as a deadline on its context; 0 means
	// DefaultTimeout. go-redis applies it to the network only when the
	// client was built with ContextTimeoutEnabled (as [NewClient] does).
	Timeout time.Duration
}

// Store is a [submission.LimitStore] in Redis. It is safe for concurrent
// use, as the go-redis client is.
type Store struct {
	c       redis.Scripter
	prefix  string
	timeout time.Duration
}

var _ submission.LimitStore = (*Store)(nil)

// New returns a Store that runs its script on c: a *redis.Client, a
// *redis.ClusterClient, a redis.UniversalClient or a *redis.Ring.
func New(c redis.Scripter, o Options) *Store {
	s := &Store{c: c, prefix: o.Prefix, timeout: o.Timeout}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	return s
}

// NewClient returns a go-redis client for addr ("host:port", or a
// redis:// or rediss:// URL with password and database) with the settings
// a Store wants: deadlines from the context, one-second dial, read and
// write timeouts, one dial attempt per command, and no retries (a retried
// script could count an event twice when only its reply was lost).
func NewClient(addr string) (*redis.Client, error) {
	o, err := clientOptions(addr)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(o), nil
}

// clientOptions are the go-redis options of [NewClient].
func clientOptions(addr string) (*redis.Options, error) {
	o := &redis.Options{Addr: addr}
	if u, err := redis.ParseURL(addr); err == nil {
		o = u
	} else if isURL(addr) {
		return nil, fmt.Errorf("redislimit: %w", err)
	}
	o.ContextTimeoutEnabled = true
	o.DialTimeout = time.Second
	o.ReadTimeout = time.Second
	o.WriteTimeout = time.Second
	o.MaxRetries = -1 // go-redis stores it as 0
	o.DialerRetries = 1
	return o, nil
}

// isURL reports whether addr looks like a URL rather than host:port.
func isURL(addr string) bool {
	for i := 0; i+2 < len(addr); i++ {
		if addr[i] == ':' {
			return addr[i+1] == '/' && addr[i+2] == '/'
		}
	}
	return false
}

// addScript is LimitStore.Add in one atomic step. KEYS[1] is the key;
// ARGV are n, limit and the window in milliseconds. It returns {added (0 or
// 1), count, milliseconds until the window ends}. INCRBY and DECRBY keep
// the key's expiry, so a window lasts from its first charge.
var addScript = redis.NewScript(`
local key = KEYS[1]
local n, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('GET', key)
local count = 0
if v then
  count = tonumber(v)
  if not count then
    return redis.error_reply('key ' .. key .. ' holds no count')
  end
end
local ttl = redis.call('PTTL', key)
if ttl < 0 then ttl = 0 end
if n == 0 or (n < 0 and count == 0) then
  return {1, count, ttl}
end
if n < 0 then
  count = redis.call('DECRBY', key, math.min(-n, count))
  return {1, count, ttl}
end
if count + n > limit then
  return {0, count, ttl}
end
count = redis.call('INCRBY', key, n)
if ttl == 0 then
  redis.call('PEXPIRE', key, window)
  ttl = window
end
return {1, count, ttl}
`)

// Add implements [submission.LimitStore.Add] in one round trip. The
// window is rounded up to a whole millisecond. An error (Redis down, a
// timeout, a key holding something else) is returned as it is.
func (s *Store) Add(ctx context.Context, key string, n, limit int64, window time.Duration) (submission.LimitResult, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ms := max((window+time.Millisecond-1)/time.Millisecond, 1)
	v, err := addScript.Run(ctx, s.c, []string{s.prefix + key}, n, limit, int64(ms)).Int64Slice()
	if err != nil {
		return submission.LimitResult{}, fmt.Errorf("redislimit: %w", err)
	}
	if len(v) != 3 {
		return submission.LimitResult{}, errors.New("redislimit: unexpected reply from the script")
	}
	return submission.LimitResult{
		Added:   v[0] == 1,
		Count:   v[1],
		ResetIn: time.Duration(v[2]) * time.Millisecond,
	}, nil
}
