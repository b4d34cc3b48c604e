package msaconfig

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

// Limit is a limit setting, "N/DURATION" or "0".
type Limit struct{ l submission.Limit }

func (l *Limit) Set(s string) error {
	v, err := parseLimit(s)
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	l.l = v
	return nil
}

func (l *Limit) String() string               { return l.l.String() }
func (l *Limit) UnmarshalText(b []byte) error { return l.Set(string(b)) }
func (l Limit) MarshalText() ([]byte, error)  { return []byte(l.l.String()), nil }

// Limits are the limit settings the program uses, without their store:
// behind an MTA, which runs AUTH, none of AUTH failures.
func (l *Loaded) Limits() submission.Limits {
	out := submission.Limits{
		Messages:   l.LimitMessages.l,
		Recipients: l.LimitRecipients.l,
		FailOpen:   l.LimitsFailOpen,
	}
	if l.cl.program.Role == RoleServer {
		out.AuthFailuresPerIP = l.LimitAuthFailures.l
		out.AuthFailuresPerUser = l.LimitAuthFailuresPerUser.l
	}
	return out
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

// limitStore returns l's limits with their store: Redis when redis is set
// (its client is returned for closing; a Redis that does not answer now is
// logged, not fatal: the MSA serves as limits-fail-open says until it
// does), else the Agent's in-process store.
func (l *Loaded) limitStore(logger *slog.Logger) (submission.Limits, *redis.Client, error) {
	lim := l.Limits()
	if l.Redis == "" {
		return lim, nil, nil
	}
	rc, err := redislimit.NewClient(l.Redis)
	if err != nil {
		return lim, nil, fmt.Errorf("redis: %w", err)
	}
	redis.SetLogger(redisLog{logger})
	lim.Store = redislimit.New(rc, redislimit.Options{Prefix: l.RedisPrefix})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := rc.Ping(ctx).Err(); err != nil {
		mode := "refusing mail and AUTH until it does (limits-fail-open is off)"
		if l.LimitsFailOpen {
			mode = "mail and AUTH go through uncounted until it does (limits-fail-open)"
		}
		logger.LogAttrs(ctx, slog.LevelError, "Redis does not answer; "+mode,
			slog.String("redis", rc.Options().Addr), slog.Any("err", err))
	}
	return lim, rc, nil
}

// LimitsBanner describes the limits for the start banner; a Redis URL's
// password is left out.
func (l *Loaded) LimitsBanner() string {
	lim := l.Limits()
	show := func(x submission.Limit) string {
		if x.Max == 0 {
			return "none"
		}
		return x.String()
	}
	s := fmt.Sprintf("limits per user: messages %s, recipients %s; failed AUTH: %s per address, %s per user",
		show(lim.Messages), show(lim.Recipients), show(lim.AuthFailuresPerIP), show(lim.AuthFailuresPerUser))
	if l.Redis == "" {
		return s + "; counted in this process"
	}
	addr := l.Redis
	if u, err := redis.ParseURL(l.Redis); err == nil {
		addr = u.Addr
	}
	mode := "fail closed"
	if l.LimitsFailOpen {
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
