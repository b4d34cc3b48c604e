package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/msakit/msakit/examples/redislimit"
	"github.com/msakit/msakit/submission"
)

// limitOptions are the flags of the sending limits and the AUTH throttle
// (submission.Limits), as given; parseLimits checks them.
type limitOptions struct {
	messages, recipients, authIP, authUser string
	failOpen                               bool
	redis, redisPrefix                     string

	limits submission.Limits // parsed, Store unset
}

// Defaults of the limit flags: AUTH is throttled out of the box (a
// password-guessing client is the commonest attack on a submission port),
// sending is not limited (how much a user may send is the site's choice).
const (
	defaultAuthFailuresPerIP   = "10/15m"
	defaultAuthFailuresPerUser = "30/15m"
)

// addLimitFlags registers the limit flags on fs.
func addLimitFlags(fs *flag.FlagSet, o *limitOptions) {
	fs.StringVar(&o.messages, "limit-messages", "0", "messages each user may send, `N/DURATION` such as 100/1h (0 = no limit)")
	fs.StringVar(&o.recipients, "limit-recipients", "0", "recipients each user may send to, `N/DURATION` such as 500/1h (0 = no limit)")
	fs.StringVar(&o.authIP, "limit-auth-failures", defaultAuthFailuresPerIP, "failed AUTH per client address before AUTH is refused, `N/DURATION` (0 = no limit)")
	fs.StringVar(&o.authUser, "limit-auth-failures-per-user", defaultAuthFailuresPerUser, "failed AUTH per user name before AUTH is refused, `N/DURATION` (0 = no limit)")
	fs.BoolVar(&o.failOpen, "limits-fail-open", false, "when Redis fails, let mail and AUTH through uncounted instead of refusing them with 451 4.3.0 / 454 4.7.0")
	fs.StringVar(&o.redis, "redis", "", "keep the limits in Redis at `ADDR` (host:port or redis://[user:password@]host:port/db), shared by every MSA using it; default: in this process")
	fs.StringVar(&o.redisPrefix, "redis-prefix", redislimit.DefaultPrefix, "`PREFIX` of the Redis keys")
}

// parseLimits checks the limit flags and fills o.limits; the error names
// the flag and fits on one line.
func (o *limitOptions) parseLimits() error {
	for _, f := range [...]struct {
		name string
		s    string
		l    *submission.Limit
	}{
		{"limit-messages", o.messages, &o.limits.Messages},
		{"limit-recipients", o.recipients, &o.limits.Recipients},
		{"limit-auth-failures", o.authIP, &o.limits.AuthFailuresPerIP},
		{"limit-auth-failures-per-user", o.authUser, &o.limits.AuthFailuresPerUser},
	} {
		l, err := parseLimit(f.s)
		if err != nil {
			return fmt.Errorf("-%s %q: %w", f.name, f.s, err)
		}
		*f.l = l
	}
	o.limits.FailOpen = o.failOpen
	if o.redisPrefix == "" {
		return fmt.Errorf("-redis-prefix: must not be empty")
	}
	return nil
}

// maxLimitSpec bounds a limit flag's text.
const maxLimitSpec = 64

// parseLimit parses "N/DURATION" (Go duration syntax: 100/1h, 10/15m,
// 5000/24h), or "0" for no limit. N is at least 1 and DURATION positive.
func parseLimit(s string) (submission.Limit, error) {
	if s == "0" {
		return submission.Limit{}, nil
	}
	if len(s) > maxLimitSpec {
		return submission.Limit{}, fmt.Errorf("longer than %d characters", maxLimitSpec)
	}
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return submission.Limit{}, fmt.Errorf("want N/DURATION such as 100/1h, or 0 for no limit")
	}
	max, err := strconv.ParseInt(n, 10, 64)
	if err != nil || max < 1 {
		return submission.Limit{}, fmt.Errorf("count %q: want a whole number of at least 1", n)
	}
	per, err := time.ParseDuration(d)
	if err != nil || per <= 0 {
		return submission.Limit{}, fmt.Errorf("duration %q: want a positive duration such as 1h or 15m", d)
	}
	return submission.Limit{Max: max, Per: per}, nil
}

// limitStore returns o's limits with their store: Redis when -redis is
// set (its client is returned for closing; a Redis that does not answer
// now is logged, not fatal: the MSA serves as -limits-fail-open says until
// it does), else the Agent's in-process store.
func (o *limitOptions) limitStore(logger *slog.Logger) (submission.Limits, *redis.Client, error) {
	l := o.limits
	if o.redis == "" {
		return l, nil, nil
	}
	c, err := redislimit.NewClient(o.redis)
	if err != nil {
		return l, nil, fmt.Errorf("-redis: %w", err)
	}
	redis.SetLogger(redisLog{logger})
	l.Store = redislimit.New(c, redislimit.Options{Prefix: o.redisPrefix})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		mode := "refusing mail and AUTH until it does (-limits-fail-open is off)"
		if o.failOpen {
			mode = "mail and AUTH go through uncounted until it does (-limits-fail-open)"
		}
		logger.LogAttrs(ctx, slog.LevelError, "Redis does not answer; "+mode,
			slog.String("redis", c.Options().Addr), slog.Any("err", err))
	}
	return l, c, nil
}

// String describes the limits for the start banner; a Redis URL's
// password is left out.
func (o limitOptions) String() string {
	l := o.limits
	show := func(l submission.Limit) string {
		if l.Max == 0 {
			return "none"
		}
		return l.String()
	}
	s := fmt.Sprintf("limits per user: messages %s, recipients %s; failed AUTH: %s per address, %s per user",
		show(l.Messages), show(l.Recipients), show(l.AuthFailuresPerIP), show(l.AuthFailuresPerUser))
	if o.redis == "" {
		return s + "; counted in this process"
	}
	addr := o.redis
	if u, err := redis.ParseURL(o.redis); err == nil {
		addr = u.Addr
	}
	mode := "fail closed"
	if o.failOpen {
		mode = "fail open"
	}
	return s + "; counted in Redis " + addr + " (" + mode + ")"
}

// redisLog sends go-redis's own messages (reconnections, pool errors) to
// the program's log, at Warn: the failures that matter reach the log at
// Error through msakit.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.LogAttrs(ctx, slog.LevelWarn, "go-redis", slog.String("detail", strings.TrimSpace(fmt.Sprintf(format, v...))))
}
