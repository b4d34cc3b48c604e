package auth

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/emersion/go-sasl"
)

// ConnState is what the mechanisms need to know of the connection
// (RFC 4954, Section 4 ties the choice of mechanism to the connection's
// protection). The zero value is a connection without TLS.
type ConnState struct {
	// TLS reports whether the connection is under TLS (implicit TLS,
	// RFC 8314, Section 3, or after STARTTLS, RFC 3207). Without it no
	// cleartext mechanism is offered or run (RFC 4954, Section 4;
	// RFC 5068, Section 5).
	TLS bool

	// VerifiedChains are the client certificate chains the TLS stack
	// verified ([crypto/tls.ConnectionState].VerifiedChains, leaf first).
	// EXTERNAL is available only when TLS is true and the first chain has
	// a leaf (RFC 4422, Appendix A).
	VerifiedChains [][]*x509.Certificate

	// Host is the server name the client connected to (for example the
	// TLS SNI name), "" if unknown. When set, an OAUTHBEARER "host" value
	// must match it, ASCII case-insensitively (RFC 7628, Section 3.2).
	Host string
}

// hasCertificate reports whether there is a verified client certificate:
// TLS, and a first chain with a leaf (crypto/tls never hands over an empty
// chain, but a hand-built ConnState might).
func (c ConnState) hasCertificate() bool {
	return c.TLS && len(c.VerifiedChains) > 0 && len(c.VerifiedChains[0]) > 0 && c.VerifiedChains[0][0] != nil
}

// Mechanisms lists the SASL mechanisms to advertise in the EHLO AUTH keyword
// (RFC 4954, Section 3) for a connection in state c, strongest first:
//
//   - EXTERNAL, when c has verified client certificate chains and a
//     implements [CertificateAuthenticator] (RFC 4422, Appendix A);
//   - OAUTHBEARER, under TLS when a implements [TokenAuthenticator]
//     (RFC 7628, Section 3: TLS MUST be used to protect the bearer token);
//   - PLAIN and LOGIN, under TLS only (RFC 4954, Section 4;
//     RFC 5068, Section 5; RFC 8314).
//
// The names are go-sasl's constants ([sasl.External], [sasl.OAuthBearer],
// [sasl.Plain], [sasl.Login]). A nil Authenticator offers nothing. The
// result is a new slice the caller may keep or change; an empty result
// means AUTH must not be advertised.
func Mechanisms(c ConnState, a Authenticator) []string {
	if a == nil {
		return nil
	}
	var ms []string
	if _, ok := a.(CertificateAuthenticator); ok && c.hasCertificate() {
		ms = append(ms, sasl.External)
	}
	if !c.TLS {
		return ms
	}
	if _, ok := a.(TokenAuthenticator); ok {
		ms = append(ms, sasl.OAuthBearer)
	}
	return append(ms, sasl.Plain, sasl.Login)
}

// maxMechanismLen is the longest mechanism name, RFC 4422, Section 3.1.
const maxMechanismLen = 20

