package submission

import (
	"context"
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
func (s *Session) NewSASLServer(ctx context.Context, mech string) (sasl.Server, error) {
	mech = strings.ToUpper(mech)
	mechAttr := clientString(LogKeyMechanism, mech)
	if s.authenticated() {
		return nil, s.fail(ctx, StageAuth, replyAlreadyAuthenticated(), mechAttr)
	}
	if s.state == txOpen {
		return nil, s.fail(ctx, StageAuth, replyAuthInTransaction(), mechAttr)
	}
	if s.a.cfg.Authenticator == nil {
		return nil, s.fail(ctx, StageAuth, auth.ErrUnsupported, mechAttr)
	}
	srv, err := auth.NewServer(ctx, mech, connState(s.conn), s.a.cfg.Authenticator, s.a.now, s.Authenticated)
	if err != nil {
		return nil, s.fail(ctx, StageAuth, err, mechAttr)
	}
	return &saslServer{s: s, ctx: ctx, mech: mech, srv: srv}, nil
}

// saslServer maps the errors of an auth server to replies and logs them.
type saslServer struct {
	s    *Session
	ctx  context.Context // the AUTH command's context, for logging
	mech string
	srv  sasl.Server
}

// Next passes response to the mechanism; see [sasl.Server].
func (x *saslServer) Next(response []byte) (challenge []byte, done bool, err error) {
	challenge, done, err = x.srv.Next(response)
	if err != nil {
		return nil, true, x.s.fail(x.ctx, StageAuth, err, slog.String(LogKeyMechanism, x.mech))
	}
	return challenge, done, nil
}
