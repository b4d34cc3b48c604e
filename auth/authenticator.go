package auth

import (
	"context"
	"crypto/x509"
)

// Authenticator checks passwords for the PLAIN (RFC 4616) and LOGIN
// (draft-murchison-sasl-login) mechanisms. A server implements it over its
// user directory; [Users] is an in-memory implementation.
//
// AuthenticatePassword is called once per exchange with the context given
// to [NewServer]. authzid is the authorization identity the client asked to
// act as, "" when it asked for none (RFC 4616, Section 2; LOGIN never sends
// one). username and password are as the client sent them, valid UTF-8
// without NUL or control characters in the names; preparing them (RFC 8265)
// is the Authenticator's job.
//
// It returns the Identity on success, with AuthenticationID set (Mechanism
// and At are filled in by the server). When authzid is not "", the
// Authenticator decides whether the user may act as it, and grants it by
// setting AuthorizationID in the returned Identity (normally to authzid, in
// the form it prefers). [NewServer] refuses, with [ErrInvalidCredentials],
// an authzid that was not granted that way unless it names the
// authenticated user itself after [NormalizeUsername]; so an Authenticator
// that ignores authzid is safe.
//
// Errors: [ErrInvalidCredentials] for an unknown user, a wrong password or an
// authzid not granted (use the same error for all three,
// RFC 4954, Section 6), [ErrMechanismTooWeak] when policy wants a stronger
// mechanism for this user. Any other error (a directory outage, ctx ending)
// becomes [ErrTemporary] with the cause kept in the chain. Implementations
// must be safe for concurrent use: a server runs many exchanges at once.
type Authenticator interface {
	// AuthenticatePassword checks a user name and password (PLAIN, LOGIN).
	AuthenticatePassword(ctx context.Context, authzid, username, password string) (Identity, error)
}

// TokenAuthenticator is an optional add-on to [Authenticator] for the
// OAUTHBEARER mechanism (RFC 7628, Section 3). When the Authenticator given
// to [Mechanisms] and [NewServer] also implements it, OAUTHBEARER is offered
// under TLS.
//
// AuthenticateToken validates an OAuth 2.0 bearer token
// (RFC 6750, Section 2.1; token is the b64token after "Bearer ", already
// checked for syntax) and returns the identity it belongs to. authzid is the
// GS2 authorization identity ("a=" in the GS2 header, RFC 7628, Section 3.1,
// decoded), "" when absent; the rules for authzid and the errors are those of
// [Authenticator].
type TokenAuthenticator interface {
	AuthenticateToken(ctx context.Context, authzid, token string) (Identity, error)
}

// CertificateAuthenticator is an optional add-on to [Authenticator] for the
// EXTERNAL mechanism (RFC 4422, Appendix A) over a TLS client certificate.
// When the Authenticator also implements it and the connection has verified
// chains ([ConnState].VerifiedChains), EXTERNAL is offered.
//
// AuthenticateCertificate maps the verified chains (as in
// [crypto/tls.ConnectionState].VerifiedChains, leaf first; never empty when
// called) to an identity. authzid is the identity the client asked to act
// as, "" to let the server derive it from the certificate
// (RFC 4422, Appendix A.1); the rules for authzid and the errors are those of
// [Authenticator]. The chains must not be modified.
type CertificateAuthenticator interface {
	AuthenticateCertificate(ctx context.Context, authzid string, chains [][]*x509.Certificate) (Identity, error)
}