// NewServer returns a SASL server (go-sasl's [sasl.Server]) that runs one
// AUTH exchange of mechanism mech (case-insensitive: "PLAIN", "LOGIN",
// "EXTERNAL" or "OAUTHBEARER", go-sasl's constants) for a connection in
// state c, checking credentials with a.
//
// ctx is the context of this AUTH exchange; it is handed to every
// Authenticator call the server makes (go-sasl callbacks take none) and
// must stay valid until the exchange ends (nil is taken as
// [context.Background]). now gives the time stored in
// [Identity].At; nil means [time.Now]. done, if not nil, is called exactly
// once, with the complete Identity (Mechanism and At set), when the
// exchange succeeds, before Next returns done == true; it is never called
// for a failed exchange. Use it to hand the identity to the session
// (go-smtp has no callback after AUTH, DESIGN.md).
//
// NewServer fails with [ErrUnsupported] for an unknown mechanism, a nil
// Authenticator, OAUTHBEARER without [TokenAuthenticator] and EXTERNAL
// without [CertificateAuthenticator]; with [ErrEncryptionRequired] for
// PLAIN, LOGIN and OAUTHBEARER without TLS (RFC 4954, Section 4;
// RFC 7628, Section 3); and with [ErrInvalidCredentials] for EXTERNAL without a
// verified client certificate (RFC 4422, Appendix A.1).
//
// The server's Next follows go-sasl: a nil response means the client sent
// no initial response and gets an empty challenge. Next returns done ==
// true only on success. Any error ends the exchange and matches one
// sentinel of this package: [ErrResponseTooLong] for a response over
// 12288 octets, [ErrMalformed] for bad syntax or a response after the
// end, and the Authenticator's verdict otherwise. Next never panics. A
// server is for one exchange on one goroutine; it is not safe for
// concurrent use.
func NewServer(ctx context.Context, mech string, c ConnState, a Authenticator, now func() time.Time, done func(Identity)) (sasl.Server, error) {
	if len(mech) > maxMechanismLen {
		return nil, fmt.Errorf("%w: mechanism name longer than %d characters", ErrUnsupported, maxMechanismLen)
	}
	name := upperASCII(mech)
	if a == nil {
		return nil, fmt.Errorf("%w: %q: no authenticator", ErrUnsupported, name)
	}
	if now == nil {
		now = time.Now
	}
	if ctx == nil {
		// A nil context is a caller bug; run rather than panic later in
		// the Authenticator (ctx.Err on nil).
		ctx = context.Background()
	}
	x := &exchange{ctx: ctx, mech: name, now: now, done: done}
	switch name {
	case sasl.Plain, sasl.Login:
		if !c.TLS {
			return nil, fmt.Errorf("%w: %s sends the password in the clear", ErrEncryptionRequired, name)
		}
		if name == sasl.Plain {
			return newPlainServer(x, a), nil
		}
		return newLoginServer(x, a), nil
	case sasl.OAuthBearer:
		ta, ok := a.(TokenAuthenticator)
		if !ok {
			return nil, fmt.Errorf("%w: %s: authenticator does not check tokens", ErrUnsupported, name)
		}
		if !c.TLS {
			return nil, fmt.Errorf("%w: %s sends a bearer token in the clear", ErrEncryptionRequired, name)
		}
		return newOAuthBearerServer(x, ta, c.Host), nil
	case sasl.External:
		ca, ok := a.(CertificateAuthenticator)
		if !ok {
			return nil, fmt.Errorf("%w: %s: authenticator does not check certificates", ErrUnsupported, name)
		}
		if !c.hasCertificate() {
			return nil, fmt.Errorf("%w: %s: no verified TLS client certificate", ErrInvalidCredentials, name)
		}
		return newExternalServer(x, ca, c.VerifiedChains), nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupported, name)
}

// upperASCII upper-cases ASCII letters and leaves every other byte alone
// (mechanism names are upper-case ASCII, RFC 4422, Section 3.1).
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// exchange is what every mechanism shares: the captured context (go-sasl
// callbacks take none), the clock, and the success callback.
type exchange struct {
	ctx  context.Context
	mech string
	now  func() time.Time
	done func(Identity)
}

// finish turns the Authenticator's answer into the exchange's outcome. It
// maps foreign errors to ErrTemporary, refuses an empty identity (a broken
// Authenticator) and a requested authzid the Authenticator did not grant,
// fills in Mechanism and At, and calls done.
func (x *exchange) finish(authzid string, id Identity, err error) error {
	if err != nil {
		return authenticatorError(err)
	}
	if id.IsZero() {
		return fmt.Errorf("%w: %s: authenticator returned an empty identity without an error", ErrTemporary, x.mech)
	}
	// RFC 4422, Section 3.4.1 / RFC 4616, Section 2: the server must verify
	// that the credentials permit acting as the requested authzid. The
	// Authenticator grants it by setting AuthorizationID; without that, the
	// authzid must name the authenticated user itself.
	if authzid != "" && id.AuthorizationID == "" && !sameUser(authzid, id.AuthenticationID) {
		return fmt.Errorf("%w: %s: authorization identity not granted", ErrInvalidCredentials, x.mech)
	}
	id.Mechanism = x.mech
	id.At = x.now()
	if x.done != nil {
		x.done(id)
	}
	return nil
}

// guard wraps a mechanism's state machine with what every server needs:
// the response bound, one outcome per exchange, and errors that always
// match a sentinel (go-sasl's own parse errors become ErrMalformed).
type guard struct {
	mech  string
	inner sasl.Server
	over  bool
}

// Next bounds the response (RFC 4954, Section 4), runs the mechanism, and
// ends the exchange on its first error or success.
func (g *guard) Next(response []byte) (challenge []byte, done bool, err error) {
	if g.over {
		return nil, false, malformed(g.mech, "response after the end of the exchange")
	}
	if len(response) > maxResponseLen {
		g.over = true
		return nil, false, fmt.Errorf("%w: %s: response longer than %d octets", ErrResponseTooLong, g.mech, maxResponseLen)
	}
	challenge, done, err = g.inner.Next(response)
	if err != nil {
		g.over = true
		if !isSentinel(err) {
			err = fmt.Errorf("%w: %s: %w", ErrMalformed, g.mech, err)
		}
		return nil, false, err
	}
	if done {
		g.over = true
		return nil, true, nil
	}
	return challenge, false, nil
}
