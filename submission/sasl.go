package submission

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/auth"
)

// NewSASLServer starts an AUTH exchange with mechanism mech (RFC 4954,
// Section 4) against Config.Authenticator, for a server that lets msakit
// run SASL. ctx is used by the Authenticator for the whole exchange.
//
// On success, the returned server calls [Session.Authenticated] with the
// identity before its last Next returns. Every error, from NewSASLServer
// and from the server's Next, is a [*policy.Reply]: 503 5.5.1 when the
// session is already authenticated or inside a mail transaction (RFC
// 4954, Section 4), 504 5.5.4 for an unknown or unavailable mechanism,
// 538 5.7.11 for a cleartext mechanism without TLS, 535 5.7.8 for bad
// credentials, 534 5.7.9, 501 5.5.2 for a malformed response, 500 5.5.6 for
// an overlong one, and 454 4.7.0 for a temporary or internal failure (RFC
// 4954, Section 6). Failures are logged without any payload or password.
//
// With Config.Limits.AuthFailuresPerIP or AuthFailuresPerUser, an address
// or user name that has failed too often gets 454 4.7.0 without any
// credential being checked, and the session's third such refusal is 421
// 4.7.0: the server must then close the connection (RFC 5321, Section
// 3.8), and the session answers 421 to every later AUTH and MAIL. The
// failure charged to an exchange before its credentials are checked is
// given back unless they were invalid, also when the exchange ends
// without a verdict: the client cancels it with "*" (RFC 4954, Section 4;
// the server answers 501 and calls Next no more) or goes away. The session
// learns that at its next [Session.Reset] (which Mail, SetHelo and SetTLS
// make, and a server makes at the end of the connection) or
// NewSASLServer; a server that sees the "*" calls Reset then, so that the
// charge is not held until the next command. A server abandoned so
// refuses any later Next with 454 4.7.0, logged as an internal error.
func (s *Session) NewSASLServer(ctx context.Context, mech string) (sasl.Server, error) {
	s.abandonAuth()
	mech = strings.ToUpper(mech)
	mechAttr := clientString(logKeyMechanism, mech)
	if s.closing {
		return nil, s.fail(ctx, StageAuth, replyAuthClosing(), mechAttr)
	}
	if s.authenticated() {
		return nil, s.fail(ctx, StageAuth, replyAlreadyAuthenticated(), mechAttr)
	}
	if s.state == txOpen {
		return nil, s.fail(ctx, StageAuth, replyAuthInTransaction(), mechAttr)
	}
	if s.a.cfg.Authenticator == nil {
		return nil, s.fail(ctx, StageAuth, auth.ErrUnsupported, mechAttr)
	}
	t, err := s.startAuth(ctx)
	if err != nil {
		return nil, s.fail(ctx, StageAuth, err, mechAttr)
	}
	srv, err := auth.NewServer(ctx, mech, connState(s.conn), s.authenticator(t, mech), s.a.now, s.Authenticated)
	if err != nil {
		t.end(ctx, err)
		return nil, s.fail(ctx, StageAuth, err, mechAttr)
	}
	x := &saslServer{s: s, ctx: ctx, mech: mech, srv: srv, t: t}
	s.sasl = x
	return x, nil
}

// abandonAuth ends the session's AUTH exchange that has had no verdict
// yet, if there is one: the client cancelled it ("*") or the server moved
// on. Its charge to the throttle is given back, as for any exchange that
// did not end in invalid credentials.
func (s *Session) abandonAuth() {
	x := s.sasl
	if x == nil {
		return
	}
	s.sasl = nil
	x.abandoned = true
	x.t.end(x.ctx, nil)
}

// errAuthAbandoned is the cause of the 454 4.7.0 a SASL server answers
// when Next is called after its session moved on (the server's mistake,
// logged at Error).
var errAuthAbandoned = errors.New("submission: AUTH exchange continued after the session moved on")

// saslServer maps the errors of an auth server to replies and logs them.
type saslServer struct {
	s         *Session
	ctx       context.Context // the AUTH command's context, for logging
	mech      string
	srv       sasl.Server
	t         *authAttempt // nil without AUTH limits
	abandoned bool         // the session moved on before a verdict
}

// Next passes response to the mechanism; see [sasl.Server].
func (x *saslServer) Next(response []byte) (challenge []byte, done bool, err error) {
	if x.abandoned {
		return nil, true, x.s.fail(x.ctx, StageAuth, errAuthAbandoned, slog.String(logKeyMechanism, x.mech))
	}
	challenge, done, err = x.srv.Next(response)
	if err != nil || done {
		x.s.sasl = nil
	}
	if err != nil {
		x.t.end(x.ctx, err)
		return nil, true, x.s.fail(x.ctx, StageAuth, err, slog.String(logKeyMechanism, x.mech))
	}
	if done {
		x.t.end(x.ctx, nil)
		if x.s.a.obs != nil {
			x.s.a.obs.Observe(x.ctx, Event{Stage: StageAuth, Mechanism: knownMechanism(x.mech)})
		}
	}
	return challenge, done, nil
}
