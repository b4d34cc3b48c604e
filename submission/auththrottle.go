package submission

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/auth"
)

// authRefusalsBeforeClose is how many AUTH commands of one session the
// throttle refuses with 454 before it answers 421 and the session ends
// (RFC 5321, Section 3.8): the third refused attempt closes the
// connection.
const authRefusalsBeforeClose = 2

// authAttempt is the throttle's view of one AUTH exchange (Limits,
// AuthFailuresPerIP and AuthFailuresPerUser). Each counter is charged
// before the credentials are checked, so that concurrent attempts cannot
// overshoot the limit, and given back unless the exchange ends in invalid
// credentials: a success, a malformed response or a refusal by the
// throttle itself is not a failed guess.
type authAttempt struct {
	s           *Session
	userLimit   Limit
	ipKey       string // "" when not charged
	userKey     string // "" when not charged
	userRefused bool   // the user name's count was at its limit
}

// startAuth charges one failure to the client address before an AUTH
// exchange, and refuses the exchange when the address is at its limit. It
// returns nil when no AUTH limit applies.
func (s *Session) startAuth(ctx context.Context) (*authAttempt, error) {
	l := &s.a.cfg.Limits
	if !l.AuthFailuresPerIP.on() && !l.AuthFailuresPerUser.on() {
		return nil, nil
	}
	t := &authAttempt{s: s, userLimit: l.AuthFailuresPerUser}
	if l.AuthFailuresPerIP.on() {
		key := authIPKey(s.conn.RemoteAddr)
		r, counted, err := s.a.limitAdd(ctx, key, 1, l.AuthFailuresPerIP)
		if err != nil {
			return nil, err
		}
		if !r.Added {
			return nil, s.authRefused(r.ResetIn)
		}
		if counted {
			t.ipKey = key
		}
	}
	return t, nil
}

// authRefused counts a refusal by the throttle and returns its reply: 454
// 4.7.0 with the time left, or 421 4.7.0 once the session has been
// refused authRefusalsBeforeClose times, after which the session refuses
// every command with 421.
func (s *Session) authRefused(resetIn time.Duration) error {
	s.authFails++
	if s.authFails > authRefusalsBeforeClose {
		s.closing = true
		return replyAuthClosing()
	}
	return replyAuthThrottled(resetIn)
}

// checkUser charges one failure to the user name, known only once the
// mechanism has parsed the client's response, and refuses the attempt,
// without checking the password, when the name is at its limit.
func (t *authAttempt) checkUser(ctx context.Context, username string) error {
	if !t.userLimit.on() {
		return nil
	}
	key := authUserKey(username)
	r, counted, err := t.s.a.limitAdd(ctx, key, 1, t.userLimit)
	if err != nil {
		return err
	}
	if !r.Added {
		t.userRefused = true
		return t.s.authRefused(r.ResetIn)
	}
	if counted {
		t.userKey = key
	}
	return nil
}

// end settles the charges when the exchange is over: err is its outcome,
// nil for a success or for an exchange that ended without a verdict
// (abandoned). Only invalid credentials keep the failure counted.
func (t *authAttempt) end(ctx context.Context, err error) {
	if t == nil {
		return
	}
	if err != nil && errors.Is(err, auth.ErrInvalidCredentials) && !t.userRefused {
		return
	}
	a := t.s.a
	if t.ipKey != "" {
		a.giveBack(ctx, t.ipKey, 1, a.cfg.Limits.AuthFailuresPerIP)
	}
	if t.userKey != "" {
		a.giveBack(ctx, t.userKey, 1, t.userLimit)
	}
	t.ipKey, t.userKey = "", ""
}

// authenticator returns what checks the credentials of mechanism mech in
// attempt t: Config.Authenticator, behind a check of the user name's count
// for the password mechanisms when AuthFailuresPerUser applies.
func (s *Session) authenticator(t *authAttempt, mech string) auth.Authenticator {
	a := s.a.cfg.Authenticator
	if t == nil || !t.userLimit.on() || (mech != sasl.Plain && mech != sasl.Login) {
		return a
	}
	return &throttledPasswords{t: t, a: a}
}

// throttledPasswords checks the user name's failure count before the
// password (PLAIN, LOGIN).
type throttledPasswords struct {
	t *authAttempt
	a auth.Authenticator
}

// AuthenticatePassword implements [auth.Authenticator] (RFC 4954, Section
// 6): a refusal by the throttle is a *policy.Reply that passes through the
// mechanism unchanged.
func (p *throttledPasswords) AuthenticatePassword(ctx context.Context, authzid, username, password string) (auth.Identity, error) {
	if err := p.t.checkUser(ctx, username); err != nil {
		return auth.Identity{}, err
	}
	return p.a.AuthenticatePassword(ctx, authzid, username, password)
}
