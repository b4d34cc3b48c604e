package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/msakit/msakit/examples/redislimit"
	"github.com/msakit/msakit/submission"
)

// Defaults of the limits (defaultConfig): AUTH is throttled out of the box
// (a password-guessing client is the commonest attack on a submission
// port), sending is not limited (how much a user may send is the site's
// choice): 10 failed AUTH per client address and 30 per user name in 15
// minutes.

// limit is a limit setting, "N/DURATION" or "0".
type limit struct{ l submission.Limit }

func (l *limit) Set(s string) error {
	v, err := parseLimit(s)
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	l.l = v
	return nil
}

func (l *limit) String() string               { return l.l.String() }
func (l *limit) UnmarshalText(b []byte) error { return l.Set(string(b)) }
func (l limit) MarshalText() ([]byte, error)  { return []byte(l.l.String()), nil }

// limits are the limit settings of c, without their store.
func (c *config) limits() submission.Limits {
	return submission.Limits{
		Messages:            c.LimitMessages.l,
		Recipients:          c.LimitRecipients.l,
		AuthFailuresPerIP:   c.LimitAuthFailures.l,
		AuthFailuresPerUser: c.LimitAuthFailuresPerUser.l,
		FailOpen:            c.LimitsFailOpen,
	}
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

// limitStore returns c's limits with their store: Redis when redis is set
// (its client is returned for closing; a Redis that does not answer now is
// logged, not fatal: the MSA serves as limits-fail-open says until it
// does), else the Agent's in-process store.
func (c *config) limitStore(logger *slog.Logger) (submission.Limits, *redis.Client, error) {
	l := c.limits()
	if c.Redis == "" {
		return l, nil, nil
	}
	rc, err := redislimit.NewClient(c.Redis)
	if err != nil {
		return l, nil, fmt.Errorf("redis: %w", err)
	}
	redis.SetLogger(redisLog{logger})
	l.Store = redislimit.New(rc, redislimit.Options{Prefix: c.RedisPrefix})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := rc.Ping(ctx).Err(); err != nil {
		mode := "refusing mail and AUTH until it does (limits-fail-open is off)"
		if c.LimitsFailOpen {
			mode = "mail and AUTH go through uncounted until it does (limits-fail-open)"
		}
		logger.LogAttrs(ctx, slog.LevelError, "Redis does not answer; "+mode,
			slog.String("redis", rc.Options().Addr), slog.Any("err", err))
	}
	return l, rc, nil
}

// limitsBanner describes the limits for the start banner; a Redis URL's
// password is left out.
func (c *config) limitsBanner() string {
	l := c.limits()
	show := func(l submission.Limit) string {
		if l.Max == 0 {
			return "none"
		}
		return l.String()
	}
	s := fmt.Sprintf("limits per user: messages %s, recipients %s; failed AUTH: %s per address, %s per user",
		show(l.Messages), show(l.Recipients), show(l.AuthFailuresPerIP), show(l.AuthFailuresPerUser))
	if c.Redis == "" {
		return s + "; counted in this process"
	}
	addr := c.Redis
	if u, err := redis.ParseURL(c.Redis); err == nil {
		addr = u.Addr
	}
	mode := "fail closed"
	if c.LimitsFailOpen {
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
